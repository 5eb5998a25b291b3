"""Scripts using the core API get the TUI's guarantee: a save is not refused because other
processes were writing at the same moment ("database is locked" after the busy timeout).

The busy timeout is shortened (5 s -> a few ms) so that the race the finding saw 4 times
in 174,000 saves happens in every run of a small test; the retry is what is tested.
benchmarks/bench_concurrency.py measures the same at the real timeout.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import annotator.core.db as db_module
from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision, undo_last
from annotator.core.importing import import_paths
from annotator.core.schemas import active_schema
from tests.conftest import SEEDS

WRITERS = 4
SAVES = 30


def _database(tmp_path: Path) -> tuple[str, list[int]]:
    db = str(tmp_path / "locking.db")
    engine = open_database(db)
    active_schema(engine)
    import_paths(engine, [SEEDS / "004_07191d38325b842d.txt"])
    with engine.connect() as connection:
        ids = [row[0] for row in connection.execute(text("SELECT id FROM sentence ORDER BY id"))]
    engine.dispose()
    return db, ids


def _writer(db: str, name: str, ids: list[int], busy_ms: int, start: object, results: object) -> None:
    db_module.BUSY_TIMEOUT_MS = busy_ms  # each process: give up on the lock after a few ms
    engine = open_database(db)
    schema = active_schema(engine)
    start.wait()  # type: ignore[attr-defined]  # everybody at once
    me = ensure_annotator(engine, name)
    errors = 0
    for i in range(SAVES):
        try:
            save_decision(engine, schema, me, ids[i % len(ids)], Change(labels=["data_sharing"], status="labelled"))
            if i % 10 == 9:
                undo_last(engine, schema, me)  # undo the save just made: also a write under contention
        except OperationalError:
            errors += 1
    results.put((name, me, errors))  # type: ignore[attr-defined]


def test_concurrent_writers_through_the_core_never_see_database_is_locked(tmp_path: Path) -> None:
    db, ids = _database(tmp_path)
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    names = [f"writer{n}" for n in range(WRITERS)]
    processes = [context.Process(target=_writer, args=(db, name, ids, 2, start, results)) for name in names]
    for process in processes:
        process.start()
    time.sleep(0.5)
    start.set()
    for process in processes:
        process.join(180)
        assert process.exitcode == 0
    reported = sorted(results.get(timeout=10) for _ in processes)
    assert [errors for _, _, errors in reported] == [0] * WRITERS, reported
    engine = open_database(db)
    with engine.connect() as connection:
        per_writer = dict(
            connection.execute(
                text(
                    "SELECT a.name, count(e.id) FROM annotator a JOIN event e ON e.annotator_id = a.id GROUP BY a.name"
                )
            ).all()
        )
        annotators = connection.execute(text("SELECT count(*) FROM annotator")).scalar()
        kept = connection.execute(text("SELECT count(*) FROM annotation")).scalar()
    engine.dispose()
    assert annotators == WRITERS  # ensure_annotator under contention: one row each, no error
    undos = SAVES // 10
    assert per_writer == dict.fromkeys(names, SAVES + undos)  # every save and every undo, each once
    # each writer undid 3 of its 30 saves, all on sentences it saved only once: 27 decisions each
    assert kept == WRITERS * (SAVES - undos)


def _hold_lock(db: str, seconds: float, held: threading.Event) -> None:
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing for a while (a big import)
    held.set()
    time.sleep(seconds)
    holder.execute("COMMIT")
    holder.close()


def test_a_save_waits_out_a_lock_held_longer_than_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, ids = _database(tmp_path)
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 100)
    engine = open_database(db)
    schema = active_schema(engine)
    me = ensure_annotator(engine, "amal")
    held = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(db, 1.0, held))
    holder.start()
    held.wait(10)
    started = time.monotonic()
    result = save_decision(engine, schema, me, ids[0], Change(labels=["ads_use"], status="labelled"))
    waited = time.monotonic() - started
    holder.join()
    engine.dispose()
    assert result.state.labels == ("ads_use",)
    assert waited >= 0.5  # it waited for the lock (ten busy timeouts), then saved


def test_a_new_annotator_waits_out_a_lock_held_longer_than_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The concurrent test reaches ensure_annotator's retry only when the start race happens
    # to hit it; this one does every time.
    db, _ids = _database(tmp_path)
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 100)
    engine = open_database(db)
    held = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(db, 1.0, held))
    holder.start()
    held.wait(10)
    me = ensure_annotator(engine, "newcomer")
    holder.join()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id FROM annotator WHERE name = 'newcomer'")).scalar() == me
    engine.dispose()


def test_a_lock_held_past_the_retry_limit_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, ids = _database(tmp_path)
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(db_module, "LOCK_RETRY_SECONDS", 0.4)
    engine = open_database(db)
    schema = active_schema(engine)
    me = ensure_annotator(engine, "amal")
    held = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(db, 2.0, held))
    holder.start()
    held.wait(10)
    with pytest.raises(OperationalError) as caught:
        save_decision(engine, schema, me, ids[0], Change(labels=["ads_use"], status="labelled"))
    holder.join()
    engine.dispose()
    from annotator.core.storage_errors import storage_problem

    problem = storage_problem(caught.value)
    assert problem is not None and problem.kind == "locked"
