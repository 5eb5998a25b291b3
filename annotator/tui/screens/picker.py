"""The document picker: every document with this annotator's progress on it."""

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


def document_row(item: DocumentProgress, name_width: int) -> Text:
    doc = item.document
    text = safe(doc.name, limit=name_width)
    text.pad_right(name_width - text.cell_len)
    text.append(f"  {(doc.lang or '?'):<4} ")
    text.append_text(bar(item.decided, doc.n_sentences, 16))
    share = f"{item.decided / doc.n_sentences:.0%}" if doc.n_sentences else "n/a"
    text.append(f" {item.decided:>7,}/{doc.n_sentences:<7,} {share:>4}")
    if item.flagged:
        text.append(f"  ⚑ {item.flagged}", style="yellow")
    if doc.n_sentences and item.decided >= doc.n_sentences:
        text.append("  done", style="green")
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
        title = Text(" Documents for ", style="bold")
        title.append_text(safe(self.session.annotator_name or "?", "bold cyan"))
        title.append("    Enter: annotate   a: agreement   ?: help   q: quit", style="dim")
        self.query_one("#picker-title", Static).update(title)

    def refresh_documents(self) -> None:
        """Fill the list from the app's latest progress (loaded by a worker)."""
        options = self.query_one("#documents", OptionList)
        items = self.session.progress.documents
        summary = self.query_one("#picker-summary", Static)
        if items is None:
            summary.update(Text(" loading progress…", style="dim"))
            return
        if not items:
            summary.update(Text(" No documents yet: run `annotator import FILES` first.", style="bold yellow"))
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
        options.add_options([Option(document_row(item, name_width), id=str(item.document.id)) for item in items])
        target = keep
        if target is None:
            unfinished = [item for item in items if item.decided < item.document.n_sentences]
            target = str((unfinished or items)[0].document.id)
        for index, item in enumerate(items):
            if str(item.document.id) == target:
                options.highlighted = index
        done = sum(item.decided for item in items)
        total = sum(item.document.n_sentences for item in items)
        text = Text(f" {len(items)} documents, {done:,} of {total:,} sentences decided ")
        text.append_text(bar(done, total, 20))
        summary.update(text)
        options.focus()

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
