from __future__ import annotations

import pytest

from annotator.core.formats import Annotation, Gold, choose_gold

T = "2026-11-24T10:00:00Z"


def ann(name: str, *labels: str, skipped: bool = False) -> Annotation:
    return Annotation(
        annotator=name,
        labels=list(labels),
        status="skipped" if skipped else "labelled",
        updated_at=T,
    )


ADJ = Gold(labels=["retention"], method="adjudicated", by="lead")


def test_unanimous() -> None:
    same = [ann("a", "ads_use", "data_sharing"), ann("b", "data_sharing", "ads_use")]
    assert choose_gold(same, "unanimous") == Gold(
        labels=["ads_use", "data_sharing"], method="unanimous", agreed=["a", "b"]
    )
    assert choose_gold([*same, ann("c", "ads_use")], "unanimous") is None
    # skipped annotations are missing data, not disagreement
    assert choose_gold([*same, ann("c", skipped=True)], "unanimous") is not None


def test_one_annotator_is_not_agreement() -> None:
    assert choose_gold([ann("a", "none")], "unanimous") is None
    assert choose_gold([ann("a", "none")], "majority") is None
    assert choose_gold([ann("a", "none"), ann("b", skipped=True)], "majority") is None
    assert choose_gold([], "majority") is None


def test_majority_is_strictly_more_than_half() -> None:
    two_of_three = [ann("a", "none"), ann("b", "none"), ann("c", "ads_use")]
    assert choose_gold(two_of_three, "majority") == Gold(labels=["none"], method="majority", agreed=["a", "b"])
    tie = [ann("a", "none"), ann("b", "none"), ann("c", "ads_use"), ann("d", "ads_use")]
    assert choose_gold(tie, "majority") is None
    half = [ann("a", "none"), ann("b", "ads_use")]
    assert choose_gold(half, "majority") is None
    plurality = [
        ann("a", "none"),
        ann("b", "none"),
        ann("c", "ads_use"),
        ann("d", "retention"),
        ann("e", "x"),
    ]
    assert choose_gold(plurality, "majority") is None  # 2 of 5 is the most, but not a majority
    three_of_four = [
        ann("a", "none"),
        ann("b", "none"),
        ann("c", "none"),
        ann("d", "ads_use"),
    ]
    assert choose_gold(three_of_four, "majority") == Gold(labels=["none"], method="majority", agreed=["a", "b", "c"])


def test_empty_label_set_gives_no_gold() -> None:
    assert choose_gold([ann("a"), ann("b")], "unanimous") is None


def test_a_stored_gold_wins_under_every_policy_whatever_its_method() -> None:
    agree = [ann("a", "none"), ann("b", "none"), ann("c", "retention")]
    for policy in ("unanimous", "majority", "adjudicated"):
        assert choose_gold(agree, policy, ADJ) == ADJ.model_copy(update={"agreed": ["c"]})  # type: ignore[arg-type]
    rule = Gold(labels=["retention"], method="majority")  # stored by gold --auto, stale or not
    assert choose_gold(agree, "majority", rule) == rule.model_copy(update={"agreed": ["c"]})
    assert choose_gold(agree, "adjudicated") is None


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown gold policy"):
        choose_gold([], "plurality")  # type: ignore[arg-type]


def test_open_annotations_do_not_count() -> None:
    """``open`` (a flag or a note, no decision yet) is not a decision."""
    opened = Annotation(annotator="c", labels=["ads_use"], status="open", flagged=True, updated_at=T)
    agree = [ann("a", "none"), ann("b", "none")]
    assert choose_gold([*agree, opened], "unanimous") == Gold(labels=["none"], method="unanimous", agreed=["a", "b"])
    assert choose_gold([ann("a", "none"), opened], "majority") is None
