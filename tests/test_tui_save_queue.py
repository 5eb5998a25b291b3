"""The save queue object: a save that hangs is said to be waiting; order holds behind it."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine

import annotator.tui.saving as tui_saving
from tests.tui_helpers import doc_named, engine, labels_of, make_app, settle, status_text, view_text

__all__ = ["engine"]  # the fixture, imported for pytest


async def test_a_save_older_than_a_second_is_said_to_be_waiting(engine: Engine, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    doc = doc_named(engine, "pl_news")
    real = tui_saving.save_decision
    release = threading.Event()

    def stalled(*args, **kwargs):  # type: ignore[no-untyped-def]
        release.wait(30)  # a server that does not answer until it is released
        return real(*args, **kwargs)

    monkeypatch.setattr(tui_saving, "save_decision", stalled)
    app = make_app(engine, tmp_path, document=doc)
    try:
        async with app.run_test(size=(110, 32)) as pilot:
            await settle(pilot)
            await pilot.press("n", "x")
            await pilot.pause(0.4)
            assert "Waiting" not in status_text(app)  # not yet worth a word
            await pilot.pause(0.9)
            shown = status_text(app)
            assert "Waiting for the database: #1 not saved yet" in shown and "1 more waiting behind it" in shown
            assert "…" in view_text(app)  # pending, not saved
            assert labels_of(engine, doc, "amal")[:2] == [None, None]
            release.set()
            await settle(pilot)
            assert labels_of(engine, doc, "amal")[:2] == [("none",), "skipped"]
            assert "Saved #2" in status_text(app) and "Waiting" not in status_text(app)
    finally:
        release.set()
