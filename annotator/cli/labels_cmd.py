"""`annotator labels show|validate`."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from annotator.cli.options import DbOption, JsonOption

if TYPE_CHECKING:
    from rich.table import Table

    from annotator.core.labels import LabelSchema

labels_app = typer.Typer(help="Show or validate label schemas.", no_args_is_help=True)


def schema_table(schema: "LabelSchema") -> "Table":
    from rich.table import Table
    from rich.text import Text

    from annotator.safe_text import safe

    table = Table(title=f"{schema.ref} ({schema.mode}-label)", show_lines=True, title_justify="left")
    table.add_column("key", justify="center", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("name")
    table.add_column("definition and example", ratio=1)
    for label in schema.labels:
        keys = label.key + (f" / {label.alt_key}" if label.alt_key else "")
        body = safe(label.description)
        if label.exclusive:
            body.append(" (exclusive)", style="italic")
        if label.example:
            body.append("\n")
            body.append(Text("e.g. ", style="dim") + safe(label.example, style="dim italic"))
        for attribute in label.attributes:
            body.append(f"\n{attribute.name}: {', '.join(attribute.values)}", style="cyan")
        table.add_row(Text(keys, style="bold"), safe(label.id), safe(label.name), body)
    return table


@labels_app.command("show")
def show(
    file: Annotated[
        Path | None, typer.Argument(help="A schema file; default: the project's schema.", readable=False)
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a label schema: keys, ids, definitions and examples."""
    from annotator.cli.output import console, print_json
    from annotator.core.labels import load_schema

    if file is not None:
        schema = load_schema(file)
    else:
        from annotator.core.db import open_database, resolve_db
        from annotator.core.schemas import active_schema

        target = resolve_db(db)
        if "://" in target or Path(target).exists():
            schema = active_schema(open_database(target, create=False))
        else:
            schema = load_schema()  # no project yet: the default it would get
    if as_json:
        print_json(schema.model_dump())
    else:
        console.print(schema_table(schema))


@labels_app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="The schema file to check.", readable=False)],
    as_json: JsonOption = False,
) -> None:
    """Check a schema file; errors name the file and the field."""
    from rich.text import Text

    from annotator.cli.output import console, print_json
    from annotator.core.labels import load_schema

    schema = load_schema(file)
    if as_json:
        print_json({"valid": True, "schema": schema.ref, "labels": len(schema.labels)})
    else:
        console.print(Text(f"{file}: valid, schema {schema.ref}, {len(schema.labels)} labels ({schema.mode}-label)"))
