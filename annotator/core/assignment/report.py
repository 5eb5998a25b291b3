"""Reads: who holds what and how far they are (``annotator assignments``), an annotator's
own queue (the TUI's document list), and the overlap sample (``annotator agreement``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, func, select

from annotator.core.errors import UserError
from annotator.core.models import ANNOTATION as A
from annotator.core.models import ANNOTATOR as AN
from annotator.core.models import ASSIGNMENT as AS
from annotator.core.models import DOCUMENT as D
from annotator.core.models import SENTENCE as S
from annotator.core.models import WORK_UNIT as U
from annotator.core.text import count_of

from .settings import TeamPlan, read_plan
from .units import active, in_unit

DECIDED = ("labelled", "skipped")


@dataclass(frozen=True, slots=True)
class AnnotatorShare:
    units: int = 0
    sentences: int = 0
    decided: int = 0  # their decisions on the sentences of their units
    overlap_sentences: int = 0


@dataclass(frozen=True)
class AssignmentStatus:
    plan: TeamPlan | None
    annotators: dict[str, AnnotatorShare]
    unassigned_sentences: int
    sentences: int
    units: int
    overlap_units: int
    overlap_sentences: int
    released: int  # dynamic claims released after their holder stopped working

    def as_json(self) -> dict[str, Any]:
        """The documented ``assignments --json`` shape (per_item 0 and overlap 0.0 before any ``assign``)."""
        return {
            "annotators": {
                name: {
                    "units": share.units,
                    "sentences": share.sentences,
                    "decided": share.decided,
                    "overlap_sentences": share.overlap_sentences,
                }
                for name, share in self.annotators.items()
            },
            "unassigned_sentences": self.unassigned_sentences,
            "per_item": self.plan.per_item if self.plan else 0,
            "overlap": float(self.plan.overlap) if self.plan else 0.0,
        }


def assignment_status(engine: Engine, annotator: str | None = None) -> AssignmentStatus:
    """Every team member's share (or only ``annotator``'s), and what nobody holds."""
    with engine.connect() as connection:
        if annotator is not None and connection.execute(select(AN.c.id).where(AN.c.name == annotator)).first() is None:
            raise UserError(f"--annotator {annotator!r}: no such annotator")
        plan = read_plan(connection)
        held = (
            select(
                AN.c.name,
                func.count(),
                func.sum(U.c.n_sentences),
                func.sum(U.c.n_sentences * U.c.overlap.cast(U.c.id.type)),
            )
            .select_from(AS.join(U, U.c.id == AS.c.unit_id).join(AN, AN.c.id == AS.c.annotator_id))
            .where(active())
            .group_by(AN.c.name)
        )
        decided = (
            select(AN.c.name, func.count())
            .select_from(
                AS.join(U, U.c.id == AS.c.unit_id)
                .join(AN, AN.c.id == AS.c.annotator_id)
                .join(S, in_unit())
                .join(A, and_(A.c.sentence_id == S.c.id, A.c.annotator_id == AS.c.annotator_id))
            )
            .where(active(), A.c.status.in_(DECIDED))
            .group_by(AN.c.name)
        )
        done = {name: int(n) for name, n in connection.execute(decided)}
        shares = {
            name: AnnotatorShare(int(units), int(sentences or 0), done.get(name, 0), int(overlap or 0))
            for name, units, sentences, overlap in connection.execute(held)
        }
        for name in plan.annotators if plan else []:
            shares.setdefault(name, AnnotatorShare())
        total = int(connection.execute(select(func.count()).select_from(S)).scalar() or 0)
        held_units = select(AS.c.unit_id).where(active())
        covered = connection.execute(select(func.sum(U.c.n_sentences)).where(U.c.id.in_(held_units))).scalar()
        units, overlap_units, overlap_sentences = connection.execute(
            select(
                func.count(),
                func.sum(U.c.overlap.cast(U.c.id.type)),
                func.sum(U.c.n_sentences * U.c.overlap.cast(U.c.id.type)),
            )
        ).one()
        released = connection.execute(
            select(func.count()).select_from(AS).where(AS.c.released_at.is_not(None))
        ).scalar()
    if annotator is not None:
        shares = {annotator: shares.get(annotator, AnnotatorShare())}
    return AssignmentStatus(
        plan=plan,
        annotators=dict(sorted(shares.items())),
        unassigned_sentences=total - int(covered or 0),
        sentences=total,
        units=int(units or 0),
        overlap_units=int(overlap_units or 0),
        overlap_sentences=int(overlap_sentences or 0),
        released=int(released or 0),
    )


# -- the overlap sample ------------------------------------------------------------------------


@dataclass(frozen=True)
class OverlapSample:
    """The sentences of the overlap units: ``agreement`` reports over them by default."""

    sentence_ids: Any  # a SELECT of sentence ids (use it as a subquery)
    units: int
    sentences: int


def overlap_sample(engine: Engine, documents: Sequence[int] | None = None) -> OverlapSample | None:
    """The agreement sample (within ``documents`` when given: its units and sentences are
    counted there), or None when nothing is assigned or no unit overlaps at all."""
    with engine.connect() as connection:
        if connection.execute(select(AS.c.id).limit(1)).first() is None:
            return None
        if connection.execute(select(U.c.id).where(U.c.overlap.is_(True)).limit(1)).first() is None:
            return None
        counted = select(func.count(), func.sum(U.c.n_sentences)).where(U.c.overlap.is_(True))
        if documents is not None:
            counted = counted.where(U.c.document_id.in_(sorted(set(documents))))
        units, sentences = connection.execute(counted).one()
    query = select(S.c.id).where(exists().where(U.c.overlap.is_(True), in_unit()))
    return OverlapSample(query, int(units or 0), int(sentences or 0))


def has_assignments(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(select(AS.c.id).limit(1)).first() is not None


# -- an annotator's own queue ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueDocument:
    document_id: int
    sentences: int  # of this annotator's units in the document
    decided: int  # their decisions on those sentences
    ranges: tuple[tuple[int, int], ...] = ()  # (first_idx, end_idx) of their units in it


@dataclass(frozen=True)
class AnnotatorQueue:
    """What an annotator is to annotate: their units, by document (empty without a plan)."""

    plan: TeamPlan | None
    documents: dict[int, QueueDocument] = field(default_factory=dict)
    units: int = 0
    not_yours: int = 0  # units (or documents/sentences in no unit) that are someone else's or nobody's

    @property
    def active(self) -> bool:
        return self.plan is not None

    def contains(self, document_id: int, idx: int) -> bool:
        doc = self.documents.get(document_id)
        return doc is not None and any(first <= idx < end for first, end in doc.ranges)

    def next_idx(self, document_id: int, after: int, *, backwards: bool = False) -> int | None:
        """The next (or previous) index of this annotator's units in the document after
        ``after``, without a read; None when their units there end."""
        doc = self.documents.get(document_id)
        if doc is None:
            return None
        if backwards:
            before = [min(end - 1, after - 1) for first, end in doc.ranges if first < after]
            return max(before, default=None)
        later = [max(first, after + 1) for first, end in doc.ranges if end - 1 > after]
        return min(later, default=None)


def not_in_queue(document_id: int, document_name: str, annotator: str, queue: AnnotatorQueue) -> str | None:
    """Why ``annotate --doc`` does not open a document for this annotator (None: it does).

    With work assigned, an annotator annotates their own units: a document holding none of
    them is not opened (decisions there count for no plan, and the plan's balance and
    overlap sample would not see them); ``--all`` opens it anyway, as it lists every
    document. A document holding some of their sentence units opens on their sentences.
    """
    if not queue.active or document_id in queue.documents:
        return None
    assert queue.plan is not None
    if queue.plan.mode == "dynamic":
        yours = "the dynamic queue gives you units in turn (annotate without --doc takes your next one)"
    else:
        held = len(queue.documents)
        yours = f"your queue: {count_of(held, 'document')}" if held else "nothing is assigned to you"
    return f"{document_name}: no part of it is assigned to {annotator} ({yours}); --all opens it anyway"


def annotator_queue(engine: Engine, annotator_id: int | None) -> AnnotatorQueue:
    """The annotator's units (static or taken from the dynamic queue), grouped by document."""
    with engine.connect() as connection:
        plan = read_plan(connection)
        if plan is None or annotator_id is None:
            return AnnotatorQueue(plan)
        return _queue(connection, plan, annotator_id)


def _queue(connection: Connection, plan: TeamPlan, annotator_id: int) -> AnnotatorQueue:
    mine = connection.execute(
        select(U.c.document_id, U.c.first_idx, U.c.end_idx)
        .join(AS, AS.c.unit_id == U.c.id)
        .where(AS.c.annotator_id == annotator_id, active())
        .order_by(U.c.document_id, U.c.first_idx)
    ).all()
    decided: dict[int, int] = {
        doc_id: n
        for doc_id, n in connection.execute(
            select(S.c.document_id, func.count())
            .select_from(
                AS.join(U, U.c.id == AS.c.unit_id)
                .join(S, in_unit())
                .join(A, and_(A.c.sentence_id == S.c.id, A.c.annotator_id == annotator_id))
            )
            .where(AS.c.annotator_id == annotator_id, active(), A.c.status.in_(DECIDED))
            .group_by(S.c.document_id)
        )
    }
    ranges: dict[int, list[tuple[int, int]]] = {}
    for document_id, first, end in mine:
        ranges.setdefault(document_id, []).append((first, end))
    documents = {
        doc_id: QueueDocument(doc_id, sum(e - f for f, e in spans), int(decided.get(doc_id, 0)), tuple(spans))
        for doc_id, spans in ranges.items()
    }
    if plan.unit == "document":
        everything = connection.execute(select(func.count()).select_from(D).where(D.c.n_sentences > 0)).scalar()
    else:
        everything = connection.execute(select(func.count()).select_from(S)).scalar()
    return AnnotatorQueue(plan, documents, len(mine), int(everything or 0) - len(mine))
