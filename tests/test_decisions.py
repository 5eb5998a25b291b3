"""Saving decisions, the event log, undo, blindness, and two writers at once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision, undo_last
from annotator.core.errors import UserError
from annotator.core.importing import import_paths
from annotator.core.models import Event
from annotator.core.repository import (
    count_decided,
    document_progress,
    find_document,
    next_matching,
    project_stats,
    sentence_page,
)
from annotator.core.schemas import active_schema


def _setup(engine: Engine, tmp_path: Path) -> tuple[int, list[int]]:
    doc = tmp_path / "policy.txt"
    doc.write_text(
        "We collect your email. We share it with advertisers. You can opt out. We keep it for five years. Contact us.",
        encoding="utf-8",
    )
    import_paths(engine, [doc], lang="en")
    document = find_document(engine, "policy")
    ids = [row.id for row in sentence_page(engine, document.id, 0, 100)]
    return document.id, ids


def test_save_update_and_event_log(engine: Engine, tmp_path: Path) -> None:
    schema = active_schema(engine)
    document_id, ids = _setup(engine, tmp_path)
    amal = ensure_annotator(engine, "amal")
    assert ensure_annotator(engine, "amal") == amal

    first = save_decision(engine, schema, amal, ids[1], Change(labels=["ads_use", "data_sharing"], status="labelled"))
    assert first.state.labels == ("data_sharing", "ads_use")  # schema order
    save_decision(engine, schema, amal, ids[1], Change(flagged=True, note="ask the lead"))
    save_decision(engine, schema, amal, ids[2], Change(status="skipped"))
    page = sentence_page(engine, document_id, 0, 10, amal)
    assert page[0].state is None
    assert page[1].state is not None and page[1].state.flagged and page[1].state.note == "ask the lead"
    assert page[1].state.labels == ("data_sharing", "ads_use") and page[1].state.status == "labelled"
    assert page[2].state is not None and page[2].state.status == "skipped" and page[2].state.labels == ()
    with engine.connect() as connection:
        actions = list(
            connection.execute(select(Event.action).where(Event.annotator_id == amal).order_by(Event.id)).scalars()
        )
        mask = connection.execute(
            text("SELECT label_mask FROM annotation WHERE sentence_id = :s"), {"s": ids[1]}
        ).scalar()
    assert actions == ["save", "flag", "skip"]
    assert mask == schema.mask_of(["data_sharing", "ads_use"])
    assert count_decided(engine, amal) == 2
    stats = project_stats(engine)
    assert stats.annotators["amal"].labelled == 1 and stats.annotators["amal"].skipped == 1
    assert stats.annotators["amal"].flagged == 1


def test_invalid_decisions_are_refused(engine: Engine, tmp_path: Path) -> None:
    schema = active_schema(engine)
    _, ids = _setup(engine, tmp_path)
    amal = ensure_annotator(engine, "amal")
    with pytest.raises(UserError, match="unknown label"):
        save_decision(engine, schema, amal, ids[0], Change(labels=["made_up"], status="labelled"))
    with pytest.raises(UserError, match="cannot be combined"):
        save_decision(engine, schema, amal, ids[0], Change(labels=["none", "ads_use"], status="labelled"))
    with pytest.raises(UserError, match="needs at least one label"):
        save_decision(engine, schema, amal, ids[0], Change(labels=[], status="labelled"))
    with pytest.raises(UserError):
        ensure_annotator(engine, "  ")


def test_undo_several_steps_across_sentences(engine: Engine, tmp_path: Path) -> None:
    schema = active_schema(engine)
    document_id, ids = _setup(engine, tmp_path)
    amal = ensure_annotator(engine, "amal")
    save_decision(engine, schema, amal, ids[0], Change(labels=["first_party_collection"], status="labelled"))
    save_decision(engine, schema, amal, ids[1], Change(labels=["data_sharing"], status="labelled"))
    save_decision(engine, schema, amal, ids[0], Change(labels=["retention"], status="labelled"))

    undone = undo_last(engine, schema, amal)
    assert undone is not None and undone.sentence_id == ids[0] and undone.idx == 0
    assert undone.state.labels == ("first_party_collection",)
    undone = undo_last(engine, schema, amal)
    assert undone is not None and undone.sentence_id == ids[1] and undone.state.status == "open"
    undone = undo_last(engine, schema, amal)
    assert undone is not None and undone.sentence_id == ids[0]
    assert undo_last(engine, schema, amal) is None
    assert all(row.state is None for row in sentence_page(engine, document_id, 0, 10, amal))


def test_blindness_each_annotator_sees_only_their_own(engine: Engine, tmp_path: Path) -> None:
    schema = active_schema(engine)
    document_id, ids = _setup(engine, tmp_path)
    amal, piotr = ensure_annotator(engine, "amal"), ensure_annotator(engine, "piotr")
    save_decision(engine, schema, amal, ids[0], Change(labels=["data_sharing"], status="labelled"))
    assert sentence_page(engine, document_id, 0, 10, piotr)[0].state is None
    assert next_matching(engine, document_id, piotr, -1, "unannotated") == 0
    assert next_matching(engine, document_id, amal, -1, "unannotated") == 1
    progress = {p.document.name: p.decided for p in document_progress(engine, piotr)}
    assert progress == {"policy": 0}
    # piotr's undo never touches amal's decision
    assert undo_last(engine, schema, piotr) is None


def test_filters_and_search(engine: Engine, tmp_path: Path) -> None:
    schema = active_schema(engine)
    document_id, ids = _setup(engine, tmp_path)
    amal = ensure_annotator(engine, "amal")
    save_decision(engine, schema, amal, ids[1], Change(labels=["ads_use", "data_sharing"], status="labelled"))
    save_decision(engine, schema, amal, ids[3], Change(labels=["retention"], status="labelled", flagged=True))
    assert next_matching(engine, document_id, amal, -1, "flagged") == 3
    assert next_matching(engine, document_id, amal, -1, "labelled", label_bit=schema.bit_of["ads_use"]) == 1
    assert next_matching(engine, document_id, amal, 1, "labelled", label_bit=schema.bit_of["ads_use"]) is None
    assert next_matching(engine, document_id, amal, -1, "all", text="OPT OUT") == 2
    assert next_matching(engine, document_id, amal, 4, "all", text="we", backwards=True) == 3
    assert next_matching(engine, document_id, amal, -1, "all", text="100%") is None


def _writer(db: str, name: str, sentence_ids: list[int], queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    engine = open_database(db)
    schema = active_schema(engine)
    me = ensure_annotator(engine, name)
    saved = 0
    for round_ in range(5):
        for sentence_id in sentence_ids:
            label = ["data_sharing", "ads_use"][round_ % 2]
            save_decision(engine, schema, me, sentence_id, Change(labels=[label], status="labelled"))
            saved += 1
    queue.put(saved)


def test_two_annotators_saving_at_once_lose_nothing(any_db: str, tmp_path: Path) -> None:
    engine = open_database(any_db)
    active_schema(engine)
    _, ids = _setup(engine, tmp_path)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_writer, args=(any_db, name, ids, queue)) for name in ("amal", "piotr")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    assert sorted(queue.get() for _ in workers) == [25, 25]
    with engine.connect() as connection:
        events = connection.execute(text("SELECT count(*) FROM event WHERE action = 'save'")).scalar()
        rows = connection.execute(text("SELECT count(*), min(label_mask), max(label_mask) FROM annotation")).one()
    assert events == 50
    schema = active_schema(engine)
    assert rows[0] == 10 and rows[1] == rows[2] == schema.mask_of(["data_sharing"])


def test_undo_skips_decisions_merged_in_by_an_import(engine: Engine, tmp_path: Path) -> None:
    from sqlalchemy import insert

    schema = active_schema(engine)
    _, ids = _setup(engine, tmp_path)
    amal = ensure_annotator(engine, "amal")
    save_decision(engine, schema, amal, ids[0], Change(labels=["retention"], status="labelled"))
    # an imported decision of amal's, logged as the importer logs it
    with engine.begin() as connection:
        connection.execute(
            insert(Event.__table__).values(  # type: ignore[attr-defined]
                annotator_id=amal, sentence_id=ids[1], action="import", before=None, after={"labels": ["ads_use"]}
            )
        )
    undone = undo_last(engine, schema, amal)
    assert undone is not None and undone.sentence_id == ids[0]
    assert undo_last(engine, schema, amal) is None
