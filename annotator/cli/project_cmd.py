"""`annotator init|import|sentences|stats`."""

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from annotator.cli.options import DbOption, JsonOption
from annotator.core.errors import UserError

if TYPE_CHECKING:
    from rich.table import Table

    from annotator.core.annotated_import import AnnotatedImportSummary
    from annotator.core.importing import ImportSummary
    from annotator.core.suggest.provenance import SuggestionStats


def _parse_mapping(pairs: list[str] | None, option: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise UserError(f"{option} {pair!r}: expected old=new")
        mapping[old.strip()] = new.strip()
    return mapping


def init(
    labels: Annotated[
        Path | None,
        typer.Option("--labels", help="Label schema TOML file (default: labels/privacy.toml).", readable=False),
    ] = None,
    rename: Annotated[
        list[str] | None,
        typer.Option("--rename", help="Rename a used label when changing schema: old=new (repeatable)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create the project database, or change its label schema."""
    from rich.text import Text

    from annotator.cli.output import console, print_json
    from annotator.core.db import open_database
    from annotator.core.labels import load_schema
    from annotator.core.location import refuse_in_memory
    from annotator.core.redact import display_url
    from annotator.core.schemas import set_schema

    refuse_in_memory(db, "init")
    schema = load_schema(labels)
    engine = open_database(db)
    change = set_schema(engine, schema, _parse_mapping(rename, "--rename"))
    if as_json:
        print_json(
            {"schema": schema.ref, "changed": change.changed, "rewritten_annotations": change.rewritten_annotations}
        )
        return
    what = "now uses" if change.changed else "already uses"
    console.print(Text(f"{display_url(engine.url)} {what} schema {schema.ref}"))
    if change.rewritten_annotations:
        console.print(Text(f"rewrote the labels of {change.rewritten_annotations} annotations"))


def import_(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files or folders: .txt/.md (one document each), .jsonl of documents, or annotated exports "
            "(our JSONL or CSV, Prodigy JSONL, doccano folder/zip/JSONL, Label Studio JSON), recognised by content.",
            # our own checks say what is wrong in one line (Typer's would print a usage block)
            readable=False,
        ),
    ],
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language code for all documents (default: detected).")
    ] = None,
    text_field: Annotated[str, typer.Option("--text-field", help="JSONL field holding the document text.")] = "text",
    labels: Annotated[
        Path | None, typer.Option("--labels", help="Label schema for a new project.", readable=False)
    ] = None,
    label_map: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help="Annotated imports: store label old as new (old=new, repeatable or comma-separated)."
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Read every input as this format instead of recognising it: documents, jsonl, jsonl-annotations, "
            "prodigy, doccano, labelstudio or csv.",
        ),
    ] = None,
    max_file_size: Annotated[
        str,
        typer.Option(
            "--max-file-size",
            help="Refuse files larger than this (1G, 500M, 64K or bytes): a document is read whole into memory.",
        ),
    ] = "1G",
    skip_bad_lines: Annotated[
        bool,
        typer.Option(
            "--skip-bad-lines",
            help="JSONL of documents: import the good lines of a file with bad ones (each reported) "
            "instead of refusing the whole file.",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import documents, or annotated exports with their annotators and decisions. Re-importing changes nothing."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table
    from rich.text import Text

    from annotator.cli.output import console, error, print_json, warning
    from annotator.core.annotated_import import parse_label_map
    from annotator.core.db import open_database
    from annotator.core.importing import import_paths
    from annotator.core.input_files import parse_size
    from annotator.core.labels import load_schema
    from annotator.core.location import refuse_in_memory
    from annotator.core.schemas import active_schema, set_schema
    from annotator.safe_text import safe

    refuse_in_memory(db, "import")
    for path in paths:
        if not os.path.lexists(path):
            raise UserError(f"{path}: no such file or directory")
    try:
        size_limit = parse_size(max_file_size)
    except ValueError as exc:
        raise UserError(f"--max-file-size {exc}") from None
    mapping = parse_label_map(label_map or [])
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

        summary = import_paths(
            engine,
            paths,
            lang=lang,
            text_field=text_field,
            progress=report,
            fmt=fmt,
            label_map=mapping,
            max_file_size=size_limit,
            skip_bad_lines=skip_bad_lines,
        )
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
        if summary.imported or summary.unchanged or not summary.annotated:
            console.print(
                Text(
                    f"{len(summary.imported)} documents ({summary.sentences} sentences) imported, "
                    f"{len(summary.unchanged)} unchanged, {len(summary.refused)} refused"
                )
            )
        for doc in summary.imported:
            if doc.renamed_from:
                warning(
                    f"{doc.source}: a different document is already named {doc.renamed_from!r}; stored as {doc.name!r}"
                )
        _print_annotated(summary.annotated)
        _print_notices(summary)
    for refused in summary.refused:
        error(refused.reason)
    if summary.refused:
        raise typer.Exit(2)


def _print_notices(summary: "ImportSummary") -> None:
    """What was not read, or not read as it was: one warning line each."""
    from annotator.cli.output import warning

    for doc in summary.imported:
        if doc.long_sentences_split:
            warning(
                f"{doc.source}: document {doc.name!r}: {doc.long_sentences_split} sentence(s) longer than "
                f"{summary.max_sentence_chars:,} characters stored in pieces (split at a sentence or clause mark, "
                "else between words)"
            )
    for item in summary.skipped:
        warning(item.reason)
    if summary.ignored_files:
        names = ", ".join(summary.ignored_files[:3]) + (", …" if len(summary.ignored_files) > 3 else "")
        warning(f"{len(summary.ignored_files)} file(s) of other kinds in the folders left alone: {names}")
    for item in summary.skipped_lines:
        warning(f"skipped: {item.reason}")


CONFLICTS_SHOWN = 20


def _print_annotated(results: "list[AnnotatedImportSummary]") -> None:
    """The annotated imports: one row a file, then the conflicts (all of them with --json)."""
    from rich.table import Table
    from rich.text import Text

    from annotator.cli.output import console, warning
    from annotator.safe_text import safe

    if not results:
        return
    table = Table(title="Annotated data", title_justify="left", show_edge=False)
    for column in (
        "file",
        "format",
        "documents new/matched",
        "sentences new/matched",
        "decisions new/changed/same",
        "annotators (new)",
        "gold",
        "conflicts",
    ):
        table.add_column(column, justify="left" if column in ("file", "format") else "right")
    for r in results:
        new_people = f" ({len(r.annotators_created)})" if r.annotators_created else ""
        table.add_row(
            safe(Path(r.source).name, limit=40),
            r.format,
            f"{r.documents_created}/{r.documents_matched}",
            f"{r.sentences_created}/{r.sentences_matched}",
            f"{r.decisions_inserted}/{r.decisions_updated}/{r.decisions_unchanged}",
            f"{len(r.annotators)}{new_people}",
            str(r.gold_stored),
            str(len(r.conflicts) + len(r.gold_conflicts)),
        )
    console.print(table)
    conflicts = [(r, c) for r in results for c in r.conflicts]
    if conflicts:
        shown = Table(
            title="Conflicts: same annotator, same sentence, different decisions (the most recent kept)",
            title_justify="left",
            show_edge=False,
        )
        for column in ("sentence", "annotator", "kept", "database", "file"):
            shown.add_column(column)
        for _r, c in conflicts[:CONFLICTS_SHOWN]:
            shown.add_row(
                c.sentence,
                safe(c.annotator, limit=30),
                c.kept,
                safe(_decision_text(c.existing)),
                safe(_decision_text(c.imported)),
            )
        console.print(shown)
        if len(conflicts) > CONFLICTS_SHOWN:
            console.print(Text(f"... and {len(conflicts) - CONFLICTS_SHOWN} more (--json lists them all)", style="dim"))
    for r in results:
        for g in r.gold_conflicts:
            warning(
                f"{g.sentence}: adjudicated gold {', '.join(g.existing['labels'])} kept; "
                f"the file says {', '.join(g.imported['labels'])}"
            )
        for doc_id, name in r.renamed_documents.items():
            warning(f"{r.source}: document {doc_id} stored as {name!r} (its name is taken)")
        if r.decisions_made_open:
            warning(f"{r.source}: {r.decisions_made_open} decisions labelled with no label were stored as open")


def _decision_text(state: dict[str, Any]) -> str:
    labels = ",".join(state.get("labels") or []) or "-"
    flags = "".join(f" {name}" for name in ("negated", "flagged") if state.get(name))
    return f"{state.get('status')} {labels}{flags} @ {state.get('updated_at')}"


def sentences(
    doc: Annotated[str | None, typer.Option("--doc", help="Document name (or id); default: all documents.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print the sentences of a document (JSON Lines with --json) to check the segmentation."""
    from rich.table import Table

    from annotator.cli.output import console, print_jsonl
    from annotator.core.db import open_database
    from annotator.core.repository import find_document, iter_sentences
    from annotator.safe_text import safe

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
        table.add_row(
            safe(record.doc_name, limit=24), str(record.sent_idx), f"{record.start}-{record.end}", safe(record.text)
        )
    console.print(table)


def stats(
    time: Annotated[
        bool,
        typer.Option(
            "--time", help="Per annotator: decisions, median and p90 seconds a sentence, sentences an hour, labels."
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Documents, sentences, languages and each annotator's progress (--time: their speed and labels)."""
    from rich.table import Table
    from rich.text import Text

    from annotator.cli.output import console, print_json
    from annotator.core.quick_stats import read_stats
    from annotator.safe_text import safe

    # An SQLite project at the head revision is read with sqlite3, without loading SQLAlchemy
    # (most of the command's time); anything else goes the usual way.
    figures = None if time else read_stats(db)
    if figures is not None:
        result, suggestions = figures
    else:
        from annotator.core.db import open_database
        from annotator.core.repository import project_stats
        from annotator.core.schemas import active_schema
        from annotator.core.suggest.provenance import suggestion_stats

        engine = open_database(db, create=False)
        if time:
            from annotator.cli.time_cmd import print_time_stats

            print_time_stats(engine, as_json)
            return
        result = project_stats(engine)
        suggestions = suggestion_stats(engine, active_schema(engine))
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
                "suggestions": suggestions.as_dict(),
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
    if suggestions.decisions_with or suggestions.keyed_without:
        console.print(_suggestions_table(suggestions))


def _suggestions_table(stats: "SuggestionStats") -> "Table":
    """Keys per decision with and without suggestions, and how often each label's suggestion was kept."""
    from rich.table import Table

    def figure(value: float | None, digits: int = 2) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}"

    table = Table(title="Suggestions", title_justify="left")
    for column in ("", "with suggestions", "without"):
        table.add_column(column, justify="left" if not column else "right")
    table.add_row("decisions", str(stats.decisions_with), str(stats.decisions_without))
    table.add_row("keys per decision", figure(stats.keys_with), figure(stats.keys_without))
    table.add_row("  (decisions with keys recorded)", str(stats.keyed_with), str(stats.keyed_without))
    share = stats.unchanged_share
    table.add_row("suggested set kept unchanged", "n/a" if share is None else f"{share:.0%}", "")
    for label, acceptance in stats.per_label.items():
        if acceptance.suggested:
            rate = acceptance.rate
            table.add_row(
                f"  {label}: kept / suggested",
                f"{acceptance.accepted}/{acceptance.suggested} ({'n/a' if rate is None else f'{rate:.0%}'})",
                "",
            )
    return table
