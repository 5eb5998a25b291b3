"""Plain-data messages that workers post to the app (Harlequin style: workers never touch widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.message import Message

from annotator.core.decisions import Change
from annotator.core.entities import DocumentProgress, SaveResult, SentenceRow, UndoResult


@dataclass(eq=False)
class Job:
    """One write for the save queue: a decision or an undo. Jobs run one at a time, in order."""

    seq: int
    kind: Literal["save", "undo"]
    document_id: int
    idx: int
    sentence_id: int | None = None
    change: Change | None = None
    describe: str = ""
    submitted: float = 0.0  # time.perf_counter() when the key was handled
    attempts: int = 0
    error: str | None = None


class JobDone(Message):
    """A job's transaction committed (posted by the save worker after the core returned)."""

    def __init__(self, job: Job, result: SaveResult | UndoResult | None) -> None:
        super().__init__()
        self.job = job
        self.result = result


class PageLoaded(Message):
    """A page of sentences read ahead by the prefetch worker."""

    def __init__(self, document_id: int, page: int, rows: list[SentenceRow]) -> None:
        super().__init__()
        self.document_id = document_id
        self.page = page
        self.rows = rows


class ProgressLoaded(Message):
    """This annotator's progress on every document."""

    def __init__(self, documents: list[DocumentProgress]) -> None:
        super().__init__()
        self.documents = documents


class SeekDone(Message):
    """The answer to a filter/search/next-unannotated query (None: nothing matched)."""

    def __init__(self, request: int, idx: int | None, purpose: str, wrapped: bool = False) -> None:
        super().__init__()
        self.request = request
        self.idx = idx
        self.purpose = purpose
        self.wrapped = wrapped
