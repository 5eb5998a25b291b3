"""Load saved decisions as an item x annotator matrix of label bitmasks, for agreement.

One SQL query reads ``(sentence_id, annotator_id, label_mask)`` of every *labelled*
decision (optionally of some annotators, some documents); numpy pivots it into an
``(n_items, n_annotators)`` int64 matrix. A skipped sentence, one an annotator never saw,
and a decision that is only a flag or a note (status ``open``) are missing (-1), not
"none" and not the empty set.

Items are the sentences with at least one labelled decision in the selection, in
sentence-id order. Columns are annotators in name order: without ``annotators``, those
with at least one labelled decision in the selection; with it, exactly those named (an
annotator with nothing labelled there is an all-missing column, so that the report can
say so).

Speed: the rows are fetched through the driver's own cursor, as plain tuples, in chunks
flattened with ``np.fromiter``; building SQLAlchemy ``Row`` objects and handing them to
``np.array`` was ~20x slower (measured on 2.5M decisions: ~40 s against ~1.9 s). The SQL is
compiled by SQLAlchemy (portable: SQLite and PostgreSQL); its only literals are integer
ids and the constant status. PostgreSQL streams through a server-side cursor.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, func, select

from annotator.core.errors import UserError
from annotator.core.models import ANNOTATION as A
from annotator.core.models import ANNOTATOR as AN
from annotator.core.models import SENTENCE as S

MISSING = -1
_CHUNK = 100_000  # rows per fetch
_DENSE_SLACK = 1 << 16


@dataclass(frozen=True)
class Ratings:
    """``masks[i, a]``: label bitmask of ``annotators[a]`` on sentence ``sentence_ids[i]``."""

    masks: np.ndarray  # (n_items, n_annotators) int64, -1 = missing
    annotators: list[str]
    sentence_ids: np.ndarray  # (n_items,) int64, ascending
    left_out: int = 0  # labelled decisions left out by independent_only


def load_ratings(
    engine: Engine,
    *,
    annotators: Sequence[str] | None = None,
    documents: Sequence[int] | None = None,
    sentences: Any = None,
    independent_only: bool = False,
) -> Ratings:
    """Every labelled decision (of ``annotators``, on the sentences of ``documents``) as a
    mask matrix. Raises ``UserError`` for an annotator name that does not exist.

    ``independent_only`` leaves out the decisions saved while suggestions were shown
    (their ``suggested`` provenance is set): they are missing, as if never made.

    ``sentences``: a SELECT of sentence ids to keep (e.g. the overlap sample of an
    assignment, ``core.assignment.report.overlap_sample``)."""
    with engine.connect() as connection:
        return load_ratings_on(
            connection,
            annotators=annotators,
            documents=documents,
            sentences=sentences,
            independent_only=independent_only,
        )


def load_ratings_on(
    connection: Connection,
    *,
    annotators: Sequence[str] | None = None,
    documents: Sequence[int] | None = None,
    sentences: Any = None,
    independent_only: bool = False,
) -> Ratings:
    """:func:`load_ratings` on an open connection (inside a caller's transaction)."""
    ids_of = _annotator_ids(connection)
    wanted: list[int] | None = None
    if annotators is not None:
        unknown = sorted({name for name in annotators if name not in ids_of})
        if unknown:
            raise UserError(f"unknown annotator(s): {', '.join(unknown)}")
        wanted = sorted({ids_of[name] for name in annotators})
    query = select(A.c.sentence_id, A.c.annotator_id, A.c.label_mask).where(A.c.status == "labelled")
    if wanted is not None:
        query = query.where(A.c.annotator_id.in_(wanted))
    if documents is not None:
        docs = sorted({int(d) for d in documents})
        query = query.where(A.c.sentence_id.in_(select(S.c.id).where(S.c.document_id.in_(docs))))
    if sentences is not None:
        query = query.where(A.c.sentence_id.in_(sentences))
    left_out = 0
    if independent_only:
        influenced = query.where(A.c.suggested.is_not(None))
        left_out = int(connection.execute(select(func.count()).select_from(influenced.subquery())).scalar() or 0)
        query = query.where(A.c.suggested.is_(None))
    data = _fetch_int_rows(connection, query, 3)
    if wanted is None:
        # Read after the decisions: an annotator id found there was created before it.
        ids_of = _annotator_ids(connection)
    names = {aid: name for name, aid in ids_of.items()}
    if wanted is None:
        wanted = sorted({int(a) for a in np.unique(data[:, 1])}) if data.size else []
    columns = sorted(wanted, key=lambda aid: names[aid])
    ratings = _pivot(data, columns, [names[aid] for aid in columns])
    return Ratings(ratings.masks, ratings.annotators, ratings.sentence_ids, left_out)


def _annotator_ids(connection: Connection) -> dict[str, int]:
    return {name: int(aid) for aid, name in connection.execute(select(AN.c.id, AN.c.name))}


def _pivot(data: np.ndarray, columns: list[int], names: list[str]) -> Ratings:
    n_ann = len(columns)
    if data.shape[0] == 0:
        return Ratings(np.full((0, n_ann), MISSING, dtype=np.int64), names, np.zeros(0, dtype=np.int64))
    lookup = np.full(max(int(data[:, 1].max()), *columns) + 1, -1, dtype=np.int64)
    lookup[np.asarray(columns, dtype=np.int64)] = np.arange(n_ann, dtype=np.int64)
    cols = lookup[data[:, 1]]
    if (cols < 0).any():  # rows of annotators that are not columns (never with our queries)
        data, cols = data[cols >= 0], cols[cols >= 0]
        if data.shape[0] == 0:
            return _pivot(data, columns, names)
    sentence, mask = data[:, 0], data[:, 2]
    rows, sentence_ids = _dense_rank(sentence)
    masks = np.full((sentence_ids.size, n_ann), MISSING, dtype=np.int64)
    masks[rows, cols] = mask  # (sentence, annotator) is unique in the table
    return Ratings(masks, names, sentence_ids)


def _dense_rank(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rank of each value among the distinct values, the sorted distinct values), in
    O(n + max) with a lookup table when the ids are dense enough, else by sorting."""
    low, high = int(values.min()), int(values.max())
    if high - low <= 4 * values.size + _DENSE_SLACK:
        shifted = values - low
        used = np.zeros(high - low + 1, dtype=bool)
        used[shifted] = True
        rank = np.cumsum(used, dtype=np.int64) - 1
        return rank[shifted], np.flatnonzero(used).astype(np.int64) + low
    uniques, inverse = np.unique(values, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), uniques.astype(np.int64)


def _fetch_int_rows(connection: Connection, query: Any, width: int) -> np.ndarray:
    """Run a query of ``width`` integer columns; the rows as an (n, width) int64 array."""
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    if connection.dialect.name == "postgresql":
        # A named (server-side) cursor streams, inside the transaction the connection began.
        cursor = dbapi.cursor(name=f"ratings_{uuid.uuid4().hex[:12]}")
        cursor.itersize = _CHUNK  # type: ignore[attr-defined]  # psycopg's; SQLAlchemy's DBAPI cursor protocol lacks it
    else:
        cursor = dbapi.cursor()
    chunks: list[np.ndarray] = []
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(_CHUNK):
            flat = itertools.chain.from_iterable(rows)
            chunks.append(np.fromiter(flat, dtype=np.int64, count=width * len(rows)))
    finally:
        cursor.close()
    if not chunks:
        return np.zeros((0, width), dtype=np.int64)
    return np.concatenate(chunks).reshape(-1, width)
