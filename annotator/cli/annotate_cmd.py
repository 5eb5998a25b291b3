"""`annotator annotate`: open the annotation TUI (Textual is imported only here, lazily)."""

from __future__ import annotations

from typing import Annotated

import typer

from annotator.cli.options import DbOption


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
        str | None, typer.Option("--doc", help="Go straight to this document (name, id, file name or prefix).")
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
    db: DbOption = None,
) -> None:
    """Annotate sentences in the terminal; every decision is saved as you make it."""
    from annotator.cli.output import console, warning
    from annotator.core.db import open_database
    from annotator.core.decisions import ensure_annotator
    from annotator.core.repository import find_document
    from annotator.core.schemas import active_schema
    from annotator.tui.config import load_settings

    settings = load_settings()
    engine = open_database(db, create=False)
    schema = active_schema(engine)
    name = annotator or settings.annotator
    if name:
        ensure_annotator(engine, name)  # a bad name is a one-line error, before the screen opens
    document = find_document(engine, doc) if doc else None

    from annotator.tui.app import AnnotatorApp

    app = AnnotatorApp(
        engine, annotator=name, document=document, bidi=bidi, settings=settings, schema=schema, show_all=show_all
    )
    unsaved = app.run()
    result = app.run_result()
    if app.annotator_name:
        console.print(f"{result['saved']} decision(s) saved this session.", highlight=False, markup=False)
    if unsaved or result["unsaved"]:
        warning(f"{max(unsaved or 0, result['unsaved'])} decision(s) were NOT saved (see the messages above)")
        raise typer.Exit(1)
