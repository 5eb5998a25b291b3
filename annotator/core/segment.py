"""Sentence segmentation with character offsets into the original text.

Public API::

    segment(text, lang=None) -> list[tuple[int, int]]
    split(text, lang=None) -> list[str]

``segment`` returns ``(start, end)`` offsets into ``text`` in document order, non-overlapping,
where ``text[start:end]`` is one sentence with surrounding whitespace stripped (never empty).
Every non-whitespace character of ``text`` lies inside exactly one span; nothing is dropped.

How it works (why: docs/segmentation.md, the libraries measured on the seeds):

1. Line breaks are hard boundaries: the text is cut into lines first (``\\n``, ``\\r``,
   ``\\r\\n`` and the other separators of ``str.splitlines``), so headlines and bylines are
   their own sentences and no span ever crosses a line break.
2. Each line is translated ONE CHARACTER FOR ONE CHARACTER (so offsets hold) before it is
   given to syntok: ``؟``->``?``, ``۔``->``.``, ``…``->``.``, ``،`` ``؛`` ``;``->``,``
   (never a boundary), and guillemets/curly quotes to ASCII quotes that syntok understands
   as closing quotes after a terminal (so ``«نعم!» ثم`` ends after the ``»``).
3. syntok's tokenizer gives token offsets in that (same-length) string; the start offset of
   each sentence syntok finds is a candidate cut. A line is then sliced at the cuts and each
   piece stripped, so the spans are exact substrings of the original text.
4. Cuts are vetoed when no rule can justify them (the piece before does not end in ``.!?``
   possibly followed by closing quotes/brackets; it ends in a non-final abbreviation such as
   ``np.``, ``m.in.``, ``tj.``, ``tzw.``, ``e.g.``; it is only a list number like ``10.``)
   and a few cuts syntok misses are added (after a URL/e-mail ending a sentence, after
   ``U.S.``/``Inc.`` followed by a pronoun such as ``We``).

The module is pure Python (syntok + stdlib), deterministic, and never raises on a ``str``.
"""

from __future__ import annotations

import re
from itertools import pairwise

from syntok.segmenter import segment as _syntok_segment
from syntok.tokenizer import Tokenizer as _Tokenizer

__all__ = ["LINE_BREAKS", "segment", "split"]

# The separators str.splitlines() recognises. "\r\n" counts as one break.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK_RE = re.compile(r"\r\n|[" + re.escape(LINE_BREAKS) + "]")

# One character for one character: offsets in the mapped line equal offsets in the original.
_CHAR_MAP = str.maketrans(
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

_TERMINALS = ".!?\u203c\u203d\u2047\u2048\u2049\u3002\ufe52\ufe57\uff01\uff0e\uff1f\uff61"
_CLOSERS = "\"')]}\u2019\u00b4\uff09\uff3d\uff5d"
# A piece may end a sentence only if it ends in a terminal, optionally followed by closers.
_ENDS_LIKE_SENTENCE = re.compile("[" + re.escape(_TERMINALS) + "][" + re.escape(_CLOSERS) + "]*$")

# Abbreviations (compared case-sensitively, with their final dot) after which a sentence
# never ends, whatever follows.
_NON_FINAL_ABBREVIATIONS = frozenset(
    [
        "m.in.",
        "np.",
        "Np.",
        "tj.",
        "Tj.",
        "tzw.",
        "Tzw.",
        "tzn.",
        "Tzn.",
        "ul.",
        "Ul.",
        "godz.",
        "prof.",
        "Prof.",
        "dr.",
        "Dr.",
        "mgr.",
        "Mgr.",
        "inż.",
        "Inż.",
        "hab.",
        "ks.",
        "Ks.",
        "św.",
        "Św.",
        "płk.",
        "gen.",
        "Gen.",
        "zob.",
        "Zob.",
        "wg.",
        "Wg.",
        "ww.",
        "jw.",
        "tys.",
        "mln.",
        "mld.",
        "e.g.",
        "E.g.",
        "i.e.",
        "I.e.",
        "approx.",
        "Approx.",
        "Mr.",
        "Mrs.",
        "Ms.",
        "Mx.",
        "vs.",
        "cf.",
        "Cf.",
        "viz.",
    ]
)
# Extra ones that are only unambiguous in Polish text (English "art.", "red.", "ok." can end
# a sentence), used when lang is "pl".
_NON_FINAL_ABBREVIATIONS_PL = frozenset(
    [
        "ok.",
        "Ok.",
        "al.",
        "Al.",
        "os.",
        "pl.",
        "im.",
        "art.",
        "Art.",
        "ust.",
        "pkt.",
        "por.",
        "Por.",
        "dot.",
        "red.",
        "woj.",
        "pow.",
        "gm.",
        "tel.",
        "ds.",
        "lit.",
        "ang.",
        "niem.",
        "ur.",
        "zm.",
        "poz.",
        "str.",
        "nr.",
        "Nr.",
    ]
)
# Never final when the next piece starts with a digit ("ok. 12 osób", "No. 5").
_NON_FINAL_BEFORE_DIGIT = frozenset(
    [
        "ok.",
        "Ok.",
        "ca.",
        "Ca.",
        "nr.",
        "Nr.",
        "No.",
        "no.",
        "Nos.",
        "nos.",
        "art.",
        "Art.",
        "ust.",
        "pkt.",
        "poz.",
        "str.",
        "s.",
        "p.",
        "pp.",
        "tel.",
        "Tel.",
        "vol.",
        "Vol.",
        "ch.",
        "Ch.",
        "sec.",
        "Sec.",
        "fig.",
        "Fig.",
        "par.",
        "ok",
    ]
)
_WORD_OPENERS = "([{\"'\u00ab\u201c\u201e\u2018\u2039\u00bb\u201d\u2019"

# A piece that is only a list enumerator: "10.", "(a)", "iv.", "B)".
_ENUMERATOR = re.compile(r"^\(?(?:\d{1,3}|[A-Za-z]|[ivxlcdmIVXLCDM]{1,6})[.)]$")

# Cuts syntok misses. It never ends a sentence after a token that contains a dot, so a URL,
# e-mail or domain at the end of a sentence glues it to the next one. Checked word by word
# with plain string tests (a regex over the line backtracks quadratically on long runs).
_WORD_RE = re.compile(r"\S+")
_URL_SUFFIXES = frozenset(
    [
        "com",
        "org",
        "net",
        "edu",
        "gov",
        "io",
        "eu",
        "uk",
        "pl",
        "de",
        "fr",
        "info",
        "html",
        "htm",
        "php",
        "pdf",
        "asp",
        "aspx",
    ]
)


def _is_urlish(word: str) -> bool:
    """``word`` (without its sentence-final dot) looks like a URL, e-mail or domain."""
    word = word.lstrip(_WORD_OPENERS)
    if "://" in word or word.lower().startswith("www."):
        return True
    if "@" in word:
        local, _, domain = word.rpartition("@")
        return bool(local) and "." in domain.strip(".")
    head, dot, suffix = word.rpartition(".")
    return bool(dot) and bool(head) and suffix.lower() in _URL_SUFFIXES and head[-1:].isalnum()


# ... and after dotted acronyms / company suffixes when the next word is a pronoun-like
# starter (syntok's own starter list has "The", "This", "It" but not "We", "You").
_ACRONYM_END = re.compile(
    r"(?<![\w.])(?:[A-Z]\.){2,}(?=\s+(?:We|You|Your|Our|They|Their|These|Those|He|She|If|"
    r"When|Please|Questions)\b)|"
    r"(?<![\w.])(?:Inc|Ltd|Corp|Co|LLC|GmbH|etc)\.(?=\s+(?:We|You|Your|Our|They|Their|"
    r"These|Those|He|She|If|When|Please|Questions)\b)"
)

_TOKENIZER = _Tokenizer(replace_not_contraction=False)

_WINDOW = 64  # characters of the piece before a cut that the cut rules look at
_QUOTE_WINDOW = 2000  # characters searched for an unclosed quote


def _norm_lang(lang: object) -> str | None:
    if not isinstance(lang, str) or not lang:
        return None
    return re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0] or None


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _syntok_cuts(mapped: str) -> list[int]:
    """Offsets (into ``mapped``) where syntok starts a new sentence, except the first."""
    tokens = list(_TOKENIZER.tokenize(mapped))
    starts: list[int] = []
    for sentence in _syntok_segment(iter(tokens)):
        for token in sentence:
            if token.value:
                starts.append(token.offset)
                break
    return starts[1:]


def _extra_cuts(mapped: str) -> list[int]:
    cuts = []
    words = list(_WORD_RE.finditer(mapped))
    for mo, nxt in pairwise(words):
        word = mo.group()
        if len(word) > 1 and word[-1] == "." and word[-2] != "." and _is_urlish(word[:-1]):
            head = nxt.group().lstrip("\"'([")
            if head[:1].isupper():
                cuts.append(nxt.start())
    for mo in _ACRONYM_END.finditer(mapped):
        pos = mo.end()
        while pos < len(mapped) and mapped[pos].isspace():
            pos += 1
        cuts.append(pos)
    return cuts


def _last_word(piece: str) -> str:
    idx = len(piece)
    while idx > 0 and not piece[idx - 1].isspace():
        idx -= 1
    return piece[idx:].lstrip(_WORD_OPENERS)


def _keep_cut(before: str, after: str, lang: str | None) -> bool:
    """Decide whether a cut stays.

    ``before`` is (at most the last ``_WINDOW`` characters of) the stripped, mapped piece
    before the cut; ``after`` is (at most the first two characters of) the stripped, mapped
    text after it. Windows keep the cost per cut constant, so long lines stay linear.
    """
    if not before or not after:
        return False
    if not _ENDS_LIKE_SENTENCE.search(before):
        return False  # e.g. syntok cutting after "(Reuters)" or before "("
    if _ENUMERATOR.match(before):
        return False  # "10." starting a list item (only matches a whole short piece)
    word = _last_word(before)
    if word in _NON_FINAL_ABBREVIATIONS:
        return False
    if lang == "pl" and word in _NON_FINAL_ABBREVIATIONS_PL:
        return False
    if after[0].isdigit() and (word in _NON_FINAL_BEFORE_DIGIT or word.lower() in _NON_FINAL_BEFORE_DIGIT):
        return False
    if after[0].islower():
        return False
    if after[0] in ",:\u060c\u061b":
        return False
    return True


_QUOTE_PAIRS = (("\u00ab", "\u00bb"), ("\u201c", "\u201d"), ("\u201e", "\u201d"))


def _has_open_quote(piece: str) -> bool:
    if piece.count('"') % 2 == 1:
        return True
    for opener, closer in _QUOTE_PAIRS:
        if piece.count(opener) > piece.count(closer):
            return True
    if "\u201c" not in piece and piece.count("\u201d") % 2 == 1:
        return True  # ” used for both ends, as in some Arabic texts
    return False


def _segment_line(line: str, lang: str | None) -> list[tuple[int, int]]:
    """Spans (relative to ``line``) of the sentences of one line without line breaks."""
    start, end = _strip_span(line, 0, len(line))
    if start >= end:
        return []
    mapped = line.translate(_CHAR_MAP)
    if len(mapped) != len(line):  # cannot happen with a 1:1 map; never risk wrong offsets
        mapped = line
    try:
        candidates = sorted(set(_syntok_cuts(mapped)) | set(_extra_cuts(mapped)))
    except Exception:  # syntok is third-party code: a failure must not lose the line
        candidates = []

    spans: list[tuple[int, int]] = []
    piece_start = start
    for cut in candidates:
        if cut <= piece_start or cut >= end:
            continue
        b_start, b_end = _strip_span(line, piece_start, cut)
        a_start, a_end = _strip_span(line, cut, end)
        if b_start >= b_end or a_start >= a_end:
            continue
        # Bounded windows: a piece before the cut may be long when many cuts were vetoed.
        if b_end - b_start > _WINDOW:
            before = " " + mapped[b_end - _WINDOW : b_end]  # " ": not the whole piece
        else:
            before = mapped[b_start:b_end]
        after = mapped[a_start : min(a_end, a_start + 2)]
        if not _keep_cut(before, after, lang):
            continue
        # A closing quote left at the start of the next piece ("نص. » وقال") belongs to the
        # sentence whose quote it closes.
        if (
            line[a_start] in '"\u00bb\u201d\u2019'
            and (a_start + 1 == a_end or line[a_start + 1].isspace())
            and _has_open_quote(line[max(b_start, b_end - _QUOTE_WINDOW) : b_end])
        ):
            b_end = a_start + 1
            a_start, a_end = _strip_span(line, b_end, end)
            if a_start >= a_end:
                continue
        spans.append((b_start, b_end))
        piece_start = a_start
    s, e = _strip_span(line, piece_start, end)
    if s < e:
        spans.append((s, e))
    return spans


def segment(text: str, lang: str | None = None) -> list[tuple[int, int]]:
    """Split ``text`` into sentences; return their ``(start, end)`` offsets into ``text``.

    ``lang`` is an optional hint ("ar", "pl", "en", or a tag like "pl-PL"); with "pl" more
    Polish abbreviations (``ok.``, ``al.``, ``art.`` ...) are treated as never sentence-final.
    Unknown values are ignored.
    """
    if not isinstance(text, str):
        raise TypeError(f"segment() expects str, got {type(text).__name__}")
    code = _norm_lang(lang)
    spans: list[tuple[int, int]] = []
    line_start = 0
    for mo in _LINE_BREAK_RE.finditer(text):
        line = text[line_start : mo.start()]
        spans.extend((line_start + s, line_start + e) for s, e in _segment_line(line, code))
        line_start = mo.end()
    line = text[line_start:]
    spans.extend((line_start + s, line_start + e) for s, e in _segment_line(line, code))
    return spans


def split(text: str, lang: str | None = None) -> list[str]:
    """The sentences of ``text`` as strings (``text[s:e]`` for each span of :func:`segment`)."""
    return [text[s:e] for s, e in segment(text, lang)]
