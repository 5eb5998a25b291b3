"""Writes of annotators' decisions, each in its own transaction, each logged as an event.

``save_decision`` returns only after the commit: the TUI marks a decision saved when this
function has returned, so what the screen says is saved is on disk. ``save_decision``,
``undo_last`` and ``ensure_annotator`` retry a transaction that lost the race for the write
lock (``db.retry_locked``), so a script calling them gets the TUI's guarantee: a decision
is not refused because other annotators were saving at the same moment. ``undo_last`` reverts
the most recent not-yet-undone change of an annotator, several steps deep, across
sentences, from the event log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from annotator.core.db import inserted_id, retry_locked, write_connection
from annotator.core.entities import AnnotationState, SaveResult, UndoResult
from annotator.core.errors import UserError
from annotator.core.gold.store import GOLD_ACTIONS
from annotator.core.labels import LabelSchema
from annotator.core.models import ANNOTATION as A
from annotator.core.models import ANNOTATOR as AN
from annotator.core.models import EVENT as E
from annotator.core.models import SENTENCE as S
from annotator.core.models import utcnow
from annotator.core.repository import state_from_row

_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class Change:
    """What to change on a decision; fields left unset keep their current value.

    ``seconds`` is not part of the decision: the active time the sentence was on screen
    before this change (``core.timing``), stored on the event and added to the decision's
    total. None: not measured (scripts, imports).
    """

    labels: Any = _UNSET
    status: Any = _UNSET
    negated: Any = _UNSET
    flagged: Any = _UNSET
    note: Any = _UNSET
    attributes: Any = _UNSET
    seconds: float | None = None
    # Provenance (annotator.core.suggest): the labels suggested on screen at this save (None:
    # none shown) and the keys pressed; the accepted labels are derived when it is saved.
    suggested: Any = _UNSET
    keys_pressed: Any = _UNSET

    def apply(self, state: AnnotationState) -> AnnotationState:
        values = {
            name: getattr(self, name)
            for name in ("labels", "status", "negated", "flagged", "note", "attributes", "suggested", "keys_pressed")
            if getattr(self, name) is not _UNSET
        }
        if "labels" in values:
            values["labels"] = tuple(values["labels"])
        if "suggested" in values:
            values["suggested"] = tuple(values["suggested"]) if values["suggested"] is not None else None
            values["accepted"] = None  # derived from the saved labels by _validated
        return AnnotationState(**{**_state_fields(state), **values})

    @property
    def action(self) -> str:
        if self.status == "skipped":
            return "skip"
        if self.status == "labelled" or self.labels is not _UNSET:
            return "save"
        for name, action in (("flagged", "flag"), ("negated", "negate"), ("note", "note")):
            if getattr(self, name) is not _UNSET:
                return action
        return "change"


def _state_fields(state: AnnotationState) -> dict[str, Any]:
    return {
        "labels": state.labels,
        "status": state.status,
        "negated": state.negated,
        "flagged": state.flagged,
        "note": state.note,
        "attributes": state.attributes,
        "suggested": state.suggested,
        "accepted": state.accepted,
        "keys_pressed": state.keys_pressed,
    }


def ensure_annotator(engine: Engine, name: str) -> int:
    """The id of the annotator called ``name``, created on first use."""
    name = name.strip()
    if not name or len(name) > 128 or not name.isprintable():
        raise UserError(f"annotator name {name!r} must be 1-128 printable characters")

    def create() -> int:
        with write_connection(engine) as connection:
            return inserted_id(connection.execute(insert(AN).values(name=name)))

    for _attempt in range(3):
        with engine.connect() as connection:
            found = connection.execute(select(AN.c.id).where(AN.c.name == name)).scalar()
        if found is not None:
            return int(found)
        try:
            return retry_locked(create)
        except IntegrityError:
            continue  # created concurrently by another process: read it again
    raise UserError(f"could not register annotator {name!r}")


def _current(connection: Connection, sentence_id: int, annotator: int) -> AnnotationState | None:
    query = select(
        A.c.labels,
        A.c.status,
        A.c.negated,
        A.c.flagged,
        A.c.note,
        A.c.attributes,
        A.c.updated_at,
        A.c.suggested,
        A.c.accepted,
        A.c.keys_pressed,
    ).where(A.c.sentence_id == sentence_id, A.c.annotator_id == annotator)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).first()
    return state_from_row(row) if row is not None else None


def _write_state(
    connection: Connection,
    sentence_id: int,
    annotator: int,
    state: AnnotationState | None,
    mask: int,
    seconds: float | None = None,
) -> None:
    if state is None:
        connection.execute(delete(A).where(A.c.sentence_id == sentence_id, A.c.annotator_id == annotator))
        return
    now = utcnow()
    values = {
        **_state_fields(state),
        "labels": list(state.labels),
        "suggested": list(state.suggested) if state.suggested is not None else None,
        "accepted": list(state.accepted) if state.accepted is not None else None,
        "label_mask": mask,
        "updated_at": now,
    }
    # Time spent on the sentence adds up over visits; undo does not take it back (it was spent).
    timed = {} if seconds is None else {"seconds": func.coalesce(A.c.seconds, 0.0) + seconds}
    updated = connection.execute(
        update(A).where(A.c.sentence_id == sentence_id, A.c.annotator_id == annotator).values(**values, **timed)
    )
    if updated.rowcount == 0:
        connection.execute(
            insert(A).values(sentence_id=sentence_id, annotator_id=annotator, created_at=now, seconds=seconds, **values)
        )


def _validated(schema: LabelSchema, state: AnnotationState) -> tuple[AnnotationState, int]:
    try:
        labels = tuple(schema.normalise(state.labels))
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    if state.status == "labelled" and not labels:
        raise UserError("a labelled decision needs at least one label (use skip or none)")
    if state.status == "skipped":
        labels = ()
    if state.note is not None and not state.note.strip():
        state = AnnotationState(**{**_state_fields(state), "note": None})
    provenance: dict[str, Any] = {}
    if state.suggested is not None:
        suggested = tuple(label for label in schema.label_ids if label in set(state.suggested))
        provenance = {"suggested": suggested, "accepted": tuple(label for label in suggested if label in labels)}
    if state.keys_pressed is not None and (not isinstance(state.keys_pressed, int) or state.keys_pressed < 0):
        raise UserError(f"keys_pressed {state.keys_pressed!r}: expected a count of keys (0 or more)")
    state = AnnotationState(**{**_state_fields(state), "labels": labels, **provenance})
    return state, schema.mask_of(labels)


def _checked_seconds(seconds: float | None) -> float | None:
    if seconds is None:
        return None
    if not seconds >= 0 or seconds == float("inf"):
        raise UserError(f"seconds {seconds!r}: the time on screen must be a finite number of seconds, 0 or more")
    return round(float(seconds), 3)  # milliseconds: finer is noise (key repeat, frame timing)


T = TypeVar("T")


def _retrying(operation: Callable[[], T]) -> T:
    # A lost race for the write lock is retried (retry_locked). A concurrent insert of the
    # same (sentence, annotator) row loses the unique race once at most; the second attempt
    # sees the row and updates it.
    try:
        return retry_locked(operation)
    except IntegrityError:
        return retry_locked(operation)


def save_decision(engine: Engine, schema: LabelSchema, annotator: int, sentence_id: int, change: Change) -> SaveResult:
    """Apply ``change`` to the annotator's decision on a sentence; committed when it returns."""

    def run() -> SaveResult:
        with write_connection(engine) as connection:
            if connection.execute(select(S.c.id).where(S.c.id == sentence_id)).first() is None:
                raise UserError(f"sentence {sentence_id} does not exist")
            before = _current(connection, sentence_id, annotator)
            after, mask = _validated(schema, change.apply(before or AnnotationState()))
            seconds = _checked_seconds(change.seconds)
            _write_state(connection, sentence_id, annotator, after, mask, seconds)
            event_id = inserted_id(
                connection.execute(
                    insert(E).values(
                        annotator_id=annotator,
                        sentence_id=sentence_id,
                        action=change.action,
                        before=before.as_event_dict() if before else None,
                        after=after.as_event_dict(),
                        seconds=seconds,
                    )
                )
            )
        return SaveResult(sentence_id, after, event_id)

    return _retrying(run)


def undo_last(engine: Engine, schema: LabelSchema, annotator: int) -> UndoResult | None:
    """Revert the annotator's most recent change that is not yet undone; None if nothing left.

    Imported decisions (a merge from another database) are not undone one by one.
    """
    return retry_locked(lambda: _undo_last(engine, schema, annotator))


def _undo_last(engine: Engine, schema: LabelSchema, annotator: int) -> UndoResult | None:
    with write_connection(engine) as connection:
        undone = select(E.c.undoes).where(E.c.annotator_id == annotator, E.c.undoes.is_not(None))
        target = connection.execute(
            select(E.c.id, E.c.sentence_id, E.c.before)
            .where(
                E.c.annotator_id == annotator,
                E.c.sentence_id.is_not(None),
                # Undo reverts what this annotator did here, not decisions merged in by an import,
                # nor gold they adjudicated (the review screen has its own undo).
                E.c.action.not_in(("undo", "import", *GOLD_ACTIONS)),
                E.c.id.not_in(undone),
            )
            .order_by(E.c.id.desc())
            .limit(1)
        ).first()
        if target is None:
            return None
        event_id, sentence_id, before_dict = target
        current = _current(connection, sentence_id, annotator)
        restored = AnnotationState.from_event_dict(before_dict) if before_dict else None
        mask = 0
        if restored is not None:
            labels = [label for label in restored.labels if label in schema.bit_of]
            restored = AnnotationState(**{**_state_fields(restored), "labels": tuple(labels)})
            mask = schema.mask_of(labels)
        _write_state(connection, sentence_id, annotator, restored, mask)
        connection.execute(
            insert(E).values(
                annotator_id=annotator,
                sentence_id=sentence_id,
                action="undo",
                before=current.as_event_dict() if current else None,
                after=restored.as_event_dict() if restored else None,
                undoes=event_id,
            )
        )
        position = connection.execute(select(S.c.document_id, S.c.idx).where(S.c.id == sentence_id)).one()
    return UndoResult(
        sentence_id=sentence_id,
        document_id=position.document_id,
        idx=position.idx,
        state=restored or AnnotationState(),
        undone_event_id=int(event_id),
    )
