"""SVG snapshots (pytest-textual-snapshot) of the screens. Update with --snapshot-update.

Deterministic: fixed terminal size, a frozen clock, our own one-sentence-per-line documents
(not the seeds, so a segmentation change does not churn these), no animation.
"""

from __future__ import annotations

from pathlib import Path

from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.repository import sentence_page
from annotator.core.schemas import active_schema
from tests.tui_helpers import build_db, doc_named, make_app, settle

SIZE = (120, 34)


def _app(tmp_path: Path, doc: str | None, bidi: bool = True, decided: int = 0):  # type: ignore[no-untyped-def]
    engine = build_db(tmp_path)
    if decided:
        schema = active_schema(engine)
        amal = ensure_annotator(engine, "amal")
        document = doc_named(engine, doc or "pl_news")
        rows = sentence_page(engine, document.id, 0, decided)
        save_decision(
            engine, schema, amal, rows[0].id, Change(labels=["data_sharing"], status="labelled", flagged=True)
        )
        for row in rows[1:]:
            save_decision(engine, schema, amal, row.id, Change(labels=["none"], status="labelled"))
    return make_app(engine, tmp_path, document=doc_named(engine, doc) if doc else None, bidi=bidi)


def test_snapshot_annotate_polish(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Polish document, two sentences decided, 'f' and 's' toggled on the third."""
    assert snap_compare(_app(tmp_path, "pl_news", decided=2), press=["f", "s"], terminal_size=SIZE, run_before=settle)


def test_snapshot_annotate_arabic_reordered(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Arabic document with bidi reordering on: right-aligned, read right to left."""
    assert snap_compare(_app(tmp_path, "ar_news", bidi=True), terminal_size=SIZE, run_before=settle)


def test_snapshot_annotate_arabic_logical_order(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Arabic document with reordering off (for terminals that do bidi themselves)."""
    assert snap_compare(_app(tmp_path, "ar_news", bidi=False), terminal_size=SIZE, run_before=settle)


def test_snapshot_help_screen(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(tmp_path, "pl_news"), press=["question_mark"], terminal_size=SIZE, run_before=settle)


def test_snapshot_document_picker(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(tmp_path, None, decided=3), terminal_size=SIZE, run_before=settle)


def test_snapshot_help_screen_document_list_keys(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The help one page down, opened from the picker: the document list's keys (a: agreement)."""
    assert snap_compare(
        _app(tmp_path, None), press=["question_mark", "pagedown"], terminal_size=SIZE, run_before=settle
    )


def _review_app(tmp_path: Path, **options: object):  # type: ignore[no-untyped-def]
    from annotator.core.db import open_database
    from annotator.tui.config import Settings
    from annotator.tui.review_app import ReviewApp
    from tests.gold_helpers import build_votes

    engine = open_database(str(tmp_path / "review.db"))
    ids = build_votes(engine, tmp_path)
    piotr = ensure_annotator(engine, "piotr")
    note = Change(labels=["ads_use", "data_sharing"], status="labelled", negated=True, note="[b]not[/b] a sale")
    save_decision(engine, active_schema(engine), piotr, ids[5], note)
    settings = Settings(path=tmp_path / "config" / "annotator" / "config.toml")
    return ReviewApp(engine, adjudicator="lead", settings=settings, **options)  # type: ignore[arg-type]


def test_snapshot_review_screen(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """adjudicate: the most split sentence first, the three annotators side by side (a note
    with markup shown literally), vote counts beside the labels, A's set taken."""
    assert snap_compare(_review_app(tmp_path), press=["A"], terminal_size=SIZE, run_before=settle)


def test_snapshot_review_screen_blind_with_a_suggestion(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """--blind: letters only; the 2-of-3 sentence with its majority pre-selected."""
    app = _review_app(tmp_path, blind=True, label="first_party_collection")
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_snapshot_review_screen_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The review screen on the smallest usual terminal: the votes, the labels with their
    counts and the status line (a gold saved: the session's count) all within 80x24."""
    from datetime import datetime

    app = _review_app(tmp_path, clock=lambda: datetime(2026, 11, 24, 10, 0, 0))

    async def save_a_gold_and_settle(pilot):  # type: ignore[no-untyped-def]
        # Enter saves through the save queue and then moves on: the snapshot must wait for
        # both (snap_compare's own press only pauses twice, too little on a loaded machine).
        await settle(pilot)
        await pilot.press("f1", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=save_a_gold_and_settle)
