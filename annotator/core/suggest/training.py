"""Fitting a :class:`~.model.SuggestionModel` (needs the optional scikit-learn extra).

For each label with at least ``min_positives`` examples with it and as many without:

1. the TF-IDF featuriser (:class:`~.features.Featuriser`: character 2-5-grams in words,
   as scikit-learn's ``char_wb``) is fitted once on every training sentence (n-grams seen
   in one sentence only are dropped from 200 sentences up; at most 200,000 kept);
2. a linear classifier (``SGDClassifier``, logistic loss, balanced class weights) gives
   out-of-fold scores by 3-fold stratified cross-validation (copies of one text, normalised,
   in one fold: :func:`calibration_folds`), and a Platt sigmoid is fitted
   on them and on the keyword prior's logit (:func:`~.metrics.fit_sigmoid`): calibrated
   probabilities without a held-out set, which lean on the schema hints where the
   classifier has little to go on (stacking);
3. the classifier is refitted on all sentences.

Labels are fitted in parallel threads (scikit-learn's SGD releases the GIL). The
out-of-fold probabilities are returned too: they give the figures stored with the model
(a cheap cross-validation; ``evaluate_model`` is the full k-fold one).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.core.errors import UserError
from annotator.core.labels import LabelSchema
from annotator.core.suggest.features import Featuriser
from annotator.core.suggest.metrics import fit_sigmoid
from annotator.core.suggest.model import MIN_POSITIVES, SuggestionModel
from annotator.core.suggest.normalise import normalise
from annotator.core.suggest.prior import KeywordPrior, logit

INSTALL_HINT = "suggestions need scikit-learn: pip install 'annotator[suggest]'"
MAX_FEATURES = 200_000
CALIBRATION_FOLDS = 3


def require_sklearn() -> Any:
    """The scikit-learn module, or a one-line UserError saying how to install it."""
    try:
        import sklearn
        from sklearn.linear_model import SGDClassifier  # noqa: F401
    except ImportError as exc:
        raise UserError(INSTALL_HINT) from exc
    return sklearn


@dataclass
class FitResult:
    model: SuggestionModel
    oof_probs: np.ndarray  # (n, L) out-of-fold probabilities (prior columns: the prior's)
    positives: dict[str, int]


def _classifier(seed: int) -> Any:
    """Logistic-loss SGD: 10 epochs and alpha 1e-3 were chosen on the labelled sets of
    benchmarks/data (macro F1 within 0.005 of 15 epochs; alpha 1e-5 and 1e-4 were worse)."""
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="log_loss", alpha=1e-3, class_weight="balanced", max_iter=10, tol=None, random_state=seed)


def calibration_folds(y: np.ndarray, groups: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train rows, test rows) of the out-of-fold scores of one label: stratified on it, and the
    rows of one group (copies of a text) in one fold, so no score is of a text its classifier saw.

    ``groups``: each row's group id, 0 to G - 1. Without copies the folds are the rows'
    own; when copies leave fewer than 2 distinct texts with (or without) the label, too."""
    from sklearn.model_selection import StratifiedKFold

    first = np.unique(groups, return_index=True)[1]  # one row of each group, in group-id order
    labelled = y[first]
    folds = min(CALIBRATION_FOLDS, int(labelled.sum()), int((~labelled).sum()))
    if first.size == y.size or folds < 2:
        folds = min(CALIBRATION_FOLDS, int(y.sum()), int((~y).sum()))
        return list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(y.size), y))
    out = []
    for _train, test_groups in StratifiedKFold(folds, shuffle=True, random_state=seed).split(
        np.zeros(labelled.size), labelled
    ):
        test = np.isin(groups, test_groups)
        out.append((np.flatnonzero(~test), np.flatnonzero(test)))
    return out


def _fit_label(
    x: Any, y: np.ndarray, prior_logit: np.ndarray, groups: np.ndarray, seed: int
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """(coefficients, intercept, calibration (a, c, b), out-of-fold probabilities) of one label."""
    oof = np.zeros(y.size)
    for train, test in calibration_folds(y, groups, seed):
        oof[test] = _classifier(seed).fit(x[train], y[train]).decision_function(x[test])
    inputs = np.column_stack([oof, prior_logit])
    calibration = fit_sigmoid(inputs, y)
    probs = 1.0 / (1.0 + np.exp(np.clip(inputs @ calibration[:2] + calibration[2], -500, 500)))
    final = _classifier(seed).fit(x, y)
    return final.coef_[0].astype(np.float32), float(final.intercept_[0]), calibration, probs


def fit_model(
    texts: Sequence[str],
    truth: np.ndarray,
    schema: LabelSchema,
    *,
    min_positives: int = MIN_POSITIVES,
    seed: int = 0,
    threads: int | None = None,
) -> FitResult:
    """Fit a model on sentences and their (n, L) boolean label matrix (schema order)."""
    require_sklearn()
    from scipy.sparse import csr_matrix

    truth = np.asarray(truth, dtype=bool)
    n, n_labels = truth.shape
    if n != len(texts) or n_labels != len(schema.label_ids):
        raise ValueError(f"{len(texts)} texts, truth {truth.shape}, {len(schema.label_ids)} labels")
    positives = truth.sum(axis=0)
    trained = (positives >= max(min_positives, 2)) & (n - positives >= max(min_positives, 2))
    prior = KeywordPrior(schema)
    oof = prior.predict_proba(texts)
    prior_logit = logit(oof)
    counts = {label: int(k) for label, k in zip(schema.label_ids, positives, strict=True)}
    if not trained.any():
        return FitResult(SuggestionModel.prior_only(schema), oof, counts)

    featuriser, rows = Featuriser.fit_transform(texts, min_df=2 if n >= 200 else 1, max_features=MAX_FEATURES)
    groups = np.unique(np.array([normalise(text) for text in texts], dtype=object), return_inverse=True)[1]
    x = csr_matrix((rows.values, rows.indices, rows.indptr), shape=(n, featuriser.n_features))
    columns = np.flatnonzero(trained)
    with ThreadPoolExecutor(max_workers=threads or min(len(columns), os.cpu_count() or 1)) as pool:
        fitted = list(pool.map(lambda j: _fit_label(x, truth[:, j], prior_logit[:, j], groups, seed), columns))

    coef = np.zeros((featuriser.n_features, n_labels), dtype=np.float32)
    intercept = np.zeros(n_labels)
    calibration = np.zeros((n_labels, 3))
    for j, (weights, bias, label_calibration, probs) in zip(columns, fitted, strict=True):
        coef[:, j], intercept[j], calibration[j], oof[:, j] = weights, bias, label_calibration, probs
    oof = prior.fill_residual(oof, trained)
    model = SuggestionModel(
        list(schema.label_ids),
        trained,
        featuriser,
        coef,
        intercept,
        calibration,
        prior,
    )
    return FitResult(model, oof, counts)
