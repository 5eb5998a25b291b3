"""Rows with emoji are as wide on screen as Rich, which lays them out, measures them
(finding 13: skin tones and ZWJ sequences pushed the panel border out in tmux 3.3).

Oracles, independent of Rich: ``wcwidth.wcswidth`` (grapheme clusters, as kitty, WezTerm or
iTerm2 draw them) and the sum of ``wcwidth.wcwidth`` per code point (as tmux 3.3, xterm and
VTE advance the cursor). A row is right when all three agree; the raw emoji sequences do
not, and the rows we draw always do.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from wcwidth import wcswidth, wcwidth

from annotator.cell_safe import cell_safe, without_joiners
from annotator.safe_text import safe
from annotator.tui.bidi import display_lines
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.widgets.sentence_view import SentenceView
from tests.tui_helpers import build_db, doc_named, make_app, settle

ZWJ, VS16, VS15 = "\u200d", "\ufe0f", "\ufe0e"
TONES = [chr(code) for code in range(0x1F3FB, 0x1F400)]
FLAGS = [chr(code) for code in range(0x1F1E6, 0x1F200)]
# Emoji of Unicode 12 or older (Rich's and wcwidth's tables agree on them), text-default
# pictographs, keycaps and tags, letters and marks of our three languages.
PICTOGRAPHS = [*"👍👨👩👧🧑🏳🌈❤💻✋🤝👁🗨♀⚕☺⌚😀🚀🏴", "1", "#", "\u20e3", "\U000e0067", "\U000e007f"]
TEXT = [*"ab ę ó XY 12 ,.()", *"بيتلا", "\u064e", "\u0301", "\u200c"]
EMOJI_TEXT = st.lists(
    st.one_of(st.sampled_from([ZWJ, VS16, VS15, *TONES, *FLAGS, *PICTOGRAPHS]), st.sampled_from(TEXT)), max_size=60
).map("".join)
SAMPLES = ["👍🏽", "👨\u200d👩\u200d👧", "❤️", "👩🏽\u200d💻", "🏳️\u200d🌈", "🧑🏻\u200d🤝\u200d🧑🏿", "🇵🇱", "🇵", "1️⃣"]


def per_code_point(text: str) -> int:
    return sum(max(0, wcwidth(char)) for char in text)


def widths(text: str) -> tuple[int, int, int]:
    return cell_len(text), wcswidth(text), per_code_point(text)


def test_the_oracles_tell_the_raw_sequences_apart() -> None:
    """The measures disagree on every sample as typed (so the checks below can fail)."""
    for sample in SAMPLES:
        assert len(set(widths(sample))) > 1, sample


def test_each_sample_is_shown_in_parts_all_agree_on() -> None:
    shown = {sample: without_joiners(cell_safe(sample)) for sample in SAMPLES}
    assert shown["👍🏽"] == "👍" and shown["👨\u200d👩\u200d👧"] == "👨👩👧" and shown["❤️"] == "❤"
    assert shown["🇵🇱"] == "PL" and shown["1️⃣"] == "1\u20e3"
    for text in shown.values():
        assert len(set(widths(text))) == 1, text


@settings(max_examples=400, deadline=None)
@given(EMOJI_TEXT, st.integers(min_value=2, max_value=40), st.booleans(), st.booleans())
def test_every_row_drawn_has_one_width_in_every_measure(text: str, width: int, rtl: bool, reorder: bool) -> None:
    for row in display_lines(text, width, rtl, reorder):
        rich, graphemes, code_points = widths(row)
        assert rich == graphemes == code_points, (row, rich, graphemes, code_points)
        assert rich <= width or len(row.strip()) <= 2  # a lone wide glyph on a too narrow row


@given(EMOJI_TEXT)
def test_names_and_notes_shown_through_safe_agree_too(text: str) -> None:
    shown = safe(text).plain
    assert len(set(widths(shown))) == 1, shown


def test_the_stored_text_is_not_what_is_changed() -> None:
    family = "👨\u200d👩\u200d👧 i 👍🏽"
    assert display_lines(family, 80, False, True) == ("👨👩👧 i 👍",)
    assert cell_safe("بـ\u200d") == "بـ\u200d"  # a joiner next to Arabic asks for a letter form: kept for shaping
    assert without_joiners(display_lines("ب\u200d", 80, True, False)[0]) == "ب"


EMOJI_DOC = [
    "Kciuk 👍🏽 w górę i rodzina 👨\u200d👩\u200d👧 oraz serce ❤️ i flaga 🇵🇱 koniec zdania o danych.",
    "Programistka 👩🏽\u200d💻 oraz tęcza 🏳️\u200d🌈 i ręka ✋🏿 oraz 1️⃣ dwa, a potem para 🧑🏻\u200d🤝\u200d🧑🏿.",
    "قالت الشركة 👍🏽 إن البيانات 👨\u200d👩\u200d👧 لن تستخدم لأغراض إعلانية ❤️.",
]


async def test_sentence_view_rows_fill_the_view_exactly(tmp_path: Path) -> None:
    engine = build_db(tmp_path, {"emoji": EMOJI_DOC})
    app = make_app(engine, tmp_path, document=doc_named(engine, "emoji"), bidi=True)
    async with app.run_test(size=(90, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, AnnotateScreen)
        view = app.screen.query_one(SentenceView)
        for key in ("j", "j", "k", "v", "j", "v"):  # move and toggle reordering: every layout
            await pilot.press(key)
            await settle(pilot)
            for y in range(view.size.height):
                strip = view.render_line(y)
                assert strip.cell_length == view.size.width
                assert widths(strip.text) == (view.size.width,) * 3, strip.text
