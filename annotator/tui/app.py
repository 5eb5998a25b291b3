"""The annotation TUI: screens, the save queue and its worker, progress, settings.

Every write goes through one queue, one job at a time and in order, each in a thread
worker (``@work``-style, ``exit_on_error=False``) that calls the core and posts ``JobDone``
only after the core returned, i.e. after the commit. The screen marks a decision saved
only then. A failed job (database locked, disk full, read-only file) stays at the head
of the queue, is shown on screen, and is retried with back-off (ctrl+r retries now);
the jobs behind it wait, so a later decision never overtakes an earlier one. Worker
errors are handled in one place: ``on_worker_state_changed``.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from sqlalchemy import Engine
from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from annotator.core.decisions import Change, ensure_annotator, save_decision, undo_last
from annotator.core.entities import AnnotationState, DocumentInfo, DocumentProgress, SaveResult, SentenceRow, UndoResult
from annotator.core.labels import LabelSchema
from annotator.core.repository import document_progress, list_documents, sentence_page
from annotator.core.schemas import active_schema
from annotator.core.text import visible
from annotator.tui.config import Settings, load_settings, save_settings
from annotator.tui.errors import describe_error, retryable
from annotator.tui.keys import APP_BINDINGS
from annotator.tui.messages import Job, JobDone, ProgressLoaded
from annotator.tui.pages import PageCache
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.help import HelpScreen
from annotator.tui.screens.name import NameScreen
from annotator.tui.screens.picker import PickerScreen

RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


@dataclass
class ProgressState:
    """Decided sentences per document for this annotator, kept current as saves commit."""

    documents: list[DocumentProgress] | None = None
    by_doc: dict[int, int] = field(default_factory=dict)
    sizes: dict[int, int] = field(default_factory=dict)

    def load(self, documents: list[DocumentProgress]) -> None:
        self.documents = documents
        self.by_doc = {item.document.id: item.decided for item in documents}
        self.sizes = {item.document.id: item.document.n_sentences for item in documents}

    def decided(self, document_id: int) -> int | None:
        return self.by_doc.get(document_id) if self.documents is not None else None

    @property
    def total_decided(self) -> int | None:
        return sum(self.by_doc.values()) if self.documents is not None else None

    @property
    def total_sentences(self) -> int:
        return sum(self.sizes.values())

    def adjust(self, document_id: int, before: AnnotationState | None, after: AnnotationState | None) -> None:
        if self.documents is None:
            return
        delta = int(bool(after and after.decided)) - int(bool(before and before.decided))
        self.by_doc[document_id] = self.by_doc.get(document_id, 0) + delta


class AnnotatorApp(App[int]):
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
        self.jobs: deque[Job] = deque()
        self._in_flight: Job | None = None
        self._retry_timer: Timer | None = None
        self._seq = 0
        self.failed: dict[int, str] = {}  # sentence id -> why its decision could not be saved
        self.saved_count = 0
        self.latencies: list[float] = []  # key handled -> commit acknowledged, seconds
        self.clock = clock or datetime.now
        self._quitting = False
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

    # -- the save queue ------------------------------------------------------------------------

    def submit_save(self, row: SentenceRow, change: Change, describe: str) -> Job:
        self._seq += 1
        job = Job(self._seq, "save", row.document_id, row.idx, row.id, change, describe, time.perf_counter())
        self.jobs.append(job)
        self._pump()
        return job

    def submit_undo(self, document_id: int, idx: int) -> Job:
        self._seq += 1
        job = Job(self._seq, "undo", document_id, idx, None, None, "undo", time.perf_counter())
        self.jobs.append(job)
        self._pump()
        return job

    def failing_sentence(self) -> int | None:
        """The sentence whose save failed and waits for a retry (head of the queue)."""
        head = self.jobs[0] if self.jobs else None
        return head.sentence_id if head is not None and head.error and self._in_flight is None else None

    def _pump(self) -> None:
        if self._in_flight is not None or self._retry_timer is not None or not self.jobs:
            return
        job = self.jobs[0]
        self._in_flight = job
        job.attempts += 1
        self.run_worker(
            partial(self._execute, job), name=f"save-{job.seq}", group="save", thread=True, exit_on_error=False
        )

    def _execute(self, job: Job) -> SaveResult | UndoResult | None:
        """Runs in a worker thread: one transaction, committed when the core returns."""
        assert self.annotator_id is not None
        result: SaveResult | UndoResult | None
        if job.kind == "save":
            assert job.sentence_id is not None and job.change is not None
            result = save_decision(self.engine, self.schema, self.annotator_id, job.sentence_id, job.change)
        else:
            result = undo_last(self.engine, self.schema, self.annotator_id)
        self.post_message(JobDone(job, result))
        return result

    def retry_now(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        self._pump()

    @on(JobDone)
    def _job_done(self, message: JobDone) -> None:
        job = message.job
        if job is not self._in_flight:
            return
        self.jobs.popleft()
        self._in_flight = None
        self.latencies.append(time.perf_counter() - job.submitted)
        if job.error:
            self.notify(f"Saved after {job.attempts} attempts: #{job.idx + 1}", severity="information", markup=False)
        if job.kind == "save":
            assert isinstance(message.result, SaveResult)
            self._apply_saved(job, message.result)
        else:
            self._apply_undo(job, message.result if isinstance(message.result, UndoResult) else None)
        self._pump()
        if self._quitting and not self.jobs:
            self.exit(0)

    def _apply_saved(self, job: Job, result: SaveResult) -> None:
        known, before = self.pages.known_state(result.sentence_id, job.document_id, job.idx)
        self.pages.set_state(result.sentence_id, result.state)
        self.failed.pop(result.sentence_id, None)
        if known:
            self.progress.adjust(job.document_id, before, result.state)
        else:
            self.load_progress()
        self.saved_count += 1
        when = self.clock().strftime("%H:%M:%S")
        text = f"✓ Saved #{job.idx + 1:,}: {job.describe} at {when} ({self.saved_count} this session)"
        self._tell_screen(text, "saved", waiting=len(self.jobs))

    def _apply_undo(self, job: Job, result: UndoResult | None) -> None:
        if result is None:
            self._tell_screen("Nothing left to undo", "warning")
            return
        known, before = self.pages.known_state(result.sentence_id, result.document_id, result.idx)
        self.pages.set_state(result.sentence_id, result.state)
        self.failed.pop(result.sentence_id, None)
        if known:
            self.progress.adjust(result.document_id, before, result.state)
        else:
            self.load_progress()
        state = result.state
        shown = ", ".join(state.labels) if state.status == "labelled" else {"skipped": "skipped"}.get(state.status, "not decided")
        when = self.clock().strftime("%H:%M:%S")
        screen = self.annotate_screen
        if screen is not None and screen.is_mounted:
            self.open_document(result.document_id, result.idx)
            screen.draft = None
            screen.refresh_all()
        self._tell_screen(f"↶ Undone on #{result.idx + 1:,}: now {shown} (saved at {when})", "saved")

    def _tell_screen(self, text: str, severity: str, waiting: int = 0) -> None:
        screen = self.annotate_screen
        if screen is None or not screen.is_mounted:
            return
        if waiting:
            text += f"; {waiting} more being saved"
        screen.say(text, severity)
        screen.refresh_all()

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
        job = self._in_flight
        self._in_flight = None
        if job is None:
            return
        where = f"#{job.idx + 1:,} ({job.describe})"
        if retryable(error):
            job.error = reason
            delay = RETRY_DELAYS[min(job.attempts, len(RETRY_DELAYS)) - 1]
            self._retry_timer = self.set_timer(delay, self.retry_now)
            message = f"NOT SAVED {where}: {reason}. Retrying in {delay:g} s (ctrl+r: now)"
        else:
            self.jobs.popleft()
            if job.sentence_id is not None:
                self.failed[job.sentence_id] = reason
            message = f"NOT SAVED {where}: {reason}"
            self._pump()
        self.notify(message, title="Not saved", severity="error", timeout=8, markup=False)
        self._tell_screen(message, "error")

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

    async def action_quit(self) -> None:
        if not self.jobs:
            self.exit(0)
            return
        if self._quitting:
            self.exit(len(self.jobs))
            return
        self._quitting = True
        message = f"Saving {len(self.jobs)} decision(s) before quitting… (q again quits without them)"
        self._tell_screen(message, "warning")
        self.notify(message, severity="warning", markup=False)

    def run_result(self) -> dict[str, Any]:
        return {"saved": self.saved_count, "unsaved": len(self.jobs) + len(self.failed)}
