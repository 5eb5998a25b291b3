"""The review screen's own widgets: its header, the annotators side by side, the queue line.

Like the other panels they render ``rich.text.Text`` built piece by piece; annotator
names, notes and document names are untrusted: they go through ``safe`` or ``visible``
(and right-to-left notes are reordered for display like the sentences).
"""

from __future__ import annotations

from rich.text import Text

from annotator.core.gold.review import ReviewItem, Suggestion, Vote
from annotator.core.labels import LabelSchema
from annotator.core.text import visible
from annotator.safe_text import safe
from annotator.tui.bidi import display_lines, has_rtl, sentence_is_rtl
from annotator.tui.widgets.panels import QuietStatic, bar


def label_names(schema: LabelSchema, labels: tuple[str, ...] | list[str]) -> str:
    names = {label.id: label.name for label in schema.labels}
    return ", ".join(names.get(label, label) for label in labels)


class ReviewHeader(QuietStatic):
    """Who adjudicates, where in the queue, which sentence of which document, what is disputed."""

    def show(
        self,
        adjudicator: str,
        position: int | None,
        size: int,
        item: ReviewItem | None,
        label: str | None,
        rtl: bool,
        reorder: bool,
    ) -> None:
        text = Text(" adjudicating as ")
        text.append_text(safe(adjudicator, "bold"))
        text.append("  │  ", style="dim")
        text.append(f"queue {position + 1:,} of {size:,}" if position is not None else f"queue of {size:,}")
        if label:
            text.append("  │  ", style="dim")
            text.append(f"only {label}", style="bold yellow")
        if item is not None:
            text.append("  │  ", style="dim")
            text.append_text(safe(item.document_name, "bold", limit=40))
            text.append(f"  sentence {item.idx + 1:,}")
            if item.lang:
                text.append(f"  {item.lang}", style="italic")
        if rtl:
            text.append("  │  ", style="dim")
            text.append("RTL reordered" if reorder else "RTL as stored (v)", style="cyan")
        self.show_text(text)


def display_text(text: str, width: int, reorder: bool, style: str = "") -> list[Text]:
    """Untrusted text as display rows: control characters visible, right-to-left runs
    reordered and shaped like the sentence view does (when ``reorder`` is on)."""
    shown = visible(text)
    if not has_rtl(shown):
        return [Text(shown, style=style)]
    rows = display_lines(shown, max(8, width), sentence_is_rtl(shown, None), reorder)
    return [Text(row, style=style) for row in rows]


class VotesPanel(QuietStatic):
    """Each annotator's label set, negated flag and note, side by side; the suggestion."""

    def show(
        self,
        schema: LabelSchema,
        columns: list[tuple[str, str, Vote]],  # (letter, shown name, vote)
        suggestion: Suggestion | None,
        suggestion_by: str,
        disputed: list[str],
        reorder: bool = True,
    ) -> None:
        text = Text()
        width = max((len(shown) for _, shown, _ in columns), default=1)
        total = (self.size.width or 80) - 1  # a column kept for the scrollbar
        room = total - width - 9
        for _letter, shown, vote in columns:
            name = Text(" ").join(display_text(shown[:24], 24, reorder, "bold cyan"))
            name.pad_right(width + 2 - name.cell_len)
            text.append(" ")
            text.append_text(name)
            if vote.status == "labelled":  # label names wrapped under themselves, not under the name
                rows = _wrapped(label_names(schema, vote.labels), total - width - 3)
                text.append(("\n" + " " * (width + 3)).join(rows), style="bold")
            elif vote.status == "skipped":
                text.append("skipped (not a vote)", style="dim italic")
            else:
                text.append("not decided (not a vote)", style="dim italic")
            if vote.negated:
                text.append("  negated", style="bold magenta")
            if vote.flagged:
                text.append("  ⚑", style="bold yellow")
            if vote.note:
                note = vote.note if len(vote.note) <= 240 else vote.note[:239] + "…"
                for n, row in enumerate(display_text(note, room, reorder, "italic")):
                    text.append("\n   " + " " * width)
                    text.append("note: " if n == 0 else "      ", style="dim")
                    text.append_text(row)
            text.append("\n")
        text.append("\n")
        text.append(" suggestion  ", style="dim")
        if suggestion is None:
            rows = _wrapped("none: no set has more than half of the votes", total - 13)
            text.append("\n             ".join(rows), style="yellow")
        else:
            rows = _wrapped(label_names(schema, suggestion.labels), total - 13)
            text.append("\n             ".join(rows), style="bold green")
            text.append(
                f"\n             {suggestion.method}, {suggestion.support} of {suggestion.of}: {suggestion_by}"
                " (Enter accepts it)",
                style="dim",
            )
        text.append("\n")
        text.append(" disputed    ", style="dim")
        for n, line in enumerate(_wrapped(label_names(schema, disputed) or "—", total - 13)):
            text.append("\n             " if n else "")
            text.append(line, style="yellow")
        self.show_text(text)

    def show_message(self, message: str) -> None:
        # Not ``loading``: that is Textual's reactive (a busy widget that ignores the mouse).
        self.show_text(Text(" " + message, style="dim italic"))


class QueueLine(QuietStatic):
    """How far the queue is: sentences with a gold, left for later, in all."""

    _figures: tuple[int, int, int] | None = None

    def on_resize(self) -> None:
        if self._figures is not None:
            self.show(*self._figures)

    def show(self, decided: int, later: int, size: int) -> None:
        self._figures = (decided, later, size)
        share = f"{decided / size:.0%}" if size else "n/a"
        figure = f" {decided:,}/{size:,} {share}"
        rest = f"   left for later {later:,}" if later else ""
        width = max(4, min(40, (self.size.width or 80) - len(" gold saved ") - len(figure) - len(rest) - 1))
        text = Text(" gold saved ")
        text.append_text(bar(decided, size, width))
        text.append(figure)
        if rest:
            text.append(rest, style="yellow")
        self.show_text(text)


def _wrapped(text: str, width: int) -> list[str]:
    """Plain words onto rows of ``width`` (the panel indents the rows after the first)."""
    rows: list[str] = []
    for word in text.split(" "):
        if rows and len(rows[-1]) + 1 + len(word) <= max(12, width):
            rows[-1] += " " + word
        else:
            rows.append(word)
    return rows
