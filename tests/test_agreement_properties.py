"""Property tests (hypothesis) for the agreement core."""

from __future__ import annotations

import json
import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from annotator.core.agreement import (
    binary_recode,
    bootstrap_alpha_ci,
    bootstrap_alpha_masi_ci,
    cohen_kappa,
    cohen_kappa_mean,
    compute_agreement,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha_masi,
    krippendorff_alpha_nominal,
    masi_distance,
    percent_agreement,
    single_label_codes,
)
from annotator.core.agreement.bootstrap import item_patterns

Q = 4


@st.composite
def rating_matrices(draw, q=Q, max_items=25, max_annotators=6, allow_missing=True):
    n = draw(st.integers(0, max_items))
    r = draw(st.integers(2, max_annotators))
    low = -1 if allow_missing else 0
    flat = draw(st.lists(st.integers(low, q - 1), min_size=n * r, max_size=n * r))
    return np.array(flat, dtype=np.int64).reshape(n, r)


@st.composite
def mask_matrices(draw, n_labels=4, max_items=20, max_annotators=5):
    n = draw(st.integers(0, max_items))
    r = draw(st.integers(2, max_annotators))
    flat = draw(st.lists(st.integers(-1, (1 << n_labels) - 1), min_size=n * r, max_size=n * r))
    return np.array(flat, dtype=np.int64).reshape(n, r)


def nominal_stats(codes: np.ndarray) -> tuple:
    return (
        percent_agreement(codes),
        cohen_kappa_mean(codes),
        fleiss_kappa(codes),
        krippendorff_alpha_nominal(codes),
        gwet_ac1(codes, Q),
    )


def same(a: tuple, b: tuple) -> bool:
    return all(
        (x is None and y is None) or (x is not None and y is not None and math.isclose(x, y, abs_tol=1e-9))
        for x, y in zip(a, b, strict=True)
    )


@given(rating_matrices(), st.randoms())
def test_symmetric_in_annotator_order(codes, rnd):
    perm = list(range(codes.shape[1]))
    rnd.shuffle(perm)
    assert same(nominal_stats(codes), nominal_stats(codes[:, perm]))


@given(rating_matrices(), st.randoms())
def test_invariant_under_item_permutation(codes, rnd):
    perm = list(range(codes.shape[0]))
    rnd.shuffle(perm)
    assert same(nominal_stats(codes), nominal_stats(codes[perm]))


@given(rating_matrices(), st.permutations(list(range(Q))))
def test_invariant_under_category_relabelling(codes, perm):
    relabel = np.array(perm)
    recoded = np.where(codes >= 0, relabel[np.maximum(codes, 0)], -1)
    assert same(nominal_stats(codes), nominal_stats(recoded))


@given(rating_matrices())
def test_bounds_and_no_nan(codes):
    pa, ck, fk, alpha, ac1 = nominal_stats(codes)
    for v in (pa, ck, fk, alpha, ac1):
        assert v is None or math.isfinite(v)
    assert pa is None or 0.0 <= pa <= 1.0
    for v in (ck, fk, alpha, ac1):
        assert v is None or v <= 1.0 + 1e-12
    # undefined exactly when there is no pairable item (or one value for alpha)
    pairable = (codes >= 0).sum(1) >= 2
    assert (pa is None) == (not pairable.any())
    assert (ac1 is None) == (not pairable.any())
    vals = codes[pairable]
    one_value = np.unique(vals[vals >= 0]).size <= 1
    assert (alpha is None) == one_value


@given(rating_matrices(allow_missing=False, max_annotators=5))
def test_complete_data_alpha_fleiss_identity(codes):
    n_items, r = codes.shape
    assume(n_items >= 1)
    alpha, fleiss = krippendorff_alpha_nominal(codes), fleiss_kappa(codes)
    assert (alpha is None) == (fleiss is None)
    if alpha is not None:
        n = n_items * r  # total number of (pairable) values
        assert math.isclose(alpha, 1 - (1 - fleiss) * (n - 1) / n, abs_tol=1e-9)


@given(st.integers(1, 20), st.integers(2, 6), st.integers(0, Q - 1))
def test_unanimous_single_value_is_undefined(n, r, v):
    codes = np.full((n, r), v)
    assert krippendorff_alpha_nominal(codes) is None
    assert fleiss_kappa(codes) is None
    assert cohen_kappa_mean(codes) is None
    assert cohen_kappa(codes[:, 0], codes[:, 1]) is None
    assert percent_agreement(codes) == 1.0


@given(st.integers(0, 20), st.integers(2, 6), st.data())
def test_no_item_with_two_ratings_is_undefined(n, r, data):
    codes = np.full((n, r), -1)
    cols = data.draw(st.lists(st.integers(0, r - 1), min_size=n, max_size=n))
    vals = data.draw(st.lists(st.integers(0, Q - 1), min_size=n, max_size=n))
    codes[np.arange(n), cols] = vals
    assert all(v is None for v in nominal_stats(codes))
    assert krippendorff_alpha_masi(codes) is None


@given(mask_matrices(), st.randoms())
def test_masi_alpha_symmetric_permutation_invariant_bounded(masks, rnd):
    a = krippendorff_alpha_masi(masks)
    cols = list(range(masks.shape[1]))
    rows = list(range(masks.shape[0]))
    rnd.shuffle(cols)
    rnd.shuffle(rows)
    b = krippendorff_alpha_masi(masks[rows][:, cols])
    assert (a is None) == (b is None)
    if a is not None:
        assert math.isclose(a, b, abs_tol=1e-9) and a <= 1.0 + 1e-12


@given(rating_matrices(q=4))
def test_masi_alpha_on_singletons_equals_nominal_alpha(codes):
    masks = np.where(codes >= 0, 1 << np.maximum(codes, 0), -1)
    assert np.array_equal(single_label_codes(masks), codes)
    a, b = krippendorff_alpha_masi(masks), krippendorff_alpha_nominal(codes)
    assert (a is None) == (b is None)
    if a is not None:
        assert math.isclose(a, b, abs_tol=1e-9)


@given(st.integers(0, 255), st.integers(0, 255))
def test_masi_distance_is_a_bounded_symmetric_semimetric(x, y):
    d = float(masi_distance(x, y))
    assert d == float(masi_distance(y, x))
    assert (d == 0.0) == (x == y)
    assert 0.0 <= d <= 1.0
    assert float(masi_distance(x, x)) == 0.0
    # the weights are exactly 1, 2/3, 1/3, 0 times Jaccard
    ix, iy = (x & y).bit_count(), (x | y).bit_count()
    if x != y:
        if x & y == x or x & y == y:
            m = 2 / 3
        elif x & y:
            m = 1 / 3
        else:
            m = 0.0
        assert math.isclose(d, 1 - (ix / iy) * m, abs_tol=1e-15)


@settings(max_examples=40, deadline=None)
@given(mask_matrices(n_labels=3), st.randoms())
def test_report_symmetric_in_annotators_and_json_clean(masks, rnd):
    r = masks.shape[1]
    names = [f"ann{i}" for i in range(r)]
    labels = ["a", "b", "c"]
    rep = compute_agreement(masks, names, labels).model_dump()
    perm = list(range(r))
    rnd.shuffle(perm)
    rep2 = compute_agreement(masks[:, perm], [names[i] for i in perm], labels).model_dump()
    json.dumps(rep, allow_nan=False)
    assert rep["pairwise"] == rep2["pairwise"]
    for key in ("overall",):
        for k, v in rep[key].items():
            w = rep2[key][k]
            assert (v is None and w is None) or math.isclose(v, w, abs_tol=1e-9), k
    for lab in labels:
        for k, v in rep["per_label"][lab].items():
            w = rep2["per_label"][lab][k]
            assert (v is None and w is None) or math.isclose(v, w, abs_tol=1e-9), (
                lab,
                k,
            )
    for entry in rep["per_label"].values():
        assert entry["prevalence"] is None or 0.0 <= entry["prevalence"] <= 1.0


# ---------------------------------------------------------------- bootstrap


@st.composite
def wide_rating_matrices(draw):
    """Rows to group into patterns: few or many annotators (the packed int64 key
    overflows above ~62 bits: recoding, then whole-row comparison), small or huge values."""
    n = draw(st.integers(0, 30))
    r = draw(st.sampled_from([1, 2, 3, 7, 40]))
    scale = draw(st.sampled_from([1, 1000, 10**15]))
    flat = draw(st.lists(st.integers(-1, 5), min_size=n * r, max_size=n * r))
    codes = np.array(flat, dtype=np.int64).reshape(n, r)
    return np.where(codes >= 0, codes * scale, -1)


@given(wide_rating_matrices())
def test_item_patterns_are_the_sorted_distinct_rows(codes):
    patterns, counts = item_patterns(codes)
    want, want_counts = np.unique(np.sort(codes, axis=1), axis=0, return_counts=True)
    assert np.array_equal(patterns, want.reshape(-1, codes.shape[1]))
    assert np.array_equal(counts, want_counts)
    assert counts.sum() == codes.shape[0]


@settings(max_examples=60, deadline=None)
@given(rating_matrices(), st.randoms(), st.integers(0, 2**32 - 1))
def test_bootstrap_ci_depends_only_on_the_multiset_of_items(codes, rnd, seed):
    """Item and annotator order do not change the patterns, hence not the draws: the
    CI is *exactly* the same; it is None when alpha is, else finite and ordered."""
    ci = bootstrap_alpha_ci(codes, 60, seed=seed)
    rows = list(range(codes.shape[0]))
    cols = list(range(codes.shape[1]))
    rnd.shuffle(rows)
    rnd.shuffle(cols)
    assert bootstrap_alpha_ci(codes[rows][:, cols], 60, seed=seed) == ci
    if krippendorff_alpha_nominal(codes) is None:
        assert ci is None
    if ci is not None:
        assert all(math.isfinite(v) for v in ci)
        assert ci[0] <= ci[1] <= 1.0 + 1e-12


@settings(max_examples=40, deadline=None)
@given(mask_matrices(n_labels=3), st.randoms(), st.integers(0, 2**32 - 1))
def test_report_cis_equal_the_stand_alone_cis_and_ignore_item_order(masks, rnd, seed):
    labels = ["a", "b", "c"]
    names = [f"ann{i}" for i in range(masks.shape[1])]
    rep = compute_agreement(masks, names, labels, bootstrap=40, seed=seed)
    assert rep.overall.alpha_masi_ci == bootstrap_alpha_masi_ci(masks, 40, seed=seed)
    for bit, lab in enumerate(labels):
        assert rep.per_label[lab].alpha_ci == bootstrap_alpha_ci(binary_recode(masks, bit), 40, seed=seed)
        if rep.per_label[lab].krippendorff_alpha is None:
            assert rep.per_label[lab].alpha_ci is None
    rows = list(range(masks.shape[0]))
    rnd.shuffle(rows)
    again = compute_agreement(masks[rows], names, labels, bootstrap=40, seed=seed)
    assert again.overall.alpha_ci == rep.overall.alpha_ci
    assert again.overall.alpha_masi_ci == rep.overall.alpha_masi_ci
    assert {k: v.alpha_ci for k, v in again.per_label.items()} == {k: v.alpha_ci for k, v in rep.per_label.items()}


# ---------------------------------------------------------------- chunked counting


@settings(max_examples=60, deadline=None)
@given(
    mask_matrices(n_labels=5, max_items=40, max_annotators=5),
    st.sampled_from(["multi", "single"]),
    st.integers(1, 7),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
def test_report_counted_in_small_chunks_is_identical(masks, mode, chunk, seed, joint):
    """Every count of the report is summed over chunks of rows (per-label histograms and
    pair tables, set codes, MASI pair sums, Cohen tables, value counts): forced down to a
    few rows per chunk, the report is *exactly* the one counted in one chunk; and the
    per-label counts from the item patterns and joint tables of sets (``joint``) are those
    of the bit tests on every rating (forced when not ``joint``)."""
    import annotator.core.agreement.labels as labels_module
    import annotator.core.agreement.masi as masi_module
    import annotator.core.agreement.nominal as nominal_module

    labels = [f"l{i}" for i in range(5)]
    if mode == "single":  # one label per present rating
        masks = np.where(masks >= 0, 1 << (masks % 5), -1)
    names = [f"ann{i}" for i in range(masks.shape[1])]
    whole = compute_agreement(masks, names, labels, mode, bootstrap=20, seed=seed, chunk_rows=10**6)
    saved = (
        nominal_module._CHUNK_ROWS,
        masi_module._CHUNK_ROWS,
        labels_module._JOINT_MAX_CELLS,
        nominal_module._BY_M_MAX_CELLS,
    )
    try:
        nominal_module._CHUNK_ROWS = masi_module._CHUNK_ROWS = chunk
        if not joint:  # the paths for many distinct sets
            labels_module._JOINT_MAX_CELLS = nominal_module._BY_M_MAX_CELLS = 0
        chunked = compute_agreement(masks, names, labels, mode, bootstrap=20, seed=seed, chunk_rows=chunk)
    finally:
        (
            nominal_module._CHUNK_ROWS,
            masi_module._CHUNK_ROWS,
            labels_module._JOINT_MAX_CELLS,
            nominal_module._BY_M_MAX_CELLS,
        ) = saved
    assert chunked.model_dump() == whole.model_dump()
    # and the per-label figures are those of the single functions on the binary codes
    for bit, lab in enumerate(labels):
        codes = binary_recode(masks, bit)
        entry = chunked.per_label[lab]
        assert entry.percent_agreement == percent_agreement(codes)
        assert entry.fleiss_kappa == fleiss_kappa(codes)
        assert entry.krippendorff_alpha == krippendorff_alpha_nominal(codes)
        assert entry.gwet_ac1 == gwet_ac1(codes, 2)
        assert entry.cohen_kappa_mean == cohen_kappa_mean(codes)


@settings(max_examples=60, deadline=None)
@given(mask_matrices(n_labels=3), st.sampled_from([1, 1 << 20, 1 << 40]), st.integers(1, 5))
def test_set_codes_are_the_exact_set_codes_narrowed(masks, scale, chunk):
    """``set_codes`` (lookup table for small masks, sorted uniques for wide ones, in
    chunks) gives ``exact_set_codes``' codes in a narrow type."""
    from annotator.core.agreement import exact_set_codes
    from annotator.core.agreement.masi import set_codes

    wide = np.where(masks >= 0, masks * scale, -1)
    codes, uniques = set_codes(wide, chunk)
    want_codes, want_uniques = exact_set_codes(wide)
    assert codes.dtype == np.int16
    np.testing.assert_array_equal(codes, want_codes)
    np.testing.assert_array_equal(uniques, want_uniques)
