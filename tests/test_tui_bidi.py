"""Display layout: wrap by cells, then reorder each right-to-left line (annotator.tui.bidi)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from bidi import get_display
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from annotator.tui import bidi, bidi_levels
from annotator.tui.bidi import clusters, display_lines, reorder_line, sentence_is_rtl, shape_line, wrap
from annotator.tui.bidi_levels import embedding_levels

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
def test_ltr_only_text_resolves_to_level_zero(text: str) -> None:
    # reorder_line returns such a line untouched without computing levels: the full
    # algorithm must agree that every character of it stays at the paragraph level.
    assert embedding_levels(text, rtl=False) == [0] * len(text)
    assert reorder_line(text, rtl=False) == text


@given(LATIN)
def test_ltr_words_keep_their_order_inside_an_rtl_paragraph(text: str) -> None:
    shown = reorder_line(text, rtl=True)
    assert shown == get_display(text, base_dir="R")  # no brackets or marks here: the library's order
    for word in re.findall(r"[A-Za-z0-9ąęółśżźćń]+", text):
        assert word in shown  # a left-to-right run is never reversed


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


# -- levels from python-bidi's public pure-Python algorithm, checked against its get_display --

BRACKETED = st.text(
    alphabet=st.sampled_from(
        list("ab XY 12 3.5 ()[]{}«»<>-/:%,") + list(ARABIC_LETTERS[:8]) + ["\u064e", "\u200d", "٣", "؟", "👍", "\u0301"]
    ),
    max_size=80,
)


def _library_order(line: str, rtl: bool) -> str:
    return str(get_display(line, base_dir="R" if rtl else "L"))


@settings(max_examples=400)
@given(BRACKETED, st.booleans())
def test_levels_order_every_line_as_python_bidi_does(line: str, rtl: bool) -> None:
    """Our levels (V5 pipeline + rule N0) give the same order as python-bidi's Rust
    get_display, so reorder_line never needs its fallback on such text."""
    levels = embedding_levels(line, rtl)
    assert levels is not None and len(levels) == len(line)
    assert bidi.same_order(bidi._visual_order(line, levels), _library_order(line, rtl))


def test_paired_brackets_take_the_direction_of_their_content() -> None:
    # N0 (Unicode 6.3), which python-bidi's pure-Python algorithm predates: without it the
    # closing bracket stays right-to-left and both brackets would point the same way.
    line = "قال Facebook (Meta) اليوم"
    levels = embedding_levels(line, True)
    assert levels is not None
    assert levels[line.index("(")] == levels[line.index(")")] == 2  # with "Meta", left to right
    assert reorder_line(line, True) == "مويلا Facebook (Meta) لاق"
    line = "«سيتي» (سيتي غروب)"  # seed 000, in a left-to-right paragraph
    levels = embedding_levels(line, False)
    assert levels is not None and levels[line.index("(")] == levels[line.index(")")] == 1
    assert reorder_line(line, False) == "«(بورغ يتيس) «يتيس"  # the bracket pair reads ( ), mirrored


SEED_ROWS = Path(__file__).parent / "data" / "seed_display_rows.json"


def test_seed_sentences_are_shown_as_before() -> None:
    """Every right-to-left seed sentence at three widths, row by row, as the screen showed it
    before the levels came from the pure-Python algorithm (python-bidi's Rust debug dump,
    issue 10): the same rows, and no row needed the fallback."""
    from annotator.core.db import open_database
    from annotator.core.importing import import_paths
    from annotator.core.repository import list_documents, sentence_page
    from annotator.core.text import visible
    from tests.conftest import SEEDS

    expected = json.loads(SEED_ROWS.read_text(encoding="utf-8"))
    engine = open_database("sqlite://")
    import_paths(engine, sorted(SEEDS.glob("*.txt")))
    shown: dict[str, dict[str, list[str]]] = {}
    for document in list_documents(engine):
        for row in sentence_page(engine, document.id, 0, 10_000):
            text, rtl = visible(row.text), sentence_is_rtl(row.text, row.lang)
            if not (rtl or bidi.has_rtl(text)):
                continue
            shown[f"{document.name}:{row.idx}"] = {
                w: list(display_lines(text, int(w), rtl, True)) for w in ("24", "48", "96")
            }
            for width in (24, 48, 96):
                for line in wrap(text, width):
                    shaped = shape_line(line.rstrip())
                    levels = embedding_levels(shaped, rtl)
                    assert levels is not None
                    assert bidi.same_order(bidi._visual_order(shaped, levels), _library_order(shaped, rtl))
    engine.dispose()
    assert len(shown) == 74 and shown == expected


@pytest.fixture
def no_levels(monkeypatch: pytest.MonkeyPatch) -> None:
    display_lines.cache_clear()
    monkeypatch.setattr(bidi, "embedding_levels", lambda line, rtl: None)
    yield
    display_lines.cache_clear()


@pytest.mark.usefixtures("no_levels")
def test_fallback_without_levels_uses_python_bidis_order_with_marks_after_their_letter() -> None:
    assert reorder_line("بَيْت", True) == "تيْبَ"  # L3 by _fix_marks: each haraka after its letter
    word = "فيسبوك"
    assert reorder_line(word, True) == word[::-1]
    assert reorder_line("abc بيت d", False) == _library_order("abc بيت d", False)
    rows = display_lines("طلب فيسبوك من البنوك الكبرى في الولايات المتحدة", 20, True, True)
    assert rows[0].endswith(shape_line("طلب")[::-1])  # still wrapped first, the first word top right


def test_levels_that_disagree_with_the_library_are_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bidi, "embedding_levels", lambda line, rtl: [0] * len(line))  # "no reordering"
    assert reorder_line("بيت", True) == "تيب"  # the library's order wins


@pytest.mark.parametrize("broken", ["resolve_weak_types", "get_empty_storage"])
def test_a_changed_algorithm_module_gives_no_levels(monkeypatch: pytest.MonkeyPatch, broken: str) -> None:
    def changed(*args: object, **kwargs: object) -> None:
        raise KeyError("chars")

    monkeypatch.setattr(bidi_levels._algorithm, broken, changed)
    assert embedding_levels("بيت", True) is None
    assert reorder_line("(بيت)", True) == _fix_marks_of_library("(بيت)")


def test_without_the_algorithm_module_there_are_no_levels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bidi_levels, "_algorithm", None)
    assert embedding_levels("بيت", True) is None
    assert reorder_line("بَيْت", True) == "تيْبَ"


def _fix_marks_of_library(line: str) -> str:
    return bidi._fix_marks(_library_order(line, True))
