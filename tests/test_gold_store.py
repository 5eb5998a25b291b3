"""Stored gold: provenance, events, undo, and gold --auto (idempotent, never over a person's gold).
On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from annotator.core.decisions import Change, ensure_annotator, save_decision, undo_last
from annotator.core.errors import UserError
from annotator.core.gold.auto import auto_gold
from annotator.core.gold.review import review_items, review_queue, suggestion
from annotator.core.gold.store import load_gold, read_gold, save_gold, undo_gold
from annotator.core.models import EVENT
from annotator.core.schemas import active_schema
from tests.gold_helpers import build_votes


def _events(engine: Engine, action: str) -> list[tuple[object, object, object, object]]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                select(EVENT.c.sentence_id, EVENT.c.before, EVENT.c.after, EVENT.c.undoes)
                .where(EVENT.c.action == action)
                .order_by(EVENT.c.id)
            )
        ]


def test_auto_gold_majority_then_unanimous_then_again(engine: Engine, tmp_path: Path) -> None:
    ids = build_votes(engine, tmp_path)
    schema = active_schema(engine)
    dry = auto_gold(engine, schema, "majority", dry_run=True)
    assert read_gold(engine, ids.values()) == {}  # a dry run writes nothing
    first = auto_gold(engine, schema, "majority")
    assert first.model_dump() == {**dry.model_dump(), "dry_run": False}
    assert (first.created, first.updated, first.unchanged, first.removed) == (3, 0, 0, 0)
    assert (first.left_for_review, first.too_few, first.adjudicated) == (2, 1, 0)
    gold = read_gold(engine, ids.values())
    assert gold[ids[0]].labels == ("data_sharing",) and gold[ids[0]].method == "unanimous"
    assert gold[ids[0]].agreed == ("amal", "ola", "piotr") and gold[ids[0]].by is None
    assert gold[ids[1]].method == "majority" and gold[ids[1]].agreed == ("amal", "ola")
    assert gold[ids[3]].labels == ("none",) and gold[ids[3]].agreed == ("amal", "piotr")  # the skip is no vote
    assert set(gold) == {ids[0], ids[1], ids[3]}
    assert len(_events(engine, "gold_auto")) == 3
    again = auto_gold(engine, schema, "majority")  # idempotent
    assert (again.created, again.updated, again.removed, again.unchanged) == (0, 0, 0, 3)
    unanimous = auto_gold(engine, schema, "unanimous")  # keeps the majority gold: still true
    assert (unanimous.unchanged, unanimous.removed, unanimous.created) == (3, 0, 0)
    assert read_gold(engine, ids.values()) == gold
    assert len(_events(engine, "gold_auto")) == 3


def test_auto_gold_follows_changed_decisions_and_never_touches_a_persons_gold(engine: Engine, tmp_path: Path) -> None:
    ids = build_votes(engine, tmp_path)
    schema = active_schema(engine)
    auto_gold(engine, schema, "majority")
    lead = ensure_annotator(engine, "lead")
    save_gold(engine, schema, lead, ids[2], ["consent_choice", "user_rights"], by="lead", note="both apply")
    save_gold(engine, schema, lead, ids[0], ["ads_use"], by="lead")  # a person overrides a unanimous gold
    piotr = ensure_annotator(engine, "piotr")
    ola = ensure_annotator(engine, "ola")
    # sentence 1 becomes unanimous, sentence 3 loses its support (ola now disagrees with amal and piotr... 1-1-1)
    save_decision(engine, schema, piotr, ids[1], Change(labels=["first_party_collection"], status="labelled"))
    save_decision(engine, schema, ola, ids[3], Change(labels=["retention"], status="labelled"))
    save_decision(engine, schema, piotr, ids[3], Change(labels=["ads_use"], status="labelled"))
    summary = auto_gold(engine, schema, "majority")
    assert (summary.adjudicated, summary.updated, summary.removed) == (2, 1, 1)
    gold = read_gold(engine, ids.values())
    assert gold[ids[0]].labels == ("ads_use",) and gold[ids[0]].method == "adjudicated"
    assert gold[ids[2]].note == "both apply" and gold[ids[2]].by == "lead"
    assert gold[ids[1]].method == "unanimous" and gold[ids[1]].agreed == ("amal", "ola", "piotr")
    assert ids[3] not in gold
    removed = [e for e in _events(engine, "gold_auto") if e[0] == ids[3]][-1]
    assert removed[1]["labels"] == ["none"] and removed[2] is None  # type: ignore[index]


def test_save_gold_records_provenance_and_undo_walks_back(engine: Engine, tmp_path: Path) -> None:
    ids = build_votes(engine, tmp_path)
    schema = active_schema(engine)
    auto_gold(engine, schema, "majority")
    lead = ensure_annotator(engine, "lead")
    saved = save_gold(engine, schema, lead, ids[1], ["data_sharing"], by="lead", note="  piotr is right ")
    assert (
        saved.gold.method == "adjudicated" and saved.gold.agreed == ("piotr",) and saved.gold.note == "piotr is right"
    )
    assert saved.before is not None and saved.before.method == "majority"
    saved = save_gold(engine, schema, lead, ids[5], ["ads_use", "data_sharing"], by="lead")
    assert saved.gold.agreed == ("piotr",) and saved.before is None and saved.gold.updated_at is not None
    with pytest.raises(UserError, match="unknown label"):
        save_gold(engine, schema, lead, ids[5], ["nope"], by="lead")
    with pytest.raises(UserError, match="cannot be combined"):
        save_gold(engine, schema, lead, ids[5], ["none", "ads_use"], by="lead")
    with pytest.raises(UserError, match="at least one label"):
        save_gold(engine, schema, lead, ids[5], [], by="lead")
    events = _events(engine, "gold")
    assert [e[0] for e in events] == [ids[1], ids[5]]
    assert events[0][2]["by"] == "lead" and events[0][2]["note"] == "piotr is right"  # type: ignore[index]
    # the lead also annotated: an annotator's undo never reverts a gold
    save_decision(engine, schema, lead, ids[4], Change(labels=["retention"], status="labelled"))
    assert undo_last(engine, schema, lead) is not None and undo_last(engine, schema, lead) is None
    undone = undo_gold(engine, schema, lead)
    assert undone is not None and undone.sentence_id == ids[5] and undone.gold is None and undone.idx == 5
    assert ids[5] not in read_gold(engine, [ids[5]])
    undone = undo_gold(engine, schema, lead)
    assert undone is not None and undone.gold is not None and undone.gold.method == "majority"
    restored = read_gold(engine, [ids[1]])[ids[1]]
    assert restored.labels == ("first_party_collection",) and restored.agreed == ("amal", "ola")
    assert undo_gold(engine, schema, lead) is None
    assert [e[3] for e in _events(engine, "gold_undo")] == [
        e for e in (_event_id(engine, ids[5]), _event_id(engine, ids[1]))
    ]
    gold = load_gold(engine)
    assert gold.sentence_ids.tolist() == sorted(gold.sentence_ids.tolist()) and "majority" in gold.methods


def _event_id(engine: Engine, sentence_id: int) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(EVENT.c.id).where(EVENT.c.action == "gold", EVENT.c.sentence_id == sentence_id)
            ).scalar_one()
        )


def test_review_queue_and_items(engine: Engine, tmp_path: Path) -> None:
    ids = build_votes(engine, tmp_path)
    schema = active_schema(engine)
    queue = review_queue(engine, schema).disputes
    assert [d.sentence_id for d in queue] == [ids[5], ids[2], ids[1]]  # all differ, tie, 2-1
    # on data_sharing both are 1 against 2: sentence order
    assert [d.sentence_id for d in review_queue(engine, schema, label="data_sharing").disputes] == [ids[1], ids[5]]
    assert review_queue(engine, schema, min_annotators=3).disputes[-1].sentence_id == ids[1]
    auto_gold(engine, schema, "majority")
    assert [d.sentence_id for d in review_queue(engine, schema).disputes] == [ids[5], ids[2]]  # 2-1 has gold now
    everything = review_queue(engine, schema, include_gold=True)
    assert len(everything.disputes) == 3 and everything.with_gold == {ids[1]}
    items = review_items(engine, schema, everything.disputes)
    first = items[0]
    assert first.document_name == "pl_news" and first.idx == 5
    assert [(v.annotator, v.labels) for v in first.votes] == [
        ("amal", ("ads_use",)),
        ("ola", ("data_sharing",)),
        ("piotr", ("data_sharing", "ads_use")),  # schema order
    ]
    assert suggestion(first.votes) is None and items[2].gold is not None
    hint = suggestion(items[2].votes)
    assert hint is not None and hint.labels == ("first_party_collection",) and (hint.support, hint.of) == (2, 3)


def test_auto_gold_keeps_an_imported_gold_the_decisions_do_not_support(engine: Engine, tmp_path: Path) -> None:
    from annotator.core.importing import import_paths
    from tests.test_annotated_import import ann, record, write_jsonl

    ids = build_votes(engine, tmp_path)
    schema = active_schema(engine)
    rule = {"labels": ["user_rights"], "method": "majority", "by": None}
    person = {"labels": ["retention"], "method": "adjudicated", "by": "boss"}
    path = write_jsonl(
        tmp_path / "gold.jsonl",
        [
            record("d", 0, 0, "Kept 5 years.", [], gold=rule),  # no decision at all
            record("d", 1, 14, "Ask us.", [ann("amal", ["retention"]), ann("ola", ["ads_use"])], gold=rule),  # a tie
            record("d", 2, 22, "Or not.", [], gold=person),
        ],
    )
    assert not import_paths(engine, [path]).refused
    before = read_gold(engine, range(1, 10_000))
    assert len(before) == 3
    summary = auto_gold(engine, schema, "majority")
    after = read_gold(engine, range(1, 10_000))
    assert {sid: gold for sid, gold in after.items() if sid in before} == before  # not one imported gold changed
    assert (summary.imported, summary.adjudicated, summary.removed) == (2, 1, 0)
    assert summary.created == 3  # the rule's own gold is made as before (pl_news)
    assert auto_gold(engine, schema, "majority").model_dump() == {**summary.model_dump(), "created": 0, "unchanged": 3}
    # the rule's own gold is still removed when the decisions stop supporting it
    ola, piotr = ensure_annotator(engine, "ola"), ensure_annotator(engine, "piotr")
    save_decision(engine, schema, ola, ids[3], Change(labels=["retention"], status="labelled"))
    save_decision(engine, schema, piotr, ids[3], Change(labels=["ads_use"], status="labelled"))
    again = auto_gold(engine, schema, "majority")
    assert (again.removed, again.imported) == (1, 2) and ids[3] not in read_gold(engine, [ids[3]])


def test_every_gold_write_leaves_one_event_in_one_shape(engine: Engine, tmp_path: Path) -> None:
    """import, gold --auto, a person's gold and its undo: each a gold_* event whose 'after'
    is the gold as stored right then (and 'before' the one it replaced)."""
    from annotator.core.gold.store import GOLD_ACTIONS, GoldState
    from annotator.core.importing import import_paths
    from tests.test_annotated_import import record, write_jsonl

    ids = build_votes(engine, tmp_path)
    schema = active_schema(engine)
    seen: list[tuple[str, int, object]] = []  # (action, sentence, the gold stored after it)

    def last_event() -> tuple[str, int, dict[str, object] | None, dict[str, object] | None]:
        with engine.connect() as connection:
            row = connection.execute(
                select(EVENT.c.action, EVENT.c.sentence_id, EVENT.c.before, EVENT.c.after)
                .where(EVENT.c.action.in_(GOLD_ACTIONS))
                .order_by(EVENT.c.id.desc())
                .limit(1)
            ).one()
        return row[0], row[1], row[2], row[3]

    def check(action: str, sentence_id: int, before: GoldState | None) -> None:
        got_action, got_sentence, got_before, got_after = last_event()
        assert (got_action, got_sentence) == (action, sentence_id)
        now = read_gold(engine, [sentence_id]).get(sentence_id)
        assert (GoldState.from_event_dict(got_after) if got_after is not None else None) == now
        assert (GoldState.from_event_dict(got_before) if got_before is not None else None) == before
        for state in (got_before, got_after):
            if state is not None:
                assert set(GoldState((), "x").as_event_dict()) <= set(state)
        seen.append((action, sentence_id, now))

    rule = {"labels": ["retention"], "method": "majority", "by": None, "agreed": []}
    path = write_jsonl(tmp_path / "g.jsonl", [record("d", 0, 0, "Kept 5 years.", [], gold=rule)])
    import_paths(engine, [path])
    with engine.connect() as connection:
        imported_id = int(
            connection.execute(select(EVENT.c.sentence_id).where(EVENT.c.action == "gold_import")).scalar_one()
        )
    check("gold_import", imported_id, None)
    auto_gold(engine, schema, "majority")
    check("gold_auto", ids[3], None)
    lead = ensure_annotator(engine, "lead")
    majority = read_gold(engine, [ids[1]])[ids[1]]
    save_gold(engine, schema, lead, ids[1], ["data_sharing"], by="lead", note="why")
    check("gold", ids[1], majority)
    person = read_gold(engine, [ids[1]])[ids[1]]
    undo_gold(engine, schema, lead)
    check("gold_undo", ids[1], person)
    # an imported person's gold replaces the rule's one: the event says what it replaced
    person_file = {"labels": ["ads_use"], "method": "adjudicated", "by": "boss", "agreed": []}
    import_paths(
        engine, [write_jsonl(tmp_path / "h.jsonl", [record("d", 0, 0, "Kept 5 years.", [], gold=person_file)])]
    )
    check("gold_import", imported_id, seen[0][2])  # type: ignore[arg-type]
    assert [action for action, _, _ in seen] == ["gold_import", "gold_auto", "gold", "gold_undo", "gold_import"]


@pytest.mark.parametrize("policy", ["unanimous", "majority"])
@pytest.mark.parametrize("min_annotators", [2, 3])
def test_left_for_review_is_what_the_adjudication_queue_shows(
    engine: Engine, tmp_path: Path, policy: str, min_annotators: int
) -> None:
    build_votes(engine, tmp_path)
    schema = active_schema(engine)
    summary = auto_gold(engine, schema, policy, min_annotators=min_annotators)
    queue = review_queue(engine, schema, min_annotators=min_annotators)
    assert summary.left_for_review == len(queue.disputes) > 0
