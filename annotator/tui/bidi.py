"""Display layout of sentence text: wrap by terminal cells, then reorder right-to-left lines.

Terminals lay every row out left to right and Textual has no bidi support, so an Arabic
sentence printed in logical order reads backwards. We wrap the *logical* text first
(so the first clause lands on the first line), then reorder each wrapped line into
visual order with python-bidi, using the sentence's paragraph direction for every line.
The stored text is never changed: this module only produces strings for display.

Terminals that do not reorder mostly do not shape Arabic either: every letter would show
in its isolated form. So when we reorder, each wrapped line is first *shaped* in logical
order with arabic-reshaper (contextual initial/medial/final forms and the mandatory
lam-alef ligatures, as presentation-form characters), then reordered; shaping a line that
is already in visual order would join the wrong neighbours. Shaping never widens a line
(one presentation form per letter, a ligature for two letters, vowel marks kept and still
zero-width), so we wrap the unshaped text and the shaped line fits the same width.

Widths are terminal cells (``cells``, i.e. ``rich.cells.cell_len`` with ZWJs aside): combining
marks take no cell, so a Polish ``ę`` written as ``e`` + U+0328 is one cell and is never
split from its base.

Reordering needs each character's embedding level, to keep combining marks behind their
letter (rule L3: reversed, an Arabic vowel sign would precede its letter and a terminal
would draw it on the wrong one) and to mirror brackets (L4), neither of which python-bidi's
``get_display`` does. The levels come from ``annotator.tui.bidi_levels`` (python-bidi's
public pure-Python algorithm plus rule N0); ``get_display`` checks them and is the fallback,
its order shown with ``_fix_marks`` moving marks back behind their base.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from arabic_reshaper import ArabicReshaper
from bidi import get_display
from rich.cells import cell_len

from annotator.cell_safe import cell_safe, without_joiners
from annotator.core.text import is_rtl
from annotator.tui.bidi_levels import embedding_levels

# Languages written right to left (ISO 639-1 / -3 codes as the language detector reports).
RTL_LANGS = frozenset({"ar", "arz", "fa", "he", "iw", "ur", "yi", "ps", "sd", "ug", "ckb", "dv", "syr"})

# Characters whose presence means a line may need reordering at all (Hebrew, Arabic,
# Syriac, Thaana, NKo, Samaritan, presentation forms, RTL scripts of the SMP).
_RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff]")
_TOKENS = re.compile(r"\S+\s*|\s+")

# Combining marks of right-to-left scripts (Hebrew points, Arabic harakat, Syriac...).
_RTL_MARKS = re.compile("[\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0711\u0730-\u074a\u08d3-\u08ff]")


def cells(text: str) -> int:
    """Terminal cells of ``text``: ``rich.cells.cell_len``, but characters joined by a ZWJ
    count one by one. Rich measures a ZWJ sequence as one glyph, right for an emoji family
    (which then only wraps early) but not for Arabic letters joined by a ZWJ, which a
    terminal draws a cell each (and which shaping turns into plain presentation forms)."""
    return cell_len(text.replace("\u200d", "")) if "\u200d" in text else cell_len(text)


def has_rtl(text: str) -> bool:
    """True when the text holds at least one right-to-left character."""
    return _RTL_CHARS.search(text) is not None


def is_mark(char: str) -> bool:
    """A character drawn on the previous one (no cell of its own)."""
    return unicodedata.category(char) in ("Mn", "Me") or char in "\u200d\ufe0e\ufe0f"


def clusters(text: str) -> list[str]:
    """Split text into base characters each followed by its combining marks."""
    out: list[str] = []
    for char in text:
        if out and is_mark(char):
            out[-1] += char
        else:
            out.append(char)
    return out


def _hard_split(word: str, width: int) -> list[str]:
    """Split a word wider than ``width`` into chunks of at most ``width`` cells (by cluster)."""
    chunks: list[str] = []
    current, used = "", 0
    for cluster in clusters(word):
        size = cells(cluster)
        if current and used + size > width:
            chunks.append(current)
            current, used = "", 0
        current += cluster
        used += size
    if current or not chunks:
        chunks.append(current)
    return chunks


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap by terminal cells, in logical order.

    ``"".join(wrap(text, width)) == text`` always holds: spaces at a break stay at the
    end of the line before it (the display trims them). Words wider than a line are split
    between clusters, never between a letter and its marks.
    """
    width = max(1, width)
    lines: list[str] = []
    line, used = "", 0
    for token in _TOKENS.findall(text):
        word = token.rstrip()
        tail = token[len(word) :]
        size = cells(word)
        if word and line and used + size > width:
            lines.append(line)
            line, used = "", 0
        if size > width:
            if line:  # whitespace only: its own (blank) row
                lines.append(line)
            *full, last = _hard_split(word, width)
            lines.extend(full)
            line, used = last + tail, cells(last) + cells(tail)
            continue
        line += token
        used += cells(token)
    if line or not lines:
        lines.append(line)
    return lines


def _bidi_class(char: str | None) -> str:
    return unicodedata.bidirectional(char) if char else ""


def _fix_marks(visual: str) -> str:
    """Put combining marks that a reversed run moved in front of their base back after it."""
    if not any(is_mark(char) for char in visual):
        return visual
    chars = list(visual)
    out: list[str] = []
    i = 0
    while i < len(chars):
        if not is_mark(chars[i]):
            out.append(chars[i])
            i += 1
            continue
        j = i
        while j < len(chars) and is_mark(chars[j]):
            j += 1
        marks = chars[i:j]
        base = chars[j] if j < len(chars) else None
        before = out[-1] if out else None
        rtl_base = _bidi_class(base) in ("R", "AL")
        rtl_marks = all(_RTL_MARKS.match(mark) for mark in marks)
        if rtl_base and (before is None or _bidi_class(before) not in ("L", "EN") or rtl_marks):
            assert base is not None
            out.append(base)
            out.extend(reversed(marks))
            i = j + 1
        else:
            out.extend(marks)
            i = j
    return "".join(out)


# Bidi_Mirroring_Glyph pairs (rule L4): characters drawn mirrored at odd (RTL) levels.
_MIRROR_PAIRS = (
    "()[]{}<>«»‹›⁅⁆⁽⁾₍₎≤≥≪≫⟨⟩⟦⟧⟪⟫⦃⦄〈〉《》「」『』【】〔〕〖〗〘〙〚〛（）［］｛｝＜＞﹙﹚﹛﹜﹝﹞﹤﹥⌈⌉⌊⌋∈∋⊂⊃⊆⊇≺≻⊏⊐⊑⊒"
)
_MIRROR = {a: b for a, b in zip(_MIRROR_PAIRS[::2], _MIRROR_PAIRS[1::2], strict=True)}
_MIRROR.update({b: a for a, b in list(_MIRROR.items())})


def same_order(ours: str, library: str) -> bool:
    """The same visual order, invisible BN characters (ZWJ, ZWNJ, soft hyphen) aside: rule L1
    sends a trailing one to the paragraph level, python-bidi's get_display leaves it put."""
    if ours == library:
        return True
    return _without_bn(ours) == _without_bn(library)


def _without_bn(text: str) -> str:
    return "".join(char for char in text if unicodedata.bidirectional(char) != "BN")


def _visual_order(line: str, levels: list[int]) -> str:
    """Rule L2 alone, character by character: what ``get_display`` returns for the same levels."""
    chars, ranks = list(line), list(levels)
    highest = max(ranks, default=0)
    lowest_odd = min((level for level in ranks if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        index = 0
        while index < len(chars):
            if ranks[index] < level:
                index += 1
                continue
            end = index
            while end < len(chars) and ranks[end] >= level:
                end += 1
            chars[index:end] = chars[index:end][::-1]
            ranks[index:end] = ranks[index:end][::-1]
            index = end
    return "".join(chars)


def reorder_line(line: str, rtl: bool) -> str:
    """One wrapped line in visual (left-to-right screen) order; ``rtl`` is the paragraph direction.

    Levels come from ``bidi_levels.embedding_levels``; rules L2 (reverse runs from the
    highest level down), L3 (a cluster of a letter and its marks moves as one unit) and L4
    (mirrored glyphs at odd levels) are applied here. python-bidi's ``get_display`` is the
    check and the fallback: when the levels are missing or order the line differently, its
    order is shown (marks put back after their base, brackets not mirrored).
    """
    if not rtl and not has_rtl(line):
        return line
    library = str(get_display(line, base_dir="R" if rtl else "L"))
    levels = embedding_levels(line, rtl)
    if levels is None or not same_order(_visual_order(line, levels), library):
        return _fix_marks(library)  # python-bidi's own order, marks put back after their base
    units: list[tuple[str, int]] = []  # (cluster text, level)
    for char, level in zip(line, levels, strict=True):
        if units and is_mark(char):
            units[-1] = (units[-1][0] + char, units[-1][1])
        else:
            units.append((char, level))
    highest = max((level for _text, level in units), default=0)
    lowest_odd = min((level for _text, level in units if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        start = None
        for index in range(len(units) + 1):
            inside = index < len(units) and units[index][1] >= level
            if inside and start is None:
                start = index
            elif not inside and start is not None:
                units[start:index] = units[start:index][::-1]
                start = None
    out = []
    for text, level in units:
        if level % 2 and text[0] in _MIRROR:
            text = _MIRROR[text[0]] + text[1:]
        out.append(text)
    return "".join(out)


# Arabic-script letters arabic-reshaper may give contextual forms (Arabic, its supplement
# and extended-A blocks); text without any is never passed to it.
_SHAPEABLE = re.compile("[\u0620-\u06ff\u0750-\u077f\u08a0-\u08ff]")
# What is shaped: runs of Arabic-script characters (letters, harakat, tatweel, digits and
# punctuation), with the spaces, ZWJs and ZWNJs between or around them. Letters join only
# within such a run, so the rest of the line (Latin, emoji sequences...) is left alone.
_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"
_RUN = re.compile(f"\u200d?[{_ARABIC}]+(?:[ \u200c\u200d]+[{_ARABIC}]+)*\u200d?")
_SPACES = re.compile("( +)")

_SHAPING = {
    # Keep the harakat (vowel marks): the reshaper deletes them by default. Kept, each
    # follows its (shaped) letter in logical order, and reorder_line keeps it there (L3).
    "delete_harakat": False,
    # The one-glyph "Allah" (U+FDF2) stands for a four-letter word in a single cell;
    # terminal fonts draw it wider than the cell or not at all. Letters are shaped instead.
    "ARABIC LIGATURE ALLAH": False,
}
_RESHAPER = ArabicReshaper(configuration=_SHAPING)
# arabic-reshaper 3.1 drops a joining ZWJ from its output but not from the text it matches
# ligatures on, so after a ZWJ its ligatures land on the wrong letters (or raise IndexError):
# runs holding a ZWJ get contextual forms without ligatures.
_RESHAPER_NO_LIGATURES = ArabicReshaper(configuration={**_SHAPING, "support_ligatures": False})

# Presentation forms back to the letters they stand for (a lam-alef ligature: two letters),
# to check that a shaped line holds the letters and marks of the line, in the same order.
_UNSHAPE = {
    code: unicodedata.normalize("NFKC", chr(code))
    for code in [*range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00)]
    if unicodedata.normalize("NFKC", chr(code)) != chr(code)
}


def shape_line(line: str) -> str:
    """One line (logical order) with Arabic letters in their contextual presentation forms.

    Display only. Other scripts pass unchanged; harakat stay after their letter (after a
    lam-alef ligature, the marks of both letters); a ZWJ between Arabic letters is consumed
    (it only asks for the joining form). Each Arabic run is shaped on its own and kept only
    if it is no wider (``cells``) and, forms mapped back to letters, holds the same letters
    with the same marks; otherwise (a reshaper bug on odd input, e.g. a vowel mark after a
    ZWJ, or an exception) that run is shown unshaped rather than altered.
    """
    if not _SHAPEABLE.search(line):
        return line
    return _RUN.sub(_shape_run, line)


def _shape_run(match: re.Match[str]) -> str:
    run = match.group()
    if "\u200d" in run and " " in run:  # no ligatures where a ZWJ is: word by word, then
        return "".join(_shape_text(part) for part in _SPACES.split(run))
    return _shape_text(run)


def _shape_text(run: str) -> str:
    if not _SHAPEABLE.search(run):
        return run
    reshaper = _RESHAPER_NO_LIGATURES if "\u200d" in run else _RESHAPER
    try:
        shaped = str(reshaper.reshape(run))
    except Exception:  # a bug of the reshaper on odd input must not take the screen down
        return run
    if cells(shaped) > cells(run):
        return run
    if shaped.translate(_UNSHAPE) == run.replace("\u200d", "") or _same_text(shaped, run):
        return shaped  # (the first test is the quick one: no ligature carrying marks)
    return run


def _same_text(shaped: str, line: str) -> bool:
    """``shaped`` is ``line`` in other letter forms: same letters in the same order, each
    with its own marks (a ligature with the marks of its letters), ZWJs aside."""
    original = clusters(line.replace("\u200d", ""))
    at = 0
    for cluster in clusters(shaped.replace("\u200d", "")):
        letters = _UNSHAPE.get(ord(cluster[0]), cluster[0])
        group = original[at : at + len(letters)]
        if "".join(c[0] for c in group) != letters or "".join(c[1:] for c in group) != cluster[1:]:
            return False
        at += len(letters)
    return at == len(original)


def sentence_is_rtl(text: str, lang: str | None) -> bool:
    """Paragraph direction of a sentence: its language if known to be RTL, else its first strong character."""
    if lang and lang.split("-")[0].lower() in RTL_LANGS:
        return True
    return is_rtl(text)


@lru_cache(maxsize=8192)
def display_lines(text: str, width: int, rtl: bool, reorder: bool) -> tuple[str, ...]:
    """The rows to draw for one (already ``visible``) sentence in ``width`` cells.

    Wrapped in logical order, trailing spaces trimmed, then, when ``reorder`` is on and
    the sentence holds right-to-left text, each row shaped (still in logical order) and
    reordered for display. Shaping only narrows a row (lam-alef ligatures), so every row
    still fits ``width``. Alignment is the caller's job (right-align when ``rtl and
    reorder``, by the cells of the row as returned). With ``reorder`` off the terminal is
    trusted to shape and reorder, and the rows stay as stored.

    Emoji sequences whose width terminals disagree on are taken apart first, and zero-width
    joiners left out last (``annotator.cell_safe``): every row then has the same width in
    Rich's measure, which lays the screen out, as in the terminal, which draws it.
    """
    text = cell_safe(text)
    rows = [row.rstrip() for row in wrap(text, width)]
    if reorder and (rtl or has_rtl(text)):
        rows = [reorder_line(shape_line(row), rtl) for row in rows]
    return tuple(without_joiners(row) for row in rows)
