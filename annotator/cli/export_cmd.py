"""`annotator export`: the dataset, in our JSONL or an interop format."""

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from annotator.cli.options import DbOption, JsonOption
from annotator.core.errors import UserError
from annotator.core.text import count_of

if TYPE_CHECKING:
    from annotator.core.exporting import ExportSummary
    from annotator.core.exporting import Progress as Progress_

FORMAT_HELP = "jsonl (default: one line a sentence), jsonl-annotations, prodigy, doccano, labelstudio or csv."
GOLD_HELP = (
    "Gold for the sentences without a stored one, computed from the exported annotators' labelled decisions: "
    "unanimous (every labelled decision the same set), majority (one label set chosen by more than half; "
    "ties give none) or adjudicated (none computed: only the stored gold). A stored gold (adjudicated, "
    "from gold --auto or imported) always wins, whatever this says."
)


def export(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Where to write (default: exports/dataset-<UTC time>.<ext>); - writes the records to standard "
            "output and the summary to standard error. doccano: a .zip, or a folder.",
            readable=False,  # we check it ourselves and say what is wrong in one line
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help=FORMAT_HELP)] = "jsonl",
    annotators: Annotated[
        str | None, typer.Option("--annotators", help="Only these annotators' decisions: a,b (default: everybody).")
    ] = None,
    docs: Annotated[
        str | None, typer.Option("--docs", help="Only these documents, by name or doc id: d1,d2 (default: all).")
    ] = None,
    only_gold: Annotated[
        bool, typer.Option("--only-gold", help="Only sentences that have a gold: a stored one, or one --gold computes.")
    ] = False,
    gold: Annotated[str, typer.Option("--gold", help=GOLD_HELP)] = "majority",
    split: Annotated[
        str | None,
        typer.Option("--split", help="Train,dev,test ratios such as 0.8,0.1,0.1: each document goes to one split."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the document split (same seed, same split).")] = 0,
    split_files: Annotated[
        bool, typer.Option("--split-files", help="One file per split (train, dev, test) in the folder -o.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export the dataset: every sentence with every annotator's decision and the gold.

    The file appears only when complete (written under a temporary name, renamed at the end).
    Missing folders on the way to -o are created, and the summary says so.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table
    from rich.text import Text

    from annotator.cli.output import console, err_console, print_json, warning
    from annotator.core.exporting import export_sqlite_jsonl
    from annotator.core.exporting.sqlite import open_for_export
    from annotator.safe_text import safe

    ratios = None
    if split is not None:
        from annotator.core.formats import parse_ratios

        try:
            ratios = parse_ratios(split)
        except ValueError as exc:
            raise UserError(f"--split: {exc}") from exc
    to_stdout = output is not None and (str(output) == "-" or _names_stdout(str(output)))
    # With -o - the records own standard output: everything else goes to standard error.
    shown = err_console if to_stdout else console
    # the plan splits the comma-separated names
    chosen_annotators = None if annotators is None else [annotators]
    chosen_docs = None if docs is None else [docs]
    stream = sys.stdout.buffer if to_stdout else None
    # Our JSONL from an SQLite file at head is read with sqlite3: SQLAlchemy is never imported
    # (memory, start-up). Anything else, the usual way. Opened first, as before: a database
    # that cannot be opened is the first thing said.
    source = open_for_export(db) if fmt == "jsonl" else None
    selection: dict[str, Any] = {
        "annotators": chosen_annotators,
        "documents": chosen_docs,
        "gold": gold,
        "only_gold": only_gold,
        "ratios": ratios,
        "seed": seed,
        "split_files": split_files,
        "stream": stream,
    }
    if source is None:
        from annotator.core.db import open_database
        from annotator.core.exporting import export_dataset

        engine = open_database(db, create=False)

        def run(progress: "Progress_") -> "ExportSummary":
            return export_dataset(engine, output, fmt, progress=progress, **selection)

    else:
        opened = source

        def run(progress: "Progress_") -> "ExportSummary":
            return export_sqlite_jsonl(opened, output, progress=progress, **selection)

    with Progress(
        TextColumn("[bold]exporting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("sentences"),
        TimeRemainingColumn(),
        console=shown,
        disable=as_json,
        transient=True,
    ) as bar:
        task = bar.add_task("export", total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            summary = run(report)
        except BrokenPipeError:
            _reader_gone()
            raise
    for path in summary.removed_temporaries:
        warning(f"removed {path}, left by an export that was killed")
    if as_json:
        print_json(summary.model_dump(mode="json", by_alias=True), stderr=to_stdout)
        return
    table = Table(title="Exported", title_justify="left", show_header=False, show_edge=False)
    table.add_column(style="bold")
    table.add_column()
    files = summary.files if len(summary.files) <= 6 else [*summary.files[:5], f"... {len(summary.files) - 5} more"]
    written = "standard output" if to_stdout else "\n".join(files) if files else summary.path
    table.add_row("written", safe(written))
    if summary.created_folders:
        table.add_row("created", safe(", ".join(summary.created_folders) + " (did not exist)"))
    table.add_row("format", f"{summary.format}, schema {summary.schema_ref}")
    table.add_row(
        "sentences", f"{summary.sentences:,} from {summary.documents:,} documents ({summary.items:,} lines/rows)"
    )
    table.add_row("decisions", f"{summary.decisions:,} by {count_of(len(summary.annotators), 'annotator')}")
    table.add_row("annotators", safe(", ".join(summary.annotators) or "none"))
    gold_text = ", ".join(f"{method} {count:,}" for method, count in summary.gold.items() if count)
    table.add_row("gold", f"{gold_text or 'none'} (policy {summary.gold_policy})")
    if summary.splits is not None:
        table.add_row(
            "splits",
            ", ".join(f"{name} {c.documents:,} docs / {c.sentences:,} sentences" for name, c in summary.splits.items()),
        )
    rate = summary.bytes / 1e6 / summary.seconds if summary.seconds else 0.0
    table.add_row("size", f"{summary.bytes / 1e6:,.1f} MB in {summary.seconds:.1f} s ({rate:,.0f} MB/s)")
    shown.print(table)
    if summary.sentences == 0:
        shown.print(Text("nothing to export (no sentences match)", style="dim"))


def _reader_gone() -> None:
    """``export -o - | head``: the reader stopped early. End quietly, as Unix tools do."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # else Python complains again when it flushes stdout at exit
    os.close(devnull)
    raise typer.Exit(141)  # 128 + SIGPIPE: what a shell reports for a tool ended by a closed pipe


def _names_stdout(path: str) -> bool:
    """``-o /dev/stdout`` (or ``/proc/self/fd/1``, or the very file stdout is redirected to)
    is ``-o -``: the records alone on standard output, the summary on standard error."""
    import os

    try:
        target, out = os.stat(path), os.fstat(1)
    except (OSError, ValueError):
        return False
    return (target.st_dev, target.st_ino) == (out.st_dev, out.st_ino)
