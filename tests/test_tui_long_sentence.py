"""The annotate screen with a sentence far longer than the screen (issue 10, finding 3).

A database made before sentences were capped at import, or an annotated import (stored as
given), can hold a sentence of millions of characters. The screen lays out only what it
shows, says that the rest does not fit, and answers keys as usual.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

import annotator.tui.widgets.sentence_view as sentence_view
from annotator.core.db import open_database
from annotator.core.importing import SourceDocument, store_document
from annotator.core.text import visible
from annotator.tui.bidi import display_lines
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.widgets.sentence_view import bounded_rows
from tests.tui_helpers import doc_named, labels_of, make_app, settle, view_text

SIZE = (100, 30)
LONG = 1_000_000


def _project(tmp_path: Path) -> Engine:
    """Three sentences, the second one of a million characters (stored as given: no cap)."""
    engine = open_database(str(tmp_path / "project.db"))
    words = ("data shared with partners " * (LONG // 26 + 1))[:LONG]
    assert len(words.strip()) == LONG
    text = f"We collect your e-mail.\n{words}\nYou can opt out."
    first, second = len("We collect your e-mail."), len("We collect your e-mail.") + 1 + len(words)
    spans = [(0, first), (first + 1, second), (second + 1, len(text))]
    store_document(engine, SourceDocument(name="huge", text=text, source="test"), spans, "en")
    return engine


async def test_a_million_character_sentence_is_laid_out_only_as_far_as_it_is_shown(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine = _project(tmp_path)
    laid_out: list[int] = []

    def spy(text: str, width: int, rtl: bool, reorder: bool) -> tuple[str, ...]:
        laid_out.append(len(text))
        return display_lines(text, width, rtl, reorder)

    monkeypatch.setattr(sentence_view, "display_lines", spy)
    doc = doc_named(engine, "huge")
    app = make_app(engine, tmp_path, document=doc)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")  # onto the long sentence
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen) and screen.idx == 1
        shown = view_text(app)
        assert f"… {LONG:,} characters in all" in shown
        assert "data shared with partners" in shown
        await pilot.press("n")  # "none": saved, next
        await settle(pilot)
        assert labels_of(engine, doc, "amal") == [None, ("none",), None]
        assert screen.idx == 2
        await pilot.press("k", "k")  # the long sentence as context above, then below
        await settle(pilot)
    assert laid_out and max(laid_out) <= (SIZE[1] + 1) * SIZE[0] * 2


@settings(max_examples=80, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["a", "b", " ", "  ", "ش", "م", "\u064e", "\u0301", "x" * 15, "\x1b", "é", "中"]), max_size=200
    ).map("".join),
    width=st.integers(min_value=8, max_value=40),
    max_rows=st.integers(min_value=1, max_value=12),
    rtl=st.booleans(),
    reorder=st.booleans(),
)
def test_bounded_rows_are_the_first_rows_of_the_whole_layout(
    text: str, width: int, max_rows: int, rtl: bool, reorder: bool
) -> None:
    full = display_lines(visible(text), width, rtl, reorder) or ("",)
    rows, cut = bounded_rows(text, width, max_rows, rtl, reorder)
    if len(full) <= max_rows:
        assert (rows, cut) == (full, False)
    else:
        assert cut and len(rows) == max_rows
        assert rows[:-1] == full[: max_rows - 1]
        assert rows[-1] == f"… {len(text):,} characters in all"
