"""Agreement core: published worked examples, undefined cases, report shape, API contracts."""

from __future__ import annotations

import ast
import json
import pathlib

import numpy as np
import pytest

from annotator.core.agreement import (
    AgreementReport,
    binary_recode,
    bootstrap_alpha_ci,
    bootstrap_alpha_masi_ci,
    build_rating_matrix,
    cohen_kappa,
    cohen_kappa_mean,
    cohen_kappa_pairwise,
    compute_agreement,
    encode_label_set,
    exact_set_codes,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha_masi,
    krippendorff_alpha_nominal,
    masi_distance,
    pair_key,
    percent_agreement,
    single_label_codes,
)

M = -1  # missing

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", 4 observers x 12
# units, nominal; the same data is irrCAC's `cac.raw4raters` (Gwet 2014).
KRIPP_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, M, M, M],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, M, 3],
        [M, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, M],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, M],
    ]
).T  # (12 units, 4 observers)

# Wikipedia "Fleiss' kappa" worked example: 10 subjects x 14 raters, counts per category.
WIKI_FLEISS_COUNTS = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)

# irrCAC `distrib.6raters` (Gwet 2014): 15 subjects, 6 raters, 5 categories.
DISTRIB_6RATERS = np.array(
    [
        [0, 0, 0, 6, 0],
        [0, 3, 0, 0, 3],
        [0, 1, 4, 0, 1],
        [0, 0, 0, 0, 6],
        [0, 3, 0, 3, 0],
        [2, 0, 4, 0, 0],
        [0, 0, 4, 0, 2],
        [2, 0, 3, 1, 0],
        [2, 0, 0, 4, 0],
        [0, 0, 0, 0, 6],
        [1, 0, 0, 5, 0],
        [1, 1, 0, 4, 0],
        [0, 3, 3, 0, 0],
        [1, 0, 0, 5, 0],
        [0, 2, 0, 3, 1],
    ]
)


def counts_to_codes(counts: np.ndarray) -> np.ndarray:
    """Subject x category counts -> subject x rater codes (raters are exchangeable)."""
    return np.array([np.repeat(np.arange(counts.shape[1]), row) for row in counts])


def table_to_pairs(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-rater contingency table -> the two raters' code vectors."""
    rows, cols = np.nonzero(table)
    reps = table[rows, cols]
    return np.repeat(rows, reps), np.repeat(cols, reps)


def shift(codes: np.ndarray) -> np.ndarray:
    return np.where(codes >= 0, codes - 1, M)


# ---------------------------------------------------------------- worked examples


def test_krippendorff_2011_nominal_alpha_is_0743():
    alpha = krippendorff_alpha_nominal(KRIPP_2011)
    assert round(alpha, 3) == 0.743
    # The paper's coincidence matrix: n = 40 pairable values, diagonal sum 32, value
    # totals n_c = 9, 13, 10, 5, 3 (sum of squares 384):
    # alpha = 1 - (n-1)(n - 32) / (n^2 - 384) = 1 - 312/1216 = 0.743421...
    assert alpha == pytest.approx(1 - 312 / 1216, abs=1e-12)


def test_krippendorff_2011_other_coefficients_match_gwet_irrcac():
    # irrCAC README, cac.raw4raters (categories 1..5 -> q = 5):
    # percent agreement 0.8181818, Fleiss 0.76117 (pe 0.2387153), AC1 0.77544 (pe 0.1903212)
    codes = shift(KRIPP_2011)
    assert percent_agreement(codes) == pytest.approx(0.8181818, abs=1e-7)
    assert fleiss_kappa(codes) == pytest.approx(0.76117, abs=5e-6)
    assert gwet_ac1(codes, 5) == pytest.approx(0.77544, abs=5e-6)


def test_wikipedia_fleiss_example_is_0210():
    codes = counts_to_codes(WIKI_FLEISS_COUNTS)
    assert codes.shape == (10, 14)
    kappa = fleiss_kappa(codes)
    assert round(kappa, 3) == 0.210
    # P-bar = 0.378, P_e = 0.2128 (Wikipedia's intermediate figures)
    assert percent_agreement(codes) == pytest.approx(0.378, abs=5e-4)


def test_wikipedia_cohen_example_is_04():
    # 50 proposals: both yes 20, A yes / B no 5, A no / B yes 10, both no 15
    a, b = table_to_pairs(np.array([[20, 5], [10, 15]]))
    assert cohen_kappa(a, b) == pytest.approx(0.4, abs=1e-12)


def test_irrcac_two_rater_table_cohen_ac1_alpha():
    # irrCAC README, cont3x3abstractors: kappa 0.7964094, AC1 0.8493305,
    # percent agreement 0.89, Krippendorff alpha 0.7972585, Scott's pi 0.7962397.
    # AC1 by hand: pi = (.13, .255, .615), p_e = sum pi(1-pi)/2 = .269925,
    # (0.89 - .269925) / (1 - .269925) = 0.849330...
    a, b = table_to_pairs(np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]]))
    codes = np.column_stack([a, b])
    assert cohen_kappa(a, b) == pytest.approx(0.7964094, abs=1e-7)
    assert gwet_ac1(codes, 3) == pytest.approx(0.8493305, abs=1e-7)
    assert gwet_ac1(codes, 3) == pytest.approx((0.89 - 0.269925) / (1 - 0.269925), abs=1e-12)
    assert percent_agreement(codes) == pytest.approx(0.89, abs=1e-12)
    assert krippendorff_alpha_nominal(codes) == pytest.approx(0.7972585, abs=1e-7)
    assert fleiss_kappa(codes) == pytest.approx(0.7962397, abs=1e-7)  # = Scott's pi


def test_irrcac_six_raters_distribution():
    # irrCAC README, distrib.6raters: AC1 0.4448007, Fleiss 0.4139265,
    # alpha 0.4204384, percent agreement 0.5511111
    codes = counts_to_codes(DISTRIB_6RATERS)
    assert gwet_ac1(codes, 5) == pytest.approx(0.4448007, abs=1e-7)
    assert fleiss_kappa(codes) == pytest.approx(0.4139265, abs=1e-7)
    assert krippendorff_alpha_nominal(codes) == pytest.approx(0.4204384, abs=1e-7)
    assert percent_agreement(codes) == pytest.approx(0.5511111, abs=1e-7)


def test_masi_weights_are_exactly_passonneau():
    a, b, ab, abc, cd, bc = 0b1, 0b10, 0b11, 0b111, 0b1100, 0b110
    assert masi_distance(ab, ab) == 0.0
    assert masi_distance(0, 0) == 0.0  # the empty set equals itself
    assert masi_distance(a, ab) == pytest.approx(1 - 0.5 * 2 / 3)  # subset
    assert masi_distance(ab, abc) == pytest.approx(1 - (2 / 3) * (2 / 3))
    assert masi_distance(ab, bc) == pytest.approx(1 - (1 / 3) * (1 / 3))  # overlap
    assert masi_distance(ab, cd) == 1.0  # disjoint
    assert masi_distance(a, b) == 1.0
    assert masi_distance(0, ab) == 1.0
    assert masi_distance(np.array([ab, ab]), np.array([ab, bc])).tolist() == [
        0.0,
        pytest.approx(8 / 9),
    ]


def test_masi_alpha_by_hand():
    # 2 items, 2 annotators: {a,b} vs {a}, {c} vs {c}
    masks = np.array([[0b11, 0b01], [0b100, 0b100]])
    d = 1 - 0.5 * 2 / 3  # d({a,b},{a})
    # values: {a,b}, {a}, {c}, {c}; n = 4
    d_o = (2 * d / 1 + 0) / 4
    pairs = {(0b11, 0b01): d, (0b11, 0b100): 1.0, (0b01, 0b100): 1.0}
    cnt = {0b11: 1, 0b01: 1, 0b100: 2}
    d_e = sum(2 * cnt[x] * cnt[y] * v for (x, y), v in pairs.items()) / (4 * 3)
    assert krippendorff_alpha_masi(masks) == pytest.approx(1 - d_o / d_e, abs=1e-12)


# ---------------------------------------------------------------- undefined -> None


def test_single_value_everywhere_is_undefined_not_one():
    codes = np.zeros((5, 3), dtype=np.int64)
    assert krippendorff_alpha_nominal(codes) is None
    assert fleiss_kappa(codes) is None
    assert cohen_kappa(codes[:, 0], codes[:, 1]) is None
    assert cohen_kappa_mean(codes) is None
    # not 0/0: percent agreement and AC1 (p_e = 0 < 1) are 1
    assert percent_agreement(codes) == 1.0
    assert gwet_ac1(codes, 2) == 1.0
    assert krippendorff_alpha_masi(np.full((5, 3), 0b101)) is None
    assert bootstrap_alpha_ci(codes, 100, seed=0) is None


def test_no_pairable_item_is_undefined():
    codes = np.array([[0, M, M], [M, 1, M], [M, M, 1], [M, M, M]])
    for f in (
        krippendorff_alpha_nominal,
        fleiss_kappa,
        percent_agreement,
        cohen_kappa_mean,
    ):
        assert f(codes) is None
    assert gwet_ac1(codes, 2) is None
    assert krippendorff_alpha_masi(codes) is None
    assert all(v is None for v in cohen_kappa_pairwise(codes).values())
    empty = np.zeros((0, 3), dtype=np.int64)
    assert krippendorff_alpha_nominal(empty) is None
    assert percent_agreement(empty) is None


def test_one_annotator_constant_other_varies_is_defined():
    a = np.array([0, 0, 0, 0])
    b = np.array([0, 1, 0, 1])
    assert cohen_kappa(a, b) == 0.0


def test_cohen_uses_only_items_both_rated():
    a = np.array([0, 1, 0, 1, M, 1])
    b = np.array([0, 1, 1, 1, 0, M])
    assert cohen_kappa(a, b) == cohen_kappa(a[:4], b[:4])


def test_alpha_is_perfect_one_with_two_values_and_full_agreement():
    codes = np.array([[0, 0], [1, 1], [0, 0]])
    assert krippendorff_alpha_nominal(codes) == 1.0
    assert fleiss_kappa(codes) == 1.0


# ---------------------------------------------------------------- recoding, helpers


def test_binary_recode_keeps_missing_and_empty_set():
    masks = np.array([[0b101, 0, M], [0b100, 0b001, 0b111]])
    assert binary_recode(masks, 0).tolist() == [[1, 0, M], [0, 1, 1]]
    assert binary_recode(masks, 2).tolist() == [[1, 0, M], [1, 0, 1]]


def test_single_label_codes():
    masks = np.array([[1, 4, M], [8, 2, 1]])
    assert single_label_codes(masks).tolist() == [[0, 2, M], [3, 1, 0]]
    with pytest.raises(ValueError):
        single_label_codes(np.array([[3, 1]]))
    with pytest.raises(ValueError):
        single_label_codes(np.array([[0, 1]]))


def test_exact_set_codes_distinguish_sets_and_keep_empty():
    codes, uniq = exact_set_codes(np.array([[0b11, 0, M], [0b11, 0b10, 0]]))
    assert uniq.tolist() == [0, 0b10, 0b11]
    assert codes.tolist() == [[2, 0, M], [2, 1, 0]]


def test_build_rating_matrix_and_encode():
    labels = ["a", "b", "c"]
    assert encode_label_set(["c", "a"], labels) == 0b101
    assert encode_label_set([], labels) == 0
    with pytest.raises(ValueError):
        encode_label_set(["zz"], labels)
    m = build_rating_matrix([0, 2, 2], [1, 0, 1], [5, 0, 3], n_items=3, n_annotators=2)
    assert m.tolist() == [[M, 5], [M, M], [0, 3]]
    with pytest.raises(ValueError):
        build_rating_matrix([0, 0], [1, 1], [1, 2], n_items=1, n_annotators=2)


def test_input_validation():
    with pytest.raises(ValueError):
        krippendorff_alpha_nominal(np.array([0, 1, 2]))
    with pytest.raises(TypeError):
        krippendorff_alpha_nominal(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError):
        krippendorff_alpha_nominal(np.array([[0, -2]]))
    with pytest.raises(ValueError):
        gwet_ac1(np.array([[0, 3]]), 3)  # code outside 0..q-1
    with pytest.raises(ValueError):
        masi_distance(-1, 3)


# ---------------------------------------------------------------- bootstrap


def test_bootstrap_is_reproducible_and_bounded():
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 3, 300)
    codes = np.where(rng.random((300, 3)) < 0.3, rng.integers(0, 3, (300, 3)), truth[:, None])
    codes[rng.random((300, 3)) < 0.1] = M
    ci1 = bootstrap_alpha_ci(codes, 500, seed=11)
    ci2 = bootstrap_alpha_ci(codes, 500, seed=11)
    ci3 = bootstrap_alpha_ci(codes, 500, seed=12)
    assert ci1 == ci2 and ci1 != ci3
    alpha = krippendorff_alpha_nominal(codes)
    assert ci1[0] < alpha < ci1[1] <= 1.0
    assert bootstrap_alpha_ci(codes, 0, seed=1) is None


def test_bootstrap_progress_callback_reaches_total():
    codes = np.random.default_rng(0).integers(0, 2, (50_000, 3))
    calls: list[tuple[int, int]] = []
    bootstrap_alpha_ci(codes, 300, seed=1, progress=lambda d, t: calls.append((d, t)))
    assert len(calls) > 1  # chunked
    assert calls[-1] == (300, 300)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_bootstrap_does_not_depend_on_the_chunking(monkeypatch):
    # the multinomial draws are one stream whatever the number of resamples per chunk
    import annotator.core.agreement.bootstrap as bootstrap_module

    codes = np.random.default_rng(4).integers(0, 3, (2000, 3))
    codes[::3, 0] = codes[::3, 1]
    masks = np.where(codes >= 0, 1 << codes, M) | np.where(codes == 2, 1, 0)
    want = bootstrap_alpha_ci(codes, 500, seed=2), bootstrap_alpha_masi_ci(masks, 500, seed=2)
    calls: list[int] = []
    monkeypatch.setattr(bootstrap_module, "_MAX_CHUNK", 7)
    got = (
        bootstrap_alpha_ci(codes, 500, seed=2, progress=lambda d, t: calls.append(d)),
        bootstrap_alpha_masi_ci(masks, 500, seed=2),
    )
    assert got == want
    assert calls == [*range(7, 500, 7), 500]  # once per chunk, the last one at B


def test_bootstrap_complete_agreement_is_degenerate_or_undefined():
    # every item unanimous, several values: every defined resample has alpha = 1; the
    # resamples that drew a single value are undefined and dropped
    codes = np.repeat(np.array([0, 1, 2, 1, 0, 2, 2])[:, None], 3, axis=1)
    codes[0, 2] = M
    assert krippendorff_alpha_nominal(codes) == 1.0
    assert bootstrap_alpha_ci(codes, 300, seed=0) == [1.0, 1.0]
    masks = np.where(codes >= 0, [[1], [2], [6], [2], [1], [6], [6]], M)
    assert bootstrap_alpha_masi_ci(masks, 300, seed=0) == [1.0, 1.0]
    rep = compute_agreement(masks, ["a", "b", "c"], LABELS, bootstrap=300, seed=0)
    assert rep.overall.alpha_ci == [1.0, 1.0] and rep.overall.alpha_masi_ci == [1.0, 1.0]
    for entry in rep.per_label.values():
        assert entry.krippendorff_alpha == 1.0 and entry.alpha_ci == [1.0, 1.0]
    # two items with different values: half the resamples are single-valued (dropped)
    assert bootstrap_alpha_ci(np.array([[0, 0], [1, 1]]), 200, seed=3) == [1.0, 1.0]
    # one value everywhere: alpha and its CI are undefined
    assert bootstrap_alpha_ci(np.ones((50, 3), dtype=np.int64), 200, seed=3) is None
    assert bootstrap_alpha_masi_ci(np.full((50, 3), 5), 200, seed=3) is None


def test_bootstrap_masi_ci_defined():
    rng = np.random.default_rng(3)
    masks = rng.integers(1, 8, (200, 3))
    masks[:, 1] = np.where(rng.random(200) < 0.7, masks[:, 0], masks[:, 1])
    ci = bootstrap_alpha_masi_ci(masks, 300, seed=5)
    assert ci is not None and ci[0] <= krippendorff_alpha_masi(masks) <= ci[1]


# ---------------------------------------------------------------- the report

LABELS = ["first_party_collection", "data_sharing", "none"]


def _report_masks() -> np.ndarray:
    f, s, n = 0b001, 0b010, 0b100
    return np.array(
        [
            [f, f, f | s],
            [s, s, s],
            [n, n, M],
            [f | s, f, M],
            [n, M, M],
            [M, M, M],
            [f, n, f],
        ]
    )


def test_report_json_shape():
    rep = compute_agreement(_report_masks(), ["zoe", "amy", "bob"], LABELS, mode="multi")
    assert isinstance(rep, AgreementReport)
    d = rep.model_dump()
    assert set(d) == {
        "n_items",
        "n_pairable_items",
        "annotators",
        "overall",
        "per_label",
        "pairwise",
    }
    assert d["n_items"] == 6 and d["n_pairable_items"] == 5
    assert d["annotators"] == ["zoe", "amy", "bob"]
    base = {
        "n_items",
        "n_pairable_items",
        "percent_agreement",
        "cohen_kappa_mean",
        "fleiss_kappa",
        "krippendorff_alpha",
        "gwet_ac1",
        "alpha_ci",
    }
    assert set(d["overall"]) == base | {"krippendorff_alpha_masi", "alpha_masi_ci"}
    assert list(d["per_label"]) == LABELS
    for entry in d["per_label"].values():
        assert set(entry) == base | {"prevalence"}
    assert list(d["pairwise"]) == ["amy|bob", "amy|zoe", "bob|zoe"]
    for entry in d["pairwise"].values():
        assert set(entry) == {"n_items", "cohen_kappa", "per_label"}
        assert list(entry["per_label"]) == LABELS
    assert d["overall"]["gwet_ac1"] is None  # multi-label: no fixed q
    assert d["overall"]["alpha_ci"] is None  # no bootstrap asked
    assert d["pairwise"]["amy|zoe"]["n_items"] == 5
    assert d["pairwise"]["amy|bob"]["n_items"] == 3
    json.dumps(d, allow_nan=False)
    assert json.loads(rep.model_dump_json()) == json.loads(json.dumps(d))


def test_report_figures_match_the_single_functions():
    masks = _report_masks()
    rep = compute_agreement(masks, ["zoe", "amy", "bob"], LABELS).model_dump()
    sets, _ = exact_set_codes(masks)
    ov = rep["overall"]
    assert ov["krippendorff_alpha"] == krippendorff_alpha_nominal(sets)
    assert ov["percent_agreement"] == percent_agreement(sets)
    assert ov["fleiss_kappa"] == fleiss_kappa(sets)
    assert ov["cohen_kappa_mean"] == cohen_kappa_mean(sets)
    assert ov["krippendorff_alpha_masi"] == krippendorff_alpha_masi(masks)
    for i, lab in enumerate(LABELS):
        codes = binary_recode(masks, i)
        e = rep["per_label"][lab]
        assert e["krippendorff_alpha"] == krippendorff_alpha_nominal(codes)
        assert e["gwet_ac1"] == gwet_ac1(codes, 2)
        assert e["fleiss_kappa"] == fleiss_kappa(codes)
        assert e["cohen_kappa_mean"] == cohen_kappa_mean(codes)
        assert e["n_items"] == 6 and e["n_pairable_items"] == 5
    # prevalence over all 14 present ratings: f in 7, s in 5, none in 4
    assert rep["per_label"]["first_party_collection"]["prevalence"] == pytest.approx(7 / 14)
    assert rep["per_label"]["data_sharing"]["prevalence"] == pytest.approx(5 / 14)
    assert rep["per_label"]["none"]["prevalence"] == pytest.approx(4 / 14)
    # pair entries: zoe = column 0, amy = column 1
    kz = cohen_kappa(sets[:, 0], sets[:, 1])
    assert rep["pairwise"]["amy|zoe"]["cohen_kappa"] == kz
    lab1 = binary_recode(masks, 1)
    assert rep["pairwise"]["amy|zoe"]["per_label"]["data_sharing"] == cohen_kappa(lab1[:, 0], lab1[:, 1])


def test_report_single_mode_uses_label_codes_and_q():
    rng = np.random.default_rng(4)
    idx = rng.integers(0, 3, (40, 3))
    masks = (1 << idx).astype(np.int64)
    masks[rng.random((40, 3)) < 0.15] = M
    rep = compute_agreement(masks, ["a", "b", "c"], LABELS, mode="single")
    codes = np.where(masks >= 0, idx, M)
    assert rep.overall.krippendorff_alpha == pytest.approx(krippendorff_alpha_nominal(codes))
    assert rep.overall.gwet_ac1 == pytest.approx(gwet_ac1(codes, 3))
    assert rep.overall.krippendorff_alpha_masi == pytest.approx(rep.overall.krippendorff_alpha)
    with pytest.raises(ValueError):
        compute_agreement(np.array([[3, 1]]), ["a", "b"], LABELS, mode="single")


def test_report_labels_subset_bootstrap_and_progress():
    rng = np.random.default_rng(9)
    truth = rng.integers(1, 8, 400)
    masks = np.where(rng.random((400, 3)) < 0.25, rng.integers(1, 8, (400, 3)), truth[:, None])
    masks[rng.random((400, 3)) < 0.1] = M
    calls = []
    rep = compute_agreement(
        masks,
        ["a", "b", "c"],
        LABELS,
        labels_subset=["none", "data_sharing"],
        bootstrap=400,
        seed=3,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert list(rep.per_label) == ["none", "data_sharing"]
    assert list(rep.pairwise["a|b"].per_label) == ["none", "data_sharing"]
    assert calls[-1] == (400, 400)
    for ci, point in [
        (rep.overall.alpha_ci, rep.overall.krippendorff_alpha),
        (rep.overall.alpha_masi_ci, rep.overall.krippendorff_alpha_masi),
        (rep.per_label["none"].alpha_ci, rep.per_label["none"].krippendorff_alpha),
    ]:
        assert ci is not None and len(ci) == 2 and ci[0] <= point <= ci[1] <= 1.0
    # the same CIs as the stand-alone functions: every statistic of the report draws its
    # resamples from the generator seeded with `seed`, as the stand-alone functions do
    alone = bootstrap_alpha_ci(binary_recode(masks, 2), 400, seed=3)
    assert rep.per_label["none"].alpha_ci == pytest.approx(alone)
    alone = bootstrap_alpha_ci(binary_recode(masks, 1), 400, seed=3)
    assert rep.per_label["data_sharing"].alpha_ci == pytest.approx(alone)
    alone = bootstrap_alpha_masi_ci(masks, 400, seed=3)
    assert rep.overall.alpha_masi_ci == pytest.approx(alone)
    alone = bootstrap_alpha_ci(exact_set_codes(masks)[0], 400, seed=3)
    assert rep.overall.alpha_ci == pytest.approx(alone)
    again = compute_agreement(
        masks,
        ["a", "b", "c"],
        LABELS,
        labels_subset=["none", "data_sharing"],
        bootstrap=400,
        seed=3,
    )
    assert again == rep
    with pytest.raises(ValueError):
        compute_agreement(masks, ["a", "b", "c"], LABELS, labels_subset=["nope"])


def test_report_undefined_label_has_null_ci_and_alpha():
    masks = np.array([[1, 1], [2, 2], [1, 3]])  # nobody uses label "none" (bit 2)
    rep = compute_agreement(masks, ["a", "b"], LABELS, bootstrap=50, seed=0).model_dump()
    none = rep["per_label"]["none"]
    assert none["krippendorff_alpha"] is None and none["alpha_ci"] is None
    assert none["fleiss_kappa"] is None and none["cohen_kappa_mean"] is None
    assert none["percent_agreement"] == 1.0 and none["prevalence"] == 0.0


@pytest.mark.parametrize(
    "masks, names",
    [
        (np.zeros((0, 3), dtype=np.int64), ["a", "b", "c"]),  # no item
        (np.array([[1], [2]]), ["a"]),  # one annotator: nothing pairable
        (np.full((4, 2), M), ["a", "b"]),  # nothing rated
    ],
)
def test_report_degenerate_inputs_are_all_null(masks, names):
    calls = []
    rep = compute_agreement(
        masks,
        names,
        LABELS,
        bootstrap=10,
        seed=1,
        progress=lambda d, t: calls.append(d),
    )
    d = rep.model_dump()
    assert d["n_pairable_items"] == 0
    for key in ("percent_agreement", "krippendorff_alpha", "krippendorff_alpha_masi"):
        assert d["overall"][key] is None
    assert d["overall"]["alpha_ci"] is None and d["overall"]["alpha_masi_ci"] is None
    assert all(e["gwet_ac1"] is None for e in d["per_label"].values())
    assert calls == [10]  # the progress bar still completes
    json.dumps(d, allow_nan=False)


def test_report_validation():
    m = np.array([[1, 2]])
    with pytest.raises(ValueError):
        compute_agreement(m, ["a"], LABELS)
    with pytest.raises(ValueError):
        compute_agreement(m, ["a", "a"], LABELS)
    with pytest.raises(ValueError):
        compute_agreement(np.array([[8, 1]]), ["a", "b"], LABELS)  # bit 3 with 3 labels
    with pytest.raises(ValueError):
        compute_agreement(m, ["a", "b"], LABELS, mode="weird")


def test_popcount_paths_agree():
    from annotator.core.agreement._arrays import popcount, popcount_bytes

    x = np.array([0, 1, 0b1011, (1 << 62) + 7, 8191])
    assert popcount(x).tolist() == [0, 1, 3, 4, 13]
    assert popcount_bytes(x.astype(np.uint64)).tolist() == [0, 1, 3, 4, 13]
    assert int(popcount_bytes(np.uint64(0b111))) == 3


@pytest.mark.parametrize("n_annotators", [2, 3, 9, 12, 20])
def test_same_value_pair_counting_paths_agree(n_annotators):
    from annotator.core.agreement._arrays import same_value_pairs

    rng = np.random.default_rng(n_annotators)
    codes = rng.integers(-1, 4, (500, n_annotators))
    counts = np.stack([(codes == c).sum(axis=1) for c in range(4)])
    expected = (counts * (counts - 1)).sum(axis=0)
    # the pairwise (<= 10 annotators) or the row-sorting path
    assert same_value_pairs(codes).tolist() == expected.tolist()
    # and the coefficients agree whichever per-item counting path is taken
    wide = codes.copy()
    wide[wide == 3] = 1000  # many categories: no (k, n_items) count matrix
    assert krippendorff_alpha_nominal(wide) == pytest.approx(krippendorff_alpha_nominal(codes))
    assert fleiss_kappa(wide) == pytest.approx(fleiss_kappa(codes))
    assert percent_agreement(wide) == pytest.approx(percent_agreement(codes))


def test_pair_key_sorted():
    assert pair_key("zoe", "amy") == pair_key("amy", "zoe") == "amy|zoe"


# ---------------------------------------------------------------- architecture


def test_core_imports_numpy_and_pydantic_only():
    pkg = pathlib.Path(__file__).resolve().parents[1] / "annotator" / "core" / "agreement"
    allowed = {"numpy", "pydantic", "__future__", "collections", "itertools", "typing"}
    for path in pkg.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_importing_the_core_loads_no_ui_or_reference_library():
    import subprocess
    import sys

    code = (
        "import sys, annotator.core.agreement\n"
        "bad = {'textual', 'rich', 'typer', 'krippendorff', 'sklearn', 'statsmodels', 'nltk'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in bad))\n"
    )
    root = pathlib.Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"
