"""The SQL reads of an export: keyset pages, batched chunks, one snapshot.

- Documents are read in keyset pages of ``DOC_BATCH`` by name (the walk: :mod:`.common`). Their sentences are
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

from .common import ChunkReader
from .tables import ANNOTATION as A
from .tables import ANNOTATOR as AN
from .tables import DOCUMENT as D
from .tables import GOLD as G
from .tables import SENTENCE as S
from .values import _LabelCache, utc_text

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


class ExportQueries(ChunkReader):
    """The reads of an :class:`~annotator.core.exporting.plan.ExportPlan` (its query half)."""

    # set by ExportPlan.__init__
    engine: Engine
    snapshot: Connection | None
    annotator_ids: dict[int, str] | None
    document_ids: list[int] | None
    batch: int
    _chunk_annotators: set[int]

    def _document_page(self, connection: Connection, after: str | None, size: int) -> Sequence[Any]:
        query = select(D.c.id, D.c.uid, D.c.name, D.c.meta).order_by(D.c.name).limit(size)
        if after is not None:
            query = query.where(D.c.name > after)
        if self.document_ids is not None:
            query = query.where(D.c.id.in_(self.document_ids))
        return connection.execute(query).all()

    def _sentence_counts(self, connection: Connection, document_ids: list[int]) -> dict[int, int]:
        query = select(S.c.document_id, func.count()).where(S.c.document_id.in_(document_ids)).group_by(S.c.document_id)
        return {doc_id: n for doc_id, n in connection.execute(query)}

    def _in_documents(self, document_ids: list[int]) -> Any:
        return S.c.document_id.in_(document_ids)

    def _after_idx(self, document_id: int, idx: int) -> Any:
        return and_(S.c.document_id == document_id, S.c.idx > idx)

    def _idx_between(self, document_id: int, first: int, last: int) -> Any:
        return and_(S.c.document_id == document_id, S.c.idx.between(first, last))

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
        found: dict[int, list[dict[str, Any]]] = {}
        get = found.get
        seen = labels.seen
        rows = self._annotation_rows(connection, condition)
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

    def _annotator_names(self, connection: Connection) -> dict[int, str]:
        """Every annotator's name by id."""
        return {row_id: name for row_id, name in connection.execute(select(AN.c.id, AN.c.name))}

    def _annotation_rows(self, connection: Connection, condition: Any) -> Sequence[Any]:
        """A chunk's annotations as DBAPI rows: (sentence id, annotator id, labels, status,
        negated, flagged, note, updated_at, seconds, suggested, accepted); JSON as stored text
        on SQLite, ``updated_at`` as the driver gives it. Unordered."""
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
        return _fetch(connection, query)

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
