"""Which sentences need a person, hardest first: the adjudication queue (pure numpy).

A sentence is *disputed* when at least ``min_annotators`` annotators labelled it and
their label sets are not all the same (:func:`~annotator.core.gold.rules.sentence_verdict`,
the one definition); with ``label`` given, when some of them chose
that label and some did not. Skipped and open decisions are missing, never votes.

Order, hardest first: by *split* (the share of disagreeing annotator pairs on the
sentence: ``1 - sum_s c_s (c_s - 1) / (m (m - 1))`` for ``m`` labelled decisions of which
``c_s`` chose the set ``s``, i.e. one minus the sentence's percent agreement), then by the
share of the most chosen set (smaller first: a 2-2 tie before a 2-1 split of the same
split), then by the number of distinct sets, then by the number of disputed labels, then
in sentence order. So three annotators who all differ come before a 2-1 split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotator.core.agreement._arrays import MISSING

from .rules import MIN_ANNOTATORS, verdict_rows


@dataclass(frozen=True, slots=True)
class Dispute:
    row: int  # row of the ratings matrix
    sentence_id: int
    n_labelled: int
    split: float  # share of disagreeing annotator pairs: 0 (all agree) .. 1 (every annotator differs)
    top_share: float  # share of the labelled decisions that chose the most chosen set
    n_sets: int  # distinct label sets (or 2 for one disputed label)
    disputed: int  # bitmask of the labels some chose and others did not


def _agreeing_pairs(values: np.ndarray) -> np.ndarray:
    """Per row, the number of annotator pairs with the same present value."""
    n_rows, n_cols = values.shape
    agree = np.zeros(n_rows, dtype=np.int64)
    for a in range(n_cols):
        left = values[:, a]
        for b in range(a + 1, n_cols):
            right = values[:, b]
            agree += (left == right) & (left != MISSING)
    return agree


def _top_count(values: np.ndarray) -> np.ndarray:
    """Per row, how many present values equal the most frequent one."""
    n_rows, n_cols = values.shape
    top = np.zeros(n_rows, dtype=np.int64)
    for a in range(n_cols):
        same = np.zeros(n_rows, dtype=np.int64)
        for b in range(n_cols):
            same += values[:, b] == values[:, a]
        top = np.maximum(top, np.where(values[:, a] != MISSING, same, 0))
    return top


def _distinct(values: np.ndarray) -> np.ndarray:
    """Per row, the number of distinct present values."""
    ordered = np.sort(values, axis=1)
    present = ordered != MISSING
    first = present[:, :1].astype(np.int64)
    changes = (ordered[:, 1:] != ordered[:, :-1]) & present[:, 1:]
    return first[:, 0] + changes.sum(axis=1) if values.shape[1] else np.zeros(values.shape[0], dtype=np.int64)


def disputes(
    masks: np.ndarray,
    sentence_ids: np.ndarray,
    *,
    label_bit: int | None = None,
    min_annotators: int = MIN_ANNOTATORS,
) -> list[Dispute]:
    """The disputed sentences of a ratings matrix (label bitmasks, -1 missing), hardest first."""
    masks = np.asarray(masks, dtype=np.int64)
    if masks.shape[0] == 0:
        return []
    present = masks != MISSING
    m = present.sum(axis=1)
    # labels chosen by some and not by all: union & ~intersection over the present ratings
    union = np.bitwise_or.reduce(np.where(present, masks, 0), axis=1)
    inter = np.bitwise_and.reduce(masks, axis=1)  # -1 (missing) has every bit set: neutral
    disputed = union & ~inter
    if label_bit is None:
        values = masks
        wanted = verdict_rows(masks, min_annotators)[1]  # the one definition of a disputed sentence
    else:
        values = np.where(present, (masks >> label_bit) & 1, MISSING)
        wanted = ((disputed >> label_bit) & 1 == 1) & (m >= max(min_annotators, MIN_ANNOTATORS))
    rows = np.flatnonzero(wanted)
    if rows.size == 0:
        return []
    values = values[rows]
    m_rows = m[rows]
    pairs = m_rows * (m_rows - 1) // 2
    split = 1.0 - _agreeing_pairs(values) / pairs
    top_share = _top_count(values) / m_rows
    n_sets = _distinct(values)
    n_disputed = np.array([int(x).bit_count() for x in disputed[rows].tolist()], dtype=np.int64)
    ids = np.asarray(sentence_ids, dtype=np.int64)[rows]
    order = np.lexsort((ids, -n_disputed, -n_sets, np.round(top_share, 12), -np.round(split, 12)))
    chosen = rows[order]
    columns = (
        chosen.tolist(),
        ids[order].tolist(),
        m_rows[order].tolist(),
        split[order].tolist(),
        top_share[order].tolist(),
        n_sets[order].tolist(),
        disputed[chosen].tolist(),
    )  # plain Python values: building objects from numpy scalars was 3x slower
    return [Dispute(*values) for values in zip(*columns, strict=True)]
