"""`annotator gold` (fill the gold by rule, or show what is stored) and `annotator adjudicate`
(the review screen: Textual is imported only there, lazily)."""

from contextlib import nullcontext
from typing import TYPE_CHECKING, Annotated

import typer

from annotator.cli.agreement_cmd import split_list
from annotator.cli.options import DbOption, JsonOption
from annotator.core.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy import Engine

DocsOption = Annotated[
    list[str] | None,
    typer.Option("--docs", help="Only the sentences of these documents (comma-separated names or ids)."),
]
GoldDocsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--docs",
        help="Only the sentences of these documents (comma-separated names or ids): what --auto fills, "
        "or what the count shows.",
    ),
]
MinOption = Annotated[
    int,
    typer.Option("--min-annotators", help="Labelled decisions a sentence needs (at least 2)."),
]

AUTO_ROWS = (
    ("created", "created", "sentences that had no gold"),
    ("updated", "updated", "rule gold the decisions now support differently"),
    ("unchanged", "unchanged", "rule gold that still holds"),
    ("removed", "removed", "rule gold the decisions no longer support"),
    ("adjudicated", "kept: adjudicated", "a person's gold is never changed"),
    ("imported", "kept: imported", "an imported gold is not the rule's: never changed"),
    ("left_for_review", "left for review", "disputed, no gold: `annotator adjudicate` shows them"),
    ("too_few", "too few decisions", "labelled by fewer than --min-annotators"),
)


def _document_ids(engine: "Engine", docs: list[str] | None) -> list[int] | None:
    from annotator.core.repository import find_document

    if docs is None:
        return None
    return sorted({find_document(engine, ref).id for ref in docs})


def gold(
    auto: Annotated[
        str | None,
        typer.Option(
            "--auto",
            help="Fill the gold by rule: unanimous (every labelled decision the same set) or majority "
            "(one set chosen by more than half; ties give none). Never changes a gold a person adjudicated "
            "or an imported one.",
        ),
    ] = None,
    min_annotators: MinOption = 2,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would change; change nothing.")] = False,
    independent_only: Annotated[
        bool,
        typer.Option(
            "--independent-only",
            help="--auto: count only decisions saved without model suggestions shown (the others are not independent).",
        ),
    ] = False,
    docs: GoldDocsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Gold labels: fill them by rule (--auto), or show how many there are per method (of --docs only, if given)."""
    from rich.table import Table
    from rich.text import Text

    from annotator.cli.output import console, print_json
    from annotator.core.db import open_database
    from annotator.core.gold.auto import auto_gold
    from annotator.core.gold.rules import AUTO_POLICIES
    from annotator.core.gold.store import gold_counts
    from annotator.core.schemas import active_schema

    if auto is not None and auto not in AUTO_POLICIES:
        raise UserError(f"--auto {auto!r}: expected unanimous or majority")
    if min_annotators < 2:
        raise UserError(f"--min-annotators {min_annotators}: agreement needs at least 2 annotators")
    if auto is None and dry_run:
        raise UserError("--dry-run goes with --auto unanimous|majority")
    if auto is None and independent_only:
        raise UserError("--independent-only goes with --auto unanimous|majority")
    engine = open_database(db, create=False)
    try:
        document_ids = _document_ids(engine, split_list(docs, "--docs"))
        if auto is None:
            counts = gold_counts(engine, documents=document_ids)
            if as_json:
                print_json({"gold": counts, "total": sum(counts.values())})
                return
            where = f" in {len(document_ids):,} document(s)" if document_ids is not None else ""
            title = f"Stored gold{where}"
            table = Table(title=title, title_justify="left", min_width=len(title))
            table.add_column("method")
            table.add_column("sentences", justify="right")
            for method, n in counts.items():
                table.add_row(method, f"{n:,}")
            table.add_row(Text("total", style="bold"), Text(f"{sum(counts.values()):,}", style="bold"))
            console.print(table)
            return
        schema = active_schema(engine, install_default=False)
        with console.status("computing the gold…") if not as_json else nullcontext():
            summary = auto_gold(
                engine,
                schema,
                auto,
                min_annotators=min_annotators,
                dry_run=dry_run,
                documents=document_ids,
                independent_only=independent_only,
            )
    finally:
        engine.dispose()
    if as_json:
        print_json(summary.model_dump(exclude_none=True))
        return
    what = "would change (dry run: nothing written)" if dry_run else "done"
    table = Table(
        title=f"gold --auto {auto}, at least {summary.min_annotators} annotators: {what}", title_justify="left"
    )
    table.add_column("sentences")
    table.add_column("count", justify="right")
    table.add_column("what", style="dim")
    for key, name, meaning in AUTO_ROWS:
        table.add_row(name, f"{getattr(summary, key):,}", meaning)
    console.print(table)
    if summary.independent_only is not None:
        left_out = summary.independent_only["left_out"]
        console.print(Text(f"--independent-only: {left_out} decision(s) made with suggestions shown not counted"))


def adjudicate(
    adjudicator: Annotated[
        str | None,
        typer.Option("--as", help="Who decides the gold (stored as its 'by', e.g. lead).", show_default=False),
    ] = None,
    label: Annotated[
        str | None, typer.Option("--label", help="Only sentences where this label is disputed (a label id).")
    ] = None,
    docs: DocsOption = None,
    min_annotators: MinOption = 2,
    blind: Annotated[
        bool, typer.Option("--blind", help="Hide the annotators' names: A, B, C… (anonymous adjudication).")
    ] = False,
    include_gold: Annotated[
        bool,
        typer.Option("--all", help="Also sentences that already have a gold (by rule or by a person), to check it."),
    ] = False,
    bidi: Annotated[
        bool | None,
        typer.Option(
            "--bidi/--no-bidi",
            help="Reorder right-to-left lines for display (--no-bidi for terminals that do bidi themselves).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Turn disagreements into gold: a queue of the disputed sentences, hardest first."""
    from annotator.cli.output import console, warning
    from annotator.core.db import open_database
    from annotator.core.decisions import ensure_annotator
    from annotator.core.schemas import active_schema
    from annotator.tui.config import load_settings

    if not adjudicator or not adjudicator.strip():
        raise UserError("adjudicate needs --as NAME: who decides the gold (e.g. --as lead)")
    if min_annotators < 2:
        raise UserError(f"--min-annotators {min_annotators}: agreement needs at least 2 annotators")
    settings = load_settings()
    engine = open_database(db, create=False)
    schema = active_schema(engine, install_default=False)
    if label is not None and label not in schema.bit_of:
        raise UserError(f"--label {label!r}: not a label of {schema.ref} (labels: {', '.join(schema.label_ids)})")
    ensure_annotator(engine, adjudicator)  # a bad name is a one-line error, before the screen opens
    document_ids = _document_ids(engine, split_list(docs, "--docs"))

    from annotator.tui.review_app import ReviewApp

    app = ReviewApp(
        engine,
        adjudicator=adjudicator.strip(),
        label=label,
        documents=document_ids,
        min_annotators=min_annotators,
        blind=blind,
        include_gold=include_gold,
        bidi=bidi,
        settings=settings,
        schema=schema,
    )
    unsaved = app.run()
    result = app.run_result()
    console.print(f"{result['saved']} gold label set(s) saved this session.", highlight=False, markup=False)
    if unsaved or result["unsaved"]:
        warning(f"{max(unsaved or 0, result['unsaved'])} gold label set(s) were NOT saved (see the messages above)")
        raise typer.Exit(1)
