"""Stored gold and its provenance: read it, save an adjudicated one, undo, load it as masks.

Every write is one transaction (``BEGIN IMMEDIATE`` on SQLite) that also appends an event
(``gold`` for a person's decision, ``gold_undo`` for its undo; ``gold --auto`` writes
``gold_auto`` events in :mod:`.auto`, an import ``gold_import`` ones in
:mod:`annotator.core.annotated_import.merge`) with the gold before and after, in one shape
(:data:`GOLD_ACTIONS`): the basis of undo and of the audit. ``save_gold`` returns only after the commit: the review screen says a
gold is saved when this function has returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, delete, insert, select, update

from annotator.core.db import inserted_id, write_connection
from annotator.core.errors import UserError
from annotator.core.labels import LabelSchema
from annotator.core.models import ANNOTATION as A
from annotator.core.models import ANNOTATOR as AN
from annotator.core.models import EVENT as E
from annotator.core.models import GOLD as G
from annotator.core.models import SENTENCE as S
from annotator.core.models import utcnow
from annotator.core.repository import as_utc

GOLD_ACTIONS = ("gold", "gold_auto", "gold_undo", "gold_import")
"""Event actions of gold changes (an annotator's undo never reverts these). Each event has
the gold ``before`` and ``after`` as :meth:`GoldState.as_event_dict` (None: no gold), the
same for every way gold is written; an import adds ``source`` (the file) to ``after``.
Databases from before ``gold_import`` hold an ``import`` event without an annotator and
with ``{"gold": labels, "method", ...}`` instead: the event log is append-only, so those
are read as they are (:func:`annotator.core.gold.auto._rule_owned`), never rewritten."""


@dataclass(frozen=True, slots=True)
class GoldState:
    """A sentence's gold and how it was reached."""

    labels: tuple[str, ...]
    method: str  # adjudicated | unanimous | majority
    by: str | None = None
    note: str | None = None
    agreed: tuple[str, ...] = ()
    updated_at: datetime | None = None

    def as_event_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "method": self.method,
            "by": self.by,
            "note": self.note,
            "agreed": list(self.agreed),
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }

    @classmethod
    def from_event_dict(cls, data: dict[str, Any]) -> GoldState:
        stamp = data.get("updated_at")
        return cls(
            labels=tuple(data.get("labels") or ()),
            method=str(data.get("method") or "adjudicated"),
            by=data.get("by"),
            note=data.get("note"),
            agreed=tuple(data.get("agreed") or ()),
            updated_at=as_utc(datetime.fromisoformat(stamp)) if stamp else None,
        )


@dataclass(frozen=True, slots=True)
class GoldSaved:
    sentence_id: int
    gold: GoldState
    before: GoldState | None
    event_id: int


@dataclass(frozen=True, slots=True)
class GoldUndone:
    sentence_id: int
    document_id: int
    idx: int
    gold: GoldState | None  # the gold restored (None: the sentence has no gold again)
    undone_event_id: int


@dataclass(frozen=True, slots=True)
class GoldUndoRefused:
    """An undo refused: the gold was changed by someone else since the undoer saved it.

    ``current`` is the gold as it stands (kept), ``changed_by`` who changed it last (the
    adjudicator's name, or ``None`` for ``gold --auto`` or an import).
    """

    sentence_id: int
    document_id: int
    idx: int
    current: GoldState | None
    changed_by: str | None
    action: str  # the event that changed it: gold | gold_auto | gold_undo | gold_import


@dataclass(frozen=True)
class GoldSet:
    """Stored gold as arrays: ``masks[k]`` is the gold of sentence ``sentence_ids[k]`` (ascending)."""

    sentence_ids: np.ndarray
    masks: np.ndarray
    methods: list[str]


_COLUMNS = (G.c.sentence_id, G.c.labels, G.c.method, G.c.by, G.c.note, G.c.agreed, G.c.updated_at)


def _state(row: Any) -> GoldState:
    return GoldState(
        labels=tuple(row.labels or ()),
        method=row.method,
        by=row.by or None,
        note=row.note or None,
        agreed=tuple(row.agreed or ()),
        updated_at=as_utc(row.updated_at),
    )


def read_gold_on(connection: Connection, sentence_ids: Iterable[int]) -> dict[int, GoldState]:
    ids = sorted(set(sentence_ids))
    found: dict[int, GoldState] = {}
    for start in range(0, len(ids), 900):  # SQLite's bound-parameter limit
        chunk = ids[start : start + 900]
        for row in connection.execute(select(*_COLUMNS).where(G.c.sentence_id.in_(chunk))):
            found[int(row.sentence_id)] = _state(row)
    return found


def read_gold(engine: Engine, sentence_ids: Iterable[int]) -> dict[int, GoldState]:
    """The stored gold of these sentences (those that have one)."""
    with engine.connect() as connection:
        return read_gold_on(connection, sentence_ids)


def load_gold(engine: Engine, *, documents: Sequence[int] | None = None) -> GoldSet:
    """Every stored gold (of the sentences of ``documents``) as label bitmasks, for scoring
    annotators against it and for training on it."""
    query = select(G.c.sentence_id, G.c.label_mask, G.c.method).order_by(G.c.sentence_id)
    if documents is not None:
        query = query.where(G.c.sentence_id.in_(select(S.c.id).where(S.c.document_id.in_(sorted(set(documents))))))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return GoldSet(
        sentence_ids=np.array([r[0] for r in rows], dtype=np.int64),
        masks=np.array([r[1] for r in rows], dtype=np.int64),
        methods=[r[2] for r in rows],
    )


def agreeing_annotators(connection: Connection, sentence_id: int, labels: Sequence[str]) -> tuple[str, ...]:
    """Names of the annotators whose labelled set on the sentence equals ``labels`` (sorted):
    :func:`annotator.core.formats.records.agreed_with`, the definition the export uses."""
    from annotator.core.formats.records import agreed_with

    rows = connection.execute(
        select(AN.c.name, A.c.labels)
        .select_from(A.join(AN, AN.c.id == A.c.annotator_id))
        .where(A.c.sentence_id == sentence_id, A.c.status == "labelled")
    )
    return tuple(agreed_with(labels, ({"annotator": name, "labels": chosen or []} for name, chosen in rows)))


def write_gold(connection: Connection, schema: LabelSchema, sentence_id: int, gold: GoldState | None) -> None:
    """Store ``gold`` as the sentence's gold (None deletes it); no event (callers write it)."""
    if gold is None:
        connection.execute(delete(G).where(G.c.sentence_id == sentence_id))
        return
    labels = [label for label in gold.labels if label in schema.bit_of]
    values = {
        "labels": labels,
        "label_mask": schema.mask_of(labels),
        "method": gold.method,
        "by": gold.by,
        "note": gold.note,
        "agreed": list(gold.agreed),
        "updated_at": gold.updated_at or utcnow(),
    }
    changed = connection.execute(update(G).where(G.c.sentence_id == sentence_id).values(**values))
    if changed.rowcount == 0:
        connection.execute(insert(G).values(sentence_id=sentence_id, **values))


def save_gold(
    engine: Engine,
    schema: LabelSchema,
    adjudicator: int,
    sentence_id: int,
    labels: list[str] | tuple[str, ...],
    *,
    by: str,
    note: str | None = None,
) -> GoldSaved:
    """A person's gold for a sentence (method ``adjudicated``); committed when it returns.

    ``agreed`` is computed here, in the same transaction, from the annotators' labelled
    decisions. Raises ``UserError`` for labels the schema refuses or an empty set.
    """
    try:
        ordered = schema.normalise(labels)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    if not ordered:
        raise UserError("a gold needs at least one label")
    note = note.strip() if note and note.strip() else None
    with write_connection(engine) as connection:
        if connection.execute(select(S.c.id).where(S.c.id == sentence_id)).first() is None:
            raise UserError(f"sentence {sentence_id} does not exist")
        before = read_gold_on(connection, [sentence_id]).get(sentence_id)
        gold = GoldState(
            labels=tuple(ordered),
            method="adjudicated",
            by=by,
            note=note,
            agreed=agreeing_annotators(connection, sentence_id, ordered),
            updated_at=utcnow(),
        )
        write_gold(connection, schema, sentence_id, gold)
        event_id = inserted_id(
            connection.execute(
                insert(E).values(
                    annotator_id=adjudicator,
                    sentence_id=sentence_id,
                    action="gold",
                    before=before.as_event_dict() if before else None,
                    after=gold.as_event_dict(),
                )
            )
        )
    return GoldSaved(sentence_id, gold, before, event_id)


def _same_state(current: GoldState | None, expected: dict[str, Any] | None) -> bool:
    """Whether the stored gold is still the one an event left (every field, its time included)."""
    if current is None or expected is None:
        return current is None and expected is None
    return current == GoldState.from_event_dict(expected)


def undo_gold(engine: Engine, schema: LabelSchema, adjudicator: int) -> GoldUndone | GoldUndoRefused | None:
    """Revert the adjudicator's most recent gold change not yet undone; None if none is left.

    Optimistic concurrency: the gold is reverted only if it is still exactly what that
    change left. If another adjudicator (or ``gold --auto``, or an import) changed it
    since, nothing is written and :class:`GoldUndoRefused` says who: their gold is kept.
    """
    with write_connection(engine) as connection:
        undone = select(E.c.undoes).where(E.c.action == "gold_undo", E.c.undoes.is_not(None))
        target = connection.execute(
            select(E.c.id, E.c.sentence_id, E.c.before, E.c.after)
            .where(E.c.annotator_id == adjudicator, E.c.action == "gold", E.c.id.not_in(undone))
            .order_by(E.c.id.desc())
            .limit(1)
        ).first()
        if target is None:
            return None
        event_id, sentence_id, before_dict, after_dict = target
        current = read_gold_on(connection, [sentence_id]).get(sentence_id)
        position = connection.execute(select(S.c.document_id, S.c.idx).where(S.c.id == sentence_id)).one()
        if not _same_state(current, after_dict):
            last = connection.execute(
                select(E.c.action, AN.c.name)
                .select_from(E.outerjoin(AN, AN.c.id == E.c.annotator_id))
                .where(E.c.sentence_id == sentence_id, E.c.action.in_(GOLD_ACTIONS), E.c.id > event_id)
                .order_by(E.c.id.desc())
                .limit(1)
            ).first()
            action, name = (last.action, last.name) if last is not None else ("gold", None)
            return GoldUndoRefused(sentence_id, position.document_id, position.idx, current, name, action)
        restored = GoldState.from_event_dict(before_dict) if before_dict else None
        write_gold(connection, schema, sentence_id, restored)
        connection.execute(
            insert(E).values(
                annotator_id=adjudicator,
                sentence_id=sentence_id,
                action="gold_undo",
                before=current.as_event_dict() if current else None,
                after=restored.as_event_dict() if restored else None,
                undoes=event_id,
            )
        )
    return GoldUndone(sentence_id, position.document_id, position.idx, restored, int(event_id))


def gold_counts(engine: Engine, *, documents: Sequence[int] | None = None) -> dict[str, int]:
    """How many sentences have a gold, per method (``adjudicated``, ``unanimous``, ``majority``),
    in every document or in ``documents``."""
    from sqlalchemy import func

    query = select(G.c.method, func.count()).group_by(G.c.method)
    if documents is not None:
        query = query.where(G.c.sentence_id.in_(select(S.c.id).where(S.c.document_id.in_(sorted(set(documents))))))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    counts = {"adjudicated": 0, "unanimous": 0, "majority": 0}
    counts.update({str(method): int(n) for method, n in rows})
    return counts
