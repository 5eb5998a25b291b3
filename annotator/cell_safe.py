"""Text whose width in cells every terminal agrees on: emoji sequences taken apart for display.

A screen row is laid out by Textual with Rich's ``cell_len``; the terminal then draws it
with its own widths. They differ on emoji *sequences* (a skin-tone thumbs up is 2 cells for
Rich, 4 in tmux 3.3; a ZWJ family 2 for Rich, 6 in xterm; a VS16 heart 2 for Rich, 1 in tmux
and xterm), and terminals differ among themselves there, so no measure is right everywhere
(docs/display.md has the table). Such a row pushes the panel border out on its line.

So the display shows a sequence as its parts, each of a width all agree on: presentation
selectors (U+FE0E, U+FE0F) and skin-tone modifiers (U+1F3FB-U+1F3FF) are left out, a
zero-width joiner is left out unless it touches an Arabic-script character (there it asks
for a joining letter form, which ``annotator.tui.bidi`` shapes, then drops the joiner),
and regional indicators become the capital letters they stand for (🇵🇱 is shown ``PL``).
A family emoji shows as its members side by side, a thumbs-up without its skin tone.
Display only, like ``annotator.core.text.visible`` (which runs first): what is stored,
searched and exported is never changed.
"""

from __future__ import annotations

import re

ZWJ = "\u200d"
_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_SELECTORS_AND_TONES = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")
_JOINER_OUTSIDE_ARABIC = re.compile(f"(?<![{_ARABIC}])\u200d(?![{_ARABIC}])")
_REGIONAL_LETTERS = {0x1F1E6 + n: chr(ord("A") + n) for n in range(26)}
_NEEDS_WORK = re.compile("[\u200d\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\U0001f1e6-\U0001f1ff]")


def cell_safe(text: str) -> str:
    """``text`` with the emoji sequences terminals measure differently taken apart."""
    if not _NEEDS_WORK.search(text):
        return text
    text = _SELECTORS_AND_TONES.sub("", text)
    text = _JOINER_OUTSIDE_ARABIC.sub("", text)
    return text.translate(_REGIONAL_LETTERS)


def without_joiners(text: str) -> str:
    """Every zero-width joiner left out (after shaping, or when the terminal shapes)."""
    return text.replace(ZWJ, "") if ZWJ in text else text
