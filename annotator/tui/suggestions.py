"""Suggestions in the annotate screen: the model of the session, its retraining, the queue.

``Suggester`` is owned by the annotation session (composition, like the save queue) and
read by the annotate screen: the probabilities and the suggested set of a sentence
(computed on the UI thread on first sight, well under a millisecond a sentence, then
cached), which labels have a trained classifier, and, with ``--order uncertain``, the next
sentence to ask about. Every ``retrain_every`` decisions saved with it, a retraining
(``annotator.core.suggest.session.run_session_job``) runs in a separate process from a
thread worker, so that no key ever waits for it; its ``Retrained`` message swaps the
model and the queue in on the UI thread.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from textual.message import Message

from annotator.core.entities import SentenceRow
from annotator.core.labels import LabelSchema
from annotator.core.suggest.model import THRESHOLD, SuggestionModel, decide
from annotator.core.suggest.session import QueueItem, SessionJob, SessionResult, run_session_job

RETRAIN_EVERY = 20


@dataclass(frozen=True)
class SuggestionView:
    """What the label panel shows for one sentence."""

    probabilities: dict[str, float]
    suggested: tuple[str, ...]
    sources: dict[str, str]  # label -> "model" | "prior"
    description: str
    retraining: bool
    preselected: bool = False  # suggest_preselect: an undecided sentence starts with them selected


class Retrained(Message):
    """A background retraining (and re-ranking) finished."""

    def __init__(self, result: SessionResult) -> None:
        super().__init__()
        self.result = result


class Suggester:
    def __init__(
        self,
        schema: LabelSchema,
        model: SuggestionModel,
        description: str,
        *,
        enabled: bool = True,
        order: str = "document",
        queue: list[QueueItem] | None = None,
        retrain_every: int = RETRAIN_EVERY,
        preselect: bool = False,
        base_source: str | None = None,
        executor: Callable[[], Executor] | None = None,
    ) -> None:
        self.schema = schema
        self.model = model
        self.description = description
        self.enabled = enabled
        self.order = order
        self.queue: list[QueueItem] = list(queue or [])
        self.retrain_every = retrain_every
        self.preselect = preselect
        self.base_source = base_source  # the stored model's training data, kept in retrainings
        self.retraining = False
        self.saved_since_training = 0
        self.retrained_count = 0
        self.decided: set[int] = set()  # sentences decided in this session (left out of the queue)
        self._probs: dict[int, np.ndarray] = {}
        self._make_executor = executor or _spawn_pool
        self._executor: Executor | None = None

    # -- what a sentence shows -------------------------------------------------------------------

    def probabilities(self, row: SentenceRow) -> np.ndarray:
        found = self._probs.get(row.id)
        if found is None:
            found = self._probs[row.id] = self.model.predict_proba([row.text])[0]
        return found

    def suggested(self, row: SentenceRow) -> list[str]:
        """The labels suggested for the sentence (empty when suggestions are off)."""
        if not self.enabled:
            return []
        return decide(self.probabilities(row), self.schema, THRESHOLD)

    def view(self, row: SentenceRow) -> SuggestionView | None:
        if not self.enabled:
            return None
        probs = self.probabilities(row)
        return SuggestionView(
            {label: float(p) for label, p in zip(self.schema.label_ids, probs, strict=True)},
            tuple(decide(probs, self.schema, THRESHOLD)),
            self.model.sources,
            self.description,
            self.retraining,
            self.preselect,
        )

    # -- the uncertainty queue -------------------------------------------------------------------

    def next_in_queue(self, after_sentence: int | None) -> QueueItem | None:
        """The most uncertain sentence still undecided, other than ``after_sentence``."""
        for item in self.queue:
            if item.sentence_id != after_sentence and item.sentence_id not in self.decided:
                return item
        return None

    def left_in_queue(self) -> int:
        return sum(1 for item in self.queue if item.sentence_id not in self.decided)

    # -- retraining ------------------------------------------------------------------------------

    def decision_saved(self, sentence_id: int) -> bool:
        """Count a committed decision; True when it is time to retrain."""
        self.decided.add(sentence_id)
        self.saved_since_training += 1
        return self.enabled and not self.retraining and self.saved_since_training >= self.retrain_every

    def job(self, db: str, annotator_id: int, annotator: str) -> SessionJob:
        return SessionJob(
            db, annotator_id, annotator, retrain=True, rank=self.order == "uncertain", base_source=self.base_source
        )

    def run(self, job: SessionJob) -> SessionResult:
        """The retraining, in the executor (a separate process by default); call from a worker thread."""
        if self._executor is None:
            self._executor = self._make_executor()
        return self._executor.submit(run_session_job, job).result()

    def started(self) -> None:
        self.retraining = True
        self.saved_since_training = 0

    def finished(self, result: SessionResult | None) -> None:
        """A retraining ended (None: it failed): swap the new model and queue in."""
        self.retraining = False
        if result is None:
            return
        if result.model_blob is not None:
            self.model = SuggestionModel.from_bytes(result.model_blob, self.schema)
            self.description = result.description
            self._probs.clear()
            self.retrained_count += 1
        if self.order == "uncertain" and result.queue:
            self.queue = result.queue

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _spawn_pool() -> Executor:
    # spawn, not fork: the TUI process has threads (Textual's, the save workers)
    _start_resource_tracker()
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet_child)


def _start_resource_tracker() -> None:
    """multiprocessing's resource tracker hands the child ``sys.stderr.fileno()``; under Textual
    that is a print capture whose fileno is -1 ("bad value(s) in fds_to_keep"): start it with
    the real stderr."""
    from multiprocessing import resource_tracker

    captured = sys.stderr
    try:
        sys.stderr = sys.__stderr__
        resource_tracker.ensure_running()
    finally:
        sys.stderr = captured


def _quiet_child() -> None:
    """The training process shares the terminal Textual draws on: nothing it prints may reach it."""
    import warnings

    warnings.simplefilter("ignore")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


class ThreadRunner(Executor):
    """An executor that runs the job in the calling (worker) thread: for tests and the benchmark."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        from concurrent.futures import Future

        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future
            future.set_exception(exc)
        return future
