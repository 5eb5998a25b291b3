"""Reads: documents, sentence pages, progress and statistics, as plain values.

Sentence pages use keyset pagination on (document_id, idx), never OFFSET: constant time
wherever the reader is in a million-sentence document. An annotator only ever sees
their own decisions here (blind annotation); the comparison lives in agreement/export.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal, overload

from sqlalchemy import Connection, Engine, and_, func, or_, select

from annotator.core.assignment.units import held_by
from annotator.core.entities import (
    AnnotationState,
    DocumentInfo,
    DocumentProgress,
    ProjectStats,
    SentenceRecord,
    SentenceRow,
)
from annotator.core.errors import UserError
from annotator.core.models import ANNOTATION as A
from annotator.core.models import ANNOTATOR, SETTING
from annotator.core.models import DOCUMENT as D
from annotator.core.models import LABEL_SCHEMA as LS
from annotator.core.models import SENTENCE as S

SentenceFilter = Literal["all", "unannotated", "flagged", "skipped", "labelled", "queue", "queue_open"]
"""``queue``: the sentences of the annotator's assigned units; ``queue_open``: those not decided yet."""


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything we store is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def state_from_row(row: Any) -> AnnotationState | None:
    if row.status is None:
        return None
    return AnnotationState(
        labels=tuple(row.labels or ()),
        status=row.status,
        negated=bool(row.negated),
        flagged=bool(row.flagged),
        note=row.note,
        attributes=dict(row.attributes or {}),
        updated_at=as_utc(row.updated_at),
        **_provenance(row._mapping),
    )


def _provenance(values: Any) -> dict[str, Any]:
    """The suggestion provenance of a row that selected it (rows that did not get the defaults)."""
    suggested = values.get("suggested")
    if suggested is None:
        return {"keys_pressed": values.get("keys_pressed")}
    return {
        "suggested": tuple(suggested),
        "accepted": tuple(values.get("accepted") or ()),
        "keys_pressed": values.get("keys_pressed"),
    }


def _document_info(row: Any) -> DocumentInfo:
    return DocumentInfo(
        id=row.id,
        uid=row.uid,
        name=row.name,
        lang=row.lang,
        n_sentences=row.n_sentences,
        source_path=row.source_path,
        meta=dict(row.meta or {}),
    )


_DOC_COLUMNS = (D.c.id, D.c.uid, D.c.name, D.c.lang, D.c.n_sentences, D.c.source_path, D.c.meta)


def annotator_id(engine: Engine, name: str) -> int | None:
    with engine.connect() as connection:
        return connection.execute(select(ANNOTATOR.c.id).where(ANNOTATOR.c.name == name)).scalar()


def list_documents(engine: Engine) -> list[DocumentInfo]:
    with engine.connect() as connection:
        rows = connection.execute(select(*_DOC_COLUMNS).order_by(D.c.name)).all()
    return [_document_info(row) for row in rows]


def find_document(engine: Engine, ref: str) -> DocumentInfo:
    """A document by name, uid, file name with extension, or a unique name prefix."""
    with engine.connect() as connection:
        for condition in (D.c.name == ref, D.c.uid == ref, D.c.source_path.like(f"%/{ref}")):
            rows = connection.execute(select(*_DOC_COLUMNS).where(condition)).all()
            if len(rows) == 1:
                return _document_info(rows[0])
        escaped = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = connection.execute(select(*_DOC_COLUMNS).where(D.c.name.like(f"{escaped}%", escape="\\")).limit(6)).all()
    if len(rows) == 1:
        return _document_info(rows[0])
    if not rows:
        raise UserError(f"no document named {ref!r} (see `annotator stats` or `annotator sentences`)")
    names = ", ".join(row.name for row in rows[:5])
    raise UserError(f"{ref!r} matches several documents: {names}")


def free_document_name(connection: Connection, name: str) -> str:
    """``name``, or ``name~2``, ``name~3``… when another document already has it."""
    candidate, n = name, 1
    while connection.execute(select(D.c.id).where(D.c.name == candidate)).first() is not None:
        n += 1
        candidate = f"{name}~{n}"
    return candidate


def document_progress(engine: Engine, annotator: int | None) -> list[DocumentProgress]:
    """Every document with how many of its sentences this annotator has decided/flagged."""
    with engine.connect() as connection:
        counts: dict[int, tuple[int, int]] = {}
        if annotator is not None:
            decided = func.sum(A.c.status.in_(("labelled", "skipped")).cast(S.c.idx.type))
            flagged = func.sum(A.c.flagged.cast(S.c.idx.type))
            query = (
                select(S.c.document_id, decided, flagged)
                .select_from(A.join(S, S.c.id == A.c.sentence_id))
                .where(A.c.annotator_id == annotator)
                .group_by(S.c.document_id)
            )
            counts = {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in connection.execute(query)}
        docs = connection.execute(select(*_DOC_COLUMNS).order_by(D.c.name)).all()
    return [DocumentProgress(_document_info(row), *counts.get(row.id, (0, 0))) for row in docs]


def _page_query(document_id: int, annotator: int | None) -> Any:
    columns = [S.c.id, S.c.document_id, S.c.idx, S.c.start, S.c.end, S.c.text, S.c.lang]
    if annotator is None:
        return select(*columns).where(S.c.document_id == document_id)
    joined = S.outerjoin(A, and_(A.c.sentence_id == S.c.id, A.c.annotator_id == annotator))
    state_columns = [A.c.labels, A.c.status, A.c.negated, A.c.flagged, A.c.note, A.c.attributes, A.c.updated_at]
    return select(*columns, *state_columns).select_from(joined).where(S.c.document_id == document_id)


def _sentence_row(row: Any, with_state: bool) -> SentenceRow:
    return SentenceRow(
        id=row.id,
        document_id=row.document_id,
        idx=row.idx,
        start=row.start,
        end=row.end,
        text=row.text,
        lang=row.lang,
        state=state_from_row(row) if with_state else None,
    )


def sentence_page(
    engine: Engine, document_id: int, first_idx: int, limit: int, annotator: int | None = None
) -> list[SentenceRow]:
    """Sentences ``first_idx``… of a document (keyset), with this annotator's state only."""
    query = _page_query(document_id, annotator).where(S.c.idx >= first_idx).order_by(S.c.idx).limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [_sentence_row(row, annotator is not None) for row in rows]


def _filter_condition(kind: SentenceFilter, label_bit: int | None) -> Any:
    if kind == "unannotated":
        return or_(A.c.status.is_(None), A.c.status == "open")
    if kind == "flagged":
        return A.c.flagged.is_(True)
    if kind == "skipped":
        return A.c.status == "skipped"
    if kind == "labelled":
        condition = A.c.status == "labelled"
        if label_bit is not None:
            # bitwise AND on the integer mask: portable across SQLite and PostgreSQL
            condition = and_(condition, A.c.label_mask.op("&")(1 << label_bit) != 0)
        return condition
    return None


def next_matching(
    engine: Engine,
    document_id: int,
    annotator: int,
    after_idx: int,
    kind: SentenceFilter = "unannotated",
    *,
    label_bit: int | None = None,
    backwards: bool = False,
    text: str | None = None,
) -> int | None:
    """Index of the next (or previous) sentence matching a filter and/or a text search."""
    query = _page_query(document_id, annotator).with_only_columns(S.c.idx)
    if kind in ("queue", "queue_open"):
        query = query.where(held_by(annotator))
        kind = "unannotated" if kind == "queue_open" else "all"
    condition = _filter_condition(kind, label_bit)
    if condition is not None:
        query = query.where(condition)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(S.c.text).like(f"%{escaped.lower()}%", escape="\\"))
    if backwards:
        query = query.where(S.c.idx < after_idx).order_by(S.c.idx.desc())
    else:
        query = query.where(S.c.idx > after_idx).order_by(S.c.idx)
    with engine.connect() as connection:
        return connection.execute(query.limit(1)).scalar()


def count_decided(engine: Engine, annotator: int, document_id: int | None = None) -> int:
    query = (
        select(func.count())
        .select_from(A.join(S, S.c.id == A.c.sentence_id))
        .where(A.c.annotator_id == annotator, A.c.status.in_(("labelled", "skipped")))
    )
    if document_id is not None:
        query = query.where(S.c.document_id == document_id)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar() or 0)


def iter_sentences(engine: Engine, document_id: int | None = None, batch: int = 5000) -> Iterator[SentenceRecord]:
    """Every sentence in (document name, index) order, streamed in keyset batches."""
    docs = [d for d in list_documents(engine) if document_id is None or d.id == document_id]
    for doc in docs:
        next_idx = 0
        while True:
            page = sentence_page(engine, doc.id, next_idx, batch)
            for row in page:
                yield SentenceRecord(doc.uid, doc.name, row.idx, row.start, row.end, row.lang, row.text)
            if len(page) < batch:
                break
            next_idx = page[-1].idx + 1


def project_stats(engine: Engine) -> ProjectStats:
    with engine.connect() as connection:
        n_docs = int(connection.execute(select(func.count()).select_from(D)).scalar() or 0)
        languages = connection.execute(select(S.c.lang, func.count()).group_by(S.c.lang)).all()
        per_status = connection.execute(
            select(ANNOTATOR.c.name, A.c.status, func.count(), func.sum(A.c.flagged.cast(S.c.idx.type)))
            .select_from(A.join(ANNOTATOR, ANNOTATOR.c.id == A.c.annotator_id))
            .group_by(ANNOTATOR.c.name, A.c.status)
        ).all()
        names = list(connection.execute(select(ANNOTATOR.c.name).order_by(ANNOTATOR.c.name)).scalars())
        schema_ref = None
        value = connection.execute(select(SETTING.c.value).where(SETTING.c.key == "active_schema_id")).scalar()
        if value is not None:
            row = connection.execute(select(LS.c.name, LS.c.version).where(LS.c.id == int(value))).first()
            schema_ref = f"{row[0]}@{row[1]}" if row else None
    return ProjectStats.from_rows(n_docs, languages, per_status, names, schema_ref)
