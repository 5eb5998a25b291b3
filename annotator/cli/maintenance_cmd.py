"""`annotator check` and `annotator backup`: is the database whole, and a safe copy of it."""

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from annotator.cli.options import DbOption, JsonOption

if TYPE_CHECKING:
    from annotator.core.integrity import IntegrityReport

STATUS_STYLES = {"ok": "green", "problems": "bold red", "skipped": "dim"}


def check(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Check the database: integrity, schema revision, orphaned rows, labels outside the schema, sentence offsets.

    Exit status 0 when everything is in order, 1 when a problem was found (listed in a table).
    Nothing is changed: a database at an older revision is reported, not upgraded.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from annotator.cli.output import console, print_json
    from annotator.core.db import open_database
    from annotator.core.integrity import check_database

    engine = open_database(db, create=False, upgrade=False)
    with Progress(
        TextColumn("[bold]checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("sentences"),
        TimeRemainingColumn(),
        console=console,
        disable=as_json,
        transient=True,
    ) as bar:
        task = bar.add_task("check", total=None)
        report = check_database(engine, progress=lambda done, total: bar.update(task, completed=done, total=total))
    engine.dispose()
    if as_json:
        print_json({"ok": report.ok, **report.model_dump(mode="json", by_alias=True)})
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def backup(
    path: Annotated[
        Path, typer.Argument(help="Where to write the copy (a new file; never overwritten).", readable=False)
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Copy the database to PATH while others keep annotating (SQLite's online backup), then check the copy.

    PostgreSQL: use pg_dump (the error says how). Exit status 1 when the copy's check found problems
    (the copy is kept: the source has the same ones; run `annotator check`).
    """
    from rich.table import Table
    from rich.text import Text

    from annotator.cli.output import console, print_json
    from annotator.core.backup import backup_database
    from annotator.core.db import open_database
    from annotator.safe_text import safe

    engine = open_database(db, create=False)
    with console.status("copying…") if not as_json else contextlib.nullcontext():
        summary = backup_database(engine, path)
    engine.dispose()
    if as_json:
        print_json(summary.model_dump(mode="json", by_alias=True))
    else:
        table = Table(title="Backup", title_justify="left", show_header=False, show_edge=False)
        table.add_column(style="bold")
        table.add_column()
        table.add_row("from", safe(summary.source))
        table.add_row("copy", safe(summary.copy_path))
        if summary.created_folders:
            table.add_row("created", safe(", ".join(summary.created_folders) + " (did not exist)"))
        table.add_row("size", f"{summary.bytes / 1e6:,.1f} MB, {summary.pages:,} pages in {summary.seconds:.1f} s")
        table.add_row(
            "contents",
            f"{summary.check.documents:,} documents, {summary.check.sentences:,} sentences, "
            f"{summary.check.decisions:,} decisions",
        )
        verdict = "passed" if summary.check.ok else f"{len(summary.check.problems)} problem(s)"
        table.add_row("check", Text(verdict, style="green" if summary.check.ok else "bold red"))
        console.print(table)
        if not summary.check.ok:
            _print_report(summary.check)
    if not summary.check.ok:
        raise typer.Exit(1)


def _print_report(report: "IntegrityReport") -> None:
    from rich.table import Table
    from rich.text import Text

    from annotator.cli.output import console
    from annotator.safe_text import safe

    checks = Table(title=f"Check of {report.database}", title_justify="left", show_edge=False)
    for column in ("check", "what", "result"):
        checks.add_column(column)
    for outcome in report.checks:
        checks.add_row(outcome.name, outcome.description, Text(outcome.status, style=STATUS_STYLES[outcome.status]))
    console.print(checks)
    summary = (
        f"revision {report.revision or 'none'} (head {report.head}), schema {report.schema_ref or 'none'}; "
        f"{report.documents:,} documents, {report.sentences:,} sentences, {report.decisions:,} decisions"
    )
    console.print(Text(summary, style="dim"))
    if report.ok:
        console.print(Text("no problems found", style="green"))
        return
    problems = Table(title="Problems", title_justify="left", show_edge=False, show_lines=True)
    for column in ("check", "table", "rows", "problem", "for example"):
        problems.add_column(column, justify="right" if column == "rows" else "left")
    for problem in report.problems:
        problems.add_row(
            problem.check,
            problem.table or "",
            f"{problem.rows:,}" if problem.rows else "",
            safe(problem.what),
            safe("\n".join(problem.examples)),
        )
    console.print(problems)
