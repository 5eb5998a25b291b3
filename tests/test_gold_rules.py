"""The gold rules and the adjudication queue order: hand-made examples and properties."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.gold import rule_gold
from annotator.core.gold.queue import disputes
from annotator.core.gold.rules import rule_gold_rows


def test_unanimous_and_majority_by_hand() -> None:
    assert rule_gold([["a"], ["a"]], "unanimous") == (["a"], "unanimous")
    assert rule_gold([["a"], ["a"]], "majority") == (["a"], "unanimous")  # the method says how it was reached
    assert rule_gold([["a"], ["a"], ["b"]], "unanimous") is None
    assert rule_gold([["a"], ["a"], ["b"]], "majority") == (["a"], "majority")
    assert rule_gold([["a"], ["a"], ["b"], ["b"]], "majority") is None  # a tie gives none
    assert rule_gold([["a"], ["b"]], "majority") is None  # 1 of 2 is not more than half
    assert rule_gold([["a"]], "majority") is None  # one annotator is not agreement
    assert rule_gold([["a"], ["a"]], "majority", min_annotators=3) is None
    assert rule_gold([[], []], "unanimous") is None  # an empty winning set gives none
    assert rule_gold([5, 5, 3], "majority") == (5, "majority")  # bitmasks work the same
    assert rule_gold([["a"], ["a"]], "adjudicated") is None


SETS = st.lists(st.sampled_from([(), ("a",), ("b",), ("a", "b"), ("c",)]), max_size=7)


@given(SETS, st.sampled_from(["unanimous", "majority"]), st.integers(1, 4))
@settings(max_examples=400, deadline=None)
def test_rule_matches_its_definition(sets: list[tuple[str, ...]], policy: str, minimum: int) -> None:
    """Against the rule written out the slow way (Counter of sets)."""
    found = rule_gold(sets, policy, minimum)
    expected = None
    if len(sets) >= max(2, minimum):
        top, count = Counter(sets).most_common(1)[0]
        if top and count == len(sets):
            expected = (top, "unanimous")
        elif top and policy == "majority" and 2 * count > len(sets):
            expected = (top, "majority")
    assert found == expected


@given(st.lists(st.lists(st.sampled_from([-1, -1, 0, 1, 2, 3, 6]), min_size=3, max_size=3), max_size=20))
@settings(max_examples=200, deadline=None)
def test_rows_of_a_matrix_follow_the_same_rule(rows: list[list[int]]) -> None:
    masks = np.array(rows, dtype=np.int64).reshape(-1, 3)
    got = rule_gold_rows(masks, "majority")
    for row, found in zip(rows, got, strict=True):
        labelled = [v for v in row if v >= 0]
        expected = rule_gold(labelled, "majority")
        assert found == (None if expected is None else (expected[0], len(labelled), expected[1]))


def test_queue_puts_the_most_split_first() -> None:
    masks = np.array(
        [
            [1, 1, 1, -1],  # all agree: not disputed
            [1, 1, 2, -1],  # 2-1: split 2/3
            [1, 2, 4, -1],  # all differ: split 1, 3 sets
            [1, 1, 2, 2],  # 2-2 tie: split 4/6 like the 2-1, but no set has more than half
            [1, 1, 1, 2],  # 3-1: split 1/2
            [1, -1, -1, 2],  # two differ: split 1, 2 sets
            [1, -1, -1, -1],  # one annotator: not disputed
            [3, 1, -1, -1],  # 1+2 against 1: split 1, 2 sets, 1 disputed label
        ]
    )
    order = [d.sentence_id for d in disputes(masks, np.arange(100, 108))]
    assert order == [102, 105, 107, 103, 101, 104]
    first = disputes(masks, np.arange(100, 108))[0]
    assert first.split == 1.0 and first.n_sets == 3 and first.disputed == 7 and first.n_labelled == 3
    # one label: only sentences where some chose bit 1 and some did not; ordered by that split
    by_label = [d.sentence_id for d in disputes(masks, np.arange(100, 108), label_bit=1)]
    assert by_label == [105, 107, 103, 102, 101, 104]  # 102 before 101: more labels disputed
    assert [d.sentence_id for d in disputes(masks, np.arange(100, 108), min_annotators=4)] == [103, 104]


@given(st.lists(st.lists(st.sampled_from([-1, 1, 2, 3, 4]), min_size=4, max_size=4), min_size=1, max_size=25))
@settings(max_examples=200, deadline=None)
def test_queue_split_is_one_minus_the_share_of_agreeing_pairs(rows: list[list[int]]) -> None:
    masks = np.array(rows, dtype=np.int64)
    found = {d.row: d for d in disputes(masks, np.arange(len(rows)))}
    for r, row in enumerate(rows):
        present = [v for v in row if v >= 0]
        disputed = len(present) >= 2 and len(set(present)) > 1
        assert (r in found) == disputed
        if disputed:
            pairs = [(a, b) for i, a in enumerate(present) for b in present[i + 1 :]]
            assert abs(found[r].split - sum(a != b for a, b in pairs) / len(pairs)) < 1e-12
            assert found[r].n_sets == len(set(present))
            assert found[r].top_share == max(present.count(v) for v in present) / len(present)
    keys = [(-round(d.split, 9), round(d.top_share, 9), -d.n_sets) for d in found.values()]
    ordered = [(-round(d.split, 9), round(d.top_share, 9), -d.n_sets) for d in disputes(masks, np.arange(len(rows)))]
    assert ordered == sorted(keys)


MATRICES = st.integers(1, 5).flatmap(
    lambda cols: st.lists(st.lists(st.integers(-1, 6), min_size=cols, max_size=cols), min_size=1, max_size=25)
)


@settings(max_examples=300, deadline=None)
@given(MATRICES, st.integers(2, 4))
def test_one_definition_of_agreed_and_disputed(rows: list[list[int]], min_annotators: int) -> None:
    """sentence_verdict is what the numpy rows, the queue and the unanimous rule all say."""
    from annotator.core.gold.rules import sentence_verdict, verdict_rows

    matrix = np.array(rows, dtype=np.int64)
    agreed, disputed = verdict_rows(matrix, min_annotators)
    queued = {d.row for d in disputes(matrix, np.arange(len(rows)), min_annotators=min_annotators)}
    unanimous = rule_gold_rows(matrix, "unanimous", min_annotators)
    for k, row in enumerate(rows):
        labelled = [value for value in row if value >= 0]
        verdict = sentence_verdict(labelled, min_annotators)
        assert (bool(agreed[k]), bool(disputed[k])) == (verdict == "agreed", verdict == "disputed")
        assert (k in queued) == (verdict == "disputed")  # the adjudication queue
        by_rule = rule_gold(labelled, "unanimous", min_annotators)
        assert (by_rule is not None) == (verdict == "agreed" and labelled[0] != 0)
        assert (unanimous[k] is not None) == (by_rule is not None)
