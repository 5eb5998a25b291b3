"""One annotator's session: who annotates, their pages, progress, and their writes in the queue.

Owned by the annotation app and handed to its screens. It records committed decisions in
the page overlay and the progress counts (``record_state``, run by the save queue on the
UI thread before the screen is told), and answers what a sentence shows right now: the
saved state with the decisions still queued applied on top.

When work is assigned (``annotator assign``), the session lists the annotator's own units
(their *queue*) and counts progress on that share, unless ``show_all``; in the dynamic
queue it takes the next unit when the ones they hold are done. Its ``timer`` measures
the active time each sentence is on screen (``core.timing``), stored with each decision.
"""

from __future__ import annotations

import threading
from functools import partial

from textual.message_pump import MessagePump

from annotator.core.assignment.queue import take_next
from annotator.core.assignment.report import AnnotatorQueue, annotator_queue
from annotator.core.decisions import Change, ensure_annotator
from annotator.core.entities import (
    AnnotationState,
    DocumentInfo,
    DocumentProgress,
    SaveResult,
    SentenceRow,
    UndoResult,
)
from annotator.core.repository import document_progress, list_documents, sentence_page
from annotator.core.suggest.session import SessionJob
from annotator.core.timing import ActiveTimer
from annotator.tui.context import AppContext
from annotator.tui.messages import ProgressLoaded
from annotator.tui.pages import PageCache
from annotator.tui.progress import ProgressState
from annotator.tui.saving import Job, SaveQueue, decision_job, undo_job
from annotator.tui.suggestions import Retrained, Suggester

SENTENCE_UNITS_TAKEN = 25  # sentence units taken from the dynamic queue at a time (a screenful)


class AnnotationSession:
    def __init__(self, context: AppContext, *, page_size: int = 128, show_all: bool = False) -> None:
        self.context = context
        self.annotator_name: str | None = None
        self.annotator_id: int | None = None
        self.pages = PageCache(self._read_page, page_size=page_size)
        self.documents: dict[int, DocumentInfo] = {}
        self.progress = ProgressState()
        self.show_all = show_all
        self.queue: AnnotatorQueue | None = None  # their units, when work is assigned
        self.timer = ActiveTimer(context.ticks)  # monotonic unless a test injects a clock
        self._taking = threading.Lock()
        self.suggester: Suggester | None = None  # annotate --suggest (or S): the model in the loop

    @property
    def in_queue(self) -> bool:
        """The documents listed and the progress counted are the annotator's share."""
        return self.queue is not None and self.queue.active and not self.show_all

    @property
    def sentence_queue(self) -> bool:
        """In a queue whose units are single sentences (others' sentences sit between theirs)."""
        queue = self.queue
        return self.in_queue and queue is not None and queue.plan is not None and queue.plan.unit == "sentence"

    @property
    def saves(self) -> SaveQueue:
        return self.context.saves

    # -- who -------------------------------------------------------------------------------------

    def use_annotator(self, name: str, remember: bool = True) -> None:
        """Register (or find) the annotator; raises UserError for an unusable name."""
        context = self.context
        self.annotator_id = ensure_annotator(context.engine, name)
        self.annotator_name = name.strip()
        self.pages.clear()
        if remember and context.settings.annotator != self.annotator_name:
            context.settings.annotator = self.annotator_name
            context.save_settings()

    # -- reads -----------------------------------------------------------------------------------

    def _read_page(self, document_id: int, first_idx: int, limit: int) -> list[SentenceRow]:
        return sentence_page(self.context.engine, document_id, first_idx, limit, self.annotator_id)

    def load_documents(self) -> None:
        self.documents = {doc.id: doc for doc in list_documents(self.context.engine)}

    def document(self, document_id: int) -> DocumentInfo:
        if document_id not in self.documents:
            self.load_documents()
        return self.documents[document_id]

    def load_progress(self) -> None:
        """Read this annotator's progress in a worker; the app gets ``ProgressLoaded``."""
        self.context.app.run_worker(
            self._progress_worker, group="progress", exclusive=True, thread=True, exit_on_error=False
        )

    def _progress_worker(self) -> None:
        engine = self.context.engine
        documents = document_progress(engine, self.annotator_id)
        queue = None
        if self.annotator_id is not None:
            # One check-and-take at a time: a superseded progress worker still runs to its end,
            # and two of them seeing "nothing left" would take two units.
            with self._taking:
                queue = annotator_queue(engine, self.annotator_id)
                if _wants_more(queue) and not self.show_all:
                    count = 1 if queue.plan is not None and queue.plan.unit == "document" else SENTENCE_UNITS_TAKEN
                    if take_next(engine, self.annotator_id, count=count):
                        queue = annotator_queue(engine, self.annotator_id)
        self.context.app.post_message(ProgressLoaded(documents, queue))

    def progress_loaded(self, message: ProgressLoaded) -> None:
        self.queue = message.queue
        for item in message.documents:
            self.documents[item.document.id] = item.document
        queue = self.queue
        if queue is None or not self.in_queue:
            self.progress.load(message.documents)
            return
        mine = [
            DocumentProgress(item.document, queue.documents[item.document.id].decided, item.flagged)
            for item in message.documents
            if item.document.id in queue.documents
        ]
        self.progress.load(mine, {doc_id: doc.sentences for doc_id, doc in queue.documents.items()})

    # -- what a sentence shows -------------------------------------------------------------------

    def effective_state(self, row: SentenceRow) -> AnnotationState:
        """The saved state with the decisions still in the save queue applied on top."""
        state = row.state or AnnotationState()
        for job in self.saves:
            if job.kind == "save" and job.sentence_id == row.id and job.change is not None:
                state = job.change.apply(state)
                if state.status == "skipped":
                    state = Change(labels=()).apply(state)
        return state

    def marks_of(self, row: SentenceRow) -> tuple[str, str, str]:
        """Status glyph, flag glyph and component class of a row in the sentence view."""
        saves = self.saves
        state = self.effective_state(row)
        flag = "⚑" if state.flagged else " "
        if row.id in saves.failed or saves.failing_sentence() == row.id:
            return "✗", flag, "sentence-view--failed"
        if saves.pending(row.id):
            return "…", flag, "sentence-view--pending"
        if state.status == "labelled":
            return "✓", flag, "sentence-view--saved"
        if state.status == "skipped":
            return "↷", flag, "sentence-view--saved"
        queue = self.queue
        if self.sentence_queue and queue is not None and not queue.contains(row.document_id, row.idx):
            return "·", flag, "sentence-view--gutter"  # someone else's sentence
        return " ", flag, "sentence-view--gutter"

    def saving_text(self, row: SentenceRow) -> str | None:
        """What the label panel says about the row's save, if anything is not settled."""
        saves = self.saves
        if row.id in saves.failed:
            return f"NOT SAVED: {saves.failed[row.id]}"
        if saves.failing_sentence() == row.id:
            return "NOT SAVED yet: retrying (ctrl+r: now)"
        if saves.pending(row.id):
            return "saving…"
        return None

    # -- writes ----------------------------------------------------------------------------------

    def submit_decision(self, row: SentenceRow, change: Change, describe: str, origin: MessagePump) -> Job:
        assert self.annotator_id is not None
        context = self.context
        job = decision_job(
            context.engine,
            context.schema,
            self.annotator_id,
            sentence_id=row.id,
            document_id=row.document_id,
            idx=row.idx,
            change=change,
            describe=describe,
        )
        job.origin = origin
        job.apply = partial(self._saved, row.document_id, row.idx)
        return self.saves.submit(job)

    def submit_undo(self, document_id: int, idx: int, origin: MessagePump) -> Job:
        assert self.annotator_id is not None
        context = self.context
        job = undo_job(context.engine, context.schema, self.annotator_id, document_id=document_id, idx=idx)
        job.origin = origin
        job.apply = self._undone
        return self.saves.submit(job)

    def _saved(self, document_id: int, idx: int, result: SaveResult) -> None:
        self.record_state(result.sentence_id, document_id, idx, result.state)

    def _undone(self, result: UndoResult | None) -> None:
        if result is not None:
            self.record_state(result.sentence_id, result.document_id, result.idx, result.state)

    # -- suggestions -------------------------------------------------------------------------------

    def decision_committed(self, sentence_id: int) -> None:
        """A decision (labels or skip) was saved: count it towards the next retraining."""
        suggester = self.suggester
        if suggester is not None and suggester.decision_saved(sentence_id) and self.annotator_name:
            self.retrain()

    def retrain(self) -> None:
        """Retrain the session's model in the background (a worker waiting on another process)."""
        suggester = self.suggester
        assert suggester is not None and self.annotator_id is not None and self.annotator_name
        url = self.context.engine.url.render_as_string(hide_password=False)
        job = suggester.job(url, self.annotator_id, self.annotator_name)
        suggester.started()
        self.context.app.run_worker(
            partial(self._retrain_worker, suggester, job), group="suggest", thread=True, exit_on_error=False
        )

    def _retrain_worker(self, suggester: Suggester, job: SessionJob) -> None:
        self.context.app.post_message(Retrained(suggester.run(job)))

    def record_state(self, sentence_id: int, document_id: int, idx: int, state: AnnotationState) -> None:
        """A committed state: into the page overlay, off the failed list, into the progress counts."""
        known, before = self.pages.known_state(sentence_id, document_id, idx)
        self.pages.set_state(sentence_id, state)
        self.saves.failed.pop(sentence_id, None)
        if self.in_queue and self.queue is not None and not self.queue.contains(document_id, idx):
            return  # not their share: their progress does not move
        if known:
            self.progress.adjust(document_id, before, state)
        else:
            self.load_progress()


def _wants_more(queue: AnnotatorQueue) -> bool:
    """In the dynamic queue: everything the annotator holds is decided (or they hold nothing)."""
    if queue.plan is None or queue.plan.mode != "dynamic":
        return False
    return all(doc.decided >= doc.sentences for doc in queue.documents.values())
