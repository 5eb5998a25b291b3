"""Plain-data messages that workers and screens post (Harlequin style: workers never touch widgets).

The save queue's own messages live with it (``annotator.tui.saving``).
"""

from __future__ import annotations

from textual.message import Message

from annotator.core.assignment.report import AnnotatorQueue
from annotator.core.entities import DocumentProgress, SentenceRow
from annotator.core.gold.review import ReviewItem, ReviewQueue
from annotator.core.suggest.model import SuggestionModel


class Notice(Message):
    """A line for the status line of the screen on top (a read failed, quitting waits)."""

    def __init__(self, text: str, severity: str = "info") -> None:
        super().__init__()
        self.text = text
        self.severity = severity


class OpenDocument(Message):
    """A screen asks the app to annotate a document (at ``idx``, or where the annotator left it)."""

    def __init__(self, document_id: int, idx: int | None = None) -> None:
        super().__init__()
        self.document_id = document_id
        self.idx = idx


class PageLoaded(Message):
    """A page of sentences read ahead by the prefetch worker."""

    def __init__(self, document_id: int, page: int, rows: list[SentenceRow]) -> None:
        super().__init__()
        self.document_id = document_id
        self.page = page
        self.rows = rows


class ProgressLoaded(Message):
    """This annotator's progress on every document, and their queue (None: no assignment read)."""

    def __init__(self, documents: list[DocumentProgress], queue: AnnotatorQueue | None = None) -> None:
        super().__init__()
        self.documents = documents
        self.queue = queue


class SuggesterReady(Message):
    """The suggestion model asked for with S was loaded (worker)."""

    def __init__(self, model: SuggestionModel, description: str, source: str | None) -> None:
        super().__init__()
        self.model = model
        self.description = description
        self.source = source


class SeekDone(Message):
    """The answer to a filter/search/next-unannotated query (None: nothing matched)."""

    def __init__(self, request: int, idx: int | None, purpose: str, wrapped: bool = False) -> None:
        super().__init__()
        self.request = request
        self.idx = idx
        self.purpose = purpose
        self.wrapped = wrapped


class QueueLoaded(Message):
    """The adjudication queue, read by a worker (``ReviewQueue``)."""

    def __init__(self, queue: ReviewQueue) -> None:
        super().__init__()
        self.queue = queue


class ItemsLoaded(Message):
    """Queue items read by a worker, from queue position ``first`` on."""

    def __init__(self, first: int, items: list[ReviewItem]) -> None:
        super().__init__()
        self.first = first
        self.items = items
