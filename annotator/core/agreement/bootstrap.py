"""Percentile bootstrap for Krippendorff's alpha (nominal and MASI).

The pairable items (>= 2 ratings) are resampled with replacement. A resample
is represented by its item multiplicities ``w`` (a row of ``W``, drawn with
``Generator.integers`` + ``bincount``), so every sum over items that alpha
needs is ``W @ feature`` for a per-item feature precomputed once:
``m_i``, the per-item observed agreement/disagreement, and the per-item value
counts ``n_ic``. Several statistics on the same items share one ``W``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._arrays import compact, to_float
from .masi import MasiData
from .nominal import NominalData

Progress = Callable[[int, int], None]

_W_CELLS = 1 << 22  # cells of W per chunk (32 MiB as float64)
_GATHER_CELLS = 1 << 23  # cells of the sparse gather per chunk
_DENSE_MAX_K = 256
_DENSE_MAX_CELLS = 1 << 23


class _ValueCounts:
    """Resampled value totals n_c^(b) = sum_i w_i n_ic, dense or sparse per item."""

    def __init__(self, codes: np.ndarray) -> None:
        n_units = codes.shape[0]
        present = codes >= 0
        item = np.nonzero(present)[0]
        vals, k = compact(codes[present])
        self.k = k
        self.dense = k <= _DENSE_MAX_K and n_units * k <= _DENSE_MAX_CELLS
        if self.dense:
            self.features = (
                np.bincount(item * k + vals, minlength=n_units * k)
                .reshape(n_units, k)
                .astype(np.float64)
            )
            self.nnz = 0
        else:
            key = vals.astype(np.int64) * n_units + item
            key, cnt = np.unique(key, return_counts=True)  # sorted by value, then item
            self.ent_item = key % n_units
            ent_val = key // n_units
            self.ent_count = cnt.astype(np.float64)
            self.starts = np.flatnonzero(np.r_[True, ent_val[1:] != ent_val[:-1]])
            self.features = np.zeros((n_units, 0))
            self.nnz = int(key.size)

    def totals(self, wf: np.ndarray, w: np.ndarray) -> np.ndarray:
        if self.dense:
            return wf
        return np.add.reduceat(
            w[:, self.ent_item] * self.ent_count, self.starts, axis=1
        )


class NominalAlphaStat:
    """Nominal alpha = 1 - (n-1)(n-A)/(n^2 - sum_c n_c^2) per resample."""

    def __init__(self, data: NominalData) -> None:
        p = data.pairable
        m = data.m[p].astype(np.float64)
        a = data.same[p] / (m - 1.0)
        self.counts = _ValueCounts(data.codes[p])
        self.features = np.column_stack([m, a, self.counts.features])
        self.nnz = self.counts.nnz

    def finish(self, wf: np.ndarray, w: np.ndarray) -> np.ndarray:
        n, a = wf[:, 0], wf[:, 1]
        nc = self.counts.totals(wf[:, 2:], w)
        den = n * n - (nc * nc).sum(axis=1)
        ok = den > 0.5  # integer-valued; 0 means a single value (0/0)
        out = np.full(n.shape, np.nan)
        out[ok] = 1.0 - (n[ok] - 1.0) * (n[ok] - a[ok]) / den[ok]
        return out


class MasiAlphaStat:
    """MASI alpha = 1 - D_o / D_e per resample."""

    def __init__(self, data: MasiData) -> None:
        self.delta = data.delta
        m = data.m_pairable.astype(np.float64)
        self.counts = _ValueCounts(data.codes)
        self.features = np.column_stack(
            [m, data.item_disagreement, self.counts.features]
        )
        self.nnz = self.counts.nnz

    def finish(self, wf: np.ndarray, w: np.ndarray) -> np.ndarray:
        n, d = wf[:, 0], wf[:, 1]
        nc = self.counts.totals(wf[:, 2:], w)
        d_e = ((nc @ self.delta) * nc).sum(axis=1)
        ok = np.count_nonzero(nc, axis=1) >= 2  # one distinct set: D_e = 0 (0/0)
        out = np.full(n.shape, np.nan)
        out[ok] = 1.0 - (d[ok] / n[ok]) / (d_e[ok] / (n[ok] * (n[ok] - 1.0)))
        return out


def run_bootstrap(
    stats: Sequence[NominalAlphaStat | MasiAlphaStat],
    n_units: int,
    n_boot: int,
    rng: np.random.Generator,
    progress: Progress | None = None,
) -> list[np.ndarray]:
    """Resample ``n_units`` items ``n_boot`` times; one array (n_boot,) per stat, NaN = undefined."""
    if not stats or n_boot <= 0 or n_units == 0:
        if progress is not None and n_boot > 0:
            progress(n_boot, n_boot)  # nothing to resample: report completion at once
        return [np.full(max(n_boot, 0), np.nan) for _ in stats]
    features = np.hstack([s.features for s in stats])
    bounds = np.cumsum([0] + [s.features.shape[1] for s in stats])
    nnz = max(s.nnz for s in stats)
    chunk = max(1, min(n_boot, _W_CELLS // n_units, _GATHER_CELLS // max(nnz, 1)))
    results: list[list[np.ndarray]] = [[] for _ in stats]
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        idx = rng.integers(0, n_units, size=(b, n_units))
        idx += (np.arange(b, dtype=np.int64) * n_units)[:, None]
        w = np.bincount(idx.ravel(), minlength=b * n_units).reshape(b, n_units)
        w = w.astype(np.float64)
        wf = w @ features
        for s, stat in enumerate(stats):
            results[s].append(stat.finish(wf[:, bounds[s] : bounds[s + 1]], w))
        done += b
        if progress is not None:
            progress(done, n_boot)
    return [np.concatenate(r) for r in results]


def percentile_interval(
    values: np.ndarray, confidence: float = 0.95
) -> list[float] | None:
    """[low, high] percentile interval of the defined (finite) values, or None."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return None
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(v, [tail, 100.0 - tail])
    lo, hi = to_float(low), to_float(high)
    return None if lo is None or hi is None else [lo, hi]


def bootstrap_alpha_ci(
    codes: object,
    n_boot: int = 2000,
    seed: int | None = None,
    confidence: float = 0.95,
    progress: Progress | None = None,
) -> list[float] | None:
    """Percentile bootstrap CI of nominal alpha (None if alpha is undefined)."""
    data = NominalData(codes)
    if n_boot <= 0 or data.krippendorff_alpha() is None:
        return None
    stat = NominalAlphaStat(data)
    rng = np.random.default_rng(seed)
    (vals,) = run_bootstrap([stat], data.n_pairable_items, n_boot, rng, progress)
    return percentile_interval(vals, confidence)


def bootstrap_alpha_masi_ci(
    masks: object,
    n_boot: int = 2000,
    seed: int | None = None,
    confidence: float = 0.95,
    progress: Progress | None = None,
) -> list[float] | None:
    """Percentile bootstrap CI of MASI alpha (None if alpha is undefined)."""
    data = MasiData(masks)
    if n_boot <= 0 or data.alpha() is None:
        return None
    stat = MasiAlphaStat(data)
    rng = np.random.default_rng(seed)
    (vals,) = run_bootstrap([stat], data.n_pairable_items, n_boot, rng, progress)
    return percentile_interval(vals, confidence)
