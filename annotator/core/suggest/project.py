"""The suggestion jobs of a project, as the CLI and the TUI run them: train and store, evaluate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from annotator.core.errors import UserError
from annotator.core.schemas import active_schema
from annotator.core.suggest.evaluation import Evaluation, Progress, check_folds, evaluate_model, figures
from annotator.core.suggest.model import MIN_POSITIVES, SuggestionModel
from annotator.core.suggest.sources import TrainingSet, training_set
from annotator.core.suggest.store import StoredModel, save_model
from annotator.core.suggest.training import fit_model, require_sklearn

DEFAULT_SOURCE = "gold"


@dataclass
class Trained:
    stored: StoredModel | None  # None when not stored (the TUI's background retraining)
    model: SuggestionModel
    data: TrainingSet
    figures: dict[str, Any]


def _data(engine: Engine, source: str) -> TrainingSet:
    require_sklearn()
    data = training_set(engine, active_schema(engine), source)
    if not data.texts:
        raise UserError(
            f"no labelled sentences in training source {source!r} "
            "(label some, or train --from majority or --from annotator:NAME)"
        )
    return data


def train_project_model(
    engine: Engine,
    source: str = DEFAULT_SOURCE,
    *,
    store: bool = True,
    min_positives: int = MIN_POSITIVES,
    seed: int = 0,
) -> Trained:
    """Fit a model on a source; with ``store`` it becomes the project's next model version.

    The stored figures come from the training's own out-of-fold calibration scores (3
    folds: no extra fitting); ``evaluate_project`` gives the full k-fold figures.
    """
    schema = active_schema(engine)
    data = _data(engine, source)
    fitted = fit_model(data.texts, data.truth, schema, min_positives=min_positives, seed=seed)
    report = {
        "method": "3-fold out-of-fold scores of the calibration step",
        **figures(data.truth, fitted.oof_probs, schema).as_dict(),
        "sources": fitted.model.sources,
    }
    stored = None
    if store:
        stored = save_model(
            engine,
            fitted.model,
            schema,
            source=source,
            n_sentences=len(data.texts),
            positives=fitted.positives,
            figures=report,
        )
    return Trained(stored, fitted.model, data, report)


def evaluate_project(
    engine: Engine,
    source: str = DEFAULT_SOURCE,
    *,
    folds: int = 5,
    seed: int = 0,
    min_positives: int = MIN_POSITIVES,
    progress: Progress | None = None,
) -> tuple[TrainingSet, Evaluation]:
    """k-fold cross-validation of training on a source (nothing is stored)."""
    data = _data(engine, source)
    check_folds(folds, data.texts)
    evaluation = evaluate_model(
        data.texts,
        data.truth,
        active_schema(engine),
        folds=folds,
        seed=seed,
        min_positives=min_positives,
        progress=progress,
    )
    return data, evaluation
