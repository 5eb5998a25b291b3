"""Label sets as int64 bitmasks, MASI distance, and Krippendorff's alpha with MASI.

``masks`` is ``(n_items, n_annotators)`` int64; bit i = label i of the schema,
-1 = missing, 0 = the empty set (a real rating).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from ._arrays import (
    MISSING,
    as_mask_matrix,
    popcount,
    ratings_per_item,
    recode_matrix,
    to_float,
)

_TWO_THIRDS = 2.0 / 3.0
_ONE_THIRD = 1.0 / 3.0
# Rows of the distance matrix computed at once (bounds temporaries to ~8M cells).
_BLOCK_CELLS = 1 << 23
_DENSE_FACTOR, _DENSE_SLACK = 4, 1 << 16  # masks up to 4 x ratings (+ slack): a lookup table
_CHUNK_ROWS = 1 << 16  # rows of the rating matrix per chunk (bounds the temporaries)
# Up to this many distinct sets, an item's distances are looked up in ``delta`` (U x U).
_LOOKUP_MAX_SETS = 2048


def masi_distance(a: object, b: object) -> np.ndarray:
    """Elementwise MASI distance between label-set bitmasks (Passonneau 2006).

    ``1 - J * M`` with J = |A & B| / |A | B| and M = 1 if A == B, 2/3 if one is
    a subset of the other, 1/3 if they intersect otherwise, 0 if disjoint.
    Equal sets (the empty set included) are at distance 0. Broadcasts.
    """
    x = np.asarray(a, dtype=np.int64)
    y = np.asarray(b, dtype=np.int64)
    if (x.size and x.min() < 0) or (y.size and y.min() < 0):
        raise ValueError("masks must be >= 0 (missing values have no distance)")
    inter = popcount(x & y)
    union = popcount(x | y)
    smaller = np.minimum(popcount(x), popcount(y))
    monotonicity = np.where(inter == smaller, _TWO_THIRDS, np.where(inter > 0, _ONE_THIRD, 0.0))
    jaccard = inter / np.maximum(union, 1)
    return np.where(x == y, 0.0, 1.0 - jaccard * monotonicity)


def masi_matrix(values: np.ndarray) -> np.ndarray:
    """``U x U`` MASI distances between the distinct masks ``values`` (1-D)."""
    u = np.asarray(values, dtype=np.int64)
    out = np.empty((u.size, u.size))
    step = max(1, _BLOCK_CELLS // max(u.size, 1))
    for start in range(0, u.size, step):
        out[start : start + step] = masi_distance(u[start : start + step, None], u[None, :])
    return out


class MasiData:
    """Per-item MASI disagreement and the distinct label sets of the pairable items.

    Built from the label-set codes of the matrix (``set_codes``): an item's disagreement
    is a sum of lookups in the distances between the distinct sets (``delta``), the same
    floats ``masi_distance`` gives on the masks, counted in chunks of rows."""

    def __init__(self, masks: object) -> None:
        codes, uniques = set_codes(as_mask_matrix(masks), _CHUNK_ROWS)
        self._build(codes, uniques, None, _CHUNK_ROWS)

    @classmethod
    def from_codes(
        cls, codes: np.ndarray, uniques: np.ndarray, m: np.ndarray | None = None, chunk_rows: int = _CHUNK_ROWS
    ) -> MasiData:
        """From ``set_codes`` of the mask matrix (``m``: ratings per item, when known)."""
        data = cls.__new__(cls)
        data._build(codes, uniques, m, chunk_rows)
        return data

    def _build(self, codes: np.ndarray, uniques: np.ndarray, m: np.ndarray | None, chunk_rows: int) -> None:
        self.m = ratings_per_item(codes) if m is None else m
        self.pairable = self.m >= 2
        self.n_pairable_items = int(np.count_nonzero(self.pairable))
        pairable_codes = codes[self.pairable]
        self.m_pairable = self.m[self.pairable]
        self.n = int(self.m_pairable.sum())
        # the distinct label sets of the pairable ratings, their counts n_c, and the code of
        # each pairable rating among them (-1 missing; used by the bootstrap): the codes of
        # the whole matrix renumbered, order kept
        counts = np.zeros(uniques.size, dtype=np.int64)
        for start in range(0, pairable_codes.shape[0], chunk_rows):
            block = pairable_codes[start : start + chunk_rows]
            counts += np.bincount(block[block >= 0], minlength=uniques.size)
        used = counts > 0
        self.values = uniques[used]
        self.value_counts = counts[used]
        self.codes = pairable_codes
        if not used.all():  # some sets occur only on items with one rating
            renumber = (np.cumsum(used) - 1).astype(pairable_codes.dtype)
            for start in range(0, pairable_codes.shape[0], chunk_rows):
                block = pairable_codes[start : start + chunk_rows]
                np.copyto(block, renumber[np.maximum(block, 0)], where=block >= 0)
        self._delta: np.ndarray | None = None
        disagreement = self._pair_sums(chunk_rows)
        disagreement *= 2.0
        disagreement /= np.maximum(self.m_pairable - 1, 1)
        self.item_disagreement = disagreement

    def _pair_sums(self, chunk_rows: int) -> np.ndarray:
        """Per pairable item, the sum over annotator pairs a < b of delta(x_ia, x_ib), 0 where
        not both rated; pairs added in the same order whatever the chunks."""
        codes = self.codes
        lookup = self.values.size <= _LOOKUP_MAX_SETS
        pair_sum = np.zeros(codes.shape[0])
        for start in range(0, codes.shape[0], chunk_rows):
            block = codes[start : start + chunk_rows]
            out = pair_sum[start : start + chunk_rows]
            for a, b in combinations(range(codes.shape[1]), 2):
                both = (block[:, a] >= 0) & (block[:, b] >= 0)
                xa = np.where(both, block[:, a], 0)
                xb = np.where(both, block[:, b], 0)
                if lookup:
                    out += np.where(both, self.delta[xa, xb], 0.0)
                else:  # many distinct sets: distances of the masks themselves (0 vs 0 is 0)
                    out += masi_distance(np.where(both, self.values[xa], 0), np.where(both, self.values[xb], 0))
        return pair_sum

    @property
    def delta(self) -> np.ndarray:
        if self._delta is None:
            self._delta = masi_matrix(self.values)
        return self._delta

    def alpha(self) -> float | None:
        if self.n_pairable_items == 0 or self.values.size < 2:
            return None
        d_o = float(self.item_disagreement.sum()) / self.n
        cnt = self.value_counts.astype(np.float64)
        d_e = float(cnt @ self.delta @ cnt) / (self.n * (self.n - 1.0))
        return to_float(1.0 - d_o / d_e)


def krippendorff_alpha_masi(masks: object) -> float | None:
    """Krippendorff's alpha with MASI distance over label sets, missing data allowed."""
    return MasiData(masks).alpha()


def binary_recode(masks: object, bit: int) -> np.ndarray:
    """Per-label binary codes: 1 if ``bit`` is set, 0 if not, -1 stays missing."""
    mk = as_mask_matrix(masks)
    return _binary_codes(mk, bit, mk < 0)


def _binary_codes(mk: np.ndarray, bit: int, missing: np.ndarray) -> np.ndarray:
    out = (np.bitwise_and(mk, np.int64(1) << bit) != 0).view(np.int8)
    np.putmask(out, missing, MISSING)
    return out


def single_label_codes(masks: object) -> np.ndarray:
    """Label index of each one-bit mask (single-label schema), -1 stays missing.

    Raises ``ValueError`` if a present rating does not have exactly one label.
    """
    mk = as_mask_matrix(masks)
    present = mk >= 0
    bits = popcount(np.where(present, mk, 1))
    if np.any(bits != 1):
        raise ValueError("mode='single' needs exactly one label in every present rating")
    return np.where(present, popcount(np.where(present, mk, 1) - 1), MISSING)


def exact_set_codes(masks: object) -> tuple[np.ndarray, np.ndarray]:
    """Code each distinct label set 0..U-1; returns ``(codes, unique_masks)``."""
    return recode_matrix(as_mask_matrix(masks))


def set_codes(masks: np.ndarray, chunk_rows: int = _CHUNK_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """``exact_set_codes`` of an int64 mask matrix, in chunks of rows, the codes in the
    narrowest signed integer type that holds them (int16 for up to 32,766 distinct sets):
    the same codes, a quarter of the memory."""
    top = int(masks.max()) if masks.size else -1
    dense = top <= _DENSE_FACTOR * masks.size + _DENSE_SLACK  # a lookup table of every mask
    if dense:
        used = np.zeros(top + 2, dtype=bool)  # the last entry: -1 (missing)
        for start in range(0, masks.shape[0], chunk_rows):
            used[masks[start : start + chunk_rows]] = True
        used[-1] = False
        uniques = np.flatnonzero(used).astype(np.int64)
    else:
        uniques = np.zeros(0, dtype=np.int64)
        for start in range(0, masks.shape[0], chunk_rows):
            block = masks[start : start + chunk_rows]
            uniques = np.union1d(uniques, block[block >= 0])
    dtype = next(t for t in (np.int16, np.int32, np.int64) if uniques.size < np.iinfo(t).max)
    codes = np.empty(masks.shape, dtype=dtype)
    if dense:
        lookup = np.full(top + 2, MISSING, dtype=dtype)
        lookup[uniques] = np.arange(uniques.size, dtype=dtype)
    for start in range(0, masks.shape[0], chunk_rows):
        block = masks[start : start + chunk_rows]
        if dense:
            codes[start : start + chunk_rows] = lookup[block]  # -1 reads the last entry
        else:
            found = np.searchsorted(uniques, block)
            found[block < 0] = MISSING
            codes[start : start + chunk_rows] = found
    return codes, uniques
