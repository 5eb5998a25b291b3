"""Precision, recall and F1 per label of multi-label predictions, and Platt's sigmoid fit.

Pure numpy. Undefined figures are ``None`` (as everywhere in annotator), never 0 or NaN:
precision with no predicted positive, recall with no true positive in the data, F1 when
the label is absent from both. F1 is ``2 tp / (2 tp + fp + fn)`` (so a label that is never
predicted but present gets 0, not "undefined"), as scikit-learn computes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LabelScore:
    precision: float | None
    recall: float | None
    f1: float | None
    support: int  # sentences that truly have the label

    def as_dict(self) -> dict[str, float | int | None]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "support": self.support}


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def label_scores(truth: np.ndarray, predicted: np.ndarray) -> list[LabelScore]:
    """One :class:`LabelScore` per column of two (n, L) boolean matrices."""
    truth = np.asarray(truth, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    tp = (truth & predicted).sum(axis=0)
    fp = (~truth & predicted).sum(axis=0)
    fn = (truth & ~predicted).sum(axis=0)
    return [
        LabelScore(
            _ratio(int(tp[j]), int(tp[j] + fp[j])),
            _ratio(int(tp[j]), int(tp[j] + fn[j])),
            _ratio(2 * int(tp[j]), int(2 * tp[j] + fp[j] + fn[j])),
            int(tp[j] + fn[j]),
        )
        for j in range(truth.shape[1])
    ]


def macro(scores: list[LabelScore]) -> dict[str, float | None]:
    """Mean precision, recall and F1 over the labels where each is defined."""
    out: dict[str, float | None] = {}
    for name in ("precision", "recall", "f1"):
        values = [getattr(s, name) for s in scores if getattr(s, name) is not None]
        out[name] = float(np.mean(values)) if values else None
    return out


def exact_match(truth: np.ndarray, predicted: np.ndarray) -> float | None:
    """Share of sentences whose predicted label set equals the true one."""
    if truth.shape[0] == 0:
        return None
    return float(np.all(np.asarray(truth, bool) == np.asarray(predicted, bool), axis=1).mean())


def fit_platt(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Platt's sigmoid ``p = 1 / (1 + exp(a * score + b))`` (:func:`fit_sigmoid` of one input)."""
    a, b = fit_sigmoid(np.asarray(scores, dtype=np.float64)[:, None], labels)
    return float(a), float(b)


def fit_sigmoid(inputs: np.ndarray, labels: np.ndarray, iterations: int = 100) -> np.ndarray:
    """Weights ``w`` of ``p = 1 / (1 + exp(inputs @ w[:-1] + w[-1]))``, by Newton's method.

    Platt's objective: cross-entropy against smoothed targets, ``(N+ + 1) / (N+ + 2)`` and
    ``1 / (N- + 2)``, which keep a perfectly separated label from probabilities of exactly
    0 and 1 (with one input, scikit-learn's ``CalibratedClassifierCV(method="sigmoid")``).
    """
    y = np.asarray(labels, dtype=bool)
    x = np.hstack([np.asarray(inputs, dtype=np.float64), np.ones((y.size, 1))])
    n_pos, n_neg = float(y.sum()), float((~y).sum())
    target = np.where(y, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    w = np.zeros(x.shape[1])
    w[-1] = np.log((n_neg + 1.0) / (n_pos + 1.0))

    def loss(w: np.ndarray) -> float:
        z = x @ w
        # T*log(1+e^z) + (1-T)*log(1+e^-z), written stably
        return float(np.sum(np.logaddexp(0.0, z) - (1.0 - target) * z))

    current = loss(w)
    ridge = 1e-12 * np.eye(x.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(np.clip(x @ w, -500, 500)))
        gradient = x.T @ (target - p)  # dLoss/dz = T - p
        hessian = (x * (p * (1.0 - p))[:, None]).T @ x + ridge
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        scale = 1.0
        while scale > 1e-10:
            candidate = w - scale * step
            new = loss(candidate)
            if new <= current:
                break
            scale /= 2.0
        else:
            break
        converged = current - new <= 1e-12 * max(1.0, abs(current))
        w, current = candidate, new
        if converged:
            break
    return w
