"""Annotators against the gold, and label confusion: hand-computed examples and scikit-learn
(``precision_recall_fscore_support``, ``multilabel_confusion_matrix``) on random data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import multilabel_confusion_matrix, precision_recall_fscore_support

from annotator.core.agreement.confusion import confusion
from annotator.core.gold.scores import vs_gold

LABELS = ["sharing", "ads", "none"]
S, A, N = 1, 2, 4  # bits


def test_vs_gold_by_hand() -> None:
    # four sentences with gold; amal labelled three of them, ola two; a fifth without gold
    masks = np.array(
        [
            [S | A, S],  # gold S|A: amal exact; ola misses ads
            [S, A],  # gold S: amal exact; ola says ads instead
            [N, -1],  # gold N: amal exact
            [-1, -1],  # gold A: nobody labelled it
            [S, S],  # no gold: not scored
        ]
    )
    report = vs_gold(
        masks, ["amal", "ola"], np.array([1, 2, 3, 4, 5]), np.array([1, 2, 3, 4]), np.array([S | A, S, N, A]), LABELS
    )
    data = report.model_dump()
    assert data["n_gold"] == 4
    amal, ola = data["annotators"]["amal"], data["annotators"]["ola"]
    assert amal["n_items"] == 3 and amal["exact_match"] == 1.0 and amal["macro_f1"] == 1.0
    assert amal["per_label"]["ads"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert ola["n_items"] == 2 and ola["exact_match"] == 0.0
    # sharing: gold 2, ola 1 of them, no false one -> P 1, R 1/2, F1 2/3
    assert ola["per_label"]["sharing"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    # ads: gold 1 (sentence 1), ola chose it on sentence 2 only -> P 0, R 0, F1 0
    assert ola["per_label"]["ads"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    # none: neither gold nor ola on her sentences -> undefined, left out of the macro mean
    assert ola["per_label"]["none"] == {"precision": None, "recall": None, "f1": None, "support": 0}
    assert ola["macro_f1"] == pytest.approx((2 / 3 + 0.0) / 2)
    empty = vs_gold(
        masks, ["amal", "ola"], np.arange(1, 6), np.array([], dtype=np.int64), np.array([], dtype=np.int64), LABELS
    )
    assert empty.model_dump()["annotators"]["amal"] == {
        "n_items": 0,
        "exact_match": None,
        "macro_f1": None,
        "per_label": {label: {"precision": None, "recall": None, "f1": None, "support": 0} for label in LABELS},
    }


def _indicators(masks: np.ndarray, n: int) -> np.ndarray:
    return ((masks[:, None] >> np.arange(n)) & 1).astype(int)


def _none(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


@given(
    st.lists(st.tuples(st.integers(-1, 15), st.integers(-1, 15), st.integers(0, 15), st.booleans()), max_size=40),
)
@settings(max_examples=150, deadline=None)
def test_vs_gold_matches_scikit_learn(rows: list[tuple[int, int, int, bool]]) -> None:
    n_labels = 4
    labels = [f"l{i}" for i in range(n_labels)]
    masks = np.array([[a, b] for a, b, _, _ in rows], dtype=np.int64).reshape(-1, 2)
    ids = np.arange(len(rows), dtype=np.int64)
    has = np.array([g for *_, g in rows], dtype=bool)
    gold_ids = ids[has]
    gold_masks = np.array([m for _, _, m, _ in rows], dtype=np.int64)[has]
    report = vs_gold(masks, ["x", "y"], ids, gold_ids, gold_masks, labels)
    for a, name in enumerate(["x", "y"]):
        rows_used = has & (masks[:, a] >= 0)
        got = report.annotators[name]
        assert got.n_items == int(rows_used.sum())
        if not rows_used.any():
            assert got.macro_f1 is None and got.exact_match is None
            continue
        y_true = _indicators(gold_masks[np.searchsorted(gold_ids, ids[rows_used])], n_labels)
        y_pred = _indicators(masks[rows_used, a], n_labels)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p, r, f, s = precision_recall_fscore_support(y_true, y_pred, zero_division=np.nan, average=None)
            macro = precision_recall_fscore_support(y_true, y_pred, zero_division=np.nan, average="macro")[2]
        for k, label in enumerate(labels):
            score = got.per_label[label]
            assert score.support == int(s[k])
            for mine, theirs in ((score.precision, p[k]), (score.recall, r[k]), (score.f1, f[k])):
                assert (mine is None) == bool(np.isnan(theirs)) and (mine is None or mine == pytest.approx(theirs))
        assert (got.macro_f1 is None) == bool(np.isnan(macro))
        if got.macro_f1 is not None:
            assert got.macro_f1 == pytest.approx(macro)
        assert got.exact_match == pytest.approx(float((y_true == y_pred).all(axis=1).mean()))


def test_confusion_by_hand() -> None:
    masks = np.array(
        [
            [S, A, -1],  # amal sharing, ola ads: sharing<->ads once each way
            [S, S | A, N],  # amal S, ola S+A, zofia none
            [S, S, S],  # agreement: nothing
            [A, -1, -1],  # one rating: not pairable
        ]
    )
    report = confusion(masks, ["amal", "ola", "zofia"], LABELS)
    assert report.n_items == 3 and report.n_comparisons == 2 * (1 + 3 + 3)
    counts = np.array(report.counts)
    # sentence 1: (amal, ola) has S without A against A without S: [S][A]; (ola, amal) gives [A][S]
    # sentence 2: (amal, zofia) and (ola, zofia): S against N twice; (ola, zofia): A against N;
    # the reversed pairs give [N][S] twice and [N][A] once
    assert counts[0, 1] == 1 and counts[1, 0] == 1
    assert counts[0, 2] == 2 and counts[2, 0] == 2
    assert counts[1, 2] == 1 and counts[2, 1] == 1
    # disputes: one-sided S: s1 (amal, ola), s2 (amal, zofia), (ola, zofia) -> 3; A: 3; N: 2
    assert report.disputes == [3, 3, 2]
    assert report.matrix[0][1] == pytest.approx(1 / 3) and report.matrix[0][0] is None
    assert report.matrix[2][0] == pytest.approx(2 / 2)
    top = report.top_pairs()
    assert (top[0].a, top[0].b, top[0].times) == ("sharing", "none", 2)
    # prevalence of sharing: amal 3 of her 4 sentences; ola 2 of 3; zofia 1 of 2
    assert report.prevalence["amal"]["sharing"].annotator == 0.75
    assert report.prevalence["amal"]["sharing"].others_mean == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert report.prevalence["zofia"]["none"].annotator == pytest.approx(1 / 2)


@given(st.lists(st.lists(st.integers(-1, 7), min_size=3, max_size=3), max_size=30))
@settings(max_examples=150, deadline=None)
def test_confusion_matches_multilabel_confusion_matrix_and_brute_force(rows: list[list[int]]) -> None:
    n_labels = 3
    masks = np.array(rows, dtype=np.int64).reshape(-1, 3)
    report = confusion(masks, ["a", "b", "c"], ["x", "y", "z"])
    present = masks >= 0
    pairable = present.sum(axis=1) >= 2
    disputes = np.zeros(n_labels, dtype=int)
    counts = np.zeros((n_labels, n_labels), dtype=int)
    comparisons = 0
    for i in range(3):
        for j in range(3):
            if i == j:
                continue
            both = pairable & present[:, i] & present[:, j]
            if not both.any():
                continue
            comparisons += int(both.sum())
            y_i, y_j = _indicators(masks[both, i], n_labels), _indicators(masks[both, j], n_labels)
            mcm = multilabel_confusion_matrix(y_i, y_j, labels=list(range(n_labels)))
            disputes += mcm[:, 1, 0]  # i has the label, j does not
            for row_i, row_j in zip(y_i, y_j, strict=True):
                for a in range(n_labels):
                    for b in range(n_labels):
                        if a != b and row_i[a] and not row_i[b] and row_j[b] and not row_j[a]:
                            counts[a, b] += 1
    assert report.disputes == disputes.tolist()
    assert report.counts == counts.tolist()
    assert report.n_comparisons == comparisons
    for a in range(n_labels):
        for b in range(n_labels):
            expected = None if a == b or disputes[a] == 0 else counts[a, b] / disputes[a]
            assert report.matrix[a][b] == (None if expected is None else pytest.approx(expected))
