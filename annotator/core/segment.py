"""Sentence segmentation with character offsets into the original text.

Public API::

    segment(text, lang=None) -> list[tuple[int, int]]
    split(text, lang=None) -> list[str]

``segment`` returns ``(start, end)`` offsets into ``text`` in document order, non-overlapping,
where ``text[start:end]`` is one sentence with surrounding whitespace stripped (never empty).
Every non-whitespace character of ``text`` lies inside exactly one span; nothing is dropped.

How it works (docs/segmentation.md: the libraries measured, the rules, the figures):

1. Line breaks are hard boundaries: the text is cut into lines first (``\\n``, ``\\r``,
   ``\\r\\n`` and the other separators of ``str.splitlines``), so headlines and bylines are
   their own sentences and no span ever crosses a line break.
2. The fast pass: one compiled regex finds every run of sentence terminals in a line
   (``.`` ``!`` ``?`` ``؟`` ``۔`` ``…`` ...) with the closing quotes/brackets and the spaces
   after it, and each run is decided here when the answer is plain
   (:mod:`annotator.core.segment_plain` says when):

   - not a boundary where our rules veto a cut whatever syntok proposes: a lowercase letter
     or ``,`` ``;`` ``:`` ``،`` ``؛`` follows, the word is one of our abbreviations
     (``m.in.``, ``np.``, ``e.g.``), the piece is a list enumerator (``1.``), or the stop
     sits inside a word syntok keeps whole (``3.5``, ``a.b.com``);
   - a boundary where syntok cuts and no rule vetoes: a plain word (``said.``, ``2018.``,
     ``"-O".``, ``(e.g. this).`` or a longer bracket syntok skips, after two words), then a
     space and a letter that is not lowercase (or a symbol before one: ``. «نص``);
   - a boundary where our rules cut whatever syntok reads: a link or address before a
     single stop and a capital letter (``[Github](https://...). You``), when the next
     sentence reads the same in syntok's first and inner states.

   Everything else is ambiguous: syntok's abbreviations (``Inc.``, ``St.``), initials,
   a digit or a bracket after the space, a stop inside brackets.
3. A stretch between two plain boundaries that holds an ambiguous run goes to the syntok
   pass (:mod:`annotator.core.segment_syntok`: syntok plus our rules, the segmenter used
   before the fast pass), which decides it as before. The spans are exactly those of the
   syntok pass run on every whole line (differential tests check it); the fast pass only
   saves time, because most stretches of real text hold no ambiguous run.

Pure Python (stdlib + syntok), deterministic; never raises on a ``str``.
"""

from __future__ import annotations

import re

from annotator.core.segment_plain import (
    BRACKET,
    ENUMERATOR_LENGTH,
    abbreviation_before,
    bracket_depth,
    inside_a_word,
    is_lone_symbol,
    plain_boundary,
    plain_url_end,
    symbol_before_word,
    vetoed_after_brackets,
)
from annotator.core.segment_rules import (
    CHAR_MAP,
    CLOSERS_ORIGINAL,
    ENUMERATOR,
    LINE_BREAK_RE,
    LINE_BREAKS,
    TERMINALS_ORIGINAL,
    norm_lang,
    strip_span,
)
from annotator.core.segment_syntok import segment_stretch

__all__ = ["LINE_BREAKS", "segment", "split"]

# A run of terminals, the closers after it, then spaces (only those that Python's
# str.isspace and syntok's tokenizer both treat as a separator).
_CANDIDATE = re.compile(
    "[" + re.escape(TERMINALS_ORIGINAL) + "]+([" + re.escape(CLOSERS_ORIGINAL) + "]*)([ \t\u00a0]*)"
)


def _shifted(spans: list[tuple[int, int]], by: int) -> list[tuple[int, int]]:
    return [(s + by, e + by) for s, e in spans]


def _segment_line(line: str, lang: str | None, out: list[tuple[int, int]], offset: int) -> None:
    """Append the spans of one line (no line breaks inside), shifted by ``offset``."""
    start, end = strip_span(line, 0, len(line))
    if start >= end:
        return
    stretch_start = start  # where the current sentence (or undecided stretch) starts
    raw_start = 0  # the same, unstripped: what the syntok pass gets (it reads spaces its own way)
    ambiguous = False  # the current stretch holds a candidate only the syntok pass can decide
    depth = 0  # brackets open in the current stretch, counted up to scanned
    scanned = start
    for mo in _CANDIDATE.finditer(line, start, end):
        next_start = mo.end()
        if next_start >= end:
            break  # the line ends here
        following = line[next_start]
        closers, gap = mo.group(1), mo.group(2)
        if closers and BRACKET.search(closers):
            if vetoed_after_brackets(line, mo.start(), closers, following):
                continue  # "dashboard!) and", "(Hi There!):": no cut, or one our rules veto
            ambiguous = True  # "(...) «" : syntok may cut between the bracket and the quote
            continue
        if following.islower() or following in ",;:\u060c\u061b":
            continue  # "e.g", "acme.com", "x. y", "e.g.,": a cut here would be vetoed
        if not gap:
            if inside_a_word(line, mo.start(), next_start, closers):
                continue  # "3.5", "a.b.com", "object.__init__(": no sentence ends inside a token
            if not closers and is_lone_symbol(following):
                continue  # "program.** You": syntok goes on before a symbol glued to the stop
            ambiguous = True
            continue
        sentence_end = next_start - len(gap)
        if sentence_end - stretch_start <= ENUMERATOR_LENGTH + 2 and ENUMERATOR.match(
            line[stretch_start:sentence_end].translate(CHAR_MAP)
        ):
            continue  # "1. Information": a list item, never a sentence of its own
        if not closers and abbreviation_before(line, stretch_start, mo.start(), next_start - len(gap), following, lang):
            continue  # "np. Google", "ok. 12": a cut here would be vetoed
        if not following.isalpha() and not symbol_before_word(line, next_start):
            ambiguous = True  # a bracket, digit, a lone quote or symbol after the space
            continue
        term_start = mo.start()
        if BRACKET.search(line, scanned, term_start):
            depth = bracket_depth(line, scanned, term_start, depth)
        scanned = term_start
        terminals = line[term_start : next_start - len(gap) - len(closers)]
        if depth or not (
            plain_boundary(line, stretch_start, term_start, terminals, closers, next_start, lang, ambiguous)
            or (terminals == "." and not closers and plain_url_end(line, term_start, next_start, lang))
        ):
            ambiguous = True
            continue
        if ambiguous:
            out.extend(_shifted(segment_stretch(line[raw_start:sentence_end], lang), offset + raw_start))
        else:
            out.append((offset + stretch_start, offset + sentence_end))
        raw_start = stretch_start = scanned = next_start
        ambiguous = False
        depth = 0
    if ambiguous:
        out.extend(_shifted(segment_stretch(line[raw_start:], lang), offset + raw_start))
    else:
        out.append((offset + stretch_start, offset + end))


def segment(text: str, lang: str | None = None) -> list[tuple[int, int]]:
    """Split ``text`` into sentences; return their ``(start, end)`` offsets into ``text``.

    ``lang`` is an optional hint ("ar", "pl", "en", or a tag like "pl-PL"); with "pl" more
    Polish abbreviations (``ok.``, ``al.``, ``art.`` ...) are treated as never sentence-final.
    Unknown values are ignored.
    """
    if not isinstance(text, str):
        raise TypeError(f"segment() expects str, got {type(text).__name__}")
    code = norm_lang(lang)
    spans: list[tuple[int, int]] = []
    line_start = 0
    for mo in LINE_BREAK_RE.finditer(text):
        _segment_line(text[line_start : mo.start()], code, spans, line_start)
        line_start = mo.end()
    _segment_line(text[line_start:], code, spans, line_start)
    return spans


def split(text: str, lang: str | None = None) -> list[str]:
    """The sentences of ``text`` as strings (``text[s:e]`` for each span of :func:`segment`)."""
    return [text[s:e] for s, e in segment(text, lang)]
