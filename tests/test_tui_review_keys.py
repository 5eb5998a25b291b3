"""Fast keys on the review screen: each gold lands on the sentence its keys were typed for.

Decisions typed in one burst (one ``pilot.press`` call, no pause) while the database is
slow: saving a gold and reading the queue and its items each take a while.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from textual.pilot import Pilot

from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.gold.store import read_gold, save_gold
from annotator.core.models import DOCUMENT, SENTENCE
from annotator.core.schemas import active_schema
from annotator.tui.config import Settings
from annotator.tui.review_app import ReviewApp
from annotator.tui.review_session import CHUNK
from annotator.tui.screens.review import ReviewScreen
from tests.tui_helpers import build_db, settle

SIZE = (120, 34)
N = CHUNK + 8  # a queue longer than one chunk of items: the second is read while the lead works


def two_votes(tmp_path: Path) -> tuple[Engine, list[int]]:
    """N sentences, each with amal's data_sharing against ola's ads_use (all equally split, so
    the queue is in sentence order); the sentence ids by index."""
    engine = build_db(tmp_path, {"long": [f"Sentence {n} says we keep your data for {n} days." for n in range(N)]})
    schema = active_schema(engine)
    amal, ola = ensure_annotator(engine, "amal"), ensure_annotator(engine, "ola")
    with engine.connect() as connection:
        ids = list(
            connection.execute(
                select(SENTENCE.c.id)
                .join(DOCUMENT, DOCUMENT.c.id == SENTENCE.c.document_id)
                .where(DOCUMENT.c.name == "long")
                .order_by(SENTENCE.c.idx)
            ).scalars()
        )
    for sentence_id in ids:
        save_decision(engine, schema, amal, sentence_id, Change(labels=["data_sharing"], status="labelled"))
        save_decision(engine, schema, ola, sentence_id, Change(labels=["ads_use"], status="labelled"))
    return engine, ids


def slow_database(
    monkeypatch: pytest.MonkeyPatch, later_chunk: frozenset[int] = frozenset(), items_after_first: float = 0.05
) -> None:
    """Every gold save and undo, queue read and item read takes a while (a busy server); reading
    the items of the sentences ``later_chunk`` takes ``items_after_first`` seconds."""
    import annotator.tui.review_session as session

    save, undo, queue, items = session.save_gold, session.undo_gold, session.review_queue, session.review_items

    def slow_save(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        return save(*args, **kwargs)

    def slow_undo(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.5)
        return undo(*args, **kwargs)

    def slow_queue(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.2)
        return queue(*args, **kwargs)

    def slow_items(engine, schema, disputes):  # type: ignore[no-untyped-def]
        later = any(dispute.sentence_id in later_chunk for dispute in disputes)
        time.sleep(items_after_first if later else 0.2)
        return items(engine, schema, disputes)

    monkeypatch.setattr(session, "save_gold", slow_save)
    monkeypatch.setattr(session, "undo_gold", slow_undo)
    monkeypatch.setattr(session, "review_queue", slow_queue)
    monkeypatch.setattr(session, "review_items", slow_items)


def review_app(engine: Engine, tmp_path: Path, include_gold: bool = False) -> ReviewApp:
    settings = Settings(path=tmp_path / "config" / "annotator" / "config.toml")
    return ReviewApp(engine, adjudicator="lead", settings=settings, include_gold=include_gold)


async def on_screen(pilot: Pilot[object]) -> ReviewScreen:
    """Wait until the first sentence is on screen (not settle(): the next chunk is still being read)."""
    for _ in range(500):
        await pilot.pause(0.01)
        screen = pilot.app.screen
        if isinstance(screen, ReviewScreen) and screen.item is not None:
            return screen
    raise AssertionError("no sentence on screen")


def golds(engine: Engine, ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Queue position (= sentence index here) -> gold labels, of the sentences with a gold."""
    stored = read_gold(engine, ids)
    return {n: stored[sentence_id].labels for n, sentence_id in enumerate(ids) if sentence_id in stored}


async def test_a_burst_of_gold_decisions_lands_on_the_sentences_typed_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The next open sentence is found in memory (a gold on its way counts as decided), so
    # each key acts on the sentence it was typed for however slow the saves are.
    engine, ids = two_votes(tmp_path)
    slow_database(monkeypatch)
    app = review_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.review.queue is not None
        assert [d.sentence_id for d in app.review.queue.disputes] == ids  # equally split: sentence order
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.pos == 0
        await pilot.press(
            *("f", "enter"),  # #1: first-party collection (no majority in a 1-1 tie: nothing pre-selected)
            *("A", "enter"),  # #2: amal's set
            "x",  # #3: later
            *("f2", "enter"),  # #4: ola's set
            *("c", "r", "enter"),  # #5: two labels
            "n",  # #6: none, saved at once
            *("s", "a", "enter"),  # #7
        )  # no pause between the keys
        await settle(pilot)
        assert screen.pos == 7
    assert golds(engine, ids) == {
        0: ("first_party_collection",),
        1: ("data_sharing",),
        3: ("ads_use",),
        4: ("consent_choice", "user_rights"),
        5: ("none",),
        6: ("data_sharing", "ads_use"),
    }


async def test_keys_typed_after_an_undo_wait_for_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # u goes back to the sentence whose gold it undid, which only the database knows: the keys
    # typed meanwhile wait for it (they acted on the sentence before the jump, which kept the
    # new gold while the undone one was left without).
    engine, ids = two_votes(tmp_path)
    slow_database(monkeypatch)
    app = review_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.pos == 0
        await pilot.press(
            *("f", "enter"),  # #1
            *("s", "a", "enter"),  # #2
            "u",  # undoes #2's gold and goes back there
            *("r", "enter"),  # #2 again
            *("c", "enter"),  # #3
        )  # no pause between the keys
        await settle(pilot)
        assert screen.pos == 3 and not screen.held_keys
    assert golds(engine, ids) == {0: ("first_party_collection",), 1: ("user_rights",), 2: ("consent_choice",)}


async def test_a_burst_across_the_chunk_of_items_still_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The items of the queue are read a chunk at a time, the next one when the lead comes
    # close to it. Keys typed for a sentence whose item is still being read wait for it
    # (they were dropped: the rest of the burst then landed one sentence or more early).
    engine, ids = two_votes(tmp_path)
    schema = active_schema(engine)
    chief = ensure_annotator(engine, "chief")
    start = CHUNK - 4
    for sentence_id in ids[:start]:  # decided before: with --all the queue opens at the first without
        save_gold(engine, schema, chief, sentence_id, ["retention"], by="chief")
    slow_database(monkeypatch, frozenset(ids[CHUNK:]), items_after_first=2.0)
    app = review_app(engine, tmp_path, include_gold=True)
    labels = [("first_party_collection", "f"), ("consent_choice", "c"), ("user_rights", "r")]
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_screen(pilot)
        assert screen.pos == start
        assert screen.session.chunk_start(CHUNK) in screen._loading_chunks  # the next chunk is being read
        keys = [key for n in range(start, N - 1) for key in (labels[n % 3][1], "enter")]
        await pilot.press(*keys)  # no pause between the keys
        await settle(pilot)
        assert screen.pos == N - 1 and not screen.held_keys
    expected = {n: ("retention",) for n in range(start)} | {n: (labels[n % 3][0],) for n in range(start, N - 1)}
    assert golds(engine, ids) == expected


async def test_keys_held_for_an_item_that_cannot_be_read_are_dropped_not_applied_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from tests.tui_helpers import status_text

    engine, ids = two_votes(tmp_path)
    schema = active_schema(engine)
    chief = ensure_annotator(engine, "chief")
    for sentence_id in ids[: CHUNK - 1]:
        save_gold(engine, schema, chief, sentence_id, ["retention"], by="chief")
    import annotator.tui.review_session as session

    items = session.review_items

    def broken(engine, schema, disputes):  # type: ignore[no-untyped-def]
        if disputes and disputes[0].sentence_id == ids[0]:
            return items(engine, schema, disputes)
        time.sleep(0.5)
        raise OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(session, "review_items", broken)
    app = review_app(engine, tmp_path, include_gold=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await on_screen(pilot)  # not settle(): it raises the worker's error
        assert screen.pos == CHUNK - 1
        await pilot.press("f", "enter", "c", "enter", "r")  # the item after the first Enter is not read
        for _ in range(200):
            if not screen._loading_chunks and not app.jobs:
                break
            await pilot.pause(0.02)
        for _ in range(5):
            await pilot.pause()
        assert screen.pos == CHUNK and not screen.held_keys
        assert "3 key(s) typed meanwhile were not applied" in status_text(app)
    assert golds(engine, ids) == {n: ("retention",) for n in range(CHUNK - 1)} | {
        CHUNK - 1: ("first_party_collection",)
    }
