"""The annotate screen: one sentence at a time, keyboard only, every decision saved at once.

Keys (ids in ``annotator.tui.keys``): a label key toggles it, Enter saves the selection and
moves on, the exclusive ``none`` key saves in one keystroke, x skips, ! flags, t negates,
w writes a note, u / ctrl+z undo, j k g G . : / \\ move, v toggles bidi, h + a label key
shows its definition. Writes go to the app's save queue (a worker thread, one transaction
each); reads that may scan (filters, search) run in a worker too and post ``SeekDone``.

This module holds the screen itself: what the sentence view reads, layout, position,
page prefetch and view keys. Moving keys and seeks are in ``annotate_navigation``, the
deciding keys in ``annotate_decisions`` (mixins of ``AnnotateScreen``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from sqlalchemy.exc import SQLAlchemyError
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from annotator.core.decisions import Change
from annotator.core.entities import AnnotationState, DocumentInfo, SentenceRow
from annotator.core.labels import LabelSchema
from annotator.core.repository import next_matching
from annotator.core.text import visible
from annotator.tui.bidi import sentence_is_rtl
from annotator.tui.errors import describe_error
from annotator.tui.keys import ANNOTATE_BINDINGS, LAYOUT_DIGITS, label_bindings
from annotator.tui.messages import PageLoaded
from annotator.tui.screens.annotate_decisions import DecisionsMixin, saved_labels
from annotator.tui.screens.annotate_navigation import NavigationMixin
from annotator.tui.screens.dialogs import FilterChoice
from annotator.tui.widgets.panels import DefinitionPanel, DocHeader, LabelPanel, ProgressLine, StatusLine
from annotator.tui.widgets.sentence_view import SentenceView

if TYPE_CHECKING:
    from annotator.tui.app import AnnotatorApp


class AnnotateScreen(NavigationMixin, DecisionsMixin, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = ANNOTATE_BINDINGS

    def __init__(self, document: DocumentInfo, schema: LabelSchema, start_idx: int | None = None) -> None:
        super().__init__()
        self.document = document
        self.schema = schema
        self.idx = 0
        self._start_idx = start_idx
        self.draft: list[str] | None = None  # labels toggled but not yet saved (Enter saves)
        self.filter: FilterChoice = ("all", None)
        self.search_text = ""
        self.awaiting_definition = False
        self._seek_request = 0
        self._loading: set[int] = set()
        # Label keys come from the schema: bind them on this instance, each with an id.
        keys = self._bindings.key_to_bindings
        for binding in label_bindings(schema):
            keys[binding.key] = [*keys.get(binding.key, []), binding]

    # -- what the sentence view reads ------------------------------------------------------

    @property
    def annotator_app(self) -> AnnotatorApp:
        return self.app  # type: ignore[return-value]

    @property
    def document_id(self) -> int:
        return self.document.id

    @property
    def current_idx(self) -> int:
        return self.idx

    @property
    def n_sentences(self) -> int:
        return self.document.n_sentences

    @property
    def reorder(self) -> bool:
        return self.annotator_app.reorder

    def row_at(self, idx: int) -> SentenceRow | None:
        if idx < 0 or idx >= self.document.n_sentences:
            return None
        try:
            return self.annotator_app.pages.get(self.document.id, idx)
        except SQLAlchemyError as exc:  # a read failed while drawing: say so, draw nothing
            self.call_later(self.say, f"Could not read sentence #{idx + 1:,}: {describe_error(exc)}", "error")
            return None

    def effective_state(self, row: SentenceRow) -> AnnotationState:
        """The saved state with the decisions still in the save queue applied on top."""
        state = row.state or AnnotationState()
        for job in self.annotator_app.jobs:
            if job.kind == "save" and job.sentence_id == row.id and job.change is not None:
                state = job.change.apply(state)
                if state.status == "skipped":
                    state = Change(labels=()).apply(state)
        return state

    def marks_of(self, row: SentenceRow) -> tuple[str, str, str]:
        app = self.annotator_app
        state = self.effective_state(row)
        flag = "⚑" if state.flagged else " "
        if row.id in app.failed or app.failing_sentence() == row.id:
            return "✗", flag, "sentence-view--failed"
        if any(job.sentence_id == row.id for job in app.jobs):
            return "…", flag, "sentence-view--pending"
        if state.status == "labelled":
            return "✓", flag, "sentence-view--saved"
        if state.status == "skipped":
            return "↷", flag, "sentence-view--saved"
        return " ", flag, "sentence-view--gutter"

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield DocHeader(id="doc-header")
        with Horizontal(id="main"):
            yield SentenceView(self, id="sentences")
            with Vertical(id="side"):
                yield LabelPanel(id="labels")
                yield DefinitionPanel(id="definition")
        yield ProgressLine(id="progress")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        app = self.annotator_app
        app.annotate_screen = self
        self.query_one(DefinitionPanel).show_label(None)
        if self._start_idx is not None:
            self.idx = self._clamp(self._start_idx)
            self.say(f"{self.document.n_sentences:,} sentences", "info")
        else:
            first_open = next_matching(app.engine, self.document.id, app.annotator_id or 0, -1, "unannotated")
            if first_open is None:
                self.idx = 0
                self.say("Every sentence of this document is decided: review with j/k, or escape for documents", "info")
            else:
                self.idx = first_open
                where = "first sentence" if first_open == 0 else f"your first unannotated sentence, #{first_open + 1:,}"
                self.say(f"Resuming at {where}. ? shows every key.", "info")
        self.refresh_all()
        self._prefetch()

    def on_unmount(self) -> None:
        app = self.annotator_app
        if app.annotate_screen is self:
            app.annotate_screen = None

    def _clamp(self, idx: int) -> int:
        return max(0, min(idx, max(0, self.document.n_sentences - 1)))

    def say(self, message: str, severity: str = "info") -> None:
        self.query_one(StatusLine).say(message, severity)

    def refresh_all(self) -> None:
        """Redraw everything that depends on the position or the saved states."""
        app = self.annotator_app
        self.query_one(SentenceView).invalidate()
        row = self.row_at(self.idx)
        state = self.effective_state(row) if row is not None else AnnotationState()
        saved = saved_labels(state)
        selection = tuple(self.draft) if self.draft is not None else saved
        saving = None
        if row is not None:
            if row.id in app.failed:
                saving = f"NOT SAVED: {app.failed[row.id]}"
            elif app.failing_sentence() == row.id:
                saving = "NOT SAVED yet: retrying (ctrl+r: now)"
            elif any(job.sentence_id == row.id for job in app.jobs):
                saving = "saving…"
        dirty = row is not None and selection != saved  # what _dirty() says, without reading the row again
        self.query_one(LabelPanel).show(self.schema, selection, state, dirty, saving)
        kind, label = self.filter
        filter_text = "" if kind == "all" else (f"label {label}" if label else kind)
        rtl = row is not None and sentence_is_rtl(row.text, row.lang)
        self.query_one(DocHeader).show(
            app.annotator_name or "?",
            self.document.name,
            self.document.lang,
            self.idx,
            self.document.n_sentences,
            filter_text,
            self.reorder,
            rtl,
        )
        self.refresh_progress()

    def refresh_progress(self) -> None:
        progress = self.annotator_app.progress
        self.query_one(ProgressLine).show(
            progress.decided(self.document.id),
            self.document.n_sentences,
            progress.total_decided,
            progress.total_sentences,
        )

    # -- moving --------------------------------------------------------------------------------

    def _dirty(self) -> bool:
        if self.draft is None:
            return False
        row = self.row_at(self.idx)
        if row is None:
            return False
        return tuple(self.draft) != saved_labels(self.effective_state(row))

    def go(self, idx: int) -> None:
        idx = self._clamp(idx)
        if idx != self.idx and self._dirty():
            self.say(f"Selection on #{self.idx + 1:,} was not saved (Enter saves)", "warning")
        self.idx = idx
        self.draft = None
        self._end_definition()
        self.refresh_all()
        self._prefetch()

    def switch_document(self, document: DocumentInfo, idx: int) -> None:
        self.document = document
        self.draft = None
        self.filter = ("all", None)
        self.go(idx)

    def _prefetch(self) -> None:
        app = self.annotator_app
        for page in app.pages.missing_around(self.document.id, self.idx, self.document.n_sentences):
            if page not in self._loading:
                self._loading.add(page)
                self._load_page(self.document.id, page)

    @work(thread=True, exit_on_error=False, group="pages")
    def _load_page(self, document_id: int, page: int) -> None:
        rows = self.annotator_app.pages.load_page(document_id, page)
        self.post_message(PageLoaded(document_id, page, rows))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        self._loading.discard(message.page)
        pages = self.annotator_app.pages
        if not pages.has_page(message.document_id, message.page):
            pages.put_page(message.document_id, message.page, message.rows)

    @on(LabelPanel.Clicked)
    def _label_clicked(self, message: LabelPanel.Clicked) -> None:
        self.action_label(message.label_id)

    @on(SentenceView.Picked)
    def _picked(self, message: SentenceView.Picked) -> None:
        self.go(message.idx)

    # -- view keys -------------------------------------------------------------------------------

    def action_bidi(self) -> None:
        app = self.annotator_app
        app.set_reorder(not app.reorder)
        self.refresh_all()
        state = "on" if app.reorder else "off (for terminals that reorder by themselves)"
        self.say(f"Right-to-left reordering {state}; remembered", "info")

    def action_define(self) -> None:
        self.awaiting_definition = True
        self.query_one(DefinitionPanel).prompt("Definition of which label? Press its key (escape cancels).")

    def _end_definition(self) -> None:
        if self.awaiting_definition:
            self.awaiting_definition = False
            self.query_one(DefinitionPanel).show_label(None)

    def action_documents(self) -> None:
        if self.awaiting_definition:
            self._end_definition()
            return
        if self.query_one(DefinitionPanel).display:
            self.query_one(DefinitionPanel).show_label(None)
            return
        if self._dirty():
            self.say(f"Selection on #{self.idx + 1:,} was not saved", "warning")
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Worker messages do not bubble: hand them to the app's single error handler.
        if event.worker.group == "pages" and event.state == WorkerState.ERROR:
            self._loading.clear()  # let a later move prefetch again
        self.annotator_app.worker_state_changed(event)

    def on_key(self, event: events.Key) -> None:
        char = event.character
        if char and char in LAYOUT_DIGITS:
            # An Arabic or Persian layout sends its own digits: treat them as 0-9.
            event.stop()
            event.prevent_default()
            self.app.simulate_key(LAYOUT_DIGITS[char])
            return
        if self.awaiting_definition:
            active = self.active_bindings.get(event.key)
            if active is None or not (active.binding.id or "").startswith("label."):
                # h, then something other than a label key: forget the h
                self._end_definition()
                if event.key == "escape":
                    event.stop()
                    event.prevent_default()
                    return
        if not char:
            return
        if not char.isascii() and char.isprintable() and event.key not in self.active_bindings:
            self.say(
                f"“{visible(char)}” is not a key here: with a non-Latin keyboard layout use the digit keys for labels "
                "(? lists them)",
                "warning",
            )
