"""The SQL reads of an export: keyset pages, batched chunks, one snapshot.

- Documents are read in keyset pages of :data:`DOC_BATCH` by name. Their sentences are
  fetched in chunks of about :data:`BATCH`: several small documents at once
  (``document_id IN (...)``), or one large document in keyset pages on ``idx``. Each chunk
  is two queries: the sentences (with the stored gold, left-joined) and their
  annotations (annotator ids mapped to names from a dict: no join). Memory holds one
  chunk, whatever the size of the database; only ``--split`` keeps one small entry per
  document (the split map).
- Everything is read in one transaction (a snapshot: saves made during a long export are
  not half in it; REPEATABLE READ on PostgreSQL).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, String, Text, and_, cast, func, select, type_coerce

from .tables import ANNOTATION as A
from .tables import ANNOTATOR as AN
from .tables import DOCUMENT as D
from .tables import GOLD as G
from .tables import SENTENCE as S
from .values import _LabelCache, utc_text

BATCH = 500
"""Sentences per chunk (two queries each). Small: a chunk is the export's only memory that
grows with the data (~4 MB at 500); 5,000 was no faster and cost 50 MB more peak RSS
(benchmarks/bench_export.py)."""
DOC_BATCH = 1000
"""Documents per keyset page."""

_BOOL = (False, True)  # SQLite gives 0/1, PostgreSQL bools: both index this


def _json_text(connection: Connection, column: Any) -> Any:
    """A JSON column as its stored text (SQLite: as stored; PostgreSQL: ``::text``)."""
    if connection.dialect.name == "postgresql":
        return cast(column, Text)
    return type_coerce(column, String)


def _fetch(connection: Connection, query: Any) -> Sequence[Any]:
    """All rows as plain DBAPI tuples (the columns selected need no result processing)."""
    result = connection.execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


@contextlib.contextmanager
def read_transaction(engine: Engine, snapshot: Connection | None = None) -> Iterator[Connection]:
    """``snapshot`` when given (an open read transaction the caller holds), else a read
    transaction of its own: one snapshot (REPEATABLE READ on PostgreSQL)."""
    if snapshot is not None:
        yield snapshot
        return
    with engine.connect() as raw:
        connection = raw
        if raw.dialect.name == "postgresql":
            connection = raw.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


class ExportQueries:
    """The reads of an :class:`~annotator.core.exporting.plan.ExportPlan` (its query half)."""

    # set by ExportPlan.__init__
    engine: Engine
    snapshot: Connection | None
    annotator_ids: dict[int, str] | None
    document_ids: list[int] | None
    batch: int
    _chunk_annotators: set[int]

    def _documents(self, connection: Connection) -> Iterator[Any]:
        last: str | None = None
        while True:
            query = select(D.c.id, D.c.uid, D.c.name, D.c.meta).order_by(D.c.name).limit(DOC_BATCH)
            if last is not None:
                query = query.where(D.c.name > last)
            if self.document_ids is not None:
                query = query.where(D.c.id.in_(self.document_ids))
            rows = connection.execute(query).all()
            yield rows
            if len(rows) < DOC_BATCH:
                return
            last = rows[-1].name

    def _chunks(self, connection: Connection) -> Iterator[tuple[list[Any], Any]]:
        """(documents in name order, a sentence condition) covering about ``batch`` sentences."""
        for docs in self._documents(connection):
            if not docs:
                continue
            counts: dict[int, int] = {
                doc_id: n
                for doc_id, n in connection.execute(
                    select(S.c.document_id, func.count())
                    .where(S.c.document_id.in_([d.id for d in docs]))
                    .group_by(S.c.document_id)
                )
            }
            group: list[Any] = []
            size = 0
            for doc in docs:
                n = int(counts.get(doc.id, 0))
                if n == 0:
                    continue
                if n > self.batch:
                    if group:
                        yield group, S.c.document_id.in_([d.id for d in group])
                        group, size = [], 0
                    yield [doc], None  # paged by idx below
                    continue
                if size + n > self.batch and group:
                    yield group, S.c.document_id.in_([d.id for d in group])
                    group, size = [], 0
                group.append(doc)
                size += n
            if group:
                yield group, S.c.document_id.in_([d.id for d in group])

    def _sentence_rows(self, connection: Connection, condition: Any, limit: int | None = None) -> Sequence[Any]:
        gold_join = S.outerjoin(G, G.c.sentence_id == S.c.id)
        query = (
            select(
                S.c.id,
                S.c.document_id,
                S.c.idx,
                S.c.start,
                S.c.end,
                S.c.lang,
                S.c.text,
                _json_text(connection, G.c.labels),
                G.c.method,
                G.c.by,
            )
            .select_from(gold_join)
            .where(condition)
            .order_by(S.c.document_id, S.c.idx)
        )
        if limit is not None:
            query = query.limit(limit)
        return _fetch(connection, query)

    def _annotations(
        self, connection: Connection, condition: Any, labels: _LabelCache, names: dict[int, str]
    ) -> dict[int, list[dict[str, Any]]]:
        """Annotations of a chunk by sentence id, as record dicts (annotators unsorted).

        The hot loop of the export (three rows a sentence): it reads the DBAPI cursor
        directly (no SQLAlchemy ``Row`` per annotation) and maps annotator ids to names
        from a dict instead of joining the annotator table.
        """
        query = (
            select(
                A.c.sentence_id,
                A.c.annotator_id,
                _json_text(connection, A.c.labels),
                A.c.status,
                A.c.negated,
                A.c.flagged,
                A.c.note,
                type_coerce(A.c.updated_at, String),
                A.c.seconds,
                _json_text(connection, A.c.suggested),
                _json_text(connection, A.c.accepted),
            )
            .select_from(A.join(S, S.c.id == A.c.sentence_id))
            .where(condition)
        )
        if self.annotator_ids is not None:
            query = query.where(A.c.annotator_id.in_(list(self.annotator_ids)))
        found: dict[int, list[dict[str, Any]]] = {}
        get = found.get
        seen = labels.seen
        rows = _fetch(connection, query)
        self._chunk_annotators = {row[1] for row in rows}
        for (
            sentence_id,
            annotator_id,
            raw,
            status,
            negated,
            flagged,
            note,
            stored,
            seconds,
            suggested,
            accepted,
        ) in rows:
            # SQLite gives SQLAlchemy's storage text "YYYY-MM-DD HH:MM:SS.ffffff" (UTC):
            # slicing it is 10x cheaper than parsing it (and cheaper than doing it in SQL).
            # PostgreSQL gives datetimes (len() raises TypeError: the general path).
            try:
                standard = len(stored) == 26 and stored[19] == "." and stored[10] == " "
            except TypeError:
                standard = False
            if not standard:
                stamp = utc_text(stored)
            elif stored.endswith("000000"):
                stamp = f"{stored[:10]}T{stored[11:19]}Z"
            else:
                stamp = f"{stored[:10]}T{stored[11:]}Z"
            entry = {
                "annotator": names[annotator_id],
                "labels": seen.get(raw) or labels(raw),
                "status": status,
                "negated": _BOOL[negated],
                "flagged": _BOOL[flagged],
                "note": note or None,
                "updated_at": stamp,
                "seconds": seconds,
                # provenance: SQL NULL when no suggestions were shown (JSON(none_as_null))
                "suggested": None if suggested is None else (seen.get(suggested) or labels(suggested)),
                "accepted": None if accepted is None else (seen.get(accepted) or labels(accepted)),
            }
            bucket = get(sentence_id)
            if bucket is None:
                found[sentence_id] = [entry]
            else:
                bucket.append(entry)
        return found

    def _pages(self, connection: Connection) -> Iterator[tuple[list[Any], Sequence[Any], Any]]:
        """(documents in name order, their sentence rows, the chunk's condition) per chunk."""
        for docs, condition in self._chunks(connection):
            if condition is not None:
                yield docs, self._sentence_rows(connection, condition), condition
                continue
            (doc,) = docs
            last = -1
            while True:
                rows = self._sentence_rows(connection, and_(S.c.document_id == doc.id, S.c.idx > last), self.batch)
                if not rows:
                    break
                yield docs, rows, and_(S.c.document_id == doc.id, S.c.idx.between(rows[0][2], rows[-1][2]))
                if len(rows) < self.batch:
                    break
                last = rows[-1][2]

    def _connection(self) -> contextlib.AbstractContextManager[Connection]:
        return read_transaction(self.engine, self.snapshot)

    def annotator_names(self) -> list[str]:
        """Annotators with at least one decision in the selection (doccano needs them up front)."""
        if self.annotator_ids is not None:
            query = select(AN.c.name).where(AN.c.id.in_(list(self.annotator_ids)))
        else:
            query = select(AN.c.name).where(AN.c.id.in_(select(A.c.annotator_id).distinct()))
        if self.document_ids is not None:
            used = (
                select(A.c.annotator_id)
                .join(S, S.c.id == A.c.sentence_id)
                .where(S.c.document_id.in_(self.document_ids))
            )
            query = query.where(AN.c.id.in_(used))
        with read_transaction(self.engine, self.snapshot) as connection:
            return sorted(connection.execute(query).scalars())
