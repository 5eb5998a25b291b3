"""The save queue: runs every write in order in a worker thread, and retries what failed.

Every write goes through one queue, one job at a time and in order, each in a thread
worker (``@work``-style, ``exit_on_error=False``) that calls the core and posts ``JobDone``
only after the core returned, i.e. after the commit. The screen marks a decision saved
only then. A failed job (database locked, disk full, read-only file) stays at the head
of the queue, is shown on screen, and is retried with back-off (ctrl+r retries now);
the jobs behind it wait, so a later decision never overtakes an earlier one. Quitting
waits for the queue (q again quits without it).

``SaveQueue`` is a mixin of ``AnnotatorApp``: Textual only collects ``@on`` handlers of its
own classes, so the handler here goes by its name (``on_job_done``).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from textual.timer import Timer

from annotator.core.decisions import Change, save_decision, undo_last
from annotator.core.entities import AnnotationState, SaveResult, SentenceRow, UndoResult
from annotator.core.labels import LabelSchema
from annotator.tui.errors import retryable
from annotator.tui.messages import Job, JobDone
from annotator.tui.pages import PageCache
from annotator.tui.progress import ProgressState

if TYPE_CHECKING:
    from textual.app import App

    from annotator.tui.screens.annotate import AnnotateScreen

    _AppBase = App[int]
else:
    _AppBase = object

RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


class SaveQueue(_AppBase):
    """The app's save queue and its worker (mixed into ``AnnotatorApp``)."""

    if TYPE_CHECKING:  # provided by AnnotatorApp
        engine: Engine
        schema: LabelSchema
        annotator_id: int | None
        pages: PageCache
        progress: ProgressState
        clock: Callable[[], datetime]
        annotate_screen: AnnotateScreen | None

        def load_progress(self) -> object: ...

        def open_document(self, document_id: int, idx: int | None = None) -> None: ...

    def _init_save_queue(self) -> None:
        self.jobs: deque[Job] = deque()
        self._in_flight: Job | None = None
        self._retry_timer: Timer | None = None
        self._seq = 0
        self.failed: dict[int, str] = {}  # sentence id -> why its decision could not be saved
        self.saved_count = 0
        self.latencies: list[float] = []  # key handled -> commit acknowledged, seconds
        self._quitting = False

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

    def on_job_done(self, message: JobDone) -> None:
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

    def _record_state(self, sentence_id: int, document_id: int, idx: int, state: AnnotationState) -> None:
        """A committed state: into the page overlay, off the failed list, into the progress counts."""
        known, before = self.pages.known_state(sentence_id, document_id, idx)
        self.pages.set_state(sentence_id, state)
        self.failed.pop(sentence_id, None)
        if known:
            self.progress.adjust(document_id, before, state)
        else:
            self.load_progress()

    def _apply_saved(self, job: Job, result: SaveResult) -> None:
        self._record_state(result.sentence_id, job.document_id, job.idx, result.state)
        self.saved_count += 1
        when = self.clock().strftime("%H:%M:%S")
        text = f"✓ Saved #{job.idx + 1:,}: {job.describe} at {when} ({self.saved_count} this session)"
        self._tell_screen(text, "saved", waiting=len(self.jobs))

    def _apply_undo(self, job: Job, result: UndoResult | None) -> None:
        if result is None:
            self._tell_screen("Nothing left to undo", "warning")
            return
        self._record_state(result.sentence_id, result.document_id, result.idx, result.state)
        state = result.state
        shown = (
            ", ".join(state.labels)
            if state.status == "labelled"
            else {"skipped": "skipped"}.get(state.status, "not decided")
        )
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

    def _save_failed(self, error: BaseException | None, reason: str) -> None:
        """The job in flight raised: keep it at the head and retry later, or drop it as failed."""
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

    # -- quitting waits for the queue -------------------------------------------------------------

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
