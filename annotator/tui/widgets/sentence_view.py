"""The sentence list: a Line-API widget that draws the current sentence and its neighbours.

Like Toolong's log view it never creates a widget per sentence: ``render_line(y)`` returns
strips from a layout computed for the rows on screen only, fed by the page cache. Each
sentence is shown through ``visible`` (control characters as symbols) and drawn as plain
segments, so markup in the text stays text. Right-to-left sentences are wrapped, then each
row shaped, reordered (``annotator.tui.bidi``) and right-aligned when reordering is on.
A sentence longer than the rows it gets is laid out only as far as they go
(:func:`bounded_rows`), its last row saying so: the cost of a frame never depends on
the length of a sentence.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from annotator.core.entities import SentenceRow
from annotator.core.text import visible
from annotator.tui.bidi import display_lines, sentence_is_rtl

GUTTER = 12  # "▶" + 7-digit number + space + status + flag + space


def bounded_rows(text: str, width: int, max_rows: int, rtl: bool, reorder: bool) -> tuple[tuple[str, ...], bool]:
    """The display rows of a sentence, at most ``max_rows`` of them, and whether it was cut.

    Only a prefix of a long sentence is laid out: enough characters to fill ``max_rows``
    rows (twice the cells, more when zero-width marks make that too few), so a sentence of
    millions of characters costs what a screenful does. Greedy wrapping makes the first
    rows of the prefix the first rows of the whole.
    """
    budget = (max_rows + 1) * width * 2
    while True:
        head = text[:budget]
        rows = display_lines(visible(head), width, rtl, reorder) or ("",)
        cut = len(head) < len(text)
        if not cut or len(rows) > max_rows:
            break
        budget *= 4
    if len(rows) > max_rows or cut:
        return rows[: max(0, max_rows - 1)] + (f"… {len(text):,} characters in all",), True
    return rows, False


class SentenceSource(Protocol):
    """What the view needs from its screen."""

    @property
    def document_id(self) -> int: ...
    @property
    def current_idx(self) -> int: ...
    @property
    def n_sentences(self) -> int: ...
    @property
    def reorder(self) -> bool: ...
    def row_at(self, idx: int) -> SentenceRow | None: ...
    def marks_of(self, row: SentenceRow) -> tuple[str, str, str]: ...  # status glyph, flag glyph, component


class SentenceView(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "sentence-view--current",
        "sentence-view--context",
        "sentence-view--gutter",
        "sentence-view--pointer",
        "sentence-view--saved",
        "sentence-view--pending",
        "sentence-view--failed",
        "sentence-view--flag",
        "sentence-view--end",
    }
    DEFAULT_CSS = """
    SentenceView { height: 1fr; }
    SentenceView > .sentence-view--current { text-style: bold; color: $foreground; background: $panel; }
    SentenceView > .sentence-view--context { color: $text-muted; }
    SentenceView > .sentence-view--gutter { color: $text-muted; }
    SentenceView > .sentence-view--pointer { color: $accent; text-style: bold; background: $panel; }
    SentenceView > .sentence-view--saved { color: $success; }
    SentenceView > .sentence-view--pending { color: $warning; }
    SentenceView > .sentence-view--failed { color: $error; text-style: bold; }
    SentenceView > .sentence-view--flag { color: $warning; }
    SentenceView > .sentence-view--end { color: $text-disabled; }
    """

    class Picked(Message):
        """A sentence was clicked (or the wheel turned): go there."""

        def __init__(self, idx: int) -> None:
            super().__init__()
            self.idx = idx

    def __init__(
        self, source: SentenceSource, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.source = source
        self._version = 0
        self._layout_key: tuple[object, ...] | None = None
        self._lines: list[Strip] = []
        self.current_rows: tuple[int, int] = (0, 0)  # rows of the current sentence on screen
        self._sv_blocks: dict[tuple[object, ...], list[Strip]] = {}
        self._row_index: list[int | None] = []  # sentence index drawn on each row
        self._sv_styles: dict[str, Style] | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._sv_styles = None  # the theme or the CSS changed
        if hasattr(self, "_sv_blocks"):
            self._sv_blocks.clear()
        self._layout_key = None

    def invalidate(self) -> None:
        """Something shown changed (position, a state, the bidi toggle): lay out again."""
        self._version += 1
        self.refresh()

    def render_line(self, y: int) -> Strip:
        lines = self._layout()
        if y < len(lines):
            return lines[y]
        styles = getattr(self, "_sv_styles", None)
        return Strip.blank(self.size.width, styles["base"] if styles else self.rich_style)

    # -- layout -------------------------------------------------------------------------

    def _styles(self) -> dict[str, Style]:
        """Every style the view uses, computed once per layout (``rich_style`` walks the DOM)."""
        base = self.rich_style
        part = {name: self.get_component_rich_style(name, partial=True) for name in self.COMPONENT_CLASSES}
        styles = {name: base + style for name, style in part.items()}
        styles["base"] = base
        for lead in ("sentence-view--pointer", "sentence-view--gutter"):
            for name in (
                "sentence-view--saved",
                "sentence-view--pending",
                "sentence-view--failed",
                "sentence-view--gutter",
                "sentence-view--flag",
            ):
                styles[f"{lead}+{name}"] = styles[lead] + part[name]
        return styles

    def _block(self, idx: int, current: bool, text_width: int, styles: dict[str, Style], max_rows: int) -> list[Strip]:
        """The rows of sentence ``idx``; one longer than ``max_rows`` (the screen) is laid out no further."""
        source = self.source
        row = source.row_at(idx)
        if row is None:
            return []
        marks = source.marks_of(row)
        width = self.size.width
        max_rows = max(1, max_rows)
        key = (row.id, row.text, current, text_width, width, max_rows, source.reorder, marks, id(styles))
        cached = self._sv_blocks.get(key)
        if cached is not None:
            return cached
        status, flag, status_class = marks
        rtl = sentence_is_rtl(row.text[: (max_rows + 1) * text_width * 2], row.lang)
        rows, _ = bounded_rows(row.text, text_width, max_rows, rtl, source.reorder)
        base = styles["sentence-view--current" if current else "sentence-view--context"]
        lead_name = "sentence-view--pointer" if current else "sentence-view--gutter"
        lead = styles[lead_name]
        strips = []
        for n, line in enumerate(rows):
            segments: list[Segment] = []
            if n == 0:
                segments.append(Segment("▶" if current else " ", lead))
                segments.append(Segment(f"{idx + 1:>7} ", lead))
                segments.append(Segment(status, styles[f"{lead_name}+{status_class}"]))
                segments.append(Segment(flag, styles[f"{lead_name}+sentence-view--flag"]))
                segments.append(Segment(" ", base))
            else:
                segments.append(Segment(" " * GUTTER, base if current else lead))
            used = cell_len(line)
            if rtl and source.reorder and used < text_width:
                segments.append(Segment(" " * (text_width - used), base))
                used = text_width
            segments.append(Segment(line, base))
            rest = width - GUTTER - used
            if rest > 0:
                segments.append(Segment(" " * rest, base))
                strips.append(Strip(segments, width))
            else:
                strips.append(Strip(segments).crop_extend(0, width, styles["base"]))
        if len(self._sv_blocks) > 512:
            self._sv_blocks.clear()
        self._sv_blocks[key] = strips
        return strips

    def _layout(self) -> list[Strip]:
        source = self.source
        width, height = self.size.width, self.size.height
        key = (source.document_id, source.current_idx, width, height, source.reorder, self._version)
        if key == self._layout_key:
            return self._lines
        self._layout_key = key
        text_width = max(8, width - GUTTER - 1)
        if self._sv_styles is None:
            self._sv_styles = self._styles()
        styles = self._sv_styles
        blank = Strip.blank(width, styles["base"])
        idx = source.current_idx
        current = self._block(idx, True, text_width, styles, height)
        room = max(0, height - len(current))
        above_budget = room // 3
        above: list[Strip] = []
        back = idx - 1
        while len(above) < above_budget and back >= 0:
            block = self._block(back, False, text_width, styles, height)
            if not block:
                break
            above = [*block, blank, *above]
            back -= 1
        owners: list[int | None] = []
        back = idx
        for strip in reversed(above):  # which sentence each row above belongs to
            if strip is blank:
                back -= 1
            owners.append(None if strip is blank else back)
        owners.reverse()
        if above_budget:
            above = above[-above_budget:]
            owners = owners[-above_budget:]
        else:
            above, owners = [], []
        lines = [*above, *current]
        owners += [idx] * len(current)
        forward = idx + 1
        while len(lines) < height:
            block = self._block(forward, False, text_width, styles, height)
            if not block:
                if forward >= source.n_sentences:
                    end = Strip(
                        [Segment("  — end of document —".ljust(width)[:width], styles["sentence-view--end"])], width
                    )
                    lines.extend([blank, end])
                    owners += [None, None]
                break
            lines.extend([blank, *block])
            owners += [None] + [forward] * len(block)
            forward += 1
        self.current_rows = (len(above), len(above) + len(current))
        self._lines = lines[:height]
        self._row_index = owners[:height]
        return self._lines

    def on_click(self, event: events.Click) -> None:
        idx = self._row_index[event.y] if 0 <= event.y < len(self._row_index) else None
        if idx is not None:
            self.post_message(self.Picked(idx))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.post_message(self.Picked(self.source.current_idx + 1))

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.post_message(self.Picked(self.source.current_idx - 1))
