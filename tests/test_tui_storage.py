"""The annotate screen when the disk fills up: it says what to do, keeps the decision, saves it later.

Pilot presses real keys; the failure is a real SQLite one (a database not allowed to grow:
SQLITE_FULL, the code a full disk gives). A save that hangs (a stalled server) is tested in
tests/test_tui_save_queue.py.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, event, text

import annotator.tui.saving as tui_saving
from tests.tui_helpers import doc_named, engine, labels_of, make_app, settle, status_text

__all__ = ["engine"]  # the fixture, imported for pytest

SIZE = (110, 32)


async def test_a_full_disk_says_what_to_do_and_the_save_goes_through_once_there_is_room(
    engine: Engine, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    doc = doc_named(engine, "pl_news")

    def no_growth(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # The database may not grow by one page: SQLite answers SQLITE_FULL, as on a full disk.
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    app = make_app(engine, tmp_path, document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        event.listen(engine, "connect", no_growth)
        engine.dispose()  # the pool's connections are reopened with the limit
        monkeypatch.setattr(tui_saving, "RETRY_DELAYS", (60.0,))  # only ctrl+r retries during the test
        presses = 0
        try:
            for presses in range(1, 81):  # noqa: B007 - the count is read after the loop
                await pilot.press("n")
                await app.workers.wait_for_complete()
                await pilot.pause()
                if "NOT SAVED" in status_text(app):
                    break
            shown = status_text(app)
            assert "NOT SAVED" in shown and "the disk is full" in shown, shown
            assert "free space on the disk that holds the database" in shown
            assert "Retrying in" in shown
            assert app.jobs  # kept, not dropped
        finally:
            event.remove(engine, "connect", no_growth)
            engine.dispose()
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA max_page_count")).scalar() > 10_000
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert not app.jobs and not app.failed
        assert "Saved" in status_text(app)
    saved = labels_of(engine, doc, "amal")
    assert saved[: min(presses, len(saved))] == [("none",)] * min(presses, len(saved))
