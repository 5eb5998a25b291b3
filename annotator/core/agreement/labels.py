"""Per-label agreement from bit tests on the mask matrix, in chunks of items (internal).

For one label, an item's binary ratings (label in the set or not) matter only through
``(m, o)``: its number of ratings and how many of them contain the label. Every per-label
coefficient of the report is a function of the histogram ``H[m, o]`` (how many items have
``m`` ratings, ``o`` of them with the label), and Cohen's kappa of an annotator pair a
function of the 2x2 table of their values on the items both rated. Both are integer
counts, summed over chunks of ``chunk_rows`` rows of the mask matrix with bit tests: no
per-label copy of the matrix is built (13 labels x 1M items used to be ~30 MB each), and
the counts, hence the figures, do not depend on the chunk size. The figures are formed
from the totals by the functions ``NominalData`` uses (``nominal.mean_agreement`` ...),
from the same totals it has on the label's binary codes: the same floats.

The bootstrap patterns of a label (its sorted binary rows, see ``bootstrap``) are the
``(m, o)`` cells with ``m >= 2``: ``bootstrap_patterns`` lists them in the order
``item_patterns`` gives, so that a label's CI is the one ``bootstrap_alpha_ci`` gives on
its binary codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import NamedTuple

import numpy as np

from ._arrays import MISSING, to_float
from .bootstrap import item_patterns
from .nominal import ac1_from, alpha_from, category_shares, fleiss_from, kappa_from_counts, mean_agreement

_JOINT_MAX_CELLS = 1 << 22  # largest joint table of sets of an annotator pair (cells)
_MAX_PATTERN_KEY = 1 << 62  # item patterns packed into one int64 (bootstrap.item_patterns)
DEFAULT_CHUNK_ROWS = 1 << 14  # rows of the mask matrix per chunk (temporaries ~ rows x annotators x labels x 8 B)


class LabelCounts(NamedTuple):
    """Integer summaries of the binary recoding of each label, over every item."""

    hist: np.ndarray  # (n_labels, r + 1, r + 1): items with m ratings, o of them with the label
    pairs: np.ndarray  # (n_labels, n_pairs, 4): per pair a < b, items both rated with (x_a, x_b) = 00, 01, 10, 11
    pair_index: list[tuple[int, int]]  # the annotator pairs a < b, in the order of ``pairs``
    # {(a, b): (n, Cohen's kappa)} over the exact label sets (from the joint tables), or None
    set_pairs: dict[tuple[int, int], tuple[int, float | None]] | None = None


def label_counts(masks: np.ndarray, bits: Sequence[int], chunk_rows: int = DEFAULT_CHUNK_ROWS) -> LabelCounts:
    """The histograms and pair tables of the labels at ``bits`` of an int64 mask matrix."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be >= 1")
    n_items, r = masks.shape
    n_labels = len(bits)
    side = r + 1
    pair_index = list(combinations(range(r), 2))
    hist = np.zeros(n_labels * side * side, dtype=np.int64)
    pairs = np.zeros((len(pair_index), n_labels * 4), dtype=np.int64)
    shifts = np.asarray(bits, dtype=np.int64)
    hist_offset = (np.arange(n_labels, dtype=np.int64) * side * side)[None, :]
    pair_offset = (np.arange(n_labels, dtype=np.int64) * 4)[None, :]
    for start in range(0, n_items, chunk_rows):
        block = masks[start : start + chunk_rows]
        present = block != MISSING
        m = np.count_nonzero(present, axis=1)
        # (rows, r, labels): 1 where the rating has the label; a missing rating (-1, every
        # bit set) is cleared by its presence test
        has = (block[:, :, None] >> shifts) & 1
        has &= present[:, :, None]
        ones = has.sum(axis=1)
        key = ones + (m * side)[:, None] + hist_offset
        hist += np.bincount(key.reshape(-1), minlength=hist.size)
        for p, (a, b) in enumerate(pair_index):
            both = present[:, a] & present[:, b]
            cell = 2 * has[both, a, :] + has[both, b, :] + pair_offset
            pairs[p] += np.bincount(cell.reshape(-1), minlength=pairs.shape[1])
    return LabelCounts(
        hist.reshape(n_labels, side, side),
        pairs.reshape(len(pair_index), n_labels, 4).transpose(1, 0, 2),
        pair_index,
    )


def label_counts_from_sets(
    codes: np.ndarray, uniques: np.ndarray, bits: Sequence[int], chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> LabelCounts | None:
    """``label_counts`` from the set codes of the matrix (``masi.set_codes``: ``codes``,
    -1 missing, ``uniques[c]`` the mask of code c), without a bit test per rating.

    An item's ``(m, o)`` for every label follows from the multiset of its sets: the
    histograms are summed over the distinct item patterns (``bootstrap.item_patterns``,
    a few thousand where there are a million items). A pair's 2x2 table of every label
    follows from its joint table of sets (how many items have set c for a and k for b),
    one ``bincount`` over the items; so does the pair's Cohen's kappa over the exact sets
    (``set_pairs``, the integers ``nominal._cohen`` counts). None when the joint table
    would be large (many distinct sets): then ``label_counts`` counts with bit tests."""
    n_items, r = codes.shape
    n_sets = uniques.size
    if (n_sets + 1) ** 2 > _JOINT_MAX_CELLS or (n_sets + 2) ** r > _MAX_PATTERN_KEY:
        return None  # large joint tables, or patterns that no longer pack into one integer
    n_labels = len(bits)
    side = r + 1
    pair_index = list(combinations(range(r), 2))
    # has[c, l]: set c has label l; the last row (code -1, missing) has none
    has = np.zeros((n_sets + 1, n_labels), dtype=np.int64)
    has[:n_sets] = (uniques[:, None] >> np.asarray(bits, dtype=np.int64)[None, :]) & 1
    patterns, counts = item_patterns(codes)
    m = np.count_nonzero(patterns >= 0, axis=1)
    ones = has[patterns].sum(axis=1)  # (P, labels)
    key = ones + (m * side)[:, None] + (np.arange(n_labels, dtype=np.int64) * side * side)[None, :]
    weights = np.broadcast_to(counts[:, None], key.shape).reshape(-1)
    hist = np.zeros(n_labels * side * side, dtype=np.int64)
    np.add.at(hist, key.reshape(-1), weights)
    pairs = np.zeros((n_labels, len(pair_index), 4), dtype=np.int64)
    set_pairs: dict[tuple[int, int], tuple[int, float | None]] = {}
    width = n_sets + 1
    # each chunk's bincount costs its rows + the table's cells: chunks of >= 4x the cells
    step = chunk_rows * max(1, 4 * width * width // DEFAULT_CHUNK_ROWS)
    for p, (a, b) in enumerate(pair_index):
        joint = np.zeros(width * width, dtype=np.int64)
        for start in range(0, n_items, step):
            block = codes[start : start + step]
            cell = (block[:, a].astype(np.int64) + 1) * width + block[:, b] + 1
            joint += np.bincount(cell, minlength=joint.size)
        both = joint.reshape(width, width)[1:, 1:]  # code -1 (missing) is row/column 0
        set_pairs[(a, b)] = kappa_from_counts(int(both.sum()), int(np.trace(both)), both.sum(axis=1), both.sum(axis=0))
        x, y = np.nonzero(both)
        times = both[x, y]
        cell4 = 2 * has[x] + has[y] + (np.arange(n_labels, dtype=np.int64) * 4)[None, :]
        table = np.zeros(n_labels * 4, dtype=np.int64)
        np.add.at(table, cell4.reshape(-1), np.broadcast_to(times[:, None], cell4.shape).reshape(-1))
        pairs[:, p, :] = table.reshape(n_labels, 4)
    return LabelCounts(hist.reshape(n_labels, side, side), pairs, pair_index, set_pairs)


def _cohen_2x2(table: np.ndarray) -> tuple[int, float | None]:
    """(items both rated, kappa) from a 00/01/10/11 table, as ``nominal._cohen`` computes it."""
    n00, n01, n10, n11 = (int(v) for v in table)
    n = n00 + n01 + n10 + n11
    if n == 0:
        return 0, None
    agree = n00 + n11
    pe_num = (n00 + n01) * (n00 + n10) + (n10 + n11) * (n01 + n11)  # n^2 * p_e, exact
    den = n * n - pe_num
    if den == 0:
        return n, None
    return n, to_float((n * agree - pe_num) / den)


def label_pair_kappas(counts: LabelCounts, label: int) -> dict[tuple[int, int], tuple[int, float | None]]:
    """{(a, b): (n items both rated, Cohen's kappa)} of one label, as ``cohen_kappa_pairs``."""
    return {pair: _cohen_2x2(counts.pairs[label, p]) for p, pair in enumerate(counts.pair_index)}


def label_metrics(hist: np.ndarray) -> dict[str, object]:
    """n_items, n_pairable_items, percent agreement, Fleiss, alpha, AC1 (q = 2) and the
    prevalence of one label, from its ``(m, o)`` histogram (without Cohen's kappa): the
    integer totals ``NominalData`` has on the label's binary codes, through the same
    functions."""
    side = hist.shape[0]
    m = np.arange(side, dtype=np.int64)[:, None]
    o = np.arange(side, dtype=np.int64)[None, :]
    valid = o <= m
    h = np.where(valid, hist, 0)
    ones, zeros = h * o, h * np.where(valid, m - o, 0)  # ratings with / without the label
    items_by_m = h.sum(axis=1)
    n_items = int(items_by_m[1:].sum())
    n_pairable = int(items_by_m[2:].sum())
    ratings = int((items_by_m * np.arange(side)).sum())
    hits = int(ones.sum())
    out: dict[str, object] = {
        "n_items": n_items,
        "n_pairable_items": n_pairable,
        "percent_agreement": None,
        "fleiss_kappa": None,
        "krippendorff_alpha": None,
        "gwet_ac1": None,
        "prevalence": to_float(hits / ratings) if ratings else None,
    }
    if n_pairable == 0:
        return out
    same = np.where(valid, o * (o - 1) + (m - o) * (m - o - 1), 0)  # ordered equal pairs
    same_by_m = (h * same).sum(axis=1).astype(np.float64)
    same_by_m[:2] = 0.0
    p_bar = mean_agreement(same_by_m, n_pairable)
    out["percent_agreement"] = to_float(p_bar)
    n = int((items_by_m[2:] * np.arange(2, side)).sum())
    counts = np.array([int(zeros[2:].sum()), int(ones[2:].sum())], dtype=np.int64)
    out["krippendorff_alpha"] = alpha_from(n, counts[counts > 0], same_by_m)
    by_m = ((k, np.array([int(zeros[k].sum()), int(ones[k].sum())], dtype=np.int64)) for k in range(1, side))
    pi = category_shares(by_m, n_items)
    out["fleiss_kappa"] = fleiss_from(p_bar, pi)
    out["gwet_ac1"] = ac1_from(p_bar, pi, 2)
    return out


def bootstrap_patterns(hist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The item patterns of the pairable items of one label and their counts, as
    ``bootstrap.item_patterns`` returns them for the label's binary codes: the sorted rows
    ``[-1] * (r - m) + [0] * (m - o) + [1] * o`` in lexicographic order."""
    side = hist.shape[0]
    r = side - 1
    rows: list[list[int]] = []
    counts: list[int] = []
    for m in range(2, side):
        for o in range(m + 1):
            if hist[m, o]:
                rows.append([MISSING] * (r - m) + [0] * (m - o) + [1] * o)
                counts.append(int(hist[m, o]))
    if not rows:
        return np.zeros((0, r), dtype=np.int64), np.zeros(0, dtype=np.int64)
    patterns = np.array(rows, dtype=np.int64)
    order = np.lexsort(patterns.T[::-1])
    return patterns[order], np.array(counts, dtype=np.int64)[order]
