"""Options shared by every command."""

from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ANNOTATOR_DB",
        help="Database: a file path (embedded SQLite) or an SQLAlchemy URL such as postgresql://host/db.",
        show_default="./annotations.db",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of tables.")]
