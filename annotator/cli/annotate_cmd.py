"""`annotator annotate`: open the annotation TUI (Textual is imported only here, lazily)."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from annotator.cli.options import DbOption
from annotator.core.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from annotator.core.labels import LabelSchema
    from annotator.tui.suggestions import Suggester


def annotate(
    annotator: Annotated[
        str | None,
        typer.Option(
            "--annotator",
            "-a",
            envvar="ANNOTATOR_NAME",
            help="Your name: every decision is stored under it (default: config.toml, else a prompt).",
        ),
    ] = None,
    doc: Annotated[
        str | None,
        typer.Option(
            "--doc",
            help="Go straight to this document (name, id, file name or prefix). With work assigned: one that holds "
            "some of your units (on your sentences); --all for any.",
        ),
    ] = None,
    bidi: Annotated[
        bool | None,
        typer.Option(
            "--bidi/--no-bidi",
            help="Reorder right-to-left lines for display; --no-bidi for terminals that do bidi themselves "
            "(GNOME Terminal, Konsole). Default: the remembered setting (v toggles it).",
            show_default=False,
        ),
    ] = None,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="List every document, not only your queue (when work is assigned with `annotator assign`).",
        ),
    ] = False,
    suggest: Annotated[
        bool,
        typer.Option(
            "--suggest",
            help="Mark the labels the project's model suggests, with their probability (Tab selects them, S hides "
            "them); retrained in the background as you go. Needs annotator[suggest].",
        ),
    ] = False,
    order: Annotated[
        str,
        typer.Option(
            "--order",
            help="document: sentences in document order; uncertain: your undecided sentences, the ones the model "
            "is least sure of first (implies --suggest).",
        ),
    ] = "document",
    db: DbOption = None,
) -> None:
    """Annotate sentences in the terminal; every decision is saved as you make it."""
    from annotator.cli.output import console, warning
    from annotator.core.db import open_database
    from annotator.core.decisions import ensure_annotator
    from annotator.core.repository import find_document
    from annotator.core.schemas import active_schema
    from annotator.tui.config import load_settings

    if order not in ("document", "uncertain"):
        raise UserError(f"--order {order!r}: expected document or uncertain")
    suggest = suggest or order == "uncertain"
    if suggest:
        from annotator.core.suggest.training import require_sklearn

        require_sklearn()  # without the extra: one line saying how to get it, before anything opens
    settings = load_settings()
    engine = open_database(db, create=False)
    schema = active_schema(engine)
    name = annotator or settings.annotator
    annotator_id = ensure_annotator(engine, name) if name else None  # a bad name: one line, before the screen
    if order == "uncertain" and annotator_id is None:
        raise UserError("--order uncertain needs your name: --annotator NAME (or ANNOTATOR_NAME)")
    document = find_document(engine, doc) if doc else None
    if document is not None and annotator_id is not None and name and not show_all:
        from annotator.core.assignment.report import annotator_queue, not_in_queue

        refused = not_in_queue(document.id, document.name, name, annotator_queue(engine, annotator_id))
        if refused is not None:
            raise UserError(f"--doc {doc}: {refused}")
    suggester = None
    if suggest:
        with console.status("loading the suggestion model…"):
            suggester = _suggester(engine, schema, settings, order, annotator_id)

    from annotator.tui.app import AnnotatorApp

    app = AnnotatorApp(
        engine,
        annotator=name,
        document=document,
        bidi=bidi,
        settings=settings,
        schema=schema,
        show_all=show_all,
        suggester=suggester,
    )
    unsaved = app.run()
    result = app.run_result()
    if app.annotator_name:
        console.print(f"{result['saved']} decision(s) saved this session.", highlight=False, markup=False)
    if unsaved or result["unsaved"]:
        warning(f"{max(unsaved or 0, result['unsaved'])} decision(s) were NOT saved (see the messages above)")
        raise typer.Exit(1)


def _suggester(
    engine: "Engine", schema: "LabelSchema", settings: Any, order: str, annotator_id: int | None
) -> "Suggester":
    """The session's model (the newest stored one, else the schema hints) and, for
    --order uncertain, the first ranking of the annotator's undecided sentences."""
    from annotator.core.suggest.session import rank_uncertain, starting_model, undecided
    from annotator.tui.suggestions import Suggester

    start = starting_model(engine, schema)
    queue = (
        rank_uncertain(start.model, undecided(engine, annotator_id)) if order == "uncertain" and annotator_id else []
    )
    return Suggester(
        schema,
        start.model,
        start.description,
        order=order,
        queue=queue,
        retrain_every=settings.suggest_retrain_every,
        preselect=settings.suggest_preselect,
        base_source=start.source,
    )
