"""Display layout: wrap by cells, then reorder each right-to-left line (annotator.tui.bidi)."""

from __future__ import annotations

import unicodedata
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from annotator.tui.bidi import clusters, display_lines, reorder_line, sentence_is_rtl, shape_line, wrap

LATIN = st.text(alphabet=st.sampled_from(list("abcdefghij XYZ 0123456789 .,;:!?-ąęółśżźćń")), max_size=120)
ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
MIXED = st.text(
    alphabet=st.sampled_from(
        list("abc XY 12 .,()[]- ") + list(ARABIC_LETTERS) + ["\u064e", "\u0651", "\u0301", "ę", "؟", "،"]
    ),
    max_size=120,
)
_MIRROR = str.maketrans("()[]", "(([[")


def _unshape(text: str) -> str:
    """Shaped Arabic (presentation forms, shown when reordering) back to plain letters."""
    return "".join(
        unicodedata.normalize("NFKC", c) if "\ufb50" <= c <= "\ufdff" or "\ufe70" <= c <= "\ufeff" else c for c in text
    )


@given(LATIN)
def test_reordering_twice_restores_ltr_only_text(text: str) -> None:
    once = reorder_line(text, rtl=False)
    assert once == text
    assert reorder_line(once, rtl=False) == text


@given(st.text(alphabet=st.sampled_from(list(ARABIC_LETTERS)), min_size=1, max_size=60))
def test_reordering_twice_restores_pure_arabic_words(word: str) -> None:
    assert reorder_line(word, rtl=True) == word[::-1]
    assert reorder_line(reorder_line(word, rtl=True), rtl=True) == word


@settings(max_examples=200)
@given(MIXED, st.integers(min_value=2, max_value=40))
def test_wrap_keeps_every_character_in_order(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert "".join(lines) == text
    for line in lines:
        assert cell_len(line.rstrip()) <= width or len(clusters(line.strip())) == 1


@settings(max_examples=200)
@given(MIXED, st.integers(min_value=2, max_value=40), st.booleans())
def test_wrap_then_reorder_keeps_every_character(text: str, width: int, rtl: bool) -> None:
    shown = display_lines(text, width, rtl, True)
    kept = Counter(_unshape("".join(shown)).replace(" ", "").translate(_MIRROR))
    assert kept == Counter(text.replace(" ", "").translate(_MIRROR))
    for line in shown:
        assert cell_len(line) <= width or len(clusters(line.strip())) == 1


@given(MIXED, st.integers(min_value=2, max_value=40))
def test_marks_stay_after_their_base(text: str, width: int) -> None:
    for line in display_lines(text, width, True, True):
        if line:
            assert unicodedata.category(line[0]) not in ("Mn", "Me") or unicodedata.category(text.lstrip()[0]) in (
                "Mn",
                "Me",
            )


def test_arabic_is_wrapped_before_it_is_reordered() -> None:
    # Logical order: the first words must be on the first (top) row, read from the right.
    text = "طلب فيسبوك من البنوك الكبرى في الولايات المتحدة بيانات مالية"
    rows = display_lines(text, 20, True, True)
    assert len(rows) > 1
    first_logical_word = "طلب"
    assert rows[0].endswith(shape_line(first_logical_word)[::-1])  # rightmost on the top row (shaped)
    assert "".join(wrap(text, 20)).startswith(first_logical_word)


def test_brackets_are_mirrored_and_numbers_keep_their_order() -> None:
    assert reorder_line("(بيت) 2018", True) == "2018 (تيب)"
    assert reorder_line("abc (بيت) d", False) == "abc (تيب) d"


def test_harakat_follow_their_letter_after_reordering() -> None:
    shown = reorder_line("بَيْت", True)
    assert shown == "تيْبَ"


def test_polish_combining_marks_keep_widths_and_stay_whole() -> None:
    decomposed = unicodedata.normalize("NFD", "zażółć gęślą jaźń")
    assert cell_len(decomposed) == len("zażółć gęślą jaźń")
    for width in range(3, 12):
        for line in wrap(decomposed, width):
            assert not line or unicodedata.category(line[0]) != "Mn"
    assert display_lines(decomposed, 80, False, True) == (decomposed,)


def test_reordering_off_leaves_logical_order() -> None:
    text = "قالت الشركة إن البيانات"
    assert display_lines(text, 80, True, False) == (text,)


def test_paragraph_direction() -> None:
    assert sentence_is_rtl("E-Bank", "ar")
    assert sentence_is_rtl("قالت Facebook", None)
    assert not sentence_is_rtl("Facebook قالت", None)
    assert not sentence_is_rtl("Bank", "pl")


def test_hard_split_of_a_long_word() -> None:
    assert wrap("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert wrap("", 5) == [""]
