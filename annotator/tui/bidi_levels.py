"""Resolved bidi embedding levels of one display line (UAX #9, rules P3 to I2, then L1).

python-bidi's default implementation (a wrapper of the Rust crate ``unicode-bidi``) offers
only ``get_display`` and ``get_base_level``: the reordered string, not the levels that
rules L3 (marks stay on their letter) and L4 (mirrored brackets) need. Its pure-Python
implementation, the public module ``bidi.algorithm``, runs UAX #9 as a pipeline of
functions over one ``storage`` dict whose ``chars`` carry each character's level and
type; we run that pipeline up to I2 and read the levels.

That implementation follows UAX #9 of Unicode 5 (python-bidi's docs: "V5 of the
algorithm"): it predates rule N0, the paired brackets of Unicode 6.3, without which
"قال Facebook (Meta) اليوم" would show its brackets pointing the wrong way. N0 (with BD16,
bracket pairs) is applied here, between the weak types and the neutral types, where UAX #9
places it. Explicit embeddings, overrides and isolates never reach this module (``visible``
shows them as symbols), so every level run is its own isolating run sequence, which is
what the V5 pipeline works on. Characters that rule X9 removes (BN: ZWJ, ZWNJ, soft hyphen)
take the level of the character before them (UAX #9, section 5.2).

``embedding_levels`` returns None whenever the levels cannot be had (the module missing,
a step failing, characters not lining up); the caller then falls back to ``get_display``.
The caller also checks every line's levels against ``get_display`` (tests/test_tui_bidi.py
does so on the seeds and on random mixed text, where they agree).
"""

from __future__ import annotations

import unicodedata
from typing import Any

try:
    from bidi import algorithm as _algorithm
    from bidi.mirror import MIRRORED as _MIRRORED
except ImportError:  # pragma: no cover - python-bidi without its pure-Python module
    _algorithm = None
    _MIRRORED = {}

# Rule L1 sends these back to the paragraph level at the end of a line and before a segment
# or paragraph separator (whitespace, isolates, and the BN/explicit codes X9 removed).
_WHITESPACE = frozenset({"WS", "BN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})
_SEPARATORS = frozenset({"S", "B"})
_MAX_BRACKET_DEPTH = 63  # BD16: a deeper nesting stops the pairing of that sequence
# Canonical equivalents among the paired brackets (BD16 compares them as equal).
_CANONICAL = {"\u2329": "\u3008", "\u232a": "\u3009"}


def _bracket(char: str) -> tuple[str, str] | None:
    """("open"|"close", the closing bracket it pairs with / its own canonical form)."""
    if not unicodedata.mirrored(char):
        return None
    category = unicodedata.category(char)
    if category == "Ps":
        closing = _MIRRORED.get(char) or chr(ord(char) + 1)
        return "open", _CANONICAL.get(closing, closing)
    if category == "Pe":
        return "close", _CANONICAL.get(char, char)
    return None


def _strong(bidi_type: str) -> str | None:
    """N0 treats numbers as R."""
    if bidi_type == "L":
        return "L"
    return "R" if bidi_type in ("R", "AN", "EN") else None


def _pairs(chars: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """BD16: the bracket pairs of one isolating run sequence, in order of their openings."""
    stack: list[tuple[str, int]] = []
    pairs: list[tuple[int, int]] = []
    for index, char in enumerate(chars):
        if char["type"] != "ON":
            continue
        kind = _bracket(char["ch"])
        if kind is None:
            continue
        if kind[0] == "open":
            if len(stack) == _MAX_BRACKET_DEPTH:
                break
            stack.append((kind[1], index))
            continue
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == kind[1]:
                pairs.append((stack[depth][1], index))
                del stack[depth:]
                break
    return sorted(pairs)


def _resolve_paired_brackets(storage: dict[str, Any]) -> None:
    """Rule N0 on the V5 pipeline's storage, after W1-W7 and before N1-N2."""
    for run in storage["runs"]:
        chars = storage["chars"][run["start"] : run["start"] + run["length"]]
        if not chars:
            continue
        embedding = "R" if chars[0]["level"] % 2 else "L"
        for opening, closing in _pairs(chars):
            inside = {_strong(char["type"]) for char in chars[opening + 1 : closing]} - {None}
            if not inside:
                continue  # N0 d: no strong type inside, the brackets stay neutral
            if embedding in inside:
                direction = embedding  # N0 b
            else:  # N0 c: only the opposite direction inside; look before the opening bracket
                opposite = "R" if embedding == "L" else "L"
                context = run["sor"]
                for char in reversed(chars[:opening]):
                    if (found := _strong(char["type"])) is not None:
                        context = found
                        break
                direction = opposite if context == opposite else embedding
            for index in (opening, closing):
                chars[index]["type"] = direction
                for mark in chars[index + 1 :]:  # marks on a bracket follow it (N0, last paragraph)
                    if mark["orig"] != "NSM":
                        break
                    mark["type"] = direction


def embedding_levels(line: str, rtl: bool) -> list[int] | None:
    """The resolved level of each character of ``line`` in a paragraph of direction ``rtl``,
    rule L1 applied; None when python-bidi's algorithm module cannot give them."""
    if _algorithm is None:
        return None
    base = 1 if rtl else 0
    try:
        storage = _algorithm.get_empty_storage()
        storage["base_level"] = base
        storage["base_dir"] = "R" if rtl else "L"
        _algorithm.get_embedding_levels(line, storage)
        _algorithm.explicit_embed_and_overrides(storage)
        _algorithm.resolve_weak_types(storage)
        _resolve_paired_brackets(storage)
        _algorithm.resolve_neutral_types(storage, False)
        _algorithm.resolve_implicit_levels(storage, False)
        resolved = iter(storage["chars"])
        levels: list[int] = []
        previous = base
        for char in line:
            if unicodedata.bidirectional(char) in ("BN", "LRE", "RLE", "LRO", "RLO", "PDF"):
                levels.append(previous)  # removed by X9: the level of the character before
                continue
            entry = next(resolved)
            if entry["ch"] != char:
                return None
            previous = int(entry["level"])
            levels.append(previous)
        if next(resolved, None) is not None:
            return None
    except (AssertionError, AttributeError, IndexError, KeyError, StopIteration, TypeError, ValueError):
        return None  # the module changed shape: the caller falls back to get_display
    _reset_whitespace(line, levels, base)
    return levels


def _reset_whitespace(line: str, levels: list[int], base: int) -> None:
    """Rule L1: separators, and whitespace before them or at the end of the line, go back
    to the paragraph level."""
    trailing = True
    for index in range(len(line) - 1, -1, -1):
        bidi_type = unicodedata.bidirectional(line[index])
        if bidi_type in _SEPARATORS:
            levels[index] = base
            trailing = True
        elif trailing and bidi_type in _WHITESPACE:
            levels[index] = base
        else:
            trailing = False
