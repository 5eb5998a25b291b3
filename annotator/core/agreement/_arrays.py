"""Vectorised building blocks shared by the agreement metrics (internal).

Everything here works on whole columns of an ``(n_items, n_annotators)`` matrix;
there is no Python loop over items, only (small) loops over annotators or
annotator pairs.
"""

from __future__ import annotations

import numpy as np

MISSING = -1

# Above this many distinct code values per observed value, ``np.bincount`` would
# waste memory; fall back to sorting (``np.unique``).
_DENSE_FACTOR = 4
_DENSE_SLACK = 1 << 16
# Annotator counts up to this use pairwise column comparisons; above, row sorting.
_PAIRWISE_MAX_ANNOTATORS = 10


def as_rating_matrix(values: object, name: str = "codes") -> np.ndarray:
    """Validate a rating matrix and return it as C-contiguous int64.

    Raises ``ValueError`` for a wrong shape or values below -1 and ``TypeError``
    for a non-integer dtype.
    """
    arr = np.asarray(values)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_items, n_annotators), got shape {arr.shape}")
    if arr.size and (arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be an integer array, got dtype {arr.dtype}")
    if arr.size and int(arr.min()) < MISSING:
        raise ValueError(f"{name} must be >= -1 (-1 = missing)")
    # Narrow signed dtypes (e.g. int8 binary codes) are kept: less memory traffic.
    # Code + 1 must not overflow; products are always formed in int64.
    keep = (
        arr.dtype.kind == "i" and arr.dtype.itemsize < 8 and (arr.size == 0 or int(arr.max()) < np.iinfo(arr.dtype).max)
    )
    return np.ascontiguousarray(arr, dtype=arr.dtype if keep else np.int64)


def as_mask_matrix(values: object) -> np.ndarray:
    """Validated label-set bitmask matrix, always int64 (bit operations need the width)."""
    return as_rating_matrix(values, "masks").astype(np.int64, copy=False)


def as_rating_vector(values: object, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    return as_rating_matrix(arr.reshape(-1, 1), name)[:, 0]


def ratings_per_item(codes: np.ndarray) -> np.ndarray:
    """m_i: number of present ratings of each item."""
    return np.count_nonzero(codes >= 0, axis=1)


def same_value_pairs(codes: np.ndarray) -> np.ndarray:
    """Per item, the number of *ordered* pairs of distinct ratings with equal values.

    Equals ``sum_c n_ic (n_ic - 1)``. Missing values (-1) never pair.
    """
    n_items, n_ann = codes.shape
    if n_ann < 2 or n_items == 0:
        return np.zeros(n_items, dtype=np.int64)
    if n_ann <= _PAIRWISE_MAX_ANNOTATORS:
        cols = np.ascontiguousarray(codes.T)
        present = cols >= 0
        same = np.zeros(n_items, dtype=np.int64)
        for a in range(n_ann - 1):
            for b in range(a + 1, n_ann):
                same += (cols[a] == cols[b]) & present[a]
        return 2 * same
    # Many annotators: sort each row; within a run of equal values of length L
    # the positions contribute 0, 1, ..., L-1 unordered pairs.
    s = np.sort(codes, axis=1)
    new_run = np.ones(s.shape, dtype=bool)
    new_run[:, 1:] = s[:, 1:] != s[:, :-1]
    pos = np.arange(n_ann, dtype=np.int64)
    run_start = np.maximum.accumulate(np.where(new_run, pos, 0), axis=1)
    contrib = np.where(s >= 0, pos - run_start, 0)
    return 2 * contrib.sum(axis=1)


def value_counts(values: np.ndarray) -> np.ndarray:
    """Counts of each distinct value of a 1-D array of non-negative ints (zeros dropped)."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    top = int(values.max())
    if top <= _DENSE_FACTOR * values.size + _DENSE_SLACK:
        counts = np.bincount(values)
        return counts[counts > 0]
    return np.unique(values, return_counts=True)[1]


def compact(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Recode non-negative ints to 0..K-1 (order preserving); return (codes, K)."""
    if values.size == 0:
        return values.astype(np.int64), 0
    top = int(values.max())
    if top <= _DENSE_FACTOR * values.size + _DENSE_SLACK:
        used = np.zeros(top + 1, dtype=bool)
        used[values] = True
        lut = np.cumsum(used, dtype=np.int64) - 1
        return lut[values], int(lut[-1]) + 1
    uniq, inv = np.unique(values, return_inverse=True)
    return inv.astype(np.int64).reshape(values.shape), int(uniq.size)


def recode_matrix(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Recode the present entries of a rating matrix to 0..U-1.

    Returns ``(codes, uniques)``: ``codes`` has the shape of ``values`` with -1
    kept for missing; ``uniques[c]`` is the original value of code ``c``
    (sorted ascending).
    """
    present = values >= 0
    vals = values[present]
    codes = np.full(values.shape, MISSING, dtype=np.int64)
    if vals.size == 0:
        return codes, np.zeros(0, dtype=np.int64)
    inv, _ = compact(vals)
    codes[present] = inv
    uniques = np.zeros(int(inv.max()) + 1, dtype=np.int64)
    uniques[inv] = vals
    return codes, uniques


_BYTE_POP = np.array([i.bit_count() for i in range(256)], dtype=np.int64)


def popcount(x: np.ndarray) -> np.ndarray:
    """Number of set bits of each (non-negative) int64."""
    u = np.asarray(x, dtype=np.int64).astype(np.uint64)
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(u).astype(np.int64)
    return popcount_bytes(u)


def popcount_bytes(u: np.ndarray) -> np.ndarray:
    """Byte-table popcount of a uint64 array (fallback for numpy < 2)."""
    flat = np.ascontiguousarray(u, dtype=np.uint64).reshape(-1)
    return _BYTE_POP[flat.view(np.uint8).reshape(-1, 8)].sum(axis=1).reshape(np.shape(u))


def to_float(x: float | np.floating | None) -> float | None:
    """Python float, or None for None / NaN / inf (never leak NaN into a report)."""
    if x is None:
        return None
    f = float(x)
    return f if np.isfinite(f) else None
