"""The dynamic queue: per-item bound with concurrent processes, order, release of idle claims."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from annotator.core.assignment.assigning import assign
from annotator.core.assignment.queue import take_next
from annotator.core.assignment.report import AnnotatorQueue, QueueDocument
from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.errors import UserError
from annotator.core.importing import import_paths
from annotator.core.models import ASSIGNMENT, WORK_UNIT, utcnow
from annotator.core.repository import sentence_page
from annotator.core.schemas import active_schema
from tests.conftest import SEEDS
from tests.queue_worker import take_until_empty


def test_four_processes_taking_at_once_never_exceed_per_item(any_db: str) -> None:
    per_item = 2
    engine = open_database(any_db)
    import_paths(engine, [SEEDS / "004_07191d38325b842d.txt", SEEDS / "003_a9364fc6cc56f80c.txt"])
    assign(engine, mode="dynamic", unit="sentence", per_item=per_item, overlap=0.5, seed=1)
    with engine.connect() as connection:
        units = dict(connection.execute(select(WORK_UNIT.c.id, WORK_UNIT.c.overlap)).all())
    engine.dispose()
    context = multiprocessing.get_context("spawn")
    names = ["amal", "piotr", "zofia", "ola"]
    start = context.Barrier(len(names))
    out = context.Queue()
    workers = [context.Process(target=take_until_empty, args=(any_db, name, start, out)) for name in names]
    for worker in workers:
        worker.start()
    results = dict(out.get(timeout=240) for _ in workers)
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    per_unit: Counter[int] = Counter()
    for name, got in results.items():
        assert len(got) == len(set(got)), f"{name} got a unit twice"
        per_unit.update(got)
    # every unit was handed out exactly as often as it needs: never more, and the queue ran dry
    assert per_unit == {uid: (per_item if overlap else 1) for uid, overlap in units.items()}
    engine = open_database(any_db)
    with engine.connect() as connection:
        holders = dict(connection.execute(select(WORK_UNIT.c.id, WORK_UNIT.c.holders)).all())
        claims = connection.execute(select(func.count()).select_from(ASSIGNMENT)).scalar()
    engine.dispose()
    assert holders == dict(per_unit) and claims == sum(per_unit.values())
    assert sum(1 for got in results.values() if got) >= 2, "the processes took units concurrently"


@pytest.fixture
def project(engine: Engine) -> Engine:
    import_paths(engine, [SEEDS])
    return engine


def test_started_overlap_units_come_first_then_document_order(project: Engine) -> None:
    assign(project, mode="dynamic", per_item=2, overlap=1.0, seed=1)
    amal, piotr = ensure_annotator(project, "amal"), ensure_annotator(project, "piotr")
    first = take_next(project, amal)
    assert [u.unit_id for u in take_next(project, piotr)] == [first[0].unit_id]  # finish what amal started
    second = take_next(project, piotr)
    assert second[0].unit_id > first[0].unit_id


def test_overlap_first_hands_out_the_sample_before_the_rest(project: Engine) -> None:
    assign(project, mode="dynamic", unit="sentence", per_item=2, overlap=0.3, seed=4, overlap_first=True)
    with project.connect() as connection:
        n_overlap = connection.execute(select(func.count()).where(WORK_UNIT.c.overlap.is_(True))).scalar()
    amal = ensure_annotator(project, "amal")
    taken = take_next(project, amal, count=n_overlap + 3)
    assert [u.overlap for u in taken] == [True] * n_overlap + [False] * 3


def test_a_unit_never_comes_back_to_its_holder(project: Engine) -> None:
    assign(project, mode="dynamic", per_item=1, overlap=0.0)
    amal = ensure_annotator(project, "amal")
    taken = [u.unit_id for u in take_next(project, amal, count=100)]
    assert len(taken) == len(set(taken)) == 5
    assert take_next(project, amal) == []


def test_idle_unfinished_claims_go_back_to_the_queue(project: Engine) -> None:
    assign(project, mode="dynamic", per_item=1, overlap=0.0, release_after_hours=24)
    schema = active_schema(project)
    amal, piotr, ola = (ensure_annotator(project, n) for n in ("amal", "piotr", "ola"))
    claimed = take_next(project, amal, count=2)
    # amal finishes the first unit and starts the second, then stops working
    finished, started = claimed
    for unit in claimed:
        rows = sentence_page(project, unit.document_id, 0, 1000)
        for row in rows if unit is finished else rows[:1]:
            save_decision(project, schema, amal, row.id, Change(labels=["none"], status="labelled"))
    later = utcnow() + timedelta(hours=25)
    others = take_next(project, piotr, count=10, now=later)
    assert started.unit_id in {u.unit_id for u in others}  # released: the queue gives it again
    assert finished.unit_id not in {u.unit_id for u in others}  # finished: stays amal's
    assert take_next(project, amal, now=later) == []  # nothing new, and never the released one
    assert take_next(project, ola, now=later) == []


def test_the_queue_needs_a_dynamic_plan(project: Engine) -> None:
    amal = ensure_annotator(project, "amal")
    with pytest.raises(UserError, match="no dynamic queue"):
        take_next(project, amal)
    assign(project, mode="static", annotators=["amal", "piotr"])
    with pytest.raises(UserError, match="no dynamic queue"):
        take_next(project, amal)


def test_a_static_plan_after_a_dynamic_queue_with_released_claims(project: Engine) -> None:
    assign(project, mode="dynamic", per_item=1, overlap=0.0, release_after_hours=1)
    amal, piotr = ensure_annotator(project, "amal"), ensure_annotator(project, "piotr")
    take_next(project, amal, count=5)
    later = utcnow() + timedelta(hours=2)
    assert len(take_next(project, piotr, count=5, now=later)) == 5  # all of amal's went back to the queue
    summary = assign(project, mode="static", annotators=["amal", "piotr"], reassign=True, seed=1)
    assert summary.assignments_added == 5
    with project.connect() as connection:
        rows = connection.execute(select(ASSIGNMENT.c.unit_id, ASSIGNMENT.c.released_at)).all()
    assert len(rows) == 5 and all(released is None for _, released in rows)


@given(
    spans=st.lists(st.tuples(st.integers(0, 40), st.integers(1, 5)), max_size=8),
    after=st.integers(-1, 50),
    backwards=st.booleans(),
)
def test_the_next_index_of_a_queue_is_the_next_sentence_held(
    spans: list[tuple[int, int]], after: int, backwards: bool
) -> None:
    # what the TUI moves to without a read: the same as scanning the indexes one by one
    ranges = tuple(sorted({(first, first + size) for first, size in spans}))
    held = {idx for first, end in ranges for idx in range(first, end)}
    queue = AnnotatorQueue(None, {7: QueueDocument(7, len(held), 0, ranges)})
    scan = sorted((i for i in held if i < after), reverse=True) if backwards else sorted(i for i in held if i > after)
    assert queue.next_idx(7, after, backwards=backwards) == (scan[0] if scan else None)
    assert queue.next_idx(8, after, backwards=backwards) is None
