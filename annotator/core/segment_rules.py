"""The segmentation rules measured on the seeds: character classes, abbreviations, the cut veto.

Shared by the two passes of :mod:`annotator.core.segment`: the fast candidate pass, which
decides the plain boundaries itself, and the syntok pass (:mod:`annotator.core.segment_syntok`)
for the stretches the fast pass calls ambiguous. Keeping one copy of every table is what makes
the two passes agree.
"""

from __future__ import annotations

import re

# The separators str.splitlines() recognises. "\r\n" counts as one break.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
LINE_BREAK_RE = re.compile(r"\r\n|[" + re.escape(LINE_BREAKS) + "]")

# One character for one character, so offsets in the mapped text equal offsets in the original.
# syntok reads the mapped text.
CHAR_MAP = str.maketrans(
    {
        "\u061f": "?",  # ؟ Arabic question mark
        "\u06d4": ".",  # ۔ Arabic full stop (Urdu)
        "\u2026": ".",  # … ellipsis (syntok only knows "...")
        "\u060c": ",",  # ، Arabic comma: never a boundary
        "\u061b": ",",  # ؛ Arabic semicolon: never a boundary
        ";": ",",  # syntok treats ";" as a terminal; we never split at semicolons
        "\u00ab": '"',  # «
        "\u00bb": '"',  # »
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u2018": "'",  # ‘
        "\u2039": "'",  # ‹
        "\u203a": "'",  # ›
    }
)

# In mapped text: the characters that end a sentence, and the closers that may follow them.
TERMINALS = ".!?\u203c\u203d\u2047\u2048\u2049\u3002\ufe52\ufe57\uff01\uff0e\uff1f\uff61"
CLOSERS = "\"')]}\u2019\u00b4\uff09\uff3d\uff5d"
# The same in the original text: every character that CHAR_MAP turns into one of them.
TERMINALS_ORIGINAL = TERMINALS + "\u061f\u06d4\u2026"
CLOSERS_ORIGINAL = CLOSERS + "\u00ab\u00bb\u201c\u201d\u2018\u2039\u203a"

# A piece may end a sentence only if it ends in a terminal, optionally followed by closers.
_ENDS_LIKE_SENTENCE = re.compile("[" + re.escape(TERMINALS) + "][" + re.escape(CLOSERS) + "]*$")

# Abbreviations (compared case-sensitively, with their final dot) after which a sentence
# never ends, whatever follows.
# fmt: off
NON_FINAL_ABBREVIATIONS = frozenset(
    [
        "m.in.", "np.", "Np.", "tj.", "Tj.", "tzw.", "Tzw.", "tzn.", "Tzn.", "ul.", "Ul.", "godz.", "prof.",
        "Prof.", "dr.", "Dr.", "mgr.", "Mgr.", "inż.", "Inż.", "hab.", "ks.", "Ks.", "św.", "Św.", "płk.",
        "gen.", "Gen.", "zob.", "Zob.", "wg.", "Wg.", "ww.", "jw.", "tys.", "mln.", "mld.", "e.g.", "E.g.",
        "i.e.", "I.e.", "approx.", "Approx.", "Mr.", "Mrs.", "Ms.", "Mx.", "vs.", "cf.", "Cf.", "viz."
    ]
)
# fmt: on
# Extra ones that are only unambiguous in Polish text (English "art.", "red.", "ok." can end
# a sentence), used when lang is "pl".
# fmt: off
NON_FINAL_ABBREVIATIONS_PL = frozenset(
    [
        "ok.", "Ok.", "al.", "Al.", "os.", "pl.", "im.", "art.", "Art.", "ust.", "pkt.", "por.", "Por.", "dot.",
        "red.", "woj.", "pow.", "gm.", "tel.", "ds.", "lit.", "ang.", "niem.", "ur.", "zm.", "poz.", "str.",
        "nr.", "Nr."
    ]
)
# fmt: on
# Never final when the next piece starts with a digit ("ok. 12 osób", "No. 5").
# fmt: off
NON_FINAL_BEFORE_DIGIT = frozenset(
    [
        "ok.", "Ok.", "ca.", "Ca.", "nr.", "Nr.", "No.", "no.", "Nos.", "nos.", "art.", "Art.", "ust.", "pkt.",
        "poz.", "str.", "s.", "p.", "pp.", "tel.", "Tel.", "vol.", "Vol.", "ch.", "Ch.", "sec.", "Sec.", "fig.",
        "Fig.", "par.", "ok"
    ]
)
# fmt: on
WORD_OPENERS = "([{\"'\u00ab\u201c\u201e\u2018\u2039\u00bb\u201d\u2019"

# A piece that is only a list enumerator: "10.", "(a)", "iv.", "B)".
ENUMERATOR = re.compile(r"^\(?(?:\d{1,3}|[A-Za-z]|[ivxlcdmIVXLCDM]{1,6})[.)]$")


def norm_lang(lang: object) -> str | None:
    """The primary subtag of a language hint ("pl-PL" -> "pl"); None for anything unusable."""
    if not isinstance(lang, str) or not lang:
        return None
    return re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0] or None


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` narrowed so that ``text[start:end]`` has no surrounding whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def last_word(piece: str) -> str:
    """The last whitespace-delimited word of ``piece``, without opening quotes or brackets."""
    idx = len(piece)
    while idx > 0 and not piece[idx - 1].isspace():
        idx -= 1
    return piece[idx:].lstrip(WORD_OPENERS)


def keep_cut(before: str, after: str, lang: str | None) -> bool:
    """Decide whether a proposed cut stays.

    ``before`` is (at most the last 64 characters of) the stripped, mapped piece before the
    cut; ``after`` is (at most the first two characters of) the stripped, mapped text after
    it. Windows keep the cost per cut constant, so long lines stay linear.
    """
    if not before or not after:
        return False
    if not _ENDS_LIKE_SENTENCE.search(before):
        return False  # e.g. syntok cutting after "(Reuters)" or before "("
    if ENUMERATOR.match(before):
        return False  # "10." starting a list item (only matches a whole short piece)
    word = last_word(before)
    if word in NON_FINAL_ABBREVIATIONS:
        return False
    if lang == "pl" and word in NON_FINAL_ABBREVIATIONS_PL:
        return False
    if after[0].isdigit() and (word in NON_FINAL_BEFORE_DIGIT or word.lower() in NON_FINAL_BEFORE_DIGIT):
        return False
    if after[0].islower():
        return False
    if after[0] in ",:\u060c\u061b":
        return False
    return True


_QUOTE_PAIRS = (("\u00ab", "\u00bb"), ("\u201c", "\u201d"), ("\u201e", "\u201d"))


def has_open_quote(piece: str) -> bool:
    """``piece`` (original text) opened a quotation it has not closed."""
    if piece.count('"') % 2 == 1:
        return True
    for opener, closer in _QUOTE_PAIRS:
        if piece.count(opener) > piece.count(closer):
            return True
    if "\u201c" not in piece and piece.count("\u201d") % 2 == 1:
        return True  # ” used for both ends, as in some Arabic texts
    return False
