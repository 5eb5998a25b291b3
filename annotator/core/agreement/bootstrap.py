"""Percentile bootstrap for Krippendorff's alpha (nominal and MASI), by item patterns.

The bootstrap resamples the N pairable items (>= 2 ratings) with replacement.
Alpha of a resample depends on the items drawn only through how many times
each item *pattern* was drawn, a pattern being the multiset of the item's
ratings (nominal: its value codes; MASI: its label sets), i.e. the row of its
ratings sorted, missing (-1) first. N uniform draws with replacement give
pattern counts ``Multinomial(N, c / N)``, c = the number of pairable items with
each pattern, so a resample is drawn as one multinomial vector over the P
distinct patterns instead of N item indices: exactly the same distribution of
resamples, in time and memory O(B x P) instead of O(B x N). P is a handful for
a binary label (3 annotators: at most 7 patterns) and at most N.

Every sum over items that alpha needs is then ``counts @ feature`` for a
per-pattern feature computed once: ``m_p``, the pattern's observed
agreement/disagreement, and its value counts ``n_pc``.

The draws, precisely (the tests rebuild them by hand): the patterns are the
distinct sorted rows in lexicographic order (``np.unique(np.sort(rows,
axis=1), axis=0, return_counts=True)``), and the B count vectors are
``rng.multinomial(N, c / N, size=B)``, drawn in chunks of rows (the same
stream as one call). Only when binomials would cost more than drawing the
items (N >= 4096 and P not much smaller than N, see ``_Draws``) is each chunk
of b resamples ``rng.integers(0, N, (b, N))`` over the items sorted by
pattern, counted per pattern (the classic item bootstrap; its stream depends
on the chunking). Each statistic draws from a copy of ``rng`` in its initial
state: a CI does not depend on which other statistics a report computes
alongside (a label's CI is the one ``bootstrap_alpha_ci`` gives on its binary
codes), and statistics with equal pattern counts share their draws (overall
nominal alpha and MASI alpha, whose patterns are both the multisets of label
sets).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._arrays import compact, to_float
from .masi import MasiData
from .nominal import NominalData

Progress = Callable[[int, int], None]

_W_CELLS = 1 << 22  # cells of the (resamples x patterns) count matrix per chunk
_MAX_CHUNK = 256  # resamples per chunk at most (progress is reported per chunk)
_GATHER_CELLS = 1 << 23  # cells of the sparse gather per chunk
_DENSE_MAX_CELLS = 1 << 23  # dense n_pc matrix: at most this many cells ...
_DENSE_FILL = 160  # ... and at most this many cells per nonzero (a product beats a gather)
_DENSE_KEYS = 1 << 20  # largest key range counted with bincount rather than unique
_MAX_KEY = 1 << 62
_ITEMS_MIN = 1 << 12  # fewer pairable items: always multinomial draws (see _Draws)


def item_patterns(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct patterns of the rows of ``codes`` (-1 = missing) and their counts.

    A pattern is a row sorted ascending (missing first): the multiset of the
    row's values. Returns ``(patterns (P, r) int64, counts (P,) int64)`` in
    lexicographic order of the patterns, as ``np.unique(np.sort(codes, axis=1),
    axis=0, return_counts=True)`` does (faster: rows packed into one int64 key).
    """
    n, r = codes.shape
    if n == 0:
        return np.zeros((0, r), dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows = np.sort(codes, axis=1)
    top = int(rows[:, -1].max())
    if (top + 2) ** r > _MAX_KEY:
        # large values: recode order-preservingly to 0..K-1 (same lexicographic order)
        present = rows >= 0
        small = np.full(rows.shape, -1, dtype=np.int64)
        small[present], k = compact(rows[present])
        uniques = np.zeros(k, dtype=np.int64)
        uniques[small[present]] = rows[present]
        if (k + 1) ** r <= _MAX_KEY:
            patterns, counts = item_patterns(small)
        else:  # many annotators: compare whole rows
            patterns, counts = np.unique(small, axis=0, return_counts=True)
        return np.where(patterns >= 0, uniques[np.maximum(patterns, 0)], -1), counts
    base = top + 2  # digits value + 1 in 0..top+1, most significant first
    key = np.zeros(n, dtype=np.int64)
    for j in range(r):
        key *= base
        key += rows[:, j]
        key += 1
    if base**r <= max(_DENSE_KEYS, 4 * n):
        counts = np.bincount(key, minlength=base**r)
        keys = np.flatnonzero(counts)
        counts = counts[keys]
    else:
        keys, counts = np.unique(key, return_counts=True)
    patterns = np.empty((keys.size, r), dtype=np.int64)
    for j in range(r - 1, -1, -1):
        keys, digit = np.divmod(keys, base)
        patterns[:, j] = digit - 1
    return patterns, counts.astype(np.int64)


class _ValueCounts:
    """Resampled value totals n_c^(b) = sum_p w_p n_pc, dense or sparse per pattern.

    Dense (columns of the features, one matrix product) unless the (P, K) matrix
    of the n_pc would be large or mostly zeros (each row has at most r nonzeros):
    then a gather of the nonzeros and a segmented sum.
    """

    def __init__(self, codes: np.ndarray, lead: int = 0) -> None:
        """``features``: ``lead`` zero columns (the statistic's own, filled by it), then the
        n_pc when dense: one matrix, never a copy of it."""
        n_units = codes.shape[0]
        present = codes >= 0
        item = np.nonzero(present)[0]
        vals, k = compact(codes[present])
        self.k = k
        cells = n_units * k
        self.dense = cells <= min(_DENSE_MAX_CELLS, _DENSE_FILL * max(item.size, 1))
        if self.dense:
            self.features = np.zeros((n_units, lead + k))
            self.features[:, lead:] = np.bincount(item * k + vals, minlength=cells).reshape(n_units, k)
            self.nnz = 0
        else:
            key = vals.astype(np.int64) * n_units + item
            key, cnt = np.unique(key, return_counts=True)  # sorted by value, then item
            self.ent_item = key % n_units
            ent_val = key // n_units
            self.ent_count = cnt.astype(np.float64)[:, None]
            self.starts = np.flatnonzero(np.r_[True, ent_val[1:] != ent_val[:-1]])
            self.features = np.zeros((n_units, lead))
            self.nnz = int(key.size)

    def totals(self, wf: np.ndarray, w: np.ndarray) -> np.ndarray:
        if self.dense:
            return wf
        rows = np.ascontiguousarray(w.T)[self.ent_item]  # (nnz, b): contiguous rows
        rows *= self.ent_count
        return np.add.reduceat(rows, self.starts, axis=0).T


class NominalAlphaStat:
    """Nominal alpha = 1 - (n-1)(n-A)/(n^2 - sum_c n_c^2) per resample."""

    def __init__(self, data: NominalData) -> None:
        self._build(*item_patterns(data.codes[data.pairable]))

    @classmethod
    def from_patterns(cls, patterns: np.ndarray, counts: np.ndarray) -> NominalAlphaStat:
        """From the item patterns and their counts (``item_patterns`` of the pairable rows)."""
        stat = cls.__new__(cls)
        stat._build(patterns, counts)
        return stat

    def _build(self, patterns: np.ndarray, counts: np.ndarray) -> None:
        self.pattern_counts = counts
        per = NominalData(patterns)  # every pattern has >= 2 ratings
        m = per.m.astype(np.float64)
        a = per.same / np.maximum(m - 1.0, 1.0)
        self.counts = _ValueCounts(patterns, lead=2)
        self.features = self.counts.features  # [m, A, n_pc ...]
        self.features[:, 0] = m
        self.features[:, 1] = a
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
        patterns, self.pattern_counts = item_patterns(data.codes)
        masks = np.where(patterns >= 0, data.values[np.maximum(patterns, 0)], -1)
        per = MasiData(masks)  # every pattern has >= 2 ratings
        m = per.m_pairable.astype(np.float64)
        self.counts = _ValueCounts(patterns, lead=2)
        self.features = self.counts.features  # [m, D, n_pc ...]
        self.features[:, 0] = m
        self.features[:, 1] = per.item_disagreement
        # the columns of the value totals are the codes that occur in the patterns: all
        # of 0..U-1 (data.values are the label sets of the pairable ratings), as in delta
        self.nnz = self.counts.nnz

    def finish(self, wf: np.ndarray, w: np.ndarray) -> np.ndarray:
        n, d = wf[:, 0], wf[:, 1]
        nc = self.counts.totals(wf[:, 2:], w)
        d_e = ((nc @ self.delta) * nc).sum(axis=1)
        ok = np.count_nonzero(nc, axis=1) >= 2  # one distinct set: D_e = 0 (0/0)
        out = np.full(n.shape, np.nan)
        out[ok] = 1.0 - (d[ok] / n[ok]) / (d_e[ok] / (n[ok] * (n[ok] - 1.0)))
        return out


def _copy(rng: np.random.Generator) -> np.random.Generator:
    """An independent generator in the same state as ``rng``."""
    bits = type(rng.bit_generator)()
    bits.state = rng.bit_generator.state
    return np.random.Generator(bits)


class _Draws:
    """The pattern counts of resamples of ``n`` items, from one generator.

    ``Multinomial(n, counts / n)`` rows from ``gen.multinomial`` (one binomial
    per pattern). When that would cost more than drawing the items themselves
    (many patterns with few items each: numpy's binomial takes ~50 ns + ~8 ns
    per unit of its mean up to 30, an item draw ~12 ns), rows of ``n`` item
    indices from ``gen.integers`` are drawn instead, each mapped to its pattern
    (items taken in pattern order) and counted: the same distribution. Never
    below ``_ITEMS_MIN`` items, where either way is fast: small data always
    gets the multinomial draws.
    """

    def __init__(self, counts: np.ndarray, n: int, gen: np.random.Generator) -> None:
        self.n, self.n_patterns, self.gen = n, counts.size, gen
        binomial_cost = 6 * counts.size + int(np.minimum(counts, 30).sum())
        self.by_items = n >= _ITEMS_MIN and 2 * binomial_cost > 3 * n
        if self.by_items:
            self.pattern_of = np.repeat(np.arange(counts.size), counts)
        else:
            self.probs = counts / float(n)
        self.members: list[int] = []

    @property
    def cells(self) -> int:
        """Cells drawn per resample."""
        return self.n if self.by_items else self.n_patterns

    def draw(self, b: int) -> np.ndarray:
        """(b, P) float64 pattern counts of the next ``b`` resamples."""
        if not self.by_items:
            return self.gen.multinomial(self.n, self.probs, size=b).astype(np.float64)
        p = self.n_patterns
        idx = self.pattern_of[self.gen.integers(0, self.n, size=(b, self.n))]
        idx += (np.arange(b, dtype=np.int64) * p)[:, None]
        w = np.bincount(idx.ravel(), minlength=b * p).reshape(b, p)
        return w.astype(np.float64)


def run_bootstrap(
    stats: Sequence[NominalAlphaStat | MasiAlphaStat],
    n_units: int,
    n_boot: int,
    rng: np.random.Generator,
    progress: Progress | None = None,
) -> list[np.ndarray]:
    """Resample ``n_units`` items ``n_boot`` times; one array (n_boot,) per stat, NaN = undefined.

    Each stat's pattern counts are drawn from a copy of ``rng`` in its initial
    state (``rng`` itself is not advanced); stats with equal pattern counts
    share one draw. ``progress(done, n_boot)`` after each chunk of resamples.
    """
    if not stats or n_boot <= 0 or n_units == 0:
        if progress is not None and n_boot > 0:
            progress(n_boot, n_boot)  # nothing to resample: report completion at once
        return [np.full(max(n_boot, 0), np.nan) for _ in stats]
    groups: dict[bytes, _Draws] = {}
    for s, stat in enumerate(stats):
        if int(stat.pattern_counts.sum()) != n_units:
            raise ValueError("every statistic must resample the same n_units items")
        key = stat.pattern_counts.tobytes()
        if key not in groups:
            groups[key] = _Draws(stat.pattern_counts, n_units, _copy(rng))
        groups[key].members.append(s)
    cells = max(g.cells for g in groups.values())
    nnz = max(s.nnz for s in stats)
    chunk = max(
        1,
        min(n_boot, _MAX_CHUNK, _W_CELLS // cells, _GATHER_CELLS // max(nnz, 1)),
    )
    results: list[list[np.ndarray]] = [[] for _ in stats]
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        for group in groups.values():
            w = group.draw(b)
            for s in group.members:
                results[s].append(stats[s].finish(w @ stats[s].features, w))
        done += b
        if progress is not None:
            progress(done, n_boot)
    return [np.concatenate(r) for r in results]


def percentile_interval(values: np.ndarray, confidence: float = 0.95) -> list[float] | None:
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
