"""The Typer application: global options, and the commands registered from their modules."""

from dataclasses import dataclass
from typing import Annotated

import typer

from annotator import __version__
from annotator.cli import (
    agreement_cmd,
    annotate_cmd,
    copy_cmd,
    export_cmd,
    gold_cmd,
    labels_cmd,
    maintenance_cmd,
    model_cmd,
    project_cmd,
    team_cmd,
)


@dataclass
class CliState:
    debug: bool = False


state = CliState()

app = typer.Typer(
    name="annotator",
    help="Tag the sentences of documents with privacy categories, measure agreement, export datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"annotator {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    state.debug = debug


app.command("init")(project_cmd.init)
app.command("import")(project_cmd.import_)
app.command("sentences")(project_cmd.sentences)
app.command("stats")(project_cmd.stats)
app.add_typer(labels_cmd.labels_app, name="labels")
app.command("annotate")(annotate_cmd.annotate)
app.command("agreement")(agreement_cmd.agreement)
app.command("gold")(gold_cmd.gold)
app.command("adjudicate")(gold_cmd.adjudicate)
app.command("export")(export_cmd.export)
app.command("assign")(team_cmd.assign)
app.command("assignments")(team_cmd.assignments)
app.command("copy")(copy_cmd.copy)
app.add_typer(model_cmd.model_app, name="model")
app.command("check")(maintenance_cmd.check)
app.command("backup")(maintenance_cmd.backup)
