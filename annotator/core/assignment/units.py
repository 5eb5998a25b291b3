"""Work units in the database: creating them, and the SQL that maps units to sentences."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from annotator.core.models import ASSIGNMENT as AS
from annotator.core.models import DOCUMENT as D
from annotator.core.models import SENTENCE as S
from annotator.core.models import WORK_UNIT as U
from annotator.core.models import utcnow

from .settings import UnitKind

INSERT_BATCH = 5000


def in_unit(unit: Any = U, sentence: Any = S) -> Any:
    """The join condition of a sentence with the unit that covers it."""
    return and_(
        sentence.c.document_id == unit.c.document_id,
        sentence.c.idx >= unit.c.first_idx,
        sentence.c.idx < unit.c.end_idx,
    )


def active(assignment: Any = AS) -> Any:
    """An assignment still in force (a dynamic claim can be released)."""
    return assignment.c.released_at.is_(None)


def create_units(connection: Connection, kind: UnitKind, documents: Sequence[int] | None = None) -> int:
    """Units for every document (or only ``documents``) that has none yet; the number created.

    A document unit covers all its sentences; a sentence unit one sentence. Units are
    created in document-name order, so that unit ids follow the order people read in.
    """
    covered = select(U.c.document_id)
    query = select(D.c.id, D.c.n_sentences).where(D.c.id.not_in(covered), D.c.n_sentences > 0).order_by(D.c.name)
    if documents is not None:
        query = query.where(D.c.id.in_(list(documents)))
    docs = connection.execute(query).all()
    now = utcnow()
    created = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal batch, created
        if batch:
            connection.execute(insert(U), batch)
            created += len(batch)
            batch = []

    for doc_id, n_sentences in docs:
        if kind == "document":
            batch.append(_unit(doc_id, 0, n_sentences, now))
        else:
            for (idx,) in connection.execute(select(S.c.idx).where(S.c.document_id == doc_id).order_by(S.c.idx)):
                batch.append(_unit(doc_id, idx, idx + 1, now))
                if len(batch) >= INSERT_BATCH:
                    flush()
        if len(batch) >= INSERT_BATCH:
            flush()
    flush()
    return created


def _unit(document_id: int, first: int, end: int, now: Any) -> dict[str, Any]:
    return {
        "document_id": document_id,
        "first_idx": first,
        "end_idx": end,
        "n_sentences": end - first,
        "overlap": False,
        "holders": 0,
        "created_at": now,
    }


def recount_holders(connection: Connection) -> None:
    """Set every unit's ``holders`` from its active assignments (after a bulk change)."""
    count = select(func.count()).where(AS.c.unit_id == U.c.id, active()).scalar_subquery()
    connection.execute(update(U).values(holders=count))


def held_by(annotator_id: int, sentence: Any = S) -> Any:
    """The sentence is in a unit the annotator holds (an EXISTS for a query over sentences).

    A unit is a whole document (``first_idx`` 0) or one sentence (``first_idx`` = its idx):
    two index lookups on (document_id, first_idx), not a range scan of the document's units.
    """
    return (
        select(AS.c.id)
        .join(U, U.c.id == AS.c.unit_id)
        .where(
            AS.c.annotator_id == annotator_id,
            active(),
            U.c.document_id == sentence.c.document_id,
            U.c.first_idx.in_([0, sentence.c.idx]),
            U.c.end_idx > sentence.c.idx,
        )
        .exists()
    )
