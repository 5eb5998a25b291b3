"""The document picker: every document with this annotator's progress on it.

When work is assigned, only the annotator's own documents are listed (their queue), with
progress on their share, and the summary says how many units are someone else's (or
nobody's): unassigned work is never hidden silently. ``annotate --all`` lists everything.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from annotator.core.entities import DocumentProgress
from annotator.safe_text import safe
from annotator.tui.annotation_session import AnnotationSession
from annotator.tui.keys import PICKER_BINDINGS
from annotator.tui.messages import OpenDocument
from annotator.tui.screens.agreement import AgreementScreen
from annotator.tui.widgets.panels import bar


def document_row(item: DocumentProgress, name_width: int, size: int | None = None) -> Text:
    """A document's line; ``size``: the sentences counted (the annotator's share of it)."""
    doc = item.document
    total = doc.n_sentences if size is None else size
    text = safe(doc.name, limit=name_width)
    text.pad_right(name_width - text.cell_len)
    text.append(f"  {(doc.lang or '?'):<4} ")
    text.append_text(bar(item.decided, total, 16))
    share = f"{item.decided / total:.0%}" if total else "n/a"
    text.append(f" {item.decided:>7,}/{total:<7,} {share:>4}")
    if item.flagged:
        text.append(f"  ⚑ {item.flagged}", style="yellow")
    if total and item.decided >= total:
        text.append("  done", style="green")
    return text


def _units(n: int, unit: str) -> str:
    return f"{n:,} {unit}" + ("" if n == 1 else "s")


def _not_yours(n: int, unit: str) -> str:
    return f"{_units(n, unit)} {'is' if n == 1 else 'are'} not yours"


def queue_summary(session: AnnotationSession) -> Text:
    """What the list holds when work is assigned, and what it leaves out."""
    queue = session.queue
    if queue is None or queue.plan is None:
        return Text("")
    unit = queue.plan.unit
    if session.show_all:
        return Text(f"\n All documents (--all); your queue holds {_units(queue.units, unit)}.", style="dim")
    text = Text(f"\n Your queue: {_units(queue.units, unit)}. ")
    text.append(_not_yours(queue.not_yours, unit), style="bold")
    text.append(" (someone else's or not assigned yet; annotate --all shows them).", style="dim")
    return text


class PickerScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = PICKER_BINDINGS

    def __init__(self, session: AnnotationSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Static(id="picker-title")
        yield Static(id="picker-columns")
        yield OptionList(id="documents")
        yield Static(id="picker-summary")
        yield Footer()

    def on_mount(self) -> None:
        self._show_title()
        self.refresh_documents()

    def on_screen_resume(self) -> None:
        self._show_title()
        self.session.load_progress()

    def _show_title(self) -> None:
        title = Text(" Your queue, " if self.session.in_queue else " Documents for ", style="bold")
        title.append_text(safe(self.session.annotator_name or "?", "bold cyan"))
        title.append("    Enter: annotate   a: agreement   ?: help   q: quit", style="dim")
        self.query_one("#picker-title", Static).update(title)

    def refresh_documents(self) -> None:
        """Fill the list from the app's latest progress (loaded by a worker)."""
        options = self.query_one("#documents", OptionList)
        progress = self.session.progress
        items = progress.documents
        summary = self.query_one("#picker-summary", Static)
        self._show_title()
        if items is None:
            summary.update(Text(" loading progress…", style="dim"))
            return
        if not items:
            summary.update(self._empty_text())
            options.clear_options()
            return
        keep = options.highlighted_option.id if options.highlighted_option else None
        name_width = max(12, min(48, max(len(item.document.name) for item in items)))
        columns = Text(
            "  " + "document".ljust(name_width) + "  lang " + "progress".ljust(16) + " decided/sentences",
            style="bold dim",
        )
        self.query_one("#picker-columns", Static).update(columns)
        options.clear_options()
        sizes = {item.document.id: progress.size(item.document.id, item.document.n_sentences) for item in items}
        options.add_options(
            [
                Option(document_row(item, name_width, sizes[item.document.id]), id=str(item.document.id))
                for item in items
            ]
        )
        target = keep
        if target is None:
            unfinished = [item for item in items if item.decided < sizes[item.document.id]]
            target = str((unfinished or items)[0].document.id)
        for index, item in enumerate(items):
            if str(item.document.id) == target:
                options.highlighted = index
        done = sum(item.decided for item in items)
        total = sum(sizes.values())
        text = Text(f" {len(items)} documents, {done:,} of {total:,} sentences decided ")
        text.append_text(bar(done, total, 20))
        text.append_text(queue_summary(self.session))
        summary.update(text)
        options.focus()

    def _empty_text(self) -> Text:
        queue = self.session.queue
        if not self.session.in_queue or queue is None or queue.plan is None:
            return Text(" No documents yet: run `annotator import FILES` first.", style="bold yellow")
        if queue.plan.mode == "dynamic":
            text = Text(" The queue has nothing for you: every unit has the annotators it needs. ", style="bold yellow")
        else:
            text = Text(" Nothing is assigned to you. ", style="bold yellow")
        text.append(f"{_not_yours(queue.not_yours, queue.plan.unit)} (annotate --all shows them).")
        return text

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(OpenDocument(int(event.option.id or 0)))

    def action_open(self) -> None:
        options = self.query_one("#documents", OptionList)
        if options.highlighted_option is not None:
            self.post_message(OpenDocument(int(options.highlighted_option.id or 0)))

    def action_reload(self) -> None:
        self.session.load_progress()

    def action_agreement(self) -> None:
        """Agreement of every annotator's saved decisions (computed in a worker; escape comes back)."""
        context = self.session.context
        self.app.push_screen(AgreementScreen(context.engine, schema=context.schema))
