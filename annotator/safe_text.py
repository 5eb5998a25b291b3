"""Untrusted text for Rich displays (the CLI tables and the TUI): literal, controls visible.

Shared by the two UI layers; the core stays free of Rich (``annotator.core.text`` does the
character work, this only wraps it in a ``Text`` that is never parsed as markup).
"""

from __future__ import annotations

from rich.text import Text

from annotator.cell_safe import cell_safe, without_joiners
from annotator.core.text import one_line, visible


def safe(text: str | None, style: str = "", *, limit: int | None = None) -> Text:
    """Untrusted text as a Rich ``Text``: markup stays literal, control characters visible,
    emoji sequences in the parts every terminal gives the same width (``cell_safe``)."""
    if text is None:
        return Text("—", style="dim")
    shown = one_line(text, limit) if limit else visible(text)
    return Text(without_joiners(cell_safe(shown)), style=style)
