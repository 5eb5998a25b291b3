"""Agreement core against independent implementations (test-only dependencies):
``krippendorff``, scikit-learn, statsmodels, NLTK, and plain-Python transcriptions
of Gwet's (irrCAC) formulas and of the bootstrap's draws."""

from __future__ import annotations

import math
import warnings
from itertools import combinations

import krippendorff
import numpy as np
import pytest
from nltk.metrics import masi_distance as nltk_masi
from nltk.metrics.agreement import AnnotationTask
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from annotator.core.agreement import (
    bootstrap_alpha_ci,
    bootstrap_alpha_masi_ci,
    cohen_kappa,
    cohen_kappa_mean,
    cohen_kappa_pairwise,
    compute_agreement,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha_masi,
    krippendorff_alpha_nominal,
    masi_distance,
    percent_agreement,
)
from annotator.core.agreement.bootstrap import (
    MasiAlphaStat,
    NominalAlphaStat,
    _Draws,
    item_patterns,
    run_bootstrap,
)
from annotator.core.agreement.masi import MasiData
from annotator.core.agreement.nominal import NominalData

M = -1


def make_codes(seed: int, n: int, r: int, q: int, missing: float, noise: float) -> np.ndarray:
    """Ratings that agree with a latent truth except for a share ``noise``."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, n)
    codes = np.where(rng.random((n, r)) < noise, rng.integers(0, q, (n, r)), truth[:, None])
    codes[rng.random((n, r)) < missing] = M
    return codes


CASES = [
    (seed, n, r, q, missing, noise)
    for seed, (n, r, q, missing, noise) in enumerate(
        [
            (1, 2, 2, 0.0, 0.5),
            (5, 2, 2, 0.0, 0.3),
            (30, 2, 3, 0.2, 0.4),
            (40, 3, 2, 0.3, 0.2),
            (60, 4, 5, 0.25, 0.5),
            (25, 5, 3, 0.5, 0.3),
            (80, 6, 4, 0.1, 0.7),
            (50, 12, 3, 0.3, 0.4),  # > 10 annotators: the row-sorting code path
            (200, 3, 6, 0.0, 0.9),
            (15, 3, 2, 0.6, 0.1),
            (100, 2, 2, 0.0, 0.05),
        ]
        * 3
    )
]


def kripp_reference(codes: np.ndarray) -> float | None:
    rel = np.where(codes >= 0, codes, np.nan).T.astype(float)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = krippendorff.alpha(reliability_data=rel, level_of_measurement="nominal")
    except ValueError:
        return None
    return None if math.isnan(v) else float(v)


@pytest.mark.parametrize("case", CASES)
def test_alpha_matches_krippendorff_package(case):
    codes = make_codes(*case)
    ours = krippendorff_alpha_nominal(codes)
    ref = kripp_reference(codes)
    if ours is None:
        assert ref is None or math.isnan(ref)
    else:
        assert ours == pytest.approx(ref, abs=1e-9)


def test_alpha_krippendorff_2011_against_package():
    from tests.test_agreement import KRIPP_2011

    assert krippendorff_alpha_nominal(KRIPP_2011) == pytest.approx(kripp_reference(KRIPP_2011), abs=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_cohen_matches_sklearn(case):
    codes = make_codes(*case)
    pairs = cohen_kappa_pairwise(codes)
    for (a, b), ours in pairs.items():
        both = (codes[:, a] >= 0) & (codes[:, b] >= 0)
        x, y = codes[both, a], codes[both, b]
        if x.size == 0:
            assert ours is None
            continue
        if np.unique(np.r_[x, y]).size == 1:  # p_e = 1: sklearn gives nan
            assert ours is None
            continue
        assert ours == pytest.approx(cohen_kappa_score(x, y), abs=1e-12)
        assert cohen_kappa(codes[:, a], codes[:, b]) == ours


@pytest.mark.parametrize("case", [c for c in CASES if c[4] == 0.0])
def test_fleiss_matches_statsmodels_on_complete_data(case):
    codes = make_codes(*case)
    table, _ = aggregate_raters(codes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm_fleiss(table, method="fleiss")
    ours = fleiss_kappa(codes)
    if ours is None:
        assert not np.isfinite(ref)
    else:
        assert ours == pytest.approx(ref, abs=1e-12)


def nltk_task(codes: np.ndarray, values=None, distance=None) -> AnnotationTask:
    triples = [
        (f"c{a}", f"i{i}", (codes[i, a] if values is None else values[codes[i, a]]))
        for i in range(codes.shape[0])
        for a in range(codes.shape[1])
        if codes[i, a] >= 0
    ]
    return AnnotationTask(triples) if distance is None else AnnotationTask(triples, distance)


@pytest.mark.parametrize("case", CASES[:22])
def test_alpha_matches_nltk_with_missing_data(case):
    codes = make_codes(*case)
    ours = krippendorff_alpha_nominal(codes)
    if ours is None:
        return  # NLTK returns 1 (or raises) here; we say undefined
    assert ours == pytest.approx(nltk_task(codes).alpha(), abs=1e-9)


@pytest.mark.parametrize("case", [c for c in CASES if c[4] == 0.0])
def test_fleiss_is_nltk_pi_and_cohen_mean_is_nltk_kappa(case):
    codes = make_codes(*case)
    task = nltk_task(codes)
    ours = fleiss_kappa(codes)
    if ours is not None:
        assert ours == pytest.approx(task.pi(), abs=1e-9)
    kappas = list(cohen_kappa_pairwise(codes).values())
    if all(k is not None for k in kappas):
        assert cohen_kappa_mean(codes) == pytest.approx(task.kappa(), abs=1e-9)


def test_nltk_multi_kappa_is_davies_fleiss_not_fleiss():
    # Two raters with very different marginals: Davies-Fleiss (pairwise expected
    # agreement from each rater's own marginals) differs from Fleiss (pooled).
    codes = np.array([[0, 0]] * 6 + [[0, 1]] * 6 + [[1, 1]] * 2)
    task = nltk_task(codes)
    assert fleiss_kappa(codes) == pytest.approx(task.pi(), abs=1e-12)
    assert abs(task.multi_kappa() - fleiss_kappa(codes)) > 0.05
    assert task.multi_kappa() == pytest.approx(cohen_kappa(codes[:, 0], codes[:, 1]))


def test_masi_distance_matches_nltk_on_all_subsets():
    masks = np.arange(1 << 5)
    sets = [frozenset(b for b in range(5) if m >> b & 1) for m in masks]
    ours = masi_distance(masks[:, None], masks[None, :])
    for i, j in combinations(range(len(masks)), 2):
        if not sets[i] and not sets[j]:
            continue
        assert ours[i, j] == pytest.approx(nltk_masi(sets[i], sets[j]), abs=1e-12)
        assert ours[j, i] == ours[i, j]
    assert np.all(np.diag(ours) == 0.0)


def make_masks(seed: int, n: int, r: int, n_labels: int, missing: float, noise: float):
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 1 << n_labels, n)
    flip = 1 << rng.integers(0, n_labels, (n, r))
    masks = np.where(rng.random((n, r)) < noise, truth[:, None] ^ flip, truth[:, None])
    masks = np.where(masks == 0, truth[:, None], masks)  # NLTK cannot do empty sets
    masks[rng.random((n, r)) < missing] = M
    return masks


MASK_CASES = [
    (seed, n, r, k, missing, noise)
    for seed, (n, r, k, missing, noise) in enumerate(
        [
            (30, 3, 3, 0.2, 0.4),
            (50, 2, 4, 0.0, 0.5),
            (40, 5, 5, 0.3, 0.3),
            (20, 4, 2, 0.4, 0.6),
        ]
        * 3
    )
]


@pytest.mark.parametrize("case", MASK_CASES)
def test_masi_alpha_matches_nltk(case):
    masks = make_masks(*case)
    ours = krippendorff_alpha_masi(masks)
    values = {m: frozenset(b for b in range(case[3]) if m >> b & 1) for m in np.unique(masks)}
    ref = nltk_task(masks, values=values, distance=nltk_masi).alpha()
    if ours is None:
        assert ref == 1  # NLTK's convention for a single value
    else:
        assert ours == pytest.approx(ref, abs=1e-9)


@pytest.mark.parametrize("case", MASK_CASES)
def test_exact_set_alpha_in_report_matches_nltk(case):
    masks = make_masks(*case)
    rep = compute_agreement(masks, [f"a{i}" for i in range(case[2])], [f"l{i}" for i in range(case[3])])
    ref = nltk_task(masks).alpha()
    if rep.overall.krippendorff_alpha is not None:
        assert rep.overall.krippendorff_alpha == pytest.approx(ref, abs=1e-9)


# ------------------------------------------------ Gwet / Fleiss with missing data


def gwet_reference(codes: np.ndarray, q: int) -> tuple[float | None, float | None]:
    """Plain-Python transcription of irrCAC gwet.ac1.raw / fleiss.kappa.raw."""
    rows = [[v for v in row if v >= 0] for row in codes.tolist()]
    rows = [r for r in rows if r]  # "exclude all subjects not rated by any rater"
    n = len(rows)
    two = [r for r in rows if len(r) >= 2]
    if not two:
        return None, None
    pa = sum(sum(r.count(k) * (r.count(k) - 1) for k in range(q)) / (len(r) * (len(r) - 1)) for r in two) / len(two)
    pi = [sum(r.count(k) / len(r) for r in rows) / n for k in range(q)]
    pe_ac1 = sum(p * (1 - p) for p in pi) / (q - 1)
    pe_f = sum(p * p for p in pi)
    ac1 = (pa - pe_ac1) / (1 - pe_ac1)
    fleiss = None if math.isclose(pe_f, 1.0) else (pa - pe_f) / (1 - pe_f)
    return ac1, fleiss


@pytest.mark.parametrize("case", CASES)
def test_gwet_ac1_and_fleiss_match_irrcac_formulas_with_missing_data(case):
    codes = make_codes(*case)
    q = case[3]
    ac1_ref, fleiss_ref = gwet_reference(codes, q)
    ac1 = gwet_ac1(codes, q)
    fl = fleiss_kappa(codes)
    assert (ac1 is None) == (ac1_ref is None)
    if ac1 is not None:
        assert ac1 == pytest.approx(ac1_ref, abs=1e-12)
    assert (fl is None) == (fleiss_ref is None)
    if fl is not None:
        assert fl == pytest.approx(fleiss_ref, abs=1e-12)
    two = [r for r in codes.tolist() if sum(v >= 0 for v in r) >= 2]
    if two:
        pa = np.mean(
            [
                sum(r.count(k) * (r.count(k) - 1) for k in range(q))
                / (sum(v >= 0 for v in r) * (sum(v >= 0 for v in r) - 1))
                for r in two
            ]
        )
        assert percent_agreement(codes) == pytest.approx(pa, abs=1e-12)


# ------------------------------------------- bootstrap against resamples drawn by hand
#
# The bootstrap draws each resample as the counts of the distinct item patterns (the
# multiset of an item's ratings): Multinomial(N, c / N), which is exactly the
# distribution of the pattern counts of N items drawn with replacement. The tests below
# rebuild the documented draws by hand (same seed, same stream), and compare the
# result's distribution with the classic item-index bootstrap.


def hand_patterns(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct sorted rows (missing first) in lexicographic order, and their counts."""
    return np.unique(np.sort(rows, axis=1), axis=0, return_counts=True)


def pattern_resamples(rows: np.ndarray, n_boot: int, seed: int) -> list[np.ndarray]:
    """Resample b repeats pattern p draws[b, p] times, draws = rng.multinomial(N, c / N, B)."""
    patterns, counts = hand_patterns(rows)
    n = rows.shape[0]
    draws = np.random.default_rng(seed).multinomial(n, counts / n, size=n_boot)
    return [np.repeat(patterns, d, axis=0) for d in draws]


def item_resamples(rows: np.ndarray, n_boot: int, seed: int) -> list[np.ndarray]:
    """The classic bootstrap: resample b = rows[row b of rng.integers(0, N, (B, N))]."""
    idx = np.random.default_rng(seed).integers(0, rows.shape[0], size=(n_boot, rows.shape[0]))
    return [rows[i] for i in idx]


def percentile_ci(values) -> list[float] | None:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    if not vals:
        return None
    return [float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))]


def pairable_rows(codes: np.ndarray) -> np.ndarray:
    return codes[(codes >= 0).sum(1) >= 2]


@pytest.mark.parametrize(
    "n, q, dense",
    [(120, 2, True), (120, 4, True), (400, 5000, False)],  # 5000 categories: sparse n_pc
)
def test_bootstrap_matches_hand_drawn_pattern_resamples(n, q, dense):
    codes = make_codes(3, n, 3, q, 0.3, 0.5)
    pairable = pairable_rows(codes)
    stat = NominalAlphaStat(NominalData(codes))
    assert stat.counts.dense == dense
    assert not _Draws(stat.pattern_counts, pairable.shape[0], np.random.default_rng()).by_items
    # (the krippendorff package is slow with 5000 categories: our alpha, checked against it
    # above, recomputes those resamples)
    alpha = kripp_reference if dense else krippendorff_alpha_nominal
    ref = percentile_ci(alpha(r) for r in pattern_resamples(pairable, 200, 17))
    assert bootstrap_alpha_ci(codes, 200, seed=17) == pytest.approx(ref, abs=1e-9)


def test_bootstrap_patterns_are_the_sorted_rows_in_lexicographic_order():
    codes = make_codes(6, 300, 4, 3, 0.3, 0.5)
    patterns, counts = item_patterns(pairable_rows(codes))
    want_patterns, want_counts = hand_patterns(pairable_rows(codes))
    assert np.array_equal(patterns, want_patterns) and np.array_equal(counts, want_counts)
    # large values (packed keys would overflow: recoded first) keep the same order, hence
    # the same draws and the same CI
    big = np.where(codes >= 0, codes * 10**15 + 7, M)
    patterns, counts = item_patterns(pairable_rows(big))
    want_patterns, want_counts = hand_patterns(pairable_rows(big))
    assert np.array_equal(patterns, want_patterns) and np.array_equal(counts, want_counts)
    assert bootstrap_alpha_ci(big, 300, seed=1) == bootstrap_alpha_ci(codes, 300, seed=1)


def test_bootstrap_drops_undefined_resamples():
    # 2 pairable items with different values; resamples that pick one item twice are
    # single-valued (undefined) and must be dropped, not counted as 1 or 0.
    codes = np.array([[0, 0], [1, 1], [0, M]])
    pairable = codes[:2]
    resamples = pattern_resamples(pairable, 300, 4)
    assert any(kripp_reference(r) is None for r in resamples)  # some are undefined
    ref = percentile_ci(kripp_reference(r) for r in resamples)
    assert bootstrap_alpha_ci(codes, 300, seed=4) == pytest.approx(ref)
    assert ref == [1.0, 1.0]


def test_masi_bootstrap_matches_hand_drawn_pattern_resamples():
    masks = make_masks(8, 80, 3, 4, 0.2, 0.5)
    resamples = pattern_resamples(pairable_rows(masks), 150, 2)
    ref = percentile_ci(krippendorff_alpha_masi(r) for r in resamples)
    assert bootstrap_alpha_masi_ci(masks, 150, seed=2) == pytest.approx(ref, abs=1e-9)


def test_bootstrap_draws_items_when_patterns_are_nearly_as_many_as_items():
    # N >= 4096 items and about as many patterns: binomial per pattern would cost more than
    # drawing the items, so resample b is row b of rng.integers(0, N, (B, N)) over the items
    # sorted by pattern (B = 100 resamples: a single chunk)
    codes = make_codes(4, 5000, 3, 60, 0.0, 0.9)
    pairable = pairable_rows(codes)
    n = pairable.shape[0]
    stat = NominalAlphaStat(NominalData(codes))
    assert _Draws(stat.pattern_counts, n, np.random.default_rng()).by_items
    patterns, counts = hand_patterns(pairable)
    by_pattern = np.repeat(patterns, counts, axis=0)  # the items sorted by pattern
    resamples = item_resamples(by_pattern, 100, 9)
    ref = percentile_ci(krippendorff_alpha_nominal(r) for r in resamples)
    assert bootstrap_alpha_ci(codes, 100, seed=9) == pytest.approx(ref, abs=1e-9)


def ecdf_distance(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic."""
    grid = np.union1d(x, y)
    fx = np.searchsorted(np.sort(x), grid, side="right") / x.size
    fy = np.searchsorted(np.sort(y), grid, side="right") / y.size
    return float(np.abs(fx - fy).max())


@pytest.mark.parametrize("kind", ["nominal", "masi"])
def test_bootstrap_distribution_matches_the_classic_item_bootstrap(kind):
    """Same distribution as resampling item indices: with B = 4000 on both sides (fixed
    seeds), the percentile intervals, means and spreads agree within Monte Carlo error and
    the two samples of alpha are close in Kolmogorov-Smirnov distance."""
    n_boot = 4000
    if kind == "nominal":
        codes = make_codes(21, 300, 3, 3, 0.2, 0.4)
        alpha = krippendorff_alpha_nominal

        def stat(x):
            return NominalAlphaStat(NominalData(x))
    else:
        codes = make_masks(22, 200, 3, 3, 0.2, 0.4)
        alpha = krippendorff_alpha_masi

        def stat(x):
            return MasiAlphaStat(MasiData(x))

    pairable = pairable_rows(codes)
    (ours,) = run_bootstrap([stat(codes)], pairable.shape[0], n_boot, np.random.default_rng(5))
    classic = np.array([alpha(r) for r in item_resamples(pairable, n_boot, 6)], dtype=float)
    ours, classic = ours[np.isfinite(ours)], classic[np.isfinite(classic)]
    assert ours.size > 0.99 * n_boot and classic.size > 0.99 * n_boot
    lo, hi = percentile_ci(classic)
    width = hi - lo
    assert percentile_ci(ours) == pytest.approx([lo, hi], abs=0.1 * width)
    assert ours.mean() == pytest.approx(classic.mean(), abs=0.05 * width)
    assert ours.std() == pytest.approx(classic.std(), rel=0.08)
    assert ecdf_distance(ours, classic) < 0.045  # KS critical value at 0.1%: ~0.044
    # while the resamples of a *different* data set (every 7th item made unanimous) are
    # told apart
    other = np.where((codes >= 0) & (np.arange(codes.shape[0])[:, None] % 7 == 0), 1, codes)
    (far,) = run_bootstrap([stat(other)], pairable.shape[0], n_boot, np.random.default_rng(5))
    assert ecdf_distance(far[np.isfinite(far)], classic) > 0.1


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
def test_narrow_integer_dtypes_give_identical_results(dtype):
    codes = make_codes(5, 300, 4, 3, 0.2, 0.4)
    # +1 would overflow int8: the matrix must be widened, not wrap around
    codes[0, 0] = np.iinfo(np.int8).max
    narrow = codes.astype(dtype)
    for f in (
        krippendorff_alpha_nominal,
        fleiss_kappa,
        percent_agreement,
        cohen_kappa_mean,
    ):
        assert f(narrow) == f(codes)
    assert gwet_ac1(narrow, 128) == gwet_ac1(codes, 128)
    assert bootstrap_alpha_ci(narrow, 50, seed=1) == bootstrap_alpha_ci(codes, 50, seed=1)
    masks = make_masks(3, 50, 3, 6, 0.2, 0.5)
    rep = compute_agreement(masks.astype(dtype), ["a", "b", "c"], [f"l{i}" for i in range(6)])
    assert rep == compute_agreement(masks, ["a", "b", "c"], [f"l{i}" for i in range(6)])
    complete = np.abs(codes[:, :2]) % 3  # unsigned input (no missing) is accepted too
    assert krippendorff_alpha_nominal(complete.astype(np.uint8)) == krippendorff_alpha_nominal(complete)
