"""What both readers of an export share, without SQLAlchemy: the chunking of the documents.

An export reads through SQLAlchemy (:mod:`.query`, any database) or, for our JSONL from an
SQLite file, through the standard library's ``sqlite3`` (:mod:`.sqlite`: SQLAlchemy is
not even imported). Both walk the data the same way, here: documents in keyset pages by
name, their sentences in chunks of about :data:`BATCH`: several small documents at once,
or one large document in keyset pages on ``idx``. A reader supplies the primitives (one
query each, and the conditions they take); the chunks, and so the bytes, are the same.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any

Progress = Callable[[int, int], None]  # (sentences done, sentences total)

BATCH = 500
"""Sentences per chunk (two queries each). Small: a chunk is the export's only memory that
grows with the data (~4 MB at 500); 5,000 was no faster and cost 50 MB more peak RSS
(benchmarks/bench_export.py)."""
DOC_BATCH = 1000
"""Documents per keyset page."""
DEFAULT_GOLD = "majority"

_DOCUMENT_ID = itemgetter(1)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _split_names(values: Sequence[str] | None) -> list[str] | None:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]``; nothing given (or only commas) -> None."""
    if values is None:
        return None
    names = [v.strip() for item in values for v in item.split(",") if v.strip()]
    return names or None


def pick_annotators(names: list[str], found: dict[str, int], all_names: Callable[[], list[str]]) -> dict[int, str]:
    """The chosen annotators, id -> name in the order named, from ``found`` (name -> id of
    those the database has); an unknown name is a UserError listing ``all_names()``."""
    from annotator.core.errors import UserError

    missing = [name for name in dict.fromkeys(names) if name not in found]
    if missing:
        known = all_names()
        raise UserError(
            f"no annotator named {', '.join(repr(m) for m in missing)} (annotators: {', '.join(known) or 'none yet'})"
        )
    return {found[name]: name for name in dict.fromkeys(names)}


def pick_documents(refs: list[str], find: Callable[[str, str], int | None]) -> list[int]:
    """Document ids for names, else doc ids: ``find("name" | "uid", ref)`` looks one up; an
    unknown one is a UserError listing all of them."""
    from annotator.core.errors import UserError

    ids: dict[int, None] = {}
    missing = []
    for ref in refs:
        found = find("name", ref)
        if found is None:
            found = find("uid", ref)
        if found is None:
            missing.append(ref)
        else:
            ids[found] = None
    if missing:
        raise UserError(
            f"no document named (or with doc_id) {', '.join(repr(m) for m in missing)} "
            "(see `annotator stats` or `annotator sentences`)"
        )
    return list(ids)


class ChunkReader:
    """Documents and sentence rows a chunk at a time, over a reader's primitives.

    A document is anything with ``id``, ``uid``, ``name`` and ``meta`` (decoded JSON)
    attributes; a sentence row is ``(id, document_id, idx, start, end, lang, text,
    gold labels (stored text), gold method, gold by)``. A condition is whatever the
    reader's queries take.
    """

    batch: int
    document_ids: list[int] | None

    # the reader's primitives
    def _document_page(self, connection: Any, after: str | None, size: int) -> Sequence[Any]:
        """Up to ``size`` selected documents by name, after ``after``."""
        raise NotImplementedError

    def _sentence_counts(self, connection: Any, document_ids: list[int]) -> dict[int, int]:
        raise NotImplementedError

    def _in_documents(self, document_ids: list[int]) -> Any:
        """The condition: sentences of these documents."""
        raise NotImplementedError

    def _after_idx(self, document_id: int, idx: int) -> Any:
        """The condition: sentences of this document after ``idx``."""
        raise NotImplementedError

    def _idx_between(self, document_id: int, first: int, last: int) -> Any:
        """The condition: sentences of this document from ``first`` to ``last``."""
        raise NotImplementedError

    def _sentence_rows(self, connection: Any, condition: Any, limit: int | None = None) -> Sequence[Any]:
        """Sentence rows (gold left-joined), ordered by document id and idx."""
        raise NotImplementedError

    # the walk
    def _documents(self, connection: Any) -> Iterator[Sequence[Any]]:
        last: str | None = None
        size = DOC_BATCH
        while True:
            rows = self._document_page(connection, last, size)
            yield rows
            if len(rows) < size:
                return
            last = rows[-1].name

    def _chunks(self, connection: Any) -> Iterator[tuple[list[Any], Any]]:
        """(documents in name order, a sentence condition) covering about ``batch`` sentences."""
        for docs in self._documents(connection):
            if not docs:
                continue
            counts = self._sentence_counts(connection, [d.id for d in docs])
            group: list[Any] = []
            size = 0
            for doc in docs:
                n = int(counts.get(doc.id, 0))
                if n == 0:
                    continue
                if n > self.batch:
                    if group:
                        yield group, self._in_documents([d.id for d in group])
                        group, size = [], 0
                    yield [doc], None  # paged by idx below
                    continue
                if size + n > self.batch and group:
                    yield group, self._in_documents([d.id for d in group])
                    group, size = [], 0
                group.append(doc)
                size += n
            if group:
                yield group, self._in_documents([d.id for d in group])

    total: int

    def _pages(
        self, connection: Any, progress: Progress | None = None
    ) -> Iterator[tuple[list[Any], Sequence[Any], Any]]:
        """(documents in name order, their sentence rows, the chunk's condition) per chunk;
        ``progress`` hears (sentences done, total) at the start and once each chunk is used."""
        if progress is None:
            yield from self._unreported_pages(connection)
            return
        done = 0
        progress(0, self.total)
        for docs, rows, condition in self._unreported_pages(connection):
            yield docs, rows, condition
            done += len(rows)
            progress(done, self.total)

    def _unreported_pages(self, connection: Any) -> Iterator[tuple[list[Any], Sequence[Any], Any]]:
        for docs, condition in self._chunks(connection):
            if condition is not None:
                yield docs, self._sentence_rows(connection, condition), condition
                continue
            (doc,) = docs
            last = -1
            while True:
                rows = self._sentence_rows(connection, self._after_idx(doc.id, last), self.batch)
                if not rows:
                    break
                yield docs, rows, self._idx_between(doc.id, rows[0][2], rows[-1][2])
                if len(rows) < self.batch:
                    break
                last = rows[-1][2]
