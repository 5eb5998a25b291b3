"""Where the annotate screen's moving keys go: the filter, the search, "next open".

``Navigator`` holds the filter and the search text and decides, for a moving key, either
an index to go to or a ``SeekQuery`` that may scan (filters, search, next unannotated).
Queries run in a worker (``find``, posting ``SeekDone``); a later key supersedes an
earlier seek (``request`` numbers). Plain Python apart from the message: the screen acts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from annotator.core.labels import LabelSchema
from annotator.core.repository import SentenceFilter, next_matching
from annotator.tui.messages import SeekDone
from annotator.tui.screens.dialogs import FilterChoice

NOT_FOUND = {
    "advance": "No more matching sentences after this one (\\ changes the filter)",
    "filter": "No sentence matches this filter",
    "next_open": "No unannotated sentence left in this document",
    "next": "No further match (\\ changes the filter)",
    "previous": "No earlier match (\\ changes the filter)",
}


@dataclass(frozen=True)
class SeekQuery:
    request: int
    kind: SentenceFilter
    bit: int | None
    after: int
    backwards: bool
    text: str | None
    wrap: bool
    purpose: str


def find(engine: Engine, document_id: int, n_sentences: int, annotator: int, query: SeekQuery) -> SeekDone:
    """Run a query (in a worker thread): the first matching index after ``query.after``."""
    args = (engine, document_id, annotator)
    kind, bit, backwards, text = query.kind, query.bit, query.backwards, query.text
    found = next_matching(*args, query.after, kind, label_bit=bit, backwards=backwards, text=text)
    wrapped = False
    if found is None and query.wrap:
        restart = n_sentences if backwards else -1
        found = next_matching(*args, restart, kind, label_bit=bit, backwards=backwards, text=text)
        wrapped = found is not None
    return SeekDone(query.request, found, query.purpose, wrapped)


class Navigator:
    def __init__(self, schema: LabelSchema) -> None:
        self.schema = schema
        self.filter: FilterChoice = ("all", None)
        self.search_text = ""
        self.request = 0

    @property
    def filtered(self) -> bool:
        return self.filter[0] != "all"

    def filter_text(self) -> str:
        kind, label = self.filter
        if kind == "queue":
            return "your queue"
        return "" if kind == "all" else (f"label {label}" if label else kind)

    def seek(
        self,
        kind: SentenceFilter,
        label: str | None = None,
        *,
        purpose: str,
        after: int,
        backwards: bool = False,
        text: str | None = None,
        wrap: bool = False,
    ) -> SeekQuery:
        self.request += 1
        bit = self.schema.bit_of[label] if label else None
        return SeekQuery(self.request, kind, bit, after, backwards, text, wrap, purpose)

    def step(self, idx: int, delta: int) -> int | SeekQuery:
        """j/k: the next index, or with a filter on the next match."""
        if not self.filtered:
            return idx + delta
        kind, label = self.filter
        purpose = "next" if delta > 0 else "previous"
        return self.seek(kind, label, purpose=purpose, after=idx, backwards=delta < 0)

    def advance(self, idx: int, n_sentences: int) -> int | SeekQuery | None:
        """After a decision: the next sentence (next match when filtered); None after the last."""
        if self.filtered:
            kind, label = self.filter
            return self.seek(kind, label, purpose="advance", after=idx)
        return idx + 1 if idx + 1 < n_sentences else None

    def next_open(self, idx: int) -> SeekQuery:
        kind: SentenceFilter = (
            "queue_open" if self.filter[0] == "queue" else "unannotated"
        )  # in your queue: your next open one
        return self.seek(kind, purpose="next_open", after=idx, wrap=True)

    def search(self, idx: int, text: str) -> SeekQuery:
        self.search_text = text
        kind, label = self.filter
        return self.seek(kind, label, purpose="search", after=idx, text=text, wrap=True)

    def choose_filter(self, choice: FilterChoice, idx: int) -> SeekQuery | None:
        self.filter = choice
        if choice[0] == "all":
            return None
        return self.seek(choice[0], choice[1], purpose="filter", after=idx - 1, wrap=True)

    def answer(self, message: SeekDone) -> tuple[int | None, str | None, str]:
        """Where a seek's answer goes, and what to say: (index or None, text, severity).
        A superseded answer gives (None, None, "")."""
        if message.request != self.request:
            return None, None, ""  # superseded by a later key
        purpose = message.purpose
        if message.idx is None:
            text = f"Not found: {self.search_text}" if purpose == "search" else NOT_FOUND.get(purpose, "Nothing found")
            return None, text, "warning"
        if purpose == "search":
            wrapped = " (wrapped to the top)" if message.wrapped else ""
            return message.idx, f"Found “{self.search_text}” in #{message.idx + 1:,}{wrapped}", "info"
        if purpose == "next_open" and message.wrapped:
            return message.idx, f"Wrapped to the top: #{message.idx + 1:,} is still open", "info"
        return message.idx, None, ""
