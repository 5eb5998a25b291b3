"""Hostile text: markup, escape sequences, NUL and bidi overrides are shown literally and visibly."""

from __future__ import annotations

import json
from pathlib import Path

from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.importing import import_paths
from annotator.core.repository import list_documents, sentence_page
from annotator.core.schemas import active_schema
from annotator.tui.widgets.panels import DocHeader, LabelPanel
from annotator.tui.widgets.sentence_view import SentenceView
from tests.tui_helpers import make_app, settle, view_text

HOSTILE = [
    "[bold]x[/bold] in bold?",
    "[@click=app.quit]click me[/] to quit.",
    "[link=http://x]y[/link] is a link.",
    "Title \x1b]0;pwned\x07 was set.",
    "Screen \x1b[2J cleared.",
    "A NUL \x00 byte.",
    "An \u202eoverride\u202c of direction.",
    "Red \x1b[31mtext and a bell \x07.",
]
NAME = "[@click=app.quit]evil \x1b]0;title\x07 doc"
RAW = ("\x1b", "\x00", "\x07", "\u202e", "\u202c")


def _hostile_db(tmp_path: Path):  # type: ignore[no-untyped-def]
    source = tmp_path / "hostile.jsonl"
    source.write_text(json.dumps({"name": NAME, "text": "\n".join(HOSTILE), "lang": "en"}) + "\n", encoding="utf-8")
    engine = open_database(str(tmp_path / "hostile.db"))
    summary = import_paths(engine, [source])
    assert summary.imported, summary
    return engine


async def test_hostile_text_is_shown_literally_and_the_app_keeps_running(tmp_path: Path) -> None:
    engine = _hostile_db(tmp_path)
    document = list_documents(engine)[0]
    rows = sentence_page(engine, document.id, 0, 100)
    assert len(rows) >= 6 and any("\x1b" in row.text for row in rows) and any("\x00" in row.text for row in rows)
    # a hostile note too
    amal = ensure_annotator(engine, "amal")
    save_decision(engine, active_schema(engine), amal, rows[0].id, Change(note="[@click=app.quit]note \x1b[2J"))
    app = make_app(engine, tmp_path, document=document)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        shown = view_text(app)
        for literal in ("[bold]x[/bold]", "[@click=app.quit]click me[/]", "[link=http://x]y[/link]"):
            assert literal in shown
        assert "␛]0;pwned␇" in shown and "␛[2J" in shown and "␀" in shown and "<RLO>override<PDF>" in shown
        for raw in RAW:
            assert raw not in shown
        # no segment carries a live action or link
        view = app.screen.query_one(SentenceView)
        for y in range(view.size.height):
            for segment in view.render_line(y):
                style = segment.style
                assert style is None or (not style.meta and style.link is None)
        header = str(app.screen.query_one(DocHeader).content)
        assert "[@click=app.quit]evil ␛]0;title␇ doc" in header
        panel = str(app.screen.query_one(LabelPanel).content)
        assert "[@click=app.quit]note ␛[2J" in panel
        # walk every sentence, decide a few, open the help: the app keeps running
        for _ in range(len(rows)):
            await pilot.press("j")
        await pilot.press("g", "n", "x", "exclamation_mark", "question_mark", "escape")
        await settle(pilot)
        assert app.is_running
        svg = app.export_screenshot()
        for raw in RAW:
            assert raw not in svg
    assert app.return_value is None  # nothing made it quit


async def test_hostile_document_name_in_the_picker(tmp_path: Path) -> None:
    from textual.widgets import OptionList

    engine = _hostile_db(tmp_path)
    app = make_app(engine, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        options = app.screen.query_one(OptionList)
        prompt = str(options.get_option_at_index(0).prompt)
        assert "[@click=app.quit]evil ␛]0;title␇ doc" in prompt
        assert not any(raw in prompt for raw in RAW)
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running
