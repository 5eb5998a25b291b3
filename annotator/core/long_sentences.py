"""Texts too long for one pass of the segmenter, and sentences too long for anybody to annotate.

Both work on the segmenter's output (``(start, end)`` offsets into the text, stripped,
in order), so they survive a change of segmenter:

- :func:`segment_in_windows` gives the segmenter a bounded piece of the text at a time.
  A segmenter builds objects per token (syntok: hundreds of bytes each), so a 50 MB line
  given whole peaks at gigabytes. Windows end at a line break when one is near (line
  breaks are hard boundaries: the result is exactly the whole-text one), else the last
  sentences of a window, which may be cut, are dropped and the next window starts where
  they start. A sentence longer than a window is followed window after window to its end:
  the result is the segmenter's own, as one span (that :func:`cap_sentence_length` splits).
- :func:`cap_sentence_length` splits every sentence longer than ``max_chars`` into
  pieces of at most ``max_chars``: at the last sentence-like end (``.``, ``?``... that
  the segmenter would not cut at, say after an abbreviation), else the last clause mark
  (``;``, ``,``, ``،``...), else the last space, else a hard cut that never separates a
  letter from its combining marks. Pieces are stripped; offsets stay exact
  (``text[start:end]`` is the piece).

Why 10,000 characters: ``benchmarks/bench_long_sentences.py`` measured what a key cost the
annotate screen before its layout was bounded: 1.4 ms for a sentence of 10,000 characters,
42 ms at 100,000, 0.8 s at 1,000,000, 9 s at 10,000,000 (linear). 10,000 was cheap even
then; the screen now pays the same for any length. The cap is about people more than
speed: a 120x40 terminal shows about 3,000 characters of a sentence (the rest is announced
on its last row), and nobody judges 10,000 characters as one unit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

Spans = list[tuple[int, int]]
Segmenter = Callable[[str, str | None], Spans]

MAX_SENTENCE_CHARS = 10_000
SEGMENT_WINDOW = 100_000  # characters given to the segmenter at once
_MARGIN = 2_000  # sentences ending this close to a window's end are segmented again in the next

_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# Preferred places to cut an over-long sentence, best first: where the text after the
# cut starts after whitespace.
_SENTENCE_END = re.compile(r"[.!?\u061f\u06d4\u2026\u3002][\"')\]}\u00bb\u201d\u2019]*(?=\s)")
_CLAUSE_END = re.compile(r"[;:,\u060c\u061b\u2013\u2014)\]](?=\s)")
_SPACE = re.compile(r"\s")


def _shifted(spans: Spans, offset: int) -> Spans:
    return [(start + offset, end + offset) for start, end in spans]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def segment_in_windows(text: str, lang: str | None, segmenter: Segmenter, window: int | None = None) -> Spans:
    """``segmenter(text, lang)``, fed at most ``window`` (:data:`SEGMENT_WINDOW`) characters at a time."""
    window = window or SEGMENT_WINDOW
    if len(text) <= window:
        return segmenter(text, lang)
    margin = min(_MARGIN, window // 4)
    spans: Spans = []
    pending: int | None = None  # start of a sentence that runs on past the windows seen so far

    def add(found: Spans, offset: int) -> None:
        nonlocal pending
        found = _shifted(found, offset)
        if pending is not None:  # the first sentence found is the end of the pending one
            if found:
                found[0] = (pending, found[0][1])
            else:
                spans.append(_strip(text, pending, offset))
            pending = None
        spans.extend(found)

    pos = 0
    while pos < len(text):
        end = pos + window
        if end >= len(text):
            add(segmenter(text[pos:], lang), pos)
            break
        breaks = [m.end() for m in _LINE_BREAK.finditer(text, pos + window // 2, end)]
        if breaks:  # exact: no sentence crosses a line break
            add(segmenter(text[pos : breaks[-1]], lang), pos)
            pos = breaks[-1]
            continue
        piece = segmenter(text[pos:end], lang)
        keep = [span for span in piece if span[1] <= window - margin]
        if keep or not piece:
            add(keep, pos)
            pos = pos + piece[len(keep)][0] if len(keep) < len(piece) else end
            continue
        # One sentence runs past the window: go on from a space inside it (or anywhere)
        # before the margin; the windows after it say where it ends.
        if pending is None:
            pending = pos + piece[0][0]
        limit = pos + window - margin
        pos = _last_cut(text, pos + piece[0][0] + 1, limit, (_SPACE,)) or limit
    return spans


def _last_cut(text: str, low: int, high: int, patterns: tuple[re.Pattern[str], ...]) -> int | None:
    """The last position in ``(low, high]`` right after a match of the first pattern that has one."""
    for pattern in patterns:
        last = None
        for match in pattern.finditer(text, low, high):
            last = match.end()
        if last is not None and last > low:
            return last
    return None


def _hard_cut(text: str, low: int, high: int) -> int:
    """``high``, moved back so that a letter keeps its combining marks and joiners."""
    cut = high
    while cut > low + 1 and (unicodedata.combining(text[cut]) or text[cut] in "\u200c\u200d\ufe0e\ufe0f"):
        cut -= 1
    return cut


def cap_sentence_length(text: str, spans: Spans, max_chars: int = MAX_SENTENCE_CHARS) -> tuple[Spans, int]:
    """Every span longer than ``max_chars`` split into pieces; returns (spans, how many were split)."""
    if max_chars < 2:
        raise ValueError("max_chars must be at least 2")
    out: Spans = []
    split = 0
    for start, end in spans:
        if end - start <= max_chars:
            out.append((start, end))
            continue
        split += 1
        pos = start
        while end - pos > max_chars:
            high = pos + max_chars
            cut = _last_cut(text, pos + max_chars // 2, high, (_SENTENCE_END, _CLAUSE_END, _SPACE))
            if cut is None:
                cut = _hard_cut(text, pos, high)
            piece = _strip(text, pos, cut)
            if piece[0] < piece[1]:
                out.append(piece)
            pos, _ = _strip(text, cut, end)
        if pos < end:
            out.append((pos, end))
    return out, split
