"""The annotation app (``annotator annotate``): start-up, which screen shows, progress.

Everything shared with the review app (save queue, quitting, worker errors, key clashes)
is ``BaseApp``'s. This app owns one ``AnnotationSession`` and hands it to its screens;
screens ask for a document with ``OpenDocument`` (they never import this module).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine
from textual import events, on
from textual.worker import Worker, WorkerState

from annotator.core.assignment.report import not_in_queue
from annotator.core.entities import DocumentInfo
from annotator.core.labels import LabelSchema
from annotator.core.text import visible
from annotator.tui.annotation_session import AnnotationSession
from annotator.tui.base import BaseApp
from annotator.tui.config import Settings
from annotator.tui.errors import describe_error
from annotator.tui.messages import OpenDocument, ProgressLoaded
from annotator.tui.pages import PageCache
from annotator.tui.progress import ProgressState
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.help import HelpScreen
from annotator.tui.screens.name import NameScreen
from annotator.tui.screens.picker import PickerScreen
from annotator.tui.suggestions import Retrained, Suggester


class AnnotatorApp(BaseApp):
    """``annotator annotate``: returns the number of decisions left unsaved (0 normally)."""

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
        show_all: bool = False,
        suggester: Suggester | None = None,
    ) -> None:
        super().__init__(engine, bidi=bidi, settings=settings, schema=schema, clock=clock)
        self.session = AnnotationSession(self.context, page_size=page_size, show_all=show_all)
        self.session.suggester = suggester
        self._initial_name = annotator or self.context.settings.annotator
        self._initial_document = document
        self.annotate_screen: AnnotateScreen | None = None

    # -- what tests and the benchmark read -------------------------------------------------------

    @property
    def annotator_name(self) -> str | None:
        return self.session.annotator_name

    @property
    def pages(self) -> PageCache:
        return self.session.pages

    @property
    def progress(self) -> ProgressState:
        return self.session.progress

    async def on_event(self, event: events.Event) -> None:
        # Any key or click, on any screen (a dialog too), is activity: the time since the
        # last one counts for the sentence on screen, up to the pause cap (core.timing).
        if isinstance(event, events.Key | events.MouseDown | events.MouseScrollDown | events.MouseScrollUp):
            self.session.timer.activity()
        await super().on_event(event)

    # -- start-up ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        # Everything imported and built so far lives as long as the app: keep it out of the
        # collector's full passes, which otherwise showed up as 50-100 ms pauses between keys.
        gc.freeze()
        super().on_mount()
        self.session.load_documents()
        if self._initial_name:
            self.session.use_annotator(self._initial_name, remember=False)
            self._enter()
        else:
            self.push_screen(NameScreen(self.session.use_annotator), callback=lambda _name: self._enter())

    def _enter(self) -> None:
        self.push_screen(PickerScreen(self.session))
        self.session.load_progress()
        suggester = self.session.suggester
        first = suggester.next_in_queue(None) if suggester is not None and suggester.order == "uncertain" else None
        # --doc opens once the queue is known (_open_initial_document): it decides where, and whether
        if self._initial_document is None and first is not None:
            # --order uncertain: straight to the sentence the model is least sure of
            self.open_document(first.document_id, first.idx)

    def on_unmount(self) -> None:
        if self.session.suggester is not None:
            self.session.suggester.close()

    # -- suggestions ---------------------------------------------------------------------------

    @on(Retrained)
    def _retrained(self, message: Retrained) -> None:
        suggester = self.session.suggester
        if suggester is None:
            return
        suggester.finished(message.result)
        screen = self.annotate_screen
        if screen is not None and screen.is_attached:
            screen.suggestions_changed(message.result.description or None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        suggester = self.session.suggester
        if event.worker.group == "suggest" and event.state == WorkerState.ERROR and suggester is not None:
            suggester.finished(None)
            # describe_error: one line, any URL password masked (the child gets the full URL)
            reason = f"{type(event.worker.error).__name__}: {describe_error(event.worker.error)}"
            self.notify(f"Retraining failed: {reason}", title="Suggestions", severity="warning", markup=False)
            return
        super().on_worker_state_changed(event)

    @on(OpenDocument)
    def _open_requested(self, message: OpenDocument) -> None:
        self.open_document(message.document_id, message.idx)

    def open_document(self, document_id: int, idx: int | None = None) -> None:
        document = self.session.document(document_id)
        screen = self.annotate_screen
        if screen is not None and screen.is_attached:
            if screen.document.id != document_id:
                screen.switch_document(document, idx or 0)
            elif idx is not None:
                screen.go(idx)
            return
        self.annotate_screen = AnnotateScreen(self.session, document, idx)
        self.push_screen(self.annotate_screen)

    # -- progress ------------------------------------------------------------------------------

    @on(ProgressLoaded)
    def _progress_loaded(self, message: ProgressLoaded) -> None:
        self.session.progress_loaded(message)
        for screen in self.screen_stack:
            if isinstance(screen, PickerScreen) and screen.is_mounted:
                screen.refresh_documents()
        if self.annotate_screen is not None and self.annotate_screen.is_attached:
            self.annotate_screen.refresh_progress()
        self._open_initial_document()

    def _open_initial_document(self) -> None:
        """``annotate --doc``, once the annotator's queue is known: a document with some of
        their units opens (on their sentences, with sentence units); one with none stays
        closed and the document list says why (``--all`` opens any)."""
        document, self._initial_document = self._initial_document, None
        if document is None:
            return
        session = self.session
        queue = session.queue
        if session.in_queue and queue is not None:
            refused = not_in_queue(document.id, document.name, session.annotator_name or "?", queue)
            if refused is not None:
                self.notify(visible(refused), title="Not in your queue", severity="warning", timeout=15, markup=False)
                return
        self.open_document(document.id)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            settings = self.context.settings
            self.push_screen(HelpScreen(self.context.schema, settings.keymap, settings.path))
