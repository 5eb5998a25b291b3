"""Arabic letter shaping for display (annotator.tui.bidi.shape_line), done only when we reorder.

Shaped rows hold presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFF); ``unshape`` maps them
back (NFKC, one character at a time) so tests can compare with the stored text.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from sqlalchemy import Engine

from annotator.cell_safe import cell_safe
from annotator.core.repository import sentence_page
from annotator.tui.bidi import cells, clusters, display_lines, is_mark, shape_line, wrap
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.widgets.sentence_view import SentenceView
from tests.tui_helpers import ARABIC, POLISH, build_db, doc_named, labels_of, make_app, settle, view_text

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SIZE = (100, 30)
ZWJ = "\u200d"
# Words read by the seed sentence below: "للعملاء" holds a lam-alef.
SEED_SENTENCE = "فيسبوك تفاوض بنوكا كبرى للحصول على البيانات المصرفية للعملاء"
LA = "\ufefb"  # ARABIC LIGATURE LAM WITH ALEF ISOLATED FORM
LA_FINAL = "\ufefc"


def is_presentation_form(char: str) -> bool:
    return "\ufb50" <= char <= "\ufdff" or "\ufe70" <= char <= "\ufeff"


def unshape(text: str) -> str:
    """Presentation forms back to the letters they stand for (lam-alef: two letters)."""
    return "".join(unicodedata.normalize("NFKC", char) if is_presentation_form(char) else char for char in text)


def is_arabic_letter(char: str) -> bool:
    return "\u0620" <= char <= "\u064a"


def test_the_seed_sentence_is_taken_from_the_seeds() -> None:
    first = (SEEDS / "000_427e261dc324c1f6.txt").read_text(encoding="utf-8").splitlines()[0]
    assert first == SEED_SENTENCE


def test_seed_sentence_is_shown_in_presentation_forms() -> None:
    rows = display_lines(SEED_SENTENCE, 80, True, True)
    shown = "".join(rows)
    assert any(is_presentation_form(char) for char in shown)
    assert not any(is_arabic_letter(char) for char in shown)  # every letter got its contextual form
    assert LA_FINAL in shown  # للعملاء: lam-alef joined to the letter before it
    # Shaped in logical order, then reordered: reversing the row gives the shaped logical line.
    assert rows == (shape_line(SEED_SENTENCE)[::-1],)
    assert unshape(shape_line(SEED_SENTENCE)) == SEED_SENTENCE
    # The words join: an initial form starts the first word (فيسبوك -> FE93 ... FED3 initial feh).
    assert shape_line("فيسبوك")[0] == "\ufed3" and shape_line("فيسبوك")[-1] == "\ufed9"


def test_lam_alef_becomes_one_ligature() -> None:
    assert shape_line("لا") == LA
    assert shape_line("قالت لا") == "\ufed7\ufe8e\ufedf\ufe96 " + LA
    assert shape_line("لأن") == "\ufef7\ufee5"  # lam + alef with hamza above
    assert shape_line("للعملاء").count(LA_FINAL) == 1
    assert cell_len(shape_line("لا لا لا")) == cell_len("لا لا لا") - 3


def test_harakat_are_kept_after_their_base() -> None:
    assert shape_line("بَيْت") == "\ufe91\u064e\ufef4\u0652\ufe96"
    assert shape_line("لَا") == LA + "\u064e"  # the fatha of the lam follows the ligature
    assert shape_line("مُحَمَّد") == "\ufee3\u064f\ufea4\u064e\ufee4\u064e\u0651\ufeaa"
    # ...and still after it once the row is reordered (L3)
    assert display_lines("بَيْت", 80, True, True) == ("\ufe96\ufef4\u0652\ufe91\u064e",)


def test_allah_is_shaped_letter_by_letter_not_one_wide_glyph() -> None:
    assert "\ufdf2" not in shape_line("عبدالله الله")
    assert unshape(shape_line("الله")) == "الله"


def test_latin_and_polish_are_unchanged() -> None:
    for line in POLISH:
        assert shape_line(line) == line
        assert display_lines(line, 30, False, True) == tuple(row.rstrip() for row in wrap(line, 30))
    decomposed = unicodedata.normalize("NFD", "Zażółć gęślą jaźń")
    assert shape_line(decomposed) == decomposed
    mixed = shape_line("Facebook قال: dane 2018 zażółć")
    assert mixed.startswith("Facebook ") and mixed.endswith(": dane 2018 zażółć")


def test_no_shaping_when_reordering_is_off() -> None:
    for line in [SEED_SENTENCE, *ARABIC, "لا بَيْت"]:
        rows = display_lines(line, 40, True, False)
        assert "".join(rows).replace(" ", "") == line.replace(" ", "")
        assert not any(is_presentation_form(char) for row in rows for char in row)


def test_a_zwj_before_lam_alef_does_not_break_or_misplace_letters() -> None:
    # arabic-reshaper 3.1 raises IndexError on these, or puts the ligature on the wrong letters
    for line in ["ب" + ZWJ + "لا", ZWJ + "لا", "abc" + ZWJ + "لا", "ب" + ZWJ + "لاب"]:
        shaped = shape_line(line)
        assert unshape(shaped).replace(ZWJ, "") == line.replace(ZWJ, "")
    assert shape_line("ب" + ZWJ + "لاب") == "\ufe91\ufee0\ufe8e\ufe8f"  # joined, no ligature after a ZWJ
    assert shape_line("ب" + ZWJ) == "\ufe91"  # the ZWJ asks for the joining (initial) form
    assert shape_line("ب" + ZWJ + " لا") == "\ufe91 " + LA  # only the word with the ZWJ goes without
    assert shape_line("ب" + ZWJ + "\u064e") == "ب" + ZWJ + "\u064e"  # the reshaper would drop the mark: unshaped
    # emoji sequences keep their ZWJs; the Arabic around them is shaped
    family = "\U0001f468" + ZWJ + "\U0001f469" + ZWJ + "\U0001f467"
    assert shape_line(f"لا {family} لا") == f"{LA} {family} {LA}"


LETTERS = [*"ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئةى", "لا", "لأ", "لإ", "لآ", "الله", *"پچژگکی", "ـ"]
MARKS = ["\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u064b", "\u0670", ZWJ, "\u200c"]
OTHERS = [*"abc XY 12 ٣٤ .,()[]-؟،«» ", "ę", "\u0301", "ó", "字"]
ARABIC_TEXT = st.lists(st.sampled_from([*LETTERS, *MARKS, *OTHERS]), max_size=80).map("".join)


@settings(max_examples=300, deadline=None)
@given(ARABIC_TEXT, st.integers(min_value=1, max_value=40), st.booleans())
@example("ا \u200d", 1, True)  # found by hypothesis: a row holding only a dropped joiner
def test_shaped_rows_fit_the_wrap_width_and_keep_the_text(text: str, width: int, rtl: bool) -> None:
    shown = display_lines(text, width, rtl, True)
    # display_lines wraps the text as cell_safe leaves it (a joiner touching no Arabic letter
    # is dropped first, so a row holding only such a joiner is no row at all).
    logical = [row.rstrip() for row in wrap(cell_safe(text), width)]
    assert len(shown) == len(logical)
    for row, unshaped in zip(shown, logical, strict=True):
        assert cells(shape_line(unshaped)) <= cells(unshaped)  # shaping only narrows (lam-alef)
        assert cells(row) <= cells(unshaped)
        if len(clusters(unshaped.strip())) > 1:  # else a lone wide glyph on width 1 may overflow
            assert cells(row) <= width and cell_len(row) <= width
    mirror = str.maketrans("()[]«»", "(([[««")
    kept = Counter(unshape("".join(shown)).replace(" ", "").replace(ZWJ, "").translate(mirror))
    assert kept == Counter(text.replace(" ", "").replace(ZWJ, "").translate(mirror))


@settings(max_examples=200, deadline=None)
@given(ARABIC_TEXT)
def test_shape_line_never_widens_and_only_changes_arabic(text: str) -> None:
    shaped = shape_line(text)
    assert cells(shaped) <= cells(text)
    # The same letters in the same order and the same marks (the marks of a lam-alef's two
    # letters both follow the ligature, so only their order across the pair may change).
    back, plain = unshape(shaped).replace(ZWJ, ""), text.replace(ZWJ, "")
    assert [c for c in back if not is_mark(c)] == [c for c in plain if not is_mark(c)]
    assert Counter(c for c in back if is_mark(c)) == Counter(c for c in plain if is_mark(c))
    if "\u0644" not in text:  # no lam, no ligature: every mark stays exactly where it was
        assert back == plain


# -- in the app -------------------------------------------------------------------------------------

LAM_ALEF_DOC = [
    "لا لا لا قال الرجل إنه لا يريد أن تشارك الشركة بياناته ولا أن تبيعها لأي جهة أخرى لا الآن ولا لاحقا.",
    *ARABIC,
]


async def test_view_is_shaped_right_aligned_and_the_stored_text_untouched(tmp_path: Path) -> None:
    engine: Engine = build_db(tmp_path, {"ar_la": LAM_ALEF_DOC})
    doc = doc_named(engine, "ar_la")
    app = make_app(engine, tmp_path, document=doc, bidi=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        view = screen.query_one(SentenceView)
        first, last = view.current_rows
        assert last - first >= 2  # wrapped
        rows = [view.render_line(y).text for y in range(first, last)]
        assert rows[0].rstrip().endswith(" ".join([LA] * 3))  # the first words, at the right
        for row in rows:  # every row ends at the right edge of the text column (one cell margin)
            assert cell_len(row.rstrip()) == view.size.width - 1, row
            assert cell_len(row) == view.size.width
        # annotate: the decision is saved on the stored (logical, unshaped) text
        await pilot.press("n")
        await settle(pilot)
        assert labels_of(engine, doc, "amal")[0] == ("none",)
        # search with the letters as typed finds the sentence whatever the display shows
        await pilot.press("slash", *"لاحقا", "enter")
        await settle(pilot)
        assert screen.idx == 0
        # reordering off: no shaping, the stored text as is
        await pilot.press("v")
        await settle(pilot)
        assert "لا لا لا قال الرجل" in view_text(app)
        assert not any(is_presentation_form(char) for char in view_text(app))
        await pilot.press("v")
        await settle(pilot)
        assert any(is_presentation_form(char) for char in view_text(app))
    assert [row.text for row in sentence_page(engine, doc.id, 0, 100)] == LAM_ALEF_DOC
