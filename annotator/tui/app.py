"""The annotation app: start-up, which screen shows, settings, progress, worker errors, app-wide keys.

Every write goes through the save queue (``annotator.tui.saving``, mixed in here). Worker
errors are handled in one place: ``on_worker_state_changed``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from sqlalchemy import Engine
from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from annotator.core.decisions import ensure_annotator
from annotator.core.entities import DocumentInfo, SentenceRow
from annotator.core.labels import LabelSchema
from annotator.core.repository import document_progress, list_documents, sentence_page
from annotator.core.schemas import active_schema
from annotator.core.text import visible
from annotator.tui.config import Settings, load_settings, save_settings
from annotator.tui.errors import describe_error
from annotator.tui.keys import APP_BINDINGS
from annotator.tui.messages import ProgressLoaded
from annotator.tui.pages import PageCache
from annotator.tui.progress import ProgressState
from annotator.tui.saving import SaveQueue
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.help import HelpScreen
from annotator.tui.screens.name import NameScreen
from annotator.tui.screens.picker import PickerScreen


class AnnotatorApp(SaveQueue, App[int]):
    """``annotator annotate``: returns the number of decisions left unsaved (0 normally)."""

    CSS_PATH = "app.tcss"
    TITLE = "annotator"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = APP_BINDINGS

    def __init__(
        self,
        engine: Engine,
        *,
        annotator: str | None = None,
        document: DocumentInfo | None = None,
        bidi: bool | None = None,
        settings: Settings | None = None,
        schema: LabelSchema | None = None,
        clock: Callable[[], datetime] | None = None,
        page_size: int = 128,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.schema = schema or active_schema(engine)
        self.settings = settings if settings is not None else load_settings()
        self.reorder = self.settings.bidi if bidi is None else bidi
        self.annotator_name: str | None = None
        self.annotator_id: int | None = None
        self._initial_name = annotator or self.settings.annotator
        self._initial_document = document
        self.pages = PageCache(self._read_page, page_size=page_size)
        self.documents: dict[int, DocumentInfo] = {}
        self.progress = ProgressState()
        self._init_save_queue()
        self.clock = clock or datetime.now
        self._clash_warnings: set[str] = set()
        self.annotate_screen: AnnotateScreen | None = None

    # -- start-up ------------------------------------------------------------------------------

    def _read_page(self, document_id: int, first_idx: int, limit: int) -> list[SentenceRow]:
        return sentence_page(self.engine, document_id, first_idx, limit, self.annotator_id)

    def on_mount(self) -> None:
        # Everything imported and built so far lives as long as the app: keep it out of the
        # collector's full passes, which otherwise showed up as 50-100 ms pauses between keys.
        gc.freeze()
        self.set_keymap(self.settings.keymap)
        self.documents = {doc.id: doc for doc in list_documents(self.engine)}
        if self._initial_name:
            self.use_annotator(self._initial_name, remember=False)
            self._enter()
        else:
            self.push_screen(NameScreen(), callback=lambda _name: self._enter())

    def use_annotator(self, name: str, remember: bool = True) -> None:
        """Register (or find) the annotator; raises UserError for an unusable name."""
        self.annotator_id = ensure_annotator(self.engine, name)
        self.annotator_name = name.strip()
        self.pages.clear()
        if remember and self.settings.annotator != self.annotator_name:
            self.settings.annotator = self.annotator_name
            self._save_settings()

    def _enter(self) -> None:
        self.push_screen(PickerScreen())
        self.load_progress()
        if self._initial_document is not None:
            self.open_document(self._initial_document.id)

    def open_document(self, document_id: int, idx: int | None = None) -> None:
        document = self.documents.get(document_id)
        if document is None:
            self.documents = {doc.id: doc for doc in list_documents(self.engine)}
            document = self.documents[document_id]
        if self.annotate_screen is not None and self.annotate_screen.is_attached:
            if self.annotate_screen.document.id != document_id:
                self.annotate_screen.switch_document(document, idx or 0)
            elif idx is not None:
                self.annotate_screen.go(idx)
            return
        self.push_screen(AnnotateScreen(document, self.schema, idx))

    # -- settings ------------------------------------------------------------------------------

    def _save_settings(self) -> None:
        try:
            save_settings(self.settings)
        except OSError as exc:
            self.notify(visible(f"Could not write settings: {exc}"), severity="warning", markup=False)

    def set_reorder(self, on: bool) -> None:
        self.reorder = on
        self.settings.bidi = on
        self._save_settings()

    # -- progress ------------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="progress", exclusive=True)
    def load_progress(self) -> None:
        self.post_message(ProgressLoaded(document_progress(self.engine, self.annotator_id)))

    @on(ProgressLoaded)
    def _progress_loaded(self, message: ProgressLoaded) -> None:
        self.progress.load(message.documents)
        for item in message.documents:
            self.documents[item.document.id] = item.document
        for screen in self.screen_stack:
            if isinstance(screen, PickerScreen) and screen.is_mounted:
                screen.refresh_documents()
        if self.annotate_screen is not None and self.annotate_screen.is_mounted:
            self.annotate_screen.refresh_progress()

    # -- worker errors -------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.worker_state_changed(event)

    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where worker errors end up (screens forward their workers' events here)."""
        if event.state != WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error
        reason = describe_error(error)
        if worker.group != "save":
            message = f"Could not read the database ({worker.group}): {reason}"
            self.notify(message, title="Read failed", severity="error", timeout=8, markup=False)
            self._tell_screen(message, "error")
            return
        self._save_failed(error, reason)

    # -- app-wide keys ---------------------------------------------------------------------------

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: DOMNode) -> None:
        """A [keymap] entry took a key that another binding had: say so once."""
        lost = sorted(f"{binding.id or binding.action} ({binding.key})" for binding in clashed_bindings)
        message = "config [keymap] took keys from: " + ", ".join(lost)
        if message not in self._clash_warnings:
            self._clash_warnings.add(message)
            self.notify(message, title="Key clash", severity="warning", timeout=10, markup=False)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.schema, self.settings.keymap, self.settings.path))
