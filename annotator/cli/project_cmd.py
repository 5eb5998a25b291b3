"""`annotator init|import|sentences|stats`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from annotator.cli.options import DbOption, JsonOption
from annotator.cli.output import console, error, print_json, print_jsonl, safe, warning
from annotator.core.errors import UserError


def _parse_mapping(pairs: list[str] | None, option: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise UserError(f"{option} {pair!r}: expected old=new")
        mapping[old.strip()] = new.strip()
    return mapping


def init(
    labels: Annotated[Path | None, typer.Option("--labels", help="Label schema TOML file (default: labels/privacy.toml).")] = None,
    rename: Annotated[
        list[str] | None, typer.Option("--rename", help="Rename a used label when changing schema: old=new (repeatable).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create the project database, or change its label schema."""
    from annotator.core.db import open_database
    from annotator.core.labels import load_schema
    from annotator.core.schemas import set_schema

    schema = load_schema(labels)
    engine = open_database(db)
    change = set_schema(engine, schema, _parse_mapping(rename, "--rename"))
    if as_json:
        print_json({"schema": schema.ref, "changed": change.changed, "rewritten_annotations": change.rewritten_annotations})
        return
    what = "now uses" if change.changed else "already uses"
    console.print(Text(f"{engine.url.render_as_string(hide_password=True)} {what} schema {schema.ref}"))
    if change.rewritten_annotations:
        console.print(Text(f"rewrote the labels of {change.rewritten_annotations} annotations"))


def import_(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders: .txt/.md (one document each) or .jsonl.")],
    lang: Annotated[str | None, typer.Option("--lang", help="Language code for all documents (default: detected).")] = None,
    text_field: Annotated[str, typer.Option("--text-field", help="JSONL field holding the document text.")] = "text",
    labels: Annotated[Path | None, typer.Option("--labels", help="Label schema for a new project.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import documents: split them into sentences and store them. Re-importing changes nothing."""
    from annotator.core.db import open_database
    from annotator.core.importing import import_paths
    from annotator.core.labels import load_schema
    from annotator.core.schemas import active_schema, set_schema

    for path in paths:
        if not path.exists():
            raise UserError(f"{path}: no such file or directory")
    # Bulk import: synchronous=NORMAL survives a killed process; a re-run completes the rest.
    engine = open_database(db, synchronous="NORMAL")
    if labels is not None:
        set_schema(engine, load_schema(labels))
    else:
        active_schema(engine)
    with Progress(
        TextColumn("[bold]importing"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[current]}", markup=False),
        console=console if not as_json else None,
        disable=as_json,
        transient=True,
    ) as bar:
        task = bar.add_task("import", total=None, current="")

        def report(done: int, total: int, current: str) -> None:
            bar.update(task, completed=done, total=total, current=Path(current).name[-40:])

        summary = import_paths(engine, paths, lang=lang, text_field=text_field, progress=report)
    if as_json:
        print_json(summary.model_dump())
    else:
        table = Table(title="Imported", title_justify="left", show_edge=False)
        for column in ("document", "doc_id", "lang", "sentences"):
            table.add_column(column, justify="right" if column == "sentences" else "left")
        for doc in summary.imported:
            table.add_row(safe(doc.name, limit=60), doc.doc_id, doc.lang or "?", str(doc.sentences))
        if summary.imported:
            console.print(table)
        console.print(
            Text(
                f"{len(summary.imported)} documents ({summary.sentences} sentences) imported, "
                f"{len(summary.unchanged)} unchanged, {len(summary.refused)} refused"
            )
        )
        for doc in summary.imported:
            if doc.renamed_from:
                warning(f"{doc.source}: a different document is already named {doc.renamed_from!r}; stored as {doc.name!r}")
    for refused in summary.refused:
        error(refused.reason)
    if summary.refused:
        raise typer.Exit(2)


def sentences(
    doc: Annotated[str | None, typer.Option("--doc", help="Document name (or id); default: all documents.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print the sentences of a document (JSON Lines with --json) to check the segmentation."""
    from annotator.core.db import open_database
    from annotator.core.repository import find_document, iter_sentences

    engine = open_database(db, create=False)
    document_id = find_document(engine, doc).id if doc else None
    if as_json:
        for record in iter_sentences(engine, document_id):
            print_jsonl(
                {
                    "doc_id": record.doc_id,
                    "doc_name": record.doc_name,
                    "sent_idx": record.sent_idx,
                    "start": record.start,
                    "end": record.end,
                    "lang": record.lang,
                    "text": record.text,
                }
            )
        return
    table = Table(show_edge=False, show_lines=False)
    table.add_column("document", no_wrap=True)
    table.add_column("#", justify="right")
    table.add_column("offsets", justify="right", no_wrap=True)
    table.add_column("sentence", ratio=1)
    for record in iter_sentences(engine, document_id):
        table.add_row(safe(record.doc_name, limit=24), str(record.sent_idx), f"{record.start}-{record.end}", safe(record.text))
    console.print(table)


def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Documents, sentences, languages and each annotator's progress."""
    from annotator.core.db import open_database
    from annotator.core.repository import project_stats

    engine = open_database(db, create=False)
    result = project_stats(engine)
    if as_json:
        print_json(
            {
                "documents": result.documents,
                "sentences": result.sentences,
                "languages": result.languages,
                "schema": result.schema,
                "annotators": {
                    name: {"labelled": c.labelled, "skipped": c.skipped, "flagged": c.flagged}
                    for name, c in result.annotators.items()
                },
            }
        )
        return
    overview = Table(title="Project", title_justify="left", show_header=False, show_edge=False)
    overview.add_column(style="bold")
    overview.add_column()
    overview.add_row("schema", result.schema or "none")
    overview.add_row("documents", str(result.documents))
    overview.add_row("sentences", str(result.sentences))
    overview.add_row("languages", ", ".join(f"{lang} {n}" for lang, n in sorted(result.languages.items())) or "—")
    console.print(overview)
    people = Table(title="Annotators", title_justify="left")
    for column in ("annotator", "labelled", "skipped", "flagged", "done"):
        people.add_column(column, justify="left" if column == "annotator" else "right")
    for name, counts in result.annotators.items():
        done = counts.labelled + counts.skipped
        share = f"{done / result.sentences:.0%}" if result.sentences else "n/a"
        people.add_row(safe(name), str(counts.labelled), str(counts.skipped), str(counts.flagged), share)
    if result.annotators:
        console.print(people)
    else:
        console.print(Text("no annotations yet", style="dim"))
