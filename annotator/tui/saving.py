"""The save queue: runs every write in order in a worker thread, and retries what failed.

Every write goes through one queue, one job at a time and in order, each in a thread
worker (``exit_on_error=False``) that calls the core and posts ``JobDone`` only after the
core returned, i.e. after the commit. The screen marks a decision saved only then. A
failed job (database locked, disk full, read-only file) stays at the head of the queue,
is shown on screen, and is retried with back-off (ctrl+r retries now); the jobs behind
it wait, so a later decision never overtakes an earlier one. Quitting waits for the
queue (q again quits without it).

``SaveQueue`` is a plain object the app owns (composition, not a mixin): it knows jobs,
not screens. A job says how to run (``run``, in the worker thread) and how to record its
result in the shared state (``apply``, on the UI thread, before anyone is told); the
queue then posts ``SaveQueue.Committed`` / ``Failed`` to the screen that submitted the
job (``origin``), and ``Notice`` to the screen on top for what concerns the whole queue.
The same queue carries annotators' decisions (built here: ``decision_job``, ``undo_job``)
and the adjudicator's gold.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import Engine
from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump
from textual.timer import Timer

from annotator.core.decisions import Change, save_decision, undo_last
from annotator.core.labels import LabelSchema
from annotator.tui.errors import retryable
from annotator.tui.messages import Notice

RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
SLOW_SAVE_SECONDS = 1.0  # a save older than this is said to be waiting


@dataclass(eq=False)
class Job:
    """One write: runs in a worker thread (one transaction), committed when ``run`` returns.

    ``apply(result)`` records the committed result on the UI thread (page overlay,
    progress, the review queue) before the origin screen hears of it.
    """

    kind: str  # save | undo | gold | gold_undo
    run: Callable[[], Any]
    describe: str = ""
    where: str = ""  # how messages name the sentence, e.g. "#12"
    document_id: int | None = None
    idx: int | None = None
    sentence_id: int | None = None
    change: Change | None = None  # a decision job's change (screens show it as pending)
    payload: Any = None  # what a job of another kind carries for the screens (the gold)
    apply: Callable[[Any], None] | None = None
    origin: MessagePump | None = None
    seq: int = 0
    submitted: float = field(default_factory=time.perf_counter)  # when the key was handled
    attempts: int = 0
    error: str | None = None


class JobDone(Message):
    """A job's transaction committed (posted by the save worker after the core returned)."""

    def __init__(self, job: Job, result: Any) -> None:
        super().__init__()
        self.job = job
        self.result = result


class SaveQueue:
    """The app's ordered save queue. The app forwards ``JobDone`` and save-worker errors here."""

    class Committed(Message):
        """A job committed and its result is recorded; ``waiting``: jobs still queued."""

        def __init__(self, job: Job, result: Any, saved: int, waiting: int) -> None:
            super().__init__()
            self.job = job
            self.result = result
            self.saved = saved
            self.waiting = waiting

    class Failed(Message):
        """A job raised: ``retry_in`` seconds until it is tried again, or None: given up."""

        def __init__(self, job: Job, text: str, retry_in: float | None) -> None:
            super().__init__()
            self.job = job
            self.text = text
            self.retry_in = retry_in

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.jobs: deque[Job] = deque()
        self._in_flight: Job | None = None
        self._retry_timer: Timer | None = None
        self._slow_timer: Timer | None = None
        self._seq = 0
        self.failed: dict[int, str] = {}  # sentence id -> why its write could not be saved
        self.saved_count = 0
        self.latencies: list[float] = []  # key handled -> commit acknowledged, seconds
        self.quitting = False

    # -- submitting ------------------------------------------------------------------------------

    def submit(self, job: Job) -> Job:
        self._seq += 1
        job.seq = self._seq
        self.jobs.append(job)
        self._pump()
        return job

    def __iter__(self) -> Iterator[Job]:
        return iter(self.jobs)

    def __len__(self) -> int:
        return len(self.jobs)

    def pending(self, sentence_id: int) -> bool:
        return any(job.sentence_id == sentence_id for job in self.jobs)

    def failing_sentence(self) -> int | None:
        """The sentence whose save failed and waits for a retry (head of the queue)."""
        head = self.jobs[0] if self.jobs else None
        return head.sentence_id if head is not None and head.error and self._in_flight is None else None

    # -- running ---------------------------------------------------------------------------------

    def _pump(self) -> None:
        if self._in_flight is not None or self._retry_timer is not None or not self.jobs:
            return
        job = self.jobs[0]
        self._in_flight = job
        job.attempts += 1
        self._watch_slow(job)
        self.app.run_worker(
            partial(self._execute, job), name=f"save-{job.seq}", group="save", thread=True, exit_on_error=False
        )

    def _execute(self, job: Job) -> Any:
        """Runs in a worker thread: one transaction, committed when the core returns."""
        result = job.run()
        self.app.post_message(JobDone(job, result))
        return result

    def _watch_slow(self, job: Job) -> None:
        """Say "waiting" on the status line if ``job`` is still in flight when it is a second old."""
        if self._slow_timer is not None:
            self._slow_timer.stop()
        age = time.perf_counter() - job.submitted
        self._slow_timer = self.app.set_timer(max(0.05, SLOW_SAVE_SECONDS - age), partial(self._say_waiting, job))

    def _say_waiting(self, job: Job) -> None:
        self._slow_timer = None
        if self._in_flight is not job:
            return
        age = time.perf_counter() - job.submitted
        behind = len(self.jobs) - 1
        queued = f"; {behind} more waiting behind it" if behind else ""
        notice = Notice(f"Waiting for the database: {job.where} not saved yet ({age:.0f} s){queued}", "warning")
        self._tell(job, notice)
        self._slow_timer = self.app.set_timer(1.0, partial(self._say_waiting, job))  # keep the age current

    def retry_now(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        self._pump()

    def job_done(self, message: JobDone) -> None:
        """The app hands every ``JobDone`` here (on the UI thread)."""
        job = message.job
        if job is not self._in_flight:
            return
        self.jobs.popleft()
        self._in_flight = None
        self.latencies.append(time.perf_counter() - job.submitted)
        if job.sentence_id is not None:
            self.failed.pop(job.sentence_id, None)
        if job.error:
            self.app.notify(f"Saved after {job.attempts} attempts: {job.where}", severity="information", markup=False)
        if job.apply is not None:
            job.apply(message.result)
        if job.kind not in ("undo", "gold_undo"):
            self.saved_count += 1
        self._tell(job, self.Committed(job, message.result, self.saved_count, len(self.jobs)))
        self._pump()
        if self.quitting and not self.jobs:
            self.app.exit(0)

    def job_failed(self, error: BaseException | None, reason: str) -> None:
        """The job in flight raised: keep it at the head and retry later, or drop it as failed."""
        job = self._in_flight
        self._in_flight = None
        if job is None:
            return
        where = f"{job.where} ({job.describe})"
        retry_in: float | None = None
        if retryable(error):
            job.error = reason
            retry_in = RETRY_DELAYS[min(job.attempts, len(RETRY_DELAYS)) - 1]
            self._retry_timer = self.app.set_timer(retry_in, self.retry_now)
            text = f"NOT SAVED {where}: {reason}. Retrying in {retry_in:g} s (ctrl+r: now)"
        else:
            self.jobs.popleft()
            if job.sentence_id is not None:
                self.failed[job.sentence_id] = reason
            text = f"NOT SAVED {where}: {reason}"
            self._pump()
        self.app.notify(text, title="Not saved", severity="error", timeout=8, markup=False)
        self._tell(job, self.Failed(job, text, retry_in))

    def _tell(self, job: Job, message: Message) -> None:
        origin = job.origin
        if origin is not None and origin.is_attached:
            origin.post_message(message)

    # -- quitting waits for the queue -------------------------------------------------------------

    def quit(self) -> int | None:
        """What ``q`` does: the exit code to quit with now, or None while the queue drains."""
        if not self.jobs:
            return 0
        if self.quitting:
            return len(self.jobs)
        self.quitting = True
        text = f"Saving {len(self.jobs)} decision(s) before quitting… (q again quits without them)"
        self.app.screen.post_message(Notice(text, "warning"))
        self.app.notify(text, severity="warning", markup=False)
        return None

    def run_result(self) -> dict[str, Any]:
        return {"saved": self.saved_count, "unsaved": len(self.jobs) + len(self.failed)}


# -- the annotators' writes ------------------------------------------------------------------------


def _save(engine: Engine, schema: LabelSchema, annotator: int, sentence_id: int, change: Change) -> Any:
    return save_decision(engine, schema, annotator, sentence_id, change)  # looked up now: tests replace it


def _undo(engine: Engine, schema: LabelSchema, annotator: int) -> Any:
    return undo_last(engine, schema, annotator)


def decision_job(
    engine: Engine,
    schema: LabelSchema,
    annotator: int,
    *,
    sentence_id: int,
    document_id: int,
    idx: int,
    change: Change,
    describe: str,
) -> Job:
    return Job(
        "save",
        partial(_save, engine, schema, annotator, sentence_id, change),
        describe=describe,
        where=f"#{idx + 1:,}",
        document_id=document_id,
        idx=idx,
        sentence_id=sentence_id,
        change=change,
    )


def undo_job(engine: Engine, schema: LabelSchema, annotator: int, *, document_id: int, idx: int) -> Job:
    return Job(
        "undo",
        partial(_undo, engine, schema, annotator),
        describe="undo",
        where="undo",
        document_id=document_id,
        idx=idx,
    )
