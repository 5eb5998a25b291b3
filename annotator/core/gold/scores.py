"""Each annotator against the gold (pure numpy over the ratings matrix and the gold masks).

For each annotator, on the sentences that have a gold and that the annotator labelled
(skipped and open decisions are missing): per label, the gold as the truth and the
annotator's set as the prediction, ``precision = TP / (TP + FP)``, ``recall = TP / (TP +
FN)``, ``F1 = 2 TP / (2 TP + FP + FN)`` and ``support = TP + FN`` (gold sentences with
the label); ``macro_f1``: the mean of the defined per-label F1; ``exact_match``: the share
of sentences where the annotator's set equals the gold set. A 0/0 is undefined (``None``,
JSON null, "n/a"): precision when the annotator never chose the label, recall when the
gold never has it, F1 when neither, all three with no sentence. This is scikit-learn's
``precision_recall_fscore_support(..., zero_division=np.nan)`` and its macro average
(which leaves undefined labels out), checked by the tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from annotator.core.agreement._arrays import MISSING


class LabelScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    precision: float | None
    recall: float | None
    f1: float | None
    support: int


class AnnotatorScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    n_items: int
    exact_match: float | None
    macro_f1: float | None
    per_label: dict[str, LabelScore]


class VsGoldReport(BaseModel):
    """``annotator agreement --vs-gold --json``: ``model_dump()`` is the JSON shape."""

    model_config = ConfigDict(frozen=True)

    n_gold: int
    annotators: dict[str, AnnotatorScore]


def _ratio(num: np.ndarray, den: np.ndarray) -> list[float | None]:
    return [None if d == 0 else float(n) / float(d) for n, d in zip(num.tolist(), den.tolist(), strict=True)]


def bits(masks: np.ndarray, n_labels: int) -> np.ndarray:
    """(n,) label bitmasks -> (n, n_labels) booleans."""
    shifts = np.arange(n_labels, dtype=np.int64)
    return (np.asarray(masks, dtype=np.int64)[:, None] >> shifts) & 1 == 1


def score_against_gold(predicted: np.ndarray, gold: np.ndarray, label_ids: Sequence[str]) -> AnnotatorScore:
    """One annotator's sets (bitmasks) against the gold sets of the same sentences."""
    n_labels = len(label_ids)
    pred, true = bits(predicted, n_labels), bits(gold, n_labels)
    tp = (pred & true).sum(axis=0)
    fp = (pred & ~true).sum(axis=0)
    fn = (~pred & true).sum(axis=0)
    precision, recall, f1 = _ratio(tp, tp + fp), _ratio(tp, tp + fn), _ratio(2 * tp, 2 * tp + fp + fn)
    defined = [value for value in f1 if value is not None]
    n = int(predicted.shape[0])
    return AnnotatorScore(
        n_items=n,
        exact_match=float(np.count_nonzero(predicted == gold)) / n if n else None,
        macro_f1=float(np.mean(defined)) if defined else None,
        per_label={
            label: LabelScore(precision=precision[i], recall=recall[i], f1=f1[i], support=int(tp[i] + fn[i]))
            for i, label in enumerate(label_ids)
        },
    )


def vs_gold(
    masks: np.ndarray,
    annotators: Sequence[str],
    sentence_ids: np.ndarray,
    gold_ids: np.ndarray,
    gold_masks: np.ndarray,
    label_ids: Sequence[str],
) -> VsGoldReport:
    """Every annotator (a column of ``masks``, rows ``sentence_ids``) against the gold
    (``gold_masks`` of the ascending ``gold_ids``)."""
    masks = np.asarray(masks, dtype=np.int64)
    gold_ids = np.asarray(gold_ids, dtype=np.int64)
    gold_masks = np.asarray(gold_masks, dtype=np.int64)
    ids = np.asarray(sentence_ids, dtype=np.int64)
    if gold_ids.size:
        where = np.minimum(np.searchsorted(gold_ids, ids), gold_ids.size - 1)
        has_gold = gold_ids[where] == ids
        gold_of_row = np.where(has_gold, gold_masks[where], MISSING)
    else:
        has_gold = np.zeros(ids.size, dtype=bool)
        gold_of_row = np.full(ids.size, MISSING, dtype=np.int64)
    report = {}
    for a, name in enumerate(annotators):
        rows = has_gold & (masks[:, a] != MISSING)
        report[name] = score_against_gold(masks[rows, a], gold_of_row[rows], label_ids)
    return VsGoldReport(n_gold=int(gold_ids.size), annotators=report)
