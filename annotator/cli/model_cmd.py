"""`annotator model train|evaluate|show`: the suggestion model of a project (issue 12).

scikit-learn (the ``annotator[suggest]`` extra) is imported only when a command trains;
without it every command says in one line how to install it.
"""

import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from annotator.cli.options import DbOption, JsonOption

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from annotator.core.suggest.store import StoredModel

model_app = typer.Typer(help="Train, evaluate and show the model that suggests labels.", no_args_is_help=True)

SourceOption = Annotated[
    str,
    typer.Option(
        "--from",
        help="Training labels: gold, majority or annotator:NAME; join several with + "
        "(gold+annotator:amal: gold first, then amal's labels).",
    ),
]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed for the folds and the classifiers.")]


def _figure(value: float | None) -> "Text":
    from rich.text import Text

    from annotator.core.agreement.formatting import NA, format_coefficient

    text = format_coefficient(value)
    return Text(text, style="dim") if text == NA else Text(text)


def _figures_table(title: str, figures: dict[str, Any], extra: dict[str, list[str]]) -> "Table":
    """Per label precision/recall/F1/support, then the macro means; ``extra`` adds columns."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left", show_edge=False)
    table.add_column("label")
    for column in (*extra, "precision", "recall", "F1", "support"):
        table.add_column(column, justify="right")
    for index, (label, score) in enumerate(figures["per_label"].items()):
        table.add_row(
            label,
            *(Text(values[index]) for values in extra.values()),
            _figure(score["precision"]),
            _figure(score["recall"]),
            _figure(score["f1"]),
            str(score["support"]),
        )
    mean = figures["macro"]
    table.add_section()
    table.add_row(
        Text("macro mean", style="bold"),
        *(Text("") for _ in extra),
        _figure(mean["precision"]),
        _figure(mean["recall"]),
        _figure(mean["f1"]),
        "",
    )
    return table


def _stored_line(stored: "StoredModel", seconds: float | None = None) -> "Text":
    from rich.text import Text

    took = f" in {seconds:.1f} s" if seconds is not None else ""
    when = stored.created_at.strftime("%Y-%m-%d %H:%M UTC") if stored.created_at else "?"
    return Text(
        f"model version {stored.version} ({stored.schema_ref}): {stored.n_sentences:,} sentences "
        f"from {stored.source}, trained {when}{took}, {stored.size / 1e6:.1f} MB"
    )


@model_app.command("train")
def train(
    source: SourceOption = "gold",
    seed: SeedOption = 0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Train the suggestion model on the project's labels and store it as the next version."""
    from annotator.cli.output import console, print_json, warning
    from annotator.core.db import open_database
    from annotator.core.suggest.model import MIN_POSITIVES
    from annotator.core.suggest.project import train_project_model
    from annotator.core.suggest.sources import parse_source
    from annotator.core.suggest.training import require_sklearn

    parse_source(source)
    require_sklearn()
    engine = open_database(db, create=False)
    started = time.perf_counter()
    with console.status("training…", spinner="dots") if not as_json else _nothing():
        trained = train_project_model(engine, source, seed=seed)
    seconds = time.perf_counter() - started
    stored = trained.stored
    assert stored is not None
    sources = trained.model.sources
    if as_json:
        print_json(
            {
                **stored.as_dict(),
                "seconds": round(seconds, 3),
                "min_positives": MIN_POSITIVES,
                "labels": {
                    label: {"positives": stored.positives[label], "source": sources[label]} for label in sources
                },
            }
        )
        return
    table = _figures_table(
        f"Trained on {source}: figures from the 3-fold out-of-fold scores (model evaluate: full k-fold)",
        trained.figures,
        {
            "positives": [str(stored.positives[label]) for label in sources],
            "suggests from": [sources[label] for label in sources],
        },
    )
    console.print(table)
    console.print(_stored_line(stored, seconds))
    prior_only = [label for label, where in sources.items() if where == "prior"]
    if prior_only:
        warning(
            f"{len(prior_only)} label(s) have fewer than {MIN_POSITIVES} examples with and without them "
            f"and suggest from the schema's hints only: {', '.join(prior_only)}"
        )


@model_app.command("evaluate")
def evaluate(
    source: SourceOption = "gold",
    folds: Annotated[int, typer.Option("--folds", help="Number of cross-validation folds (2 or more).")] = 5,
    seed: SeedOption = 0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """How good are the suggestions? k-fold cross-validation of training on a source (stores nothing)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.text import Text

    from annotator.cli.output import console, print_json
    from annotator.core.agreement.formatting import format_coefficient, format_share
    from annotator.core.db import open_database
    from annotator.core.suggest.evaluation import check_folds
    from annotator.core.suggest.project import evaluate_project
    from annotator.core.suggest.sources import parse_source
    from annotator.core.suggest.training import require_sklearn

    # checked here, not with typer's min=, whose error is a usage block (agreement --bootstrap: the same)
    check_folds(folds)
    parse_source(source)
    require_sklearn()
    engine = open_database(db, create=False)
    with Progress(
        TextColumn("[bold]cross-validating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("folds"),
        console=console,
        disable=as_json,
        transient=True,
    ) as bar:
        task = bar.add_task("folds", total=folds)
        data, evaluation = evaluate_project(
            engine, source, folds=folds, seed=seed, progress=lambda done, _total: bar.update(task, completed=done)
        )
    report = {"source": source, **evaluation.as_dict()}
    if as_json:
        print_json(report)
        return
    labels = list(report["per_label"])
    table = _figures_table(
        f"Suggestions against {source}: {folds}-fold cross-validation, {len(data.texts):,} sentences",
        report,
        {
            "model in folds": [f"{evaluation.trained[label]}/{folds}" for label in labels],
            "prior F1": [format_coefficient(report["prior"]["per_label"][label]["f1"]) for label in labels],
        },
    )
    console.print(table)
    console.print(
        Text(
            f"macro F1 {format_coefficient(report['macro']['f1'])} "
            f"(hints alone {format_coefficient(report['prior']['macro']['f1'])}); "
            f"exact label set {format_share(report['exact_match'])} "
            f"(hints alone {format_share(report['prior']['exact_match'])})"
        )
    )


@model_app.command("show")
def show(db: DbOption = None, as_json: JsonOption = False) -> None:
    """The project's current suggestion model: version, training data, stored figures."""
    from rich.text import Text

    from annotator.cli.output import console, print_json
    from annotator.core.db import open_database
    from annotator.core.suggest.store import latest_model_info

    stored = latest_model_info(open_database(db, create=False))
    if as_json:
        print_json(stored.as_dict() if stored is not None else None)
        return
    if stored is None:
        console.print(Text("no model trained yet: annotator model train [--from gold|majority|annotator:NAME]"))
        return
    console.print(_stored_line(stored))
    if stored.figures:
        sources = stored.figures.get("sources", {})
        table = _figures_table(
            "Stored figures (3-fold out-of-fold scores at training)",
            stored.figures,
            {
                "positives": [str(stored.positives.get(label, 0)) for label in stored.figures["per_label"]],
                "suggests from": [sources.get(label, "?") for label in stored.figures["per_label"]],
            },
        )
        console.print(table)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None
