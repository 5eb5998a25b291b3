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
ids, bit widths and the constant status. PostgreSQL streams through a server-side cursor.
When the ids leave room, the database packs each decision into one BIGINT
(``(sentence_id << a | annotator_id) << m | label_mask``, ``_packing``): one Python object a
row instead of three, which brings the load to the CPU of a plain sqlite3 scan of the rows.

Memory: the matrix is the only large object. Each fetched chunk is scattered at once into
a matrix indexed by sentence id (``_Scatter``), rows then compacted to the sentences that
have a rating; the decisions are never held as a whole list of rows. Only while the ids
seen are too sparse for that (the id range more than twice the items the rows can cover)
are the chunks kept as (sentence, column, mask) rows, pivoted at the end if they stay so.
Measured on 1M sentences x 3 annotators (2.55M decisions, a 24 MB matrix): the load peaks
~85 MB above the imported modules (matrix and sentence ids included), against ~160 MB when
every row was kept and then pivoted.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Connection, Engine, case, cast, func, select

from annotator.core.errors import UserError
from annotator.core.models import ANNOTATION as A
from annotator.core.models import ANNOTATOR as AN
from annotator.core.models import SENTENCE as S

MISSING = -1
_CHUNK = 100_000  # rows per fetch
_DENSE_SLACK = 1 << 16
_MIN_MASK_BITS = 16  # packing needs room for masks of this many bits (wider ones: unpacked)
_SPREAD = 2  # dense matrix while id range x annotators <= _SPREAD x rows (+ slack)


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
    where = [A.c.status == "labelled"]
    if wanted is not None:
        where.append(A.c.annotator_id.in_(wanted))
    if documents is not None:
        docs = sorted({int(d) for d in documents})
        where.append(A.c.sentence_id.in_(select(S.c.id).where(S.c.document_id.in_(docs))))
    if sentences is not None:
        where.append(A.c.sentence_id.in_(sentences))
    left_out = 0
    if independent_only:
        influenced = select(A.c.id).where(*where, A.c.suggested.is_not(None))
        left_out = int(connection.execute(select(func.count()).select_from(influenced.subquery())).scalar() or 0)
        where.append(A.c.suggested.is_(None))
    scatter = _Scatter(wanted)
    layout = _packing(connection, ids_of)
    if layout is None or not _scatter_packed(connection, where, layout, scatter):
        scatter = _Scatter(wanted)  # a mask too wide for the packing: three columns
        query = select(A.c.sentence_id, A.c.annotator_id, A.c.label_mask).where(*where)
        for chunk in _fetch_int_chunks(connection, query, 3):
            scatter.add(chunk)
    if wanted is None:
        # Read after the decisions: an annotator id found there was created before it.
        ids_of = _annotator_ids(connection)
    names = {aid: name for name, aid in ids_of.items()}
    columns = sorted(scatter.annotator_ids, key=lambda aid: names[aid])
    ratings = scatter.finish(columns, [names[aid] for aid in columns])
    return Ratings(ratings.masks, ratings.annotators, ratings.sentence_ids, left_out)


class _Scatter:
    """Builds the mask matrix from chunks of (sentence_id, annotator_id, mask) rows.

    Dense mode: ``matrix[sentence_id - low, slot]``, a slot per annotator (in the order
    first seen, or the order of ``wanted``), grown when a chunk falls outside the id range
    (geometrically, so a growing range is copied O(log) times). Sparse mode (the start, and
    whenever the ids are spread over more than ``_SPREAD`` x the items the rows can cover):
    the chunks are kept as rows and pivoted at the end."""

    def __init__(self, wanted: list[int] | None) -> None:
        self.annotator_ids: list[int] = list(wanted) if wanted is not None else []
        self.slot_of = np.full(max(self.annotator_ids, default=0) + 1, -1, dtype=np.int64)
        self.slot_of[np.asarray(self.annotator_ids, dtype=np.int64)] = np.arange(len(self.annotator_ids))
        self.rows: list[np.ndarray] = []  # sparse mode: (n, 3) chunks, annotator ids as slots
        self.n_rows = 0
        self.low = self.high = 0  # id range seen (inclusive)
        self.matrix: np.ndarray | None = None  # dense mode: row k is sentence id matrix_low + k
        self.matrix_low = 0

    def _slots(self, annotator: np.ndarray) -> np.ndarray:
        top = int(annotator.max())
        if top >= self.slot_of.size:
            grown = np.full(top + 1, -1, dtype=np.int64)
            grown[: self.slot_of.size] = self.slot_of
            self.slot_of = grown
        slots = self.slot_of[annotator]
        if (slots < 0).any():  # annotators not seen before (only when none were named)
            for aid in np.unique(annotator[slots < 0]).tolist():
                self.slot_of[aid] = len(self.annotator_ids)
                self.annotator_ids.append(int(aid))
            slots = self.slot_of[annotator]
        return slots

    def add(self, chunk: np.ndarray) -> None:
        if chunk.shape[0] == 0:
            return
        sentence = chunk[:, 0]
        slots = self._slots(chunk[:, 1])
        low, high = int(sentence.min()), int(sentence.max())
        if self.n_rows:
            low, high = min(low, self.low), max(high, self.high)
        self.low, self.high = low, high
        self.n_rows += chunk.shape[0]
        if self.matrix is None:
            chunk[:, 1] = slots
            self.rows.append(chunk)
            if self._dense_enough():
                self.matrix = self._allocate(low, high)
                for rows in self.rows:
                    self._put(rows[:, 0], rows[:, 1], rows[:, 2])
                self.rows = []
            return
        if not self._dense_enough():
            # ids spread out: back to rows (the matrix's entries), pivoted at the end
            self.rows = [self._dense_rows()]
            self.matrix = None
            chunk[:, 1] = slots
            self.rows.append(chunk)
            return
        self._cover(low, high)
        self._put(sentence, slots, chunk[:, 2])

    def _dense_enough(self) -> bool:
        # the rows cover at least n_rows / n_annotators distinct sentences
        span = self.high - self.low + 1
        return span * max(len(self.annotator_ids), 1) <= _SPREAD * self.n_rows + _DENSE_SLACK

    def _allocate(self, low: int, high: int) -> np.ndarray:
        self.matrix_low = low
        return np.full((high - low + 1, max(len(self.annotator_ids), 1)), MISSING, dtype=np.int64)

    def _cover(self, low: int, high: int) -> None:
        """Grow the matrix to ids low..high and to every slot (headroom: half again)."""
        matrix = self.matrix
        assert matrix is not None
        cur_low, cur_high = self.matrix_low, self.matrix_low + matrix.shape[0] - 1
        n_slots = len(self.annotator_ids)
        if low >= cur_low and high <= cur_high and n_slots <= matrix.shape[1]:
            return
        extra = matrix.shape[0] // 2
        new_low = cur_low if low >= cur_low else low - extra
        new_high = cur_high if high <= cur_high else high + extra
        grown = np.full((new_high - new_low + 1, max(n_slots, matrix.shape[1])), MISSING, dtype=np.int64)
        offset = cur_low - new_low
        grown[offset : offset + matrix.shape[0], : matrix.shape[1]] = matrix
        self.matrix, self.matrix_low = grown, new_low
        del matrix

    def _put(self, sentence: np.ndarray, slots: np.ndarray, mask: np.ndarray) -> None:
        assert self.matrix is not None
        if int(slots.max()) >= self.matrix.shape[1]:
            self._cover(self.matrix_low, self.matrix_low)
        self.matrix[sentence - self.matrix_low, slots] = mask  # (sentence, annotator) is unique

    def _dense_rows(self) -> np.ndarray:
        assert self.matrix is not None
        rows, slots = np.nonzero(self.matrix != MISSING)
        return np.column_stack([rows + self.matrix_low, slots, self.matrix[rows, slots]])

    def finish(self, columns: list[int], names: list[str]) -> Ratings:
        """The matrix with ``columns`` (annotator ids, every slot among them) in that order."""
        slot_order = [self.annotator_ids.index(aid) for aid in columns]
        if self.matrix is None:
            data = np.concatenate(self.rows) if self.rows else np.zeros((0, 3), dtype=np.int64)
            self.rows = []
            # the pivot's columns are the slots, in the order asked
            return _pivot(data, slot_order, names)
        matrix, self.matrix = self.matrix, None
        used = np.flatnonzero((matrix != MISSING).any(axis=1))
        masks = matrix[np.ix_(used, np.asarray(slot_order, dtype=np.int64))] if slot_order else None
        del matrix
        if masks is None:
            masks = np.full((used.size, 0), MISSING, dtype=np.int64)
        return Ratings(masks, names, used.astype(np.int64) + self.matrix_low)


def _packing(connection: Connection, ids_of: dict[str, int]) -> tuple[int, int] | None:
    """(annotator bits, mask bits) of ``(sentence_id << a | annotator_id) << m | label_mask``
    in an int64, or None when the ids leave fewer than ``_MIN_MASK_BITS`` for the mask.
    Room is left for twice the largest ids read here (sentences or annotators added while
    the rows are read)."""
    low, high = connection.execute(select(func.min(S.c.id), func.max(S.c.id))).one()
    top_annotator = max(ids_of.values(), default=0)
    if low is None or int(low) < 0 or top_annotator < 0:
        return None
    annotator_bits = top_annotator.bit_length() + 1
    mask_bits = 62 - (int(high).bit_length() + 1) - annotator_bits
    return (annotator_bits, mask_bits) if mask_bits >= _MIN_MASK_BITS else None


def _scatter_packed(connection: Connection, where: list[Any], layout: tuple[int, int], scatter: _Scatter) -> bool:
    """Each decision as one integer packed by the database (one value a row to turn into a
    Python object instead of three: the fetch is most of the load), into ``scatter``. False
    (the caller starts again unpacked) at the first mask too wide for the layout."""
    annotator_bits, mask_bits = layout
    packed = case(
        (
            A.c.label_mask.between(0, (1 << mask_bits) - 1),
            (cast(A.c.sentence_id, BigInteger) * (1 << annotator_bits) + A.c.annotator_id) * (1 << mask_bits)
            + A.c.label_mask,
        ),
        else_=-1,
    )
    chunks = _fetch_int_chunks(connection, select(packed).where(*where), 1)
    try:
        for values in chunks:
            flat = values.reshape(-1)
            if flat.size and int(flat.min()) < 0:
                return False
            chunk = np.empty((flat.size, 3), dtype=np.int64)
            np.bitwise_and(flat, (1 << mask_bits) - 1, out=chunk[:, 2])
            np.right_shift(flat, mask_bits, out=flat)
            np.bitwise_and(flat, (1 << annotator_bits) - 1, out=chunk[:, 1])
            np.right_shift(flat, annotator_bits, out=chunk[:, 0])
            del values, flat
            scatter.add(chunk)
    finally:
        chunks.close()
    return True


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


def _fetch_int_chunks(connection: Connection, query: Any, width: int) -> Generator[np.ndarray, None, None]:
    """Run a query of ``width`` integer columns; the rows as (n, width) int64 chunks."""
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    if connection.dialect.name == "postgresql":
        # A named (server-side) cursor streams, inside the transaction the connection began.
        cursor = dbapi.cursor(name=f"ratings_{uuid.uuid4().hex[:12]}")
        cursor.itersize = _CHUNK  # type: ignore[attr-defined]  # psycopg's; SQLAlchemy's DBAPI cursor protocol lacks it
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(_CHUNK):
            flat = itertools.chain.from_iterable(rows)
            count = len(rows)
            del rows
            yield np.fromiter(flat, dtype=np.int64, count=width * count).reshape(count, width)
    finally:
        cursor.close()
