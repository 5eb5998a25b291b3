"""The small widgets around the sentence view: header, label panel, progress and status lines.

All of them render ``rich.text.Text`` built piece by piece (never markup strings), with
untrusted text (document names, notes) passed through ``visible`` first.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from annotator.core.entities import AnnotationState
from annotator.core.labels import Label, LabelSchema
from annotator.core.text import visible
from annotator.safe_text import safe
from annotator.tui.suggestions import SuggestionView


def bar(done: int, total: int, width: int) -> Text:
    """A text progress bar (deterministic in snapshots, unlike an animated widget)."""
    share = done / total if total else 0.0
    filled = round(share * width)
    return Text("█" * filled, style="green") + Text("░" * (width - filled), style="dim")


class QuietStatic(Static):
    """A Static that skips the refresh (and the layout pass) when its text did not change."""

    _shown: Text | None = None

    def show_text(self, text: Text) -> None:
        if self._shown is not None and text == self._shown:
            return
        relayout = self._shown is None or len(self._shown.plain.splitlines()) != len(text.plain.splitlines())
        self._shown = text
        self.update(text, layout=relayout)


class DocHeader(QuietStatic):
    """Annotator, document, language, position and filter."""

    def show(
        self,
        annotator: str,
        name: str,
        lang: str | None,
        idx: int,
        total: int,
        filter_text: str,
        reorder: bool,
        rtl: bool,
        order_text: str = "",
    ) -> None:
        text = Text()
        text.append(" ")
        text.append_text(safe(annotator, "bold"))
        text.append("  │  ", style="dim")
        text.append_text(safe(name, "bold", limit=60))
        text.append("  │  ", style="dim")
        text.append(lang or "?", style="italic")
        text.append("  │  ", style="dim")
        text.append(f"sentence {idx + 1:,} of {total:,}")
        if filter_text:
            text.append("  │  ", style="dim")
            text.append(f"filter: {filter_text}", style="bold yellow")
        elif order_text:
            text.append("  │  ", style="dim")
            text.append(f"order: {order_text}", style="bold cyan")
        if rtl:
            text.append("  │  ", style="dim")
            text.append("RTL reordered" if reorder else "RTL as stored (v)", style="cyan")
        self.show_text(text)


class LabelPanel(QuietStatic):
    """Key, name and selected-or-not for every label, then what the screen says about them.

    The annotate screen shows the decision's status, negated, flag and note below the labels
    (``show``); the review screen shows the gold's provenance and, beside each label, how
    many annotators chose it (``show_labels`` with ``marks`` and a ``footer``).
    """

    class Clicked(Message):
        def __init__(self, label_id: str) -> None:
            super().__init__()
            self.label_id = label_id

    _label_ids: tuple[str, ...] = ()

    def on_click(self, event: events.Click) -> None:
        if 0 <= event.y < len(self._label_ids):
            self.post_message(self.Clicked(self._label_ids[event.y]))

    def show_labels(
        self,
        schema: LabelSchema,
        selected: tuple[str, ...] | list[str],
        footer: Text,
        marks: dict[str, Text] | None = None,
    ) -> None:
        self._label_ids = tuple(label.id for label in schema.labels)
        text = Text()
        chosen = set(selected)
        for label in schema.labels:
            on = label.id in chosen
            keys = label.key + ("/" + label.alt_key if label.alt_key else "")
            text.append("■ " if on else "□ ", style="bold green" if on else "dim")
            text.append(f"{keys:<4}", style="bold" if on else "")
            text.append(" ")
            if marks is not None:
                text.append_text(marks.get(label.id, Text("   ")))
                text.append(" ")
            text.append(label.name, style="bold green" if on else "")
            text.append("\n")
        text.append("\n")
        text.append_text(footer)
        self.show_text(text)

    def show(
        self,
        schema: LabelSchema,
        selected: tuple[str, ...] | list[str],
        state: AnnotationState,
        draft: bool,
        saving: str | None,
        suggestions: SuggestionView | None = None,
    ) -> None:
        text = Text()
        if suggestions is not None:
            text.append_text(_suggestion_legend(schema, suggestions))
            text.append("\n\n")
        status = {"labelled": ("labelled", "green"), "skipped": ("skipped", "yellow"), "open": ("not decided", "dim")}
        word, style = status.get(state.status, (state.status, ""))
        text.append("status  ", style="dim")
        text.append(word, style=style)
        if draft:
            text.append("  (selection not saved: Enter)", style="bold yellow")
        text.append("\n")
        text.append("negated ", style="dim")
        text.append("yes" if state.negated else "no", style="bold magenta" if state.negated else "")
        text.append("   flagged ", style="dim")
        text.append("yes ⚑" if state.flagged else "no", style="bold yellow" if state.flagged else "")
        text.append("\n")
        text.append("note    ", style="dim")
        text.append_text(safe(state.note, "italic", limit=200) if state.note else Text("—", style="dim"))
        if saving:
            text.append("\n")
            text.append(saving, style="bold red" if saving.startswith("NOT") else "yellow")
        marks = None
        if suggestions is not None:
            marks = {label.id: _probability(label.id, suggestions) for label in schema.labels}
        self.show_labels(schema, selected, text, marks)


def _probability(label_id: str, view: SuggestionView) -> Text:
    """``◆ 91%`` for a suggested label, `` 34%`` otherwise; ``*`` marks a hints-only label."""
    p = view.probabilities[label_id]
    suggested = label_id in view.suggested
    text = Text("◆" if suggested else " ", style="bold cyan" if suggested else "")
    text.append(f"{round(100 * p):3d}%", style="bold cyan" if suggested else "dim")
    text.append("*" if view.sources.get(label_id) == "prior" else " ", style="dim")
    return text


def _suggestion_legend(schema: LabelSchema, view: SuggestionView) -> Text:
    text = Text()
    text.append("suggest ", style="dim")
    text.append_text(safe(view.description, "italic", limit=120))
    if view.retraining:
        text.append(" (retraining…)", style="yellow")
    if not view.suggested:
        text.append("\n        nothing suggested for this one", style="dim")
    elif view.preselected:
        text.append("\n        ◆ suggested, pre-selected: Enter saves;", style="cyan")
        text.append("\n          moving on saves nothing", style="cyan")
    else:
        text.append("\n        ◆ suggested: Tab selects, Enter saves", style="cyan")
    text.append("\n        % how likely each label is", style="dim")
    if any(view.sources.get(label.id) == "prior" for label in schema.labels):
        text.append("\n        * hints only (too few examples yet)", style="dim")
    return text


class DefinitionPanel(Static):
    """One label's definition and example, shown beside the sentence (``h`` + label key)."""

    def show_label(self, label: Label | None) -> None:
        if label is None:
            self.update("")
            self.display = False
            return
        text = Text()
        keys = label.key + (" / " + label.alt_key if label.alt_key else "")
        text.append(f"{label.name}", style="bold")
        text.append(f"  ({keys})\n", style="dim")
        text.append(label.description)
        if label.exclusive:
            text.append(" Exclusive: clears the other labels.", style="italic")
        if label.example:
            text.append("\ne.g. ", style="dim")
            text.append(label.example, style="italic")
        self.update(text)
        self.display = True

    def prompt(self, message: str) -> None:
        self.update(Text(message, style="italic"))
        self.display = True


class ProgressLine(QuietStatic):
    _figures: tuple[int | None, int, int | None, int, bool] | None = None

    def on_resize(self) -> None:
        if self._figures is not None:
            self.show(*self._figures)  # bar widths follow the terminal width

    def show(
        self, doc_done: int | None, doc_total: int, all_done: int | None, all_total: int, in_queue: bool = False
    ) -> None:
        """Progress on the document and on everything; ``in_queue``: the figures count the
        annotator's assigned sentences only, and the labels say so."""
        self._figures = (doc_done, doc_total, all_done, all_total, in_queue)
        figures = []
        for done, total in ((doc_done, doc_total), (all_done, all_total)):
            if done is None:
                figures.append(f" ?/{total:,}")
            else:
                share = f"{done / total:.0%}" if total else "n/a"
                figures.append(f" {done:,}/{total:,} {share}")
        labels = (" yours in this document ", "    your queue ") if in_queue else (" document ", "    all documents ")
        fixed = sum(len(part) for part in (*labels, *figures))
        width = max(4, min(30, ((self.size.width or 80) - fixed - 1) // 2))
        text = Text()
        for label, figure, (done, total) in zip(
            labels, figures, ((doc_done, doc_total), (all_done, all_total)), strict=True
        ):
            text.append(label)
            if done is None:
                text.append("…" + " " * (width - 1), style="dim")
            else:
                text.append_text(bar(done, total, width))
            text.append(figure)
        self.show_text(text)


class StatusLine(QuietStatic):
    """The last thing that happened: saved (with the time), not saved (and why), hints."""

    def say(self, message: str, severity: str = "info") -> None:
        styles = {"info": "", "saved": "green", "warning": "bold yellow", "error": "bold white on red"}
        self.show_text(Text(" " + visible(message), style=styles.get(severity, "")))
        self.set_class(severity == "error", "-error")
