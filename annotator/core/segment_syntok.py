"""The syntok pass: sentence cuts for the stretches the fast pass cannot decide alone.

This is the segmenter annotator used for every line before the fast pass existed
(:mod:`annotator.core.segment` now sends it only the stretches with an ambiguous candidate,
so its results are unchanged):

1. The stretch is translated ONE CHARACTER FOR ONE CHARACTER (``CHAR_MAP``, so offsets
   hold) before syntok reads it: ``؟``->``?``, ``۔``->``.``, ``…``->``.``, ``،`` ``؛``
   ``;``->``,`` (never a boundary), and guillemets/curly quotes to ASCII quotes that syntok
   understands as closing quotes after a terminal (so ``«نعم!» ثم`` ends after the ``»``).
2. syntok's tokenizer gives token offsets in that (same-length) string; the start offset of
   each sentence syntok finds is a candidate cut. The stretch is sliced at the cuts and each
   piece stripped, so the spans are exact substrings of the original text.
3. Cuts are vetoed when no rule can justify them (:func:`segment_rules.keep_cut`) and a few
   cuts syntok misses are added (after a URL/e-mail ending a sentence, after ``U.S.`` /
   ``Inc.`` followed by a pronoun such as ``We``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import pairwise

from syntok.segmenter import segment as _syntok_segment
from syntok.tokenizer import Tokenizer as _Tokenizer

from annotator.core.segment_rules import CHAR_MAP, WORD_OPENERS, has_open_quote, keep_cut, strip_span

# Cuts syntok misses. It never ends a sentence after a token that contains a dot, so a URL,
# e-mail or domain at the end of a sentence glues it to the next one. Checked word by word
# with plain string tests (a regex over the line backtracks quadratically on long runs).
_WORD_RE = re.compile(r"\S+")
# fmt: off
_URL_SUFFIXES = frozenset(
    [
        "com", "org", "net", "edu", "gov", "io", "eu", "uk", "pl", "de", "fr", "info", "html", "htm", "php",
        "pdf", "asp", "aspx"
    ]
)
# fmt: on


def is_urlish(word: str) -> bool:
    """``word`` (without its sentence-final dot) looks like a URL, e-mail or domain."""
    word = word.lstrip(WORD_OPENERS)
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
        if len(word) > 1 and word[-1] == "." and word[-2] != "." and is_urlish(word[:-1]):
            head = nxt.group().lstrip("\"'([")
            if head[:1].isupper():
                cuts.append(nxt.start())
    for mo in _ACRONYM_END.finditer(mapped):
        pos = mo.end()
        while pos < len(mapped) and mapped[pos].isspace():
            pos += 1
        cuts.append(pos)
    return cuts


def segment_stretch(
    line: str, lang: str | None, propose_cuts: Callable[[str], Iterable[int]] = _syntok_cuts
) -> list[tuple[int, int]]:
    """Spans (relative to ``line``) of the sentences of ``line``, a text without line breaks.

    ``line`` is a whole line or a stretch of one that starts where a sentence starts and ends
    where one ends; ``lang`` is a normalised hint ("pl", "ar", ... or None). The candidate
    cuts come from syntok; benchmarks/bench_segment.py swaps in other ``propose_cuts``
    (offsets into the mapped line) to weigh other libraries under the same rules.
    """
    start, end = strip_span(line, 0, len(line))
    if start >= end:
        return []
    mapped = line.translate(CHAR_MAP)
    if len(mapped) != len(line):  # cannot happen with a 1:1 map; never risk wrong offsets
        mapped = line
    try:
        candidates = sorted(set(propose_cuts(mapped)) | set(_extra_cuts(mapped)))
    except Exception:  # third-party code: a failure must not lose the line
        candidates = []

    spans: list[tuple[int, int]] = []
    piece_start = start
    for cut in candidates:
        if cut <= piece_start or cut >= end:
            continue
        b_start, b_end = strip_span(line, piece_start, cut)
        a_start, a_end = strip_span(line, cut, end)
        if b_start >= b_end or a_start >= a_end:
            continue
        # Bounded windows: a piece before the cut may be long when many cuts were vetoed.
        if b_end - b_start > _WINDOW:
            before = " " + mapped[b_end - _WINDOW : b_end]  # " ": not the whole piece
        else:
            before = mapped[b_start:b_end]
        after = mapped[a_start : min(a_end, a_start + 2)]
        if not keep_cut(before, after, lang):
            continue
        # A closing quote left at the start of the next piece ("نص. » وقال") belongs to the
        # sentence whose quote it closes.
        if (
            line[a_start] in '"\u00bb\u201d\u2019'
            and (a_start + 1 == a_end or line[a_start + 1].isspace())
            and has_open_quote(line[max(b_start, b_end - _QUOTE_WINDOW) : b_end])
        ):
            b_end = a_start + 1
            a_start, a_end = strip_span(line, b_end, end)
            if a_start >= a_end:
                continue
        spans.append((b_start, b_end))
        piece_start = a_start
    s, e = strip_span(line, piece_start, end)
    if s < e:
        spans.append((s, e))
    return spans
