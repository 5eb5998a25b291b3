"""A small LRU cache of sentence pages, fed by keyset reads (``repository.sentence_page``).

The annotate screen never holds a document in memory: it asks for the sentence at an
index; the page holding it is read on a miss (one keyset query, about a millisecond even
a million sentences deep) and its neighbours are prefetched by a worker. The states
the annotator saved during the session live in ``overlay`` and win over the (possibly
older) state a page was read with. Plain Python: no Textual here, so it is easy to test.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable

from annotator.core.entities import AnnotationState, SentenceRow

PageLoader = Callable[[int, int, int], list[SentenceRow]]  # (document_id, first_idx, limit)


class PageCache:
    def __init__(self, loader: PageLoader, page_size: int = 128, max_pages: int = 48) -> None:
        self.loader = loader
        self.page_size = page_size
        self.max_pages = max_pages
        self._pages: OrderedDict[tuple[int, int], dict[int, SentenceRow]] = OrderedDict()
        self.overlay: dict[int, AnnotationState | None] = {}  # sentence id -> state saved this session
        self.loads = 0  # synchronous loads (cache misses), for tests and the benchmark

    def page_of(self, idx: int) -> int:
        return idx // self.page_size

    def has_page(self, document_id: int, page: int) -> bool:
        return (document_id, page) in self._pages

    def put_page(self, document_id: int, page: int, rows: list[SentenceRow]) -> None:
        self._pages[(document_id, page)] = {row.idx: row for row in rows}
        self._pages.move_to_end((document_id, page))
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)

    def load_page(self, document_id: int, page: int) -> list[SentenceRow]:
        """Read one page from the database (callable from a worker thread)."""
        return self.loader(document_id, page * self.page_size, self.page_size)

    def peek(self, document_id: int, idx: int) -> SentenceRow | None:
        """The row if its page is cached, without touching the database."""
        page = self._pages.get((document_id, self.page_of(idx)))
        row = page.get(idx) if page is not None else None
        return self._with_overlay(row) if row is not None else None

    def get(self, document_id: int, idx: int) -> SentenceRow | None:
        """The row at ``idx``, reading its page on a miss; None past the end."""
        if idx < 0:
            return None
        key = (document_id, self.page_of(idx))
        page = self._pages.get(key)
        if page is None:
            self.loads += 1
            self.put_page(document_id, key[1], self.load_page(document_id, key[1]))
            page = self._pages[key]
        else:
            self._pages.move_to_end(key)
        row = page.get(idx)
        return self._with_overlay(row) if row is not None else None

    def _with_overlay(self, row: SentenceRow) -> SentenceRow:
        if row.id in self.overlay:
            return dataclasses.replace(row, state=self.overlay[row.id])
        return row

    def known_state(self, sentence_id: int, document_id: int, idx: int) -> tuple[bool, AnnotationState | None]:
        """(known?, state) of a sentence from the overlay or a cached page, without a read."""
        if sentence_id in self.overlay:
            return True, self.overlay[sentence_id]
        row = self.peek(document_id, idx)
        if row is None or row.id != sentence_id:
            return False, None
        return True, row.state

    def set_state(self, sentence_id: int, state: AnnotationState | None) -> None:
        self.overlay[sentence_id] = state

    def missing_around(self, document_id: int, idx: int, n_sentences: int, radius: int = 1) -> list[int]:
        """Pages next to the one holding ``idx`` that are not cached yet (to prefetch)."""
        page = self.page_of(idx)
        last_page = self.page_of(max(0, n_sentences - 1))
        wanted = [p for p in range(page - radius, page + radius + 1) if 0 <= p <= last_page]
        return [p for p in wanted if (document_id, p) not in self._pages]

    def clear(self) -> None:
        self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)
