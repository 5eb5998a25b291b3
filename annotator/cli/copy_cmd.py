"""`annotator copy --to URL | --from URL`: move a whole project between SQLite and PostgreSQL."""

from typing import Annotated

import typer

from annotator.cli.options import DbOption, JsonOption
from annotator.core.errors import UserError


def copy(
    to: Annotated[
        str | None,
        typer.Option("--to", help="Copy this project (--db) into this empty database: a file path or a URL."),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from", help="Copy the project in this database (a file path or a URL) into --db, which must be empty."
        ),
    ] = None,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify/--no-verify", help="Compare the row counts and a JSONL export of both sides (default: on)."
        ),
    ] = True,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Copy a whole project (decisions, event log, gold, assignments) into an empty database, and verify it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table
    from rich.text import Text

    from annotator.cli.output import console, error, print_json
    from annotator.core.copying import copy_project
    from annotator.core.db import open_database, resolve_db
    from annotator.core.location import refuse_in_memory

    if (to is None) == (from_ is None):
        raise UserError("copy: give exactly one of --to DATABASE (from --db) or --from DATABASE (into --db)")
    here = resolve_db(db)
    source_ref, target_ref = (here, to) if to is not None else (from_, here)
    assert source_ref is not None and target_ref is not None
    refuse_in_memory(target_ref, "the copy's target")
    source = open_database(source_ref, create=False)
    target = open_database(target_ref)
    try:
        with Progress(
            TextColumn("[bold]copying"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TimeRemainingColumn(),
            console=console,
            disable=as_json,
            transient=True,
        ) as bar:
            task = bar.add_task("copy", total=None)

            def report(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = copy_project(source, target, verify=verify, progress=report)
    finally:
        source.dispose()
        target.dispose()
    if as_json:
        print_json(
            {
                "source": result.source,
                "target": result.target,
                "rows": result.rows,
                "seconds": round(result.seconds, 3),
                "tables": {c.table: {"source": c.source, "target": c.target} for c in result.tables},
                "counts_match": result.counts_match,
                "export_identical": result.exports_identical,
                "export_sha256": result.source_sha256,
                "export_bytes": result.export_bytes,
            }
        )
    else:
        table = Table(title=f"Copied {result.source} → {result.target}", title_justify="left")
        for column in ("table", "source rows", "target rows", ""):
            table.add_column(column, justify="left" if column == "table" else "right")
        for count in result.tables:
            mark = Text("✓", style="green") if count.same else Text("✗ differs", style="bold red")
            table.add_row(count.table, f"{count.source:,}", f"{count.target:,}", mark)
        console.print(table)
        console.print(Text(f"{result.rows:,} rows in {result.seconds:.1f} s"))
        if result.exports_identical is None:
            console.print(Text("export not compared (--no-verify)", style="dim"))
        elif result.exports_identical:
            console.print(
                Text(
                    f"exports byte-identical: {result.export_bytes:,} bytes, sha256 {result.source_sha256}",
                    style="green",
                )
            )
    if not result.verified:
        what = "row counts differ" if not result.counts_match else "the exports of the two databases differ"
        error(f"copy NOT verified: {what}; keep using the source, and report this")
        raise typer.Exit(1)
