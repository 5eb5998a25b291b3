"""The active timer (pauses capped) and the time stored with each decision."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from annotator.core.decisions import Change, ensure_annotator, save_decision, undo_last
from annotator.core.errors import UserError
from annotator.core.importing import import_paths
from annotator.core.models import ANNOTATION, EVENT
from annotator.core.repository import find_document, sentence_page
from annotator.core.schemas import active_schema
from annotator.core.timing import PAUSE_CAP_SECONDS, ActiveTimer
from tests.conftest import SEEDS


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_time_on_screen_with_a_lunch_break_capped() -> None:
    clock = FakeClock()
    timer = ActiveTimer(clock)
    timer.show("s1")
    clock.now += 4
    timer.activity()  # a key
    clock.now += 3600  # lunch
    assert timer.take("s1") == 4 + PAUSE_CAP_SECONDS
    timer.show("s2")
    clock.now += 7
    assert timer.take("s2") == 7
    assert timer.take("s2") == 0  # taken: starts again


def test_visits_add_up_and_time_off_any_sentence_counts_for_none() -> None:
    clock = FakeClock()
    timer = ActiveTimer(clock)
    timer.show("a")
    clock.now += 5
    timer.show("b")
    clock.now += 2
    timer.show(None)  # the document list
    clock.now += 50
    timer.show("a")
    clock.now += 1
    assert timer.take("a") == 6
    assert timer.take("b") == 2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["show a", "show b", "key", "take a", "take b"]), st.floats(0, 1000))))
def test_taken_time_never_exceeds_the_capped_wall_time(steps) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    timer = ActiveTimer(clock)
    capped = taken = 0.0
    for step, wait in steps:
        clock.now += wait
        capped += min(wait, PAUSE_CAP_SECONDS)
        kind, _, key = step.partition(" ")
        if kind == "show":
            timer.show(key)
        elif kind == "key":
            timer.activity()
        else:
            taken += timer.take(key)
    assert taken <= capped + 1e-6


@pytest.fixture
def project(engine: Engine):  # type: ignore[no-untyped-def]
    import_paths(engine, [SEEDS / "004_07191d38325b842d.txt"])
    schema = active_schema(engine)
    rows = sentence_page(engine, find_document(engine, "004").id, 0, 3)
    return engine, schema, ensure_annotator(engine, "amal"), rows


def test_each_save_stores_its_time_and_the_decision_adds_them_up(project) -> None:  # type: ignore[no-untyped-def]
    engine, schema, amal, rows = project
    sid = rows[0].id
    save_decision(engine, schema, amal, sid, Change(flagged=True, seconds=2.5))
    save_decision(engine, schema, amal, sid, Change(labels=["data_sharing"], status="labelled", seconds=4.25))
    save_decision(engine, schema, amal, rows[1].id, Change(labels=["none"], status="labelled"))  # not measured
    with engine.connect() as connection:
        stored = dict(connection.execute(select(ANNOTATION.c.sentence_id, ANNOTATION.c.seconds)).all())
        events = connection.execute(
            select(EVENT.c.seconds).where(EVENT.c.sentence_id == sid).order_by(EVENT.c.id)
        ).scalars()
        assert list(events) == [2.5, 4.25]
    assert stored == {sid: 6.75, rows[1].id: None}
    undo_last(engine, schema, amal)  # undoes rows[1]: its row goes
    undo_last(engine, schema, amal)  # back to flagged only: the time spent stays spent
    with engine.connect() as connection:
        assert connection.execute(select(ANNOTATION.c.seconds).where(ANNOTATION.c.sentence_id == sid)).scalar() == 6.75


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_a_bad_time_is_refused(project, bad: float) -> None:  # type: ignore[no-untyped-def]
    engine, schema, amal, rows = project
    with pytest.raises(UserError, match="seconds"):
        save_decision(engine, schema, amal, rows[0].id, Change(labels=["none"], status="labelled", seconds=bad))


def test_stats_time_matches_a_reference_computation(project, cli, any_db: str) -> None:  # type: ignore[no-untyped-def]
    import json
    import statistics

    engine, schema, amal, _rows = project
    piotr = ensure_annotator(engine, "piotr")
    rows = sentence_page(engine, find_document(engine, "004").id, 0, 12)
    amal_times = [3.2, 7.9, 1.5, 12.0, 4.4, 30.1, 2.2, 8.8, 5.5, 60.0]
    for row, seconds in zip(rows, amal_times, strict=False):
        labels = ["data_sharing", "ads_use"] if seconds > 5 else ["none"]
        save_decision(engine, schema, amal, row.id, Change(labels=labels, status="labelled", seconds=seconds))
    save_decision(engine, schema, amal, rows[10].id, Change(status="skipped", seconds=1.0))
    save_decision(engine, schema, amal, rows[11].id, Change(labels=["retention"], status="labelled"))  # untimed
    save_decision(engine, schema, piotr, rows[0].id, Change(flagged=True, seconds=9.0))  # open: not a decision
    result = cli("stats", "--time", "--json", "--db", any_db)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["pause_cap_seconds"] == 120
    assert list(data["annotators"]) == ["amal"]
    figures = data["annotators"]["amal"]
    timed = amal_times + [1.0]
    assert figures["decisions"] == 12 and figures["labelled"] == 11 and figures["skipped"] == 1
    assert figures["timed_decisions"] == 11
    assert figures["median_seconds"] == pytest.approx(statistics.median(timed))
    assert figures["p90_seconds"] == pytest.approx(statistics.quantiles(timed, n=10, method="inclusive")[8], abs=1e-3)
    assert figures["sentences_per_hour"] == pytest.approx(len(timed) * 3600 / sum(timed), abs=0.05)
    labels = figures["labels"]
    assert labels["data_sharing"] == {"count": 6, "share": pytest.approx(6 / 11, abs=1e-4)}
    assert labels["none"]["count"] == 4 and labels["retention"]["count"] == 1 and labels["user_rights"]["count"] == 0
    table = cli("stats", "--time", "--db", any_db)
    assert table.code == 0 and "median s" in table.out and "amal" in table.out and "data_sharing" in table.out


def test_stats_time_with_no_decisions(project, cli, any_db: str) -> None:  # type: ignore[no-untyped-def]
    import json

    assert json.loads(cli("stats", "--time", "--json", "--db", any_db).out)["annotators"] == {}
    assert "no decisions yet" in cli("stats", "--time", "--db", any_db).out
