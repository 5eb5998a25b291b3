"""How good are the suggestions? k-fold cross-validation of the whole training procedure.

The sentences are split into ``folds`` parts (shuffled with ``seed``; copies of one text,
normalised, always in the same part); for each part a
model is fitted on the others (featuriser, classifiers and calibration all refitted, so
nothing of the held-out part leaks in) and its suggestions on the held-out part are
compared with the truth. Suggestions are what the annotate screen would mark: labels at
probability >= 0.5 under the schema's rules (:func:`~.model.decide`). Reported per label
and as a macro mean (over the labels where a figure is defined), with the exact-match
share of sentences, beside the keyword prior alone on the same sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.core.errors import UserError
from annotator.core.labels import LabelSchema
from annotator.core.suggest.metrics import LabelScore, exact_match, label_scores, macro
from annotator.core.suggest.model import MIN_POSITIVES, THRESHOLD, decide
from annotator.core.suggest.normalise import normalise
from annotator.core.suggest.prior import KeywordPrior
from annotator.core.suggest.training import fit_model

Progress = Callable[[int, int], None]


@dataclass
class Figures:
    """Per-label scores of one set of suggestions against the truth."""

    label_ids: list[str]
    per_label: list[LabelScore]
    exact_match: float | None

    @property
    def macro(self) -> dict[str, float | None]:
        return macro(self.per_label)

    def as_dict(self) -> dict[str, Any]:
        return {
            "macro": self.macro,
            "exact_match": self.exact_match,
            "per_label": {label: score.as_dict() for label, score in zip(self.label_ids, self.per_label, strict=True)},
        }


@dataclass
class Evaluation:
    n_sentences: int
    folds: int
    model: Figures
    prior: Figures
    trained: dict[str, int] = field(default_factory=dict)  # label -> folds in which it had a classifier

    def as_dict(self) -> dict[str, Any]:
        return {
            "n_sentences": self.n_sentences,
            "folds": self.folds,
            "threshold": THRESHOLD,
            **self.model.as_dict(),
            "trained_in_folds": self.trained,
            "prior": self.prior.as_dict(),
        }


def suggestion_matrix(probs: np.ndarray, schema: LabelSchema, threshold: float = THRESHOLD) -> np.ndarray:
    """The (n, L) boolean matrix of suggested labels for (n, L) probabilities."""
    out = np.zeros(probs.shape, dtype=bool)
    column = schema.bit_of
    for row in range(probs.shape[0]):
        for label in decide(probs[row], schema, threshold):
            out[row, column[label]] = True
    return out


def figures(truth: np.ndarray, probs: np.ndarray, schema: LabelSchema) -> Figures:
    predicted = suggestion_matrix(probs, schema)
    return Figures(list(schema.label_ids), label_scores(truth, predicted), exact_match(truth, predicted))


def fold_ids(n: int, folds: int, seed: int, groups: Sequence[str] | None = None) -> np.ndarray:
    """Fold number of each sentence: shuffled, sentences of one group (the same text) in one fold.

    Groups are dealt in a random order, each to the fold with the fewest sentences so far:
    without groups (or with every text different) fold sizes differ by one at most."""
    rows: dict[object, list[int]] = {}
    for row, key in enumerate(range(n) if groups is None else groups):
        rows.setdefault(key, []).append(row)
    members = list(rows.values())
    sizes = np.zeros(folds, dtype=np.int64)
    out = np.empty(n, dtype=np.int64)
    for index in np.random.default_rng(seed).permutation(len(members)):
        fold = int(np.argmin(sizes))
        out[members[index]] = fold
        sizes[fold] += len(members[index])
    return out


def text_groups(texts: Sequence[str]) -> list[str]:
    """The key that keeps copies of a text in one fold: the text as the model sees it."""
    return [normalise(text) for text in texts]


def check_folds(folds: int, texts: Sequence[str] | None = None) -> None:
    """A one-line error unless ``folds`` can split ``texts`` (each fold tested on one text at least)."""
    if folds < 2:
        raise UserError(f"--folds {folds}: cross-validation needs at least 2 folds")
    if texts is None:
        return
    n, distinct = len(texts), len(set(text_groups(texts)))
    if distinct < folds:
        different = "" if distinct == n else f" ({distinct} different texts)"
        raise UserError(
            f"--folds {folds}: {n} labelled sentence{'' if n == 1 else 's'}{different} cannot be split into {folds} folds"
        )


def evaluate_model(
    texts: Sequence[str],
    truth: np.ndarray,
    schema: LabelSchema,
    *,
    folds: int = 5,
    seed: int = 0,
    min_positives: int = MIN_POSITIVES,
    progress: Progress | None = None,
) -> Evaluation:
    truth = np.asarray(truth, dtype=bool)
    n = len(texts)
    check_folds(folds, texts)
    # copies of a text (the same sentence in two documents) go to one fold: a copy in training
    # would be a test sentence the model has seen
    assignment = fold_ids(n, folds, seed, text_groups(texts))
    probs = np.zeros(truth.shape)
    trained = np.zeros(truth.shape[1], dtype=np.int64)
    texts = list(texts)
    for k in range(folds):
        if progress is not None:
            progress(k, folds)
        train, test = np.flatnonzero(assignment != k), np.flatnonzero(assignment == k)
        fitted = fit_model([texts[i] for i in train], truth[train], schema, min_positives=min_positives, seed=seed)
        probs[test] = fitted.model.predict_proba([texts[i] for i in test])
        trained += fitted.model.trained
    if progress is not None:
        progress(folds, folds)
    prior = KeywordPrior(schema).predict_proba(texts)
    return Evaluation(
        n,
        folds,
        figures(truth, probs, schema),
        figures(truth, prior, schema),
        {label: int(t) for label, t in zip(schema.label_ids, trained, strict=True)},
    )
