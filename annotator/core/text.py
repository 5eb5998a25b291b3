"""Untrusted text made safe to show: control characters become visible symbols.

Document text, names and notes may hold terminal escape sequences (ESC, OSC, CSI), NUL,
bidi override characters or stray C1 controls. Shown raw they would move the cursor,
recolour the terminal, set the window title or reorder the line. Every display path, the
TUI and the Rich CLI, passes text through ``visible`` (markup is handled by the display
layer: it builds ``rich.text.Text``/``Content`` objects, never markup strings).
The stored text is never changed.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls map to the Unicode "Control Pictures" block (U+2400 + code), DEL to U+2421.
_C0 = {code: chr(0x2400 + code) for code in range(0x20)}
_C0[0x7F] = "\u2421"
# C1 controls (U+0080-U+009F) have no pictures: show them as a hex escape.
_C1 = {code: f"<{code:02X}>" for code in range(0x80, 0xA0)}
# Bidi embedding/override/isolate controls and a few invisibles that can hide or reorder text.
_BIDI_CONTROLS = {
    0x202A: "<LRE>",
    0x202B: "<RLE>",
    0x202C: "<PDF>",
    0x202D: "<LRO>",
    0x202E: "<RLO>",
    0x2066: "<LRI>",
    0x2067: "<RLI>",
    0x2068: "<FSI>",
    0x2069: "<PDI>",
    0x200E: "<LRM>",
    0x200F: "<RLM>",
    0x061C: "<ALM>",
    0xFEFF: "<BOM>",
    0x2028: "<LS>",
    0x2029: "<PS>",
    0x0085: "<NEL>",
}

_TABLE: dict[int, str] = {**_C0, **_C1, **_BIDI_CONTROLS}
# Tab and newline stay printable as a space/newline only where the caller allows them.
_KEEP_LAYOUT = {**_TABLE, 0x09: " "}
del _KEEP_LAYOUT[0x0A]

_NEEDS_WORK = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ufeff\u2028\u2029]")


def count_of(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the number it takes: "1 annotator", "2 annotators", "1,200 sentences"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """Return ``text`` with every control character replaced by a visible stand-in.

    ESC becomes ``␛``, NUL ``␀``, a newline ``␊`` (unless ``keep_newlines``), a bidi
    override ``<RLO>``. Printable text, including Arabic and combining marks, is unchanged.
    """
    if not _NEEDS_WORK.search(text):
        return text
    return text.translate(_KEEP_LAYOUT if keep_newlines else _TABLE)


def one_line(text: str, limit: int | None = None) -> str:
    """A visible, single-line form of ``text``, truncated with an ellipsis to ``limit`` chars."""
    shown = visible(text)
    if limit is not None and len(shown) > limit:
        return shown[: max(0, limit - 1)] + "…"
    return shown


def is_rtl(text: str) -> bool:
    """True when the first strong directional character is right-to-left (Arabic, Hebrew…)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False
