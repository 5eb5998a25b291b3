"""Which labels annotators confuse, and who over- or under-uses a label (pure numpy).

On every sentence with two or more labelled decisions, every *ordered* pair of
annotators (i, j) is one comparison. For labels a != b:

- ``disputes[a]``: comparisons where i chose a and j did not (a one-sided disagreement
  on a; summed over ordered pairs, this is the off-diagonal of scikit-learn's
  ``multilabel_confusion_matrix`` of i against j, summed over the pairs);
- ``counts[a][b]``: comparisons where i chose a without b while j chose b without a (the
  two read the sentence as a and as b); symmetric over the ordered pairs;
- ``matrix[a][b] = counts[a][b] / disputes[a]``: of the times annotators disagreed on a,
  the share where the other one chose b instead, i.e. row-normalised like a confusion
  matrix; undefined (None) when a was never disputed, and on the diagonal.

High ``matrix[a][b]`` and ``matrix[b][a]`` together mark a boundary the guidelines do not
draw. *Prevalence*: each annotator's share of their labelled sentences that carry a
label, beside the unweighted mean of the other annotators' shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict

from ._arrays import MISSING, as_mask_matrix


class Prevalence(BaseModel):
    model_config = ConfigDict(frozen=True)

    annotator: float | None
    others_mean: float | None


class ConfusedPair(NamedTuple):
    a: str
    b: str
    times: int  # not ``count``: that would hide tuple.count
    share_of_a: float | None  # counts / disputes[a]
    share_of_b: float | None  # counts / disputes[b]


class ConfusionReport(BaseModel):
    """``annotator agreement --confusion --json`` (``model_dump()``)."""

    model_config = ConfigDict(frozen=True)

    labels: list[str]
    matrix: list[list[float | None]]
    counts: list[list[int]]
    disputes: list[int]
    n_items: int  # sentences with two or more labelled decisions
    n_comparisons: int  # ordered annotator pairs on them
    prevalence: dict[str, dict[str, Prevalence]]

    def top_pairs(self, n: int = 10) -> list[ConfusedPair]:
        """The label pairs confused most often (each unordered pair once), most first."""
        pairs = []
        for i, a in enumerate(self.labels):
            for j in range(i + 1, len(self.labels)):
                count = self.counts[i][j]
                if count:
                    pairs.append(ConfusedPair(a, self.labels[j], count, self.matrix[i][j], self.matrix[j][i]))
        pairs.sort(key=lambda p: (-p.times, -max(p.share_of_a or 0.0, p.share_of_b or 0.0), p.a, p.b))
        return pairs[:n]


def label_bits(column: np.ndarray, n_labels: int) -> np.ndarray:
    """(n,) bitmasks -> (n, n_labels) 0/1 as float64: the matrix products go through BLAS
    (integer matmul does not; counts stay exact below 2**53)."""
    shifts = np.arange(n_labels, dtype=np.int64)
    return ((column[:, None] >> shifts) & 1).astype(np.float64)


def confusion(masks: object, annotators: Sequence[str], label_ids: Sequence[str]) -> ConfusionReport:
    """The confusion report of a ratings matrix (label bitmasks, -1 = missing)."""
    matrix = as_mask_matrix(masks)
    n_labels = len(label_ids)
    present = matrix != MISSING
    pairable = present.sum(axis=1) >= 2
    counts = np.zeros((n_labels, n_labels), dtype=np.int64)
    disputes = np.zeros(n_labels, dtype=np.int64)
    n_comparisons = 0
    n_ann = matrix.shape[1]
    for i in range(n_ann):
        for j in range(i + 1, n_ann):
            both = pairable & present[:, i] & present[:, j]
            if not both.any():
                continue
            left, right = label_bits(matrix[both, i], n_labels), label_bits(matrix[both, j], n_labels)
            only_left, only_right = left * (1 - right), right * (1 - left)
            cross = only_left.T @ only_right  # i chose a without b, j chose b without a
            counts += np.rint(cross + cross.T).astype(np.int64)  # and the ordered pair (j, i)
            disputes += np.rint(only_left.sum(axis=0) + only_right.sum(axis=0)).astype(np.int64)
            n_comparisons += 2 * int(both.sum())
    shares = [
        [None if a == b or disputes[a] == 0 else float(counts[a, b]) / float(disputes[a]) for b in range(n_labels)]
        for a in range(n_labels)
    ]
    return ConfusionReport(
        labels=list(label_ids),
        matrix=shares,
        counts=counts.tolist(),
        disputes=disputes.tolist(),
        n_items=int(pairable.sum()),
        n_comparisons=n_comparisons,
        prevalence=_prevalence(matrix, present, annotators, label_ids),
    )


def _prevalence(
    matrix: np.ndarray, present: np.ndarray, annotators: Sequence[str], label_ids: Sequence[str]
) -> dict[str, dict[str, Prevalence]]:
    n_labels = len(label_ids)
    shares: list[np.ndarray | None] = []
    for a in range(matrix.shape[1]):
        rows = present[:, a]
        shares.append(label_bits(matrix[rows, a], n_labels).mean(axis=0) if rows.any() else None)
    out: dict[str, dict[str, Prevalence]] = {}
    for a, name in enumerate(annotators):
        others = [s for b, s in enumerate(shares) if b != a and s is not None]
        mean = np.mean(others, axis=0) if others else None
        own = shares[a]
        out[name] = {
            label: Prevalence(
                annotator=None if own is None else float(own[k]),
                others_mean=None if mean is None else float(mean[k]),
            )
            for k, label in enumerate(label_ids)
        }
    return out
