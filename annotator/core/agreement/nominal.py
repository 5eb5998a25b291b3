"""Nominal agreement coefficients over an integer-coded rating matrix.

``codes`` is ``(n_items, n_annotators)``, int, -1 = missing, values >= 0.
Every function returns a Python ``float`` or ``None`` when the coefficient is
undefined (0/0); see the package docstring for the definitions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import combinations

import numpy as np

from ._arrays import (
    as_rating_matrix,
    as_rating_vector,
    compact,
    ratings_per_item,
    same_value_pairs,
    to_float,
    value_counts,
)

_DENSE_SHARES_MAX = 1 << 16  # largest code for the bincount path of category shares
_DENSE_CONFUSION_MAX = 1 << 16  # largest k*k for the one-pass Cohen confusion matrix
_ITEM_COUNTS_MAX_CELLS = 64  # k * n_annotators column comparisons at most
_DENSE_MARGINALS_MAX = 1 << 20  # largest code for Cohen's margins by bincount
_BY_M_MAX_CELLS = 1 << 22  # value counts per number of ratings in one pass up to this many cells
_CHUNK_ROWS = 1 << 16  # integer counts over this many items at a time (bounds temporaries)


class NominalData:
    """Per-item summaries of one rating matrix, computed once, shared by the metrics.

    Every float figure is formed from integer totals grouped by the number of ratings m of
    an item (``same_by_m``, ``shares_by_m``), in a fixed order, by the functions below
    (``mean_agreement`` ...): the per-label figures of the report, counted from bit tests
    in chunks (``labels``), go through the same functions with the same totals, hence
    give the same floats as these functions on the label's binary codes."""

    def __init__(self, codes: object, m: np.ndarray | None = None) -> None:
        """``m`` (ratings per item) may be passed when already known."""
        self.codes = as_rating_matrix(codes)
        self.m = ratings_per_item(self.codes) if m is None else m
        self.max_code = int(self.codes.max()) if self.codes.size else -1
        self.pairable = self.m >= 2
        self.n_items = int(np.count_nonzero(self.m))
        self.n_pairable_items = int(np.count_nonzero(self.pairable))
        k, n_ann = self.max_code + 1, self.codes.shape[1]
        self._pairable_counts: np.ndarray | None = None
        if k > 0 and k * n_ann <= _ITEM_COUNTS_MAX_CELLS:
            # few categories: n_ic by column comparisons, one category at a time
            cols = np.ascontiguousarray(self.codes.T)
            self.same = np.zeros(self.codes.shape[0], dtype=np.int64)
            counts = np.zeros(k, dtype=np.int64)
            for c in range(k):
                n_c = np.zeros(self.codes.shape[0], dtype=np.int64)
                for col in cols:
                    n_c += col == c
                self.same += n_c * (n_c - 1)
                counts[c] = int(n_c[self.pairable].sum())
            self._pairable_counts = counts[counts > 0]
        else:
            self.same = same_value_pairs(self.codes)
        # S[m]: sum of same_i over the items with m ratings (0 for m < 2), exact integers
        self.same_by_m = np.bincount(self.m, weights=self.same, minlength=n_ann + 1)
        self._shares: np.ndarray | None = None

    # -- pieces --------------------------------------------------------------
    @property
    def pairable_value_counts(self) -> np.ndarray:
        """n_c over pairable items (only values that occur)."""
        if self._pairable_counts is None:
            if self.max_code < _DENSE_SHARES_MAX:
                # non-pairable rows are sent to bin 0 together with the missing entries
                counts = np.zeros(self.max_code + 2, dtype=np.int64)
                for start in range(0, self.codes.shape[0], _CHUNK_ROWS):
                    rows = slice(start, start + _CHUNK_ROWS)
                    shifted = np.where(self.pairable[rows, None], self.codes[rows] + 1, 0)
                    counts += np.bincount(shifted.reshape(-1), minlength=counts.size)
                counts = counts[1:]
            else:
                vals = self.codes[self.pairable]
                counts = value_counts(vals[vals >= 0])
            self._pairable_counts = counts[counts > 0]
        return self._pairable_counts

    def mean_item_agreement(self) -> float:
        """P-bar: mean of P_i over the pairable items (needs one)."""
        return mean_agreement(self.same_by_m, self.n_pairable_items)

    def category_shares(self) -> np.ndarray:
        """pi_c = (1/N) sum_i n_ic / m_i over the N items with >= 1 rating, for the
        values c that occur (unused categories have pi_c = 0 and add nothing to
        Fleiss' or Gwet's chance agreement)."""
        if self._shares is None:
            self._shares = category_shares(self._value_counts_by_m(), self.n_items)
        return self._shares

    def _value_counts_by_m(self) -> Iterator[tuple[int, np.ndarray]]:
        """(m, counts of each value over the items with m ratings), m ascending."""
        codes = self.codes
        if self.max_code >= _DENSE_SHARES_MAX:
            present = codes >= 0
            compacted = np.full(codes.shape, -1, dtype=np.int64)
            compacted[present] = compact(codes[present])[0]
            codes = compacted
        k = int(codes.max()) + 1 if codes.size else 0
        r = codes.shape[1]
        if (r + 1) * k <= _BY_M_MAX_CELLS:  # one pass: a count per (m, value)
            by_m = np.zeros((r + 1) * k, dtype=np.int64)
            for start in range(0, codes.shape[0], _CHUNK_ROWS):
                block = codes[start : start + _CHUNK_ROWS]
                key = self.m[start : start + _CHUNK_ROWS, None] * k + block
                by_m += np.bincount(key[block >= 0], minlength=by_m.size)
            for m in range(1, r + 1):
                yield m, by_m[m * k : (m + 1) * k]
            return
        for m in range(1, r + 1):
            counts = np.zeros(k, dtype=np.int64)
            for start in range(0, codes.shape[0], _CHUNK_ROWS):
                block = codes[start : start + _CHUNK_ROWS]
                rows = block[self.m[start : start + _CHUNK_ROWS] == m]
                counts += np.bincount(rows[rows >= 0], minlength=k)
            yield m, counts

    # -- coefficients --------------------------------------------------------
    def percent_agreement(self) -> float | None:
        if self.n_pairable_items == 0:
            return None
        return to_float(self.mean_item_agreement())

    def krippendorff_alpha(self) -> float | None:
        if self.n_pairable_items == 0:
            return None
        n = int(self.m[self.pairable].sum())
        return alpha_from(n, self.pairable_value_counts, self.same_by_m)

    def fleiss_kappa(self) -> float | None:
        if self.n_pairable_items == 0:
            return None
        return fleiss_from(self.mean_item_agreement(), self.category_shares())

    def gwet_ac1(self, n_categories: int) -> float | None:
        if n_categories < 2:
            raise ValueError("Gwet's AC1 needs n_categories >= 2")
        if self.max_code >= n_categories:
            raise ValueError(f"codes must be < n_categories={n_categories}")
        if self.n_pairable_items == 0:
            return None
        return ac1_from(self.mean_item_agreement(), self.category_shares(), n_categories)

    def cohen_kappa_pairs(self) -> dict[tuple[int, int], tuple[int, float | None]]:
        """{(a, b): (n items both rated, kappa)} for every annotator pair a < b."""
        cols = np.ascontiguousarray(self.codes.T)
        return {(a, b): _cohen(cols[a], cols[b]) for a, b in combinations(range(cols.shape[0]), 2)}


# -- the figures from integer totals (shared with the chunked per-label counts) ---------


def mean_agreement(same_by_m: np.ndarray, n_pairable: int) -> float:
    """P-bar = (1/N') sum_m S_m / (m (m - 1)), S_m = sum of same_i over the items with m
    ratings, N' pairable items (>= 1)."""
    m = np.arange(same_by_m.size, dtype=np.float64)[2:]
    return float((same_by_m[2:] / (m * (m - 1.0))).sum()) / n_pairable


def alpha_from(n: int, pairable_counts: np.ndarray, same_by_m: np.ndarray) -> float | None:
    """Nominal alpha = 1 - (n - 1)(n - A) / (n^2 - sum_c n_c^2), A = sum_m S_m / (m - 1)."""
    den = n * n - int((pairable_counts * pairable_counts).sum())  # exact
    if den == 0:
        return None
    m = np.arange(same_by_m.size, dtype=np.float64)[2:]
    a = float((same_by_m[2:] / (m - 1.0)).sum())
    return to_float(1.0 - (n - 1) * (n - a) / den)


def category_shares(counts_by_m: Iterable[tuple[int, np.ndarray]], n_items: int) -> np.ndarray:
    """pi_c = (1/N) sum_m n_c(m) / m, n_c(m) = ratings c on the items with m ratings (m
    ascending), for the values that occur."""
    if n_items == 0:
        return np.zeros(0)
    total: np.ndarray | None = None
    for m, counts in counts_by_m:
        part = counts / m
        total = part if total is None else total + part
    if total is None:
        return np.zeros(0)
    shares = total / n_items
    return shares[shares > 0]


def fleiss_from(p_o: float, pi: np.ndarray) -> float | None:
    if np.count_nonzero(pi) <= 1:  # one category only: P_e = 1, 0/0
        return None
    p_e = float((pi * pi).sum())
    return to_float((p_o - p_e) / (1.0 - p_e))


def ac1_from(p_a: float, pi: np.ndarray, n_categories: int) -> float | None:
    p_e = float((pi * (1.0 - pi)).sum()) / (n_categories - 1)
    return to_float((p_a - p_e) / (1.0 - p_e))


def _cohen(x: np.ndarray, y: np.ndarray) -> tuple[int, float | None]:
    both = (x >= 0) & (y >= 0)
    n = int(np.count_nonzero(both))
    if n == 0:
        return 0, None
    k = int(max(x.max(), y.max())) + 1
    if k * k <= _DENSE_CONFUSION_MAX:
        # confusion matrix in one pass (in chunks); pairs not both rated go to the extra last bin
        flat = np.zeros(k * k + 1, dtype=np.int64)
        for start in range(0, x.size, _CHUNK_ROWS):
            rows = slice(start, start + _CHUNK_ROWS)
            key = np.where(both[rows], x[rows].astype(np.int64) * k + y[rows], k * k)
            flat += np.bincount(key, minlength=k * k + 1)
        conf = flat[:-1].reshape(k, k)
        agree = int(np.trace(conf))
        ca, cb = conf.sum(axis=1), conf.sum(axis=0)
    elif k <= _DENSE_MARGINALS_MAX:
        # many values: the diagonal and the two margins suffice (p_e = sum_c ca_c cb_c / n^2)
        agree = 0
        ca = np.zeros(k, dtype=np.int64)
        cb = np.zeros(k, dtype=np.int64)
        for start in range(0, x.size, _CHUNK_ROWS):
            rows = slice(start, start + _CHUNK_ROWS)
            xa, yb = x[rows][both[rows]], y[rows][both[rows]]
            agree += int(np.count_nonzero(xa == yb))
            ca += np.bincount(xa, minlength=k)
            cb += np.bincount(yb, minlength=k)
    else:
        xa, yb = x[both], y[both]
        agree = int(np.count_nonzero(xa == yb))
        joint, kk = compact(np.concatenate([xa, yb]))
        ca = np.bincount(joint[:n], minlength=kk)
        cb = np.bincount(joint[n:], minlength=kk)
    return kappa_from_counts(n, agree, ca, cb)


def kappa_from_counts(n: int, agree: int, ca: np.ndarray, cb: np.ndarray) -> tuple[int, float | None]:
    """(n, Cohen's kappa) from n items both rated, ``agree`` of them with equal values, and
    each annotator's counts of each value on them (exact integers)."""
    pe_num = int((ca * cb).sum())  # n^2 * p_e, exact
    den = n * n - pe_num
    if den == 0:  # both annotators used one and the same value: 0/0
        return n, None
    return n, to_float((n * agree - pe_num) / den)


def mean_defined(values: list[float | None]) -> float | None:
    """Unweighted mean over the values that are not None (None if there is none)."""
    vals = [v for v in values if v is not None]
    return to_float(sum(vals) / len(vals)) if vals else None


# -- public functional API ---------------------------------------------------


def percent_agreement(codes: object) -> float | None:
    """Mean over items with >= 2 ratings of the share of agreeing annotator pairs."""
    return NominalData(codes).percent_agreement()


def cohen_kappa(x: object, y: object) -> float | None:
    """Cohen's kappa of two annotators (1-D codes, -1 missing) on the items both rated."""
    return _cohen(as_rating_vector(x, "x"), as_rating_vector(y, "y"))[1]


def cohen_kappa_pairwise(codes: object) -> dict[tuple[int, int], float | None]:
    """Cohen's kappa for every annotator pair (column indices a < b)."""
    return {k: v[1] for k, v in NominalData(codes).cohen_kappa_pairs().items()}


def cohen_kappa_mean(codes: object) -> float | None:
    """Mean of the pairwise Cohen's kappas over the pairs where it is defined."""
    return mean_defined(list(cohen_kappa_pairwise(codes).values()))


def fleiss_kappa(codes: object) -> float | None:
    """Fleiss' kappa; Gwet's (2014) missing-data form when ratings are missing."""
    return NominalData(codes).fleiss_kappa()


def krippendorff_alpha_nominal(codes: object) -> float | None:
    """Krippendorff's alpha, nominal metric, missing data allowed."""
    return NominalData(codes).krippendorff_alpha()


def gwet_ac1(codes: object, n_categories: int) -> float | None:
    """Gwet's AC1 with q = ``n_categories`` (codes must lie in 0..q-1)."""
    return NominalData(codes).gwet_ac1(n_categories)
