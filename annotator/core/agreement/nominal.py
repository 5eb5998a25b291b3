"""Nominal agreement coefficients over an integer-coded rating matrix.

``codes`` is ``(n_items, n_annotators)``, int, -1 = missing, values >= 0.
Every function returns a Python ``float`` or ``None`` when the coefficient is
undefined (0/0); see the package docstring for the definitions.
"""

from __future__ import annotations

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


def _item_value_counts(codes: np.ndarray, k: int) -> np.ndarray:
    """(k, n_items) float64 matrix of n_ic (exact small integers)."""
    cols = np.ascontiguousarray(codes.T)
    out = np.zeros((k, codes.shape[0]))
    for c in range(k):
        for col in cols:
            out[c] += col == c
    return out


class NominalData:
    """Per-item summaries of one rating matrix, computed once, shared by the metrics."""

    def __init__(self, codes: object, m: np.ndarray | None = None) -> None:
        """``m`` (ratings per item) may be passed when already known."""
        self.codes = as_rating_matrix(codes)
        self.m = ratings_per_item(self.codes) if m is None else m
        self.max_code = int(self.codes.max()) if self.codes.size else -1
        self.pairable = self.m >= 2
        self.n_items = int(np.count_nonzero(self.m))
        self.n_pairable_items = int(np.count_nonzero(self.pairable))
        k, n_ann = self.max_code + 1, self.codes.shape[1]
        # Few categories: the (k, n_items) matrix of n_ic by column comparisons; every
        # sum the coefficients need follows from it. Otherwise pairwise/sorted counting.
        self._item_counts: np.ndarray | None = None
        if k > 0 and k * n_ann <= _ITEM_COUNTS_MAX_CELLS:
            self._item_counts = _item_value_counts(self.codes, k)
            c = self._item_counts
            self.same = (c * (c - 1.0)).sum(axis=0).astype(np.int64)  # exact integers
        else:
            self.same = same_value_pairs(self.codes)
        self._pairable_counts: np.ndarray | None = None
        self._shares: np.ndarray | None = None
        self._p_bar: float | None = None

    # -- pieces --------------------------------------------------------------
    @property
    def pairable_value_counts(self) -> np.ndarray:
        """n_c over pairable items (only values that occur)."""
        if self._pairable_counts is None:
            if self._item_counts is not None:
                sums = self._item_counts @ self.pairable.astype(np.float64)
                counts = np.rint(sums).astype(np.int64)  # exact integers
            elif self.max_code < _DENSE_SHARES_MAX:
                # non-pairable rows are sent to bin 0 together with the missing entries
                shifted = np.where(self.pairable[:, None], self.codes + 1, 0)
                counts = np.bincount(shifted.reshape(-1))[1:]
            else:
                vals = self.codes[self.pairable]
                counts = value_counts(vals[vals >= 0])
            self._pairable_counts = counts[counts > 0]
        return self._pairable_counts

    def item_agreement(self) -> np.ndarray:
        """P_i for the pairable items (share of agreeing ordered pairs)."""
        m = self.m[self.pairable]
        return self.same[self.pairable] / (m * (m - 1.0))

    def mean_item_agreement(self) -> float:
        """P-bar: mean of P_i over the pairable items (needs one)."""
        if self._p_bar is None:
            self._p_bar = float(self.item_agreement().mean())
        return self._p_bar

    def category_shares(self) -> np.ndarray:
        """pi_c = (1/N) sum_i n_ic / m_i over the N items with >= 1 rating, for the
        values c that occur (unused categories have pi_c = 0 and add nothing to
        Fleiss' or Gwet's chance agreement)."""
        if self._shares is None:
            self._shares = self._category_shares()
        return self._shares

    def _category_shares(self) -> np.ndarray:
        codes = self.codes
        if self.n_items == 0:
            return np.zeros(0)
        inv_m = 1.0 / np.maximum(self.m, 1)
        if self._item_counts is not None:
            sums = self._item_counts @ inv_m
            sums = sums[sums > 0]
        elif self.max_code < _DENSE_SHARES_MAX:
            # bin 0 collects the missing entries (-1 + 1) and is dropped
            weights = np.repeat(inv_m, codes.shape[1])
            sums = np.bincount(codes.reshape(-1) + 1, weights=weights)[1:]
            sums = sums[sums > 0]
        else:
            present = codes >= 0
            vals, k = compact(codes[present])
            weights = np.broadcast_to(inv_m[:, None], codes.shape)[present]
            sums = np.bincount(vals, weights=weights, minlength=k)
        return sums / self.n_items

    # -- coefficients --------------------------------------------------------
    def percent_agreement(self) -> float | None:
        if self.n_pairable_items == 0:
            return None
        return to_float(self.mean_item_agreement())

    def krippendorff_alpha(self) -> float | None:
        if self.n_pairable_items == 0:
            return None
        m = self.m[self.pairable]
        n = int(m.sum())
        counts = self.pairable_value_counts
        den = n * n - int((counts * counts).sum())  # n^2 - sum n_c^2, exact
        if den == 0:
            return None
        a = float((self.same[self.pairable] / (m - 1.0)).sum())
        return to_float(1.0 - (n - 1) * (n - a) / den)

    def fleiss_kappa(self) -> float | None:
        if self.n_pairable_items == 0:
            return None
        pi = self.category_shares()
        if np.count_nonzero(pi) <= 1:  # one category only: P_e = 1, 0/0
            return None
        p_e = float((pi * pi).sum())
        p_o = self.mean_item_agreement()
        return to_float((p_o - p_e) / (1.0 - p_e))

    def gwet_ac1(self, n_categories: int) -> float | None:
        if n_categories < 2:
            raise ValueError("Gwet's AC1 needs n_categories >= 2")
        if self.max_code >= n_categories:
            raise ValueError(f"codes must be < n_categories={n_categories}")
        if self.n_pairable_items == 0:
            return None
        pi = self.category_shares()
        p_e = float((pi * (1.0 - pi)).sum()) / (n_categories - 1)
        p_a = self.mean_item_agreement()
        return to_float((p_a - p_e) / (1.0 - p_e))

    def cohen_kappa_pairs(self) -> dict[tuple[int, int], tuple[int, float | None]]:
        """{(a, b): (n items both rated, kappa)} for every annotator pair a < b."""
        cols = np.ascontiguousarray(self.codes.T)
        return {(a, b): _cohen(cols[a], cols[b]) for a, b in combinations(range(cols.shape[0]), 2)}


def _cohen(x: np.ndarray, y: np.ndarray) -> tuple[int, float | None]:
    both = (x >= 0) & (y >= 0)
    n = int(np.count_nonzero(both))
    if n == 0:
        return 0, None
    k = int(max(x.max(), y.max())) + 1
    if k * k <= _DENSE_CONFUSION_MAX:
        # confusion matrix in one pass; pairs not both rated go to the extra last bin
        key = np.where(both, x.astype(np.int64) * k + y, k * k)
        conf = np.bincount(key, minlength=k * k + 1)[:-1].reshape(k, k)
        agree = int(np.trace(conf))
        ca, cb = conf.sum(axis=1), conf.sum(axis=0)
    else:
        xa, yb = x[both], y[both]
        agree = int(np.count_nonzero(xa == yb))
        joint, kk = compact(np.concatenate([xa, yb]))
        ca = np.bincount(joint[:n], minlength=kk)
        cb = np.bincount(joint[n:], minlength=kk)
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
