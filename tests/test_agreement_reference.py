"""Agreement core against independent implementations (test-only dependencies):
``krippendorff``, scikit-learn, statsmodels, NLTK, and plain-Python transcriptions
of Gwet's (irrCAC) formulas and of the item bootstrap."""

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

M = -1


def make_codes(
    seed: int, n: int, r: int, q: int, missing: float, noise: float
) -> np.ndarray:
    """Ratings that agree with a latent truth except for a share ``noise``."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, n)
    codes = np.where(
        rng.random((n, r)) < noise, rng.integers(0, q, (n, r)), truth[:, None]
    )
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

    assert krippendorff_alpha_nominal(KRIPP_2011) == pytest.approx(
        kripp_reference(KRIPP_2011), abs=1e-12
    )


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
    return (
        AnnotationTask(triples)
        if distance is None
        else AnnotationTask(triples, distance)
    )


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
    values = {
        m: frozenset(b for b in range(case[3]) if m >> b & 1) for m in np.unique(masks)
    }
    ref = nltk_task(masks, values=values, distance=nltk_masi).alpha()
    if ours is None:
        assert ref == 1  # NLTK's convention for a single value
    else:
        assert ours == pytest.approx(ref, abs=1e-9)


@pytest.mark.parametrize("case", MASK_CASES)
def test_exact_set_alpha_in_report_matches_nltk(case):
    masks = make_masks(*case)
    rep = compute_agreement(
        masks, [f"a{i}" for i in range(case[2])], [f"l{i}" for i in range(case[3])]
    )
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
    pa = sum(
        sum(r.count(k) * (r.count(k) - 1) for k in range(q)) / (len(r) * (len(r) - 1))
        for r in two
    ) / len(two)
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


# ------------------------------------------------ bootstrap against a naive loop


def naive_bootstrap(
    rows: np.ndarray, n_boot: int, seed: int, alpha
) -> list[float] | None:
    """Draw resample b as row b of rng.integers(0, Np, (B, Np)), recompute, drop undefined."""
    idx = np.random.default_rng(seed).integers(
        0, rows.shape[0], size=(n_boot, rows.shape[0])
    )
    vals = [alpha(rows[i]) for i in idx]
    vals = [v for v in vals if v is not None and not math.isnan(v)]
    if not vals:
        return None
    return [float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))]


@pytest.mark.parametrize("q", [2, 4, 400])  # 400 categories: the sparse count path
def test_bootstrap_matches_naive_resampling(q):
    codes = make_codes(3, 120, 3, q, 0.3, 0.5)
    pairable = codes[(codes >= 0).sum(1) >= 2]
    ref = naive_bootstrap(pairable, 200, 17, kripp_reference)
    assert bootstrap_alpha_ci(codes, 200, seed=17) == pytest.approx(ref, abs=1e-9)


def test_bootstrap_drops_undefined_resamples():
    # 2 pairable items with different values; resamples that pick one item twice are
    # single-valued (undefined) and must be dropped, not counted as 1 or 0.
    codes = np.array([[0, 0], [1, 1], [0, M]])
    pairable = codes[:2]
    ref = naive_bootstrap(pairable, 300, 4, kripp_reference)
    assert bootstrap_alpha_ci(codes, 300, seed=4) == pytest.approx(ref)
    assert ref == [1.0, 1.0]


def test_masi_bootstrap_matches_naive_resampling():
    masks = make_masks(8, 80, 3, 4, 0.2, 0.5)
    pairable = masks[(masks >= 0).sum(1) >= 2]
    ref = naive_bootstrap(pairable, 150, 2, krippendorff_alpha_masi)
    assert bootstrap_alpha_masi_ci(masks, 150, seed=2) == pytest.approx(ref, abs=1e-9)


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
    assert bootstrap_alpha_ci(narrow, 50, seed=1) == bootstrap_alpha_ci(
        codes, 50, seed=1
    )
    masks = make_masks(3, 50, 3, 6, 0.2, 0.5)
    rep = compute_agreement(
        masks.astype(dtype), ["a", "b", "c"], [f"l{i}" for i in range(6)]
    )
    assert rep == compute_agreement(masks, ["a", "b", "c"], [f"l{i}" for i in range(6)])
    complete = np.abs(codes[:, :2]) % 3  # unsigned input (no missing) is accepted too
    assert krippendorff_alpha_nominal(
        complete.astype(np.uint8)
    ) == krippendorff_alpha_nominal(complete)
