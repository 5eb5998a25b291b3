"""The dynamic queue: the next unit an annotator gets, safe with many processes and machines.

The next unit is one that fewer than ``per_item`` people hold (an overlap unit; one
person for the others) and that this annotator never held: first the overlap units
someone else has started (so that units reach ``per_item`` annotators early: the
agreement sample fills while the team works, as with Prodigy's ``feed_overlap``), then
fresh units in document order, the overlap ones first with ``overlap_first``.

Taking happens in one write transaction under the queue lock (``settings.lock_queue``:
BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL) and re-reads the counts after
taking the lock, so two people taking at once never get more than ``per_item`` between
them for a unit. A unique (unit, annotator) constraint makes a second take of the same
unit by the same person impossible even past the lock.

People come and go: a claim whose holder has saved nothing anywhere for
``release_after_hours`` (and has not finished the unit) is released when the queue has
nothing else to give, so the unit goes to someone else. Their decisions stay; the released
row stays too, so the unit never comes back to them. (An overlap unit someone started is
offered to the others anyway; the sweep is kept for when the queue runs dry because it
scans the claims, which a take should not do on every key.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, func, insert, select, update

from annotator.core.db import write_connection
from annotator.core.errors import UserError
from annotator.core.models import ANNOTATION as A
from annotator.core.models import ASSIGNMENT as AS
from annotator.core.models import SENTENCE as S
from annotator.core.models import WORK_UNIT as U
from annotator.core.models import utcnow
from annotator.core.repository import as_utc

from .settings import TeamPlan, lock_queue, read_plan
from .units import active, in_unit

DECIDED = ("labelled", "skipped")


@dataclass(frozen=True, slots=True)
class TakenUnit:
    unit_id: int
    document_id: int
    first_idx: int
    end_idx: int
    overlap: bool


def take_next(engine: Engine, annotator_id: int, *, count: int = 1, now: datetime | None = None) -> list[TakenUnit]:
    """Claim up to ``count`` units for the annotator; [] when the queue has nothing for them."""
    with write_connection(engine) as connection:
        lock_queue(connection)
        plan = read_plan(connection)
        if plan is None or plan.mode != "dynamic":
            raise UserError("there is no dynamic queue: run `annotator assign --dynamic --per-item N` first")
        now = now or utcnow()
        taken = _take(connection, plan, annotator_id, count, [])
        dry = len(taken) < count and plan.release_after_hours > 0
        if dry and release_idle(connection, now - timedelta(hours=plan.release_after_hours), now):
            taken = _take(connection, plan, annotator_id, count, taken)
        if taken:
            ids = [row.id for row in taken]
            connection.execute(
                insert(AS),
                [{"unit_id": uid, "annotator_id": annotator_id, "source": "dynamic", "created_at": now} for uid in ids],
            )
            connection.execute(update(U).where(U.c.id.in_(ids)).values(holders=U.c.holders + 1))
    return [TakenUnit(row.id, row.document_id, row.first_idx, row.end_idx, bool(row.overlap)) for row in taken]


def _take(connection: Connection, plan: TeamPlan, annotator_id: int, count: int, taken: list[Any]) -> list[Any]:
    """``taken`` plus the next units, up to ``count`` in all."""
    taken = list(taken)
    for query in _candidates(plan, annotator_id):
        if len(taken) >= count:
            break
        seen = [row.id for row in taken]
        if seen:
            query = query.where(U.c.id.not_in(seen))
        taken += connection.execute(query.limit(count - len(taken))).all()
    return taken


def _candidates(plan: TeamPlan, annotator_id: int) -> list[Any]:
    """The queries to try in order (each ordered by an index: the queue stays fast at a million units)."""
    never_mine = ~exists().where(AS.c.unit_id == U.c.id, AS.c.annotator_id == annotator_id)
    base = select(U.c.id, U.c.document_id, U.c.first_idx, U.c.end_idx, U.c.overlap).where(never_mine)
    started = base.where(U.c.overlap.is_(True), U.c.holders > 0, U.c.holders < plan.per_item).order_by(
        U.c.holders.desc(), U.c.id
    )
    fresh = base.where(U.c.holders == 0).order_by(U.c.id)
    if plan.overlap_first:
        return [started, fresh.where(U.c.overlap.is_(True)), fresh]
    return [started, fresh]


def release_idle(connection: Connection, cutoff: datetime, now: datetime) -> int:
    """Release the unfinished dynamic claims of people who saved nothing since ``cutoff``."""
    old = and_(AS.c.source == "dynamic", active(), AS.c.created_at < cutoff)
    holders = connection.execute(select(AS.c.annotator_id).where(old).distinct()).scalars().all()
    idle = []
    for annotator_id in holders:  # one aggregate a person, not one a claim
        last = connection.execute(select(func.max(A.c.updated_at)).where(A.c.annotator_id == annotator_id)).scalar()
        if last is None or as_utc(last) < cutoff:
            idle.append(annotator_id)
    if not idle:
        return 0
    stale = connection.execute(
        select(AS.c.id, AS.c.annotator_id, U.c.id.label("unit_id"), U.c.n_sentences)
        .join(U, U.c.id == AS.c.unit_id)
        .where(old, AS.c.annotator_id.in_(idle))
    ).all()
    released = 0
    for row in stale:
        decided = connection.execute(
            select(func.count())
            .select_from(S)
            .join(U, and_(in_unit(), U.c.id == row.unit_id))
            .join(A, and_(A.c.sentence_id == S.c.id, A.c.annotator_id == row.annotator_id))
            .where(A.c.status.in_(DECIDED))
        ).scalar()
        if int(decided or 0) >= row.n_sentences:
            continue  # finished: a claim that did its job
        connection.execute(update(AS).where(AS.c.id == row.id).values(released_at=now))
        connection.execute(update(U).where(U.c.id == row.unit_id).values(holders=U.c.holders - 1))
        released += 1
    return released
