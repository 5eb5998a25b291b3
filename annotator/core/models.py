"""SQLModel tables: the storage schema. Migrations in ``migrations/`` create and evolve it.

Every change to these tables needs a new Alembic revision (tests compare the two).
Timestamps are UTC. Label sets are stored twice on purpose: as a JSON list of label ids
(readable, exported as is) and as an integer bitmask over the schema's label order (so
agreement loads millions of ratings with one integer column instead of parsing JSON).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Float, Index, LargeBinary, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _utc_column(**kwargs: Any) -> Any:
    # The column default (not only the pydantic one) so that Core bulk inserts get it too.
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), default=utcnow, **kwargs))


class Setting(SQLModel, table=True):
    """Project-wide key/value settings (the active label schema, for one)."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))


class LabelSchemaRow(SQLModel, table=True):
    __tablename__ = "label_schema"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_label_schema_name_version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    version: int
    definition: str = Field(sa_column=Column(Text, nullable=False))  # the validated schema as JSON
    created_at: datetime = _utc_column(nullable=False)


class Document(SQLModel, table=True):
    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=64, unique=True)  # stable id: content hash prefix, exported as doc_id
    name: str = Field(max_length=512, unique=True)
    source_path: str | None = Field(default=None, sa_column=Column(Text))
    content_hash: str = Field(max_length=64, unique=True)  # sha256 of text
    lang: str | None = Field(default=None, max_length=16)
    text: str = Field(sa_column=Column(Text, nullable=False))
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    n_sentences: int = 0
    created_at: datetime = _utc_column(nullable=False)


class Sentence(SQLModel, table=True):
    __tablename__ = "sentence"
    __table_args__ = (
        UniqueConstraint("document_id", "idx", name="uq_sentence_document_idx"),
        Index("ix_sentence_text_hash", "text_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", ondelete="CASCADE")
    idx: int  # position in the document, 0-based
    start: int  # character offsets into document.text: text == document.text[start:end]
    end: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    text_hash: str = Field(max_length=64)  # sha256 of text, to match sentences across databases
    lang: str | None = Field(default=None, max_length=16)


class Annotator(SQLModel, table=True):
    __tablename__ = "annotator"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128, unique=True)
    created_at: datetime = _utc_column(nullable=False)


class Annotation(SQLModel, table=True):
    """The current decision of one annotator on one sentence (at most one)."""

    __tablename__ = "annotation"
    __table_args__ = (
        UniqueConstraint("sentence_id", "annotator_id", name="uq_annotation_sentence_annotator"),
        Index("ix_annotation_annotator_sentence", "annotator_id", "sentence_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sentence_id: int = Field(foreign_key="sentence.id", ondelete="CASCADE")
    annotator_id: int = Field(foreign_key="annotator.id", ondelete="CASCADE")
    labels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    label_mask: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # labelled | skipped | open (only a flag or a note so far, no decision yet)
    status: str = Field(max_length=16)
    negated: bool = False
    flagged: bool = False
    note: str | None = Field(default=None, sa_column=Column(Text))
    # Optional OPP-115 style attributes declared by the schema, e.g. {"data_sharing.recipient": "affiliate"}
    attributes: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    # Provenance of suggestions (annotator.core.suggest), set by each save: the labels the
    # screen suggested (NULL: no suggestions were shown), which of them the saved set kept,
    # and the keys pressed on the sentence before the save (NULL: not recorded).
    suggested: list[str] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    accepted: list[str] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    keys_pressed: int | None = Field(default=None)
    created_at: datetime = _utc_column(nullable=False)
    updated_at: datetime = _utc_column(nullable=False)
    # Active seconds the sentence was on screen before this annotator's decisions on it, summed
    # over their saves (pauses over 2 minutes capped: core/timing.py). None: not measured
    # (a script, an import without it, a decision older than the measurement).
    seconds: float | None = Field(default=None, sa_column=Column(Float, nullable=True))


class Gold(SQLModel, table=True):
    """The gold label set of a sentence, with how it was reached (its provenance).

    ``method``: ``adjudicated`` (a person chose it), ``unanimous`` or ``majority`` (a rule
    did, ``gold --auto``); ``by``: who adjudicated (None for a rule); ``updated_at``: when;
    ``note``: why; ``agreed``: the annotators whose labelled set equalled the gold when it
    was decided. Every change is also an event (actions ``gold``, ``gold_auto``, ``gold_undo``,
    ``gold_import``).
    """

    __tablename__ = "gold"

    id: int | None = Field(default=None, primary_key=True)
    sentence_id: int = Field(foreign_key="sentence.id", ondelete="CASCADE", unique=True)
    labels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    label_mask: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    method: str = Field(max_length=32)  # adjudicated | unanimous | majority
    by: str | None = Field(default=None, max_length=128)
    note: str | None = Field(default=None, sa_column=Column(Text))
    agreed: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    updated_at: datetime = _utc_column(nullable=False)


class SuggestionModelRow(SQLModel, table=True):
    """A trained suggestion model: a versioned blob and what it was trained on (the newest is used).

    The blob is numpy arrays (``SuggestionModel.to_bytes``), never a pickle.
    """

    __tablename__ = "suggestion_model"

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(unique=True)  # 1, 2, 3...
    schema_ref: str = Field(max_length=64)  # the label schema it predicts, e.g. privacy@1
    source: str = Field(max_length=256)  # gold | majority | annotator:NAME, or several joined by +
    n_sentences: int  # training set size
    positives: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    figures: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    format: int  # layout of the blob (annotator.core.suggest.model.MODEL_FORMAT)
    blob: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = _utc_column(nullable=False)


class Event(SQLModel, table=True):
    """Append-only log of every change: who, what, when, and the state before and after.

    Undo reads it; an audit reads it; nothing ever updates or deletes a row.
    """

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_annotator_id", "annotator_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc_column(nullable=False)
    annotator_id: int | None = Field(default=None, foreign_key="annotator.id")
    sentence_id: int | None = Field(default=None, foreign_key="sentence.id")
    # save | skip | flag | negate | note | undo | import | schema | gold | gold_auto | gold_undo | gold_import
    action: str = Field(max_length=32)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    undoes: int | None = Field(default=None)  # id of the event an undo reverted
    seconds: float | None = Field(default=None, sa_column=Column(Float, nullable=True))  # active time before this save


class WorkUnit(SQLModel, table=True):
    """A unit of work that is assigned: a whole document, or one sentence of it.

    The unit covers the document's sentences ``first_idx <= idx < end_idx``. ``overlap``
    units go to several annotators (``--per-item``): they are the agreement sample.
    """

    __tablename__ = "work_unit"
    __table_args__ = (
        UniqueConstraint("document_id", "first_idx", name="uq_work_unit_document_first"),
        Index("ix_work_unit_holders", "holders", "id"),  # the next fresh unit, in order
        Index("ix_work_unit_overlap_holders", "overlap", "holders", "id"),  # overlap units others started
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", ondelete="CASCADE")
    first_idx: int
    end_idx: int  # exclusive
    n_sentences: int
    overlap: bool = False
    # Active assignments of the unit, kept with them under the queue lock: the dynamic queue
    # finds the next unit through an index instead of counting a million units' claims.
    holders: int = 0
    created_at: datetime = _utc_column(nullable=False)


class Assignment(SQLModel, table=True):
    """One annotator is to annotate one unit: planned (``static``) or taken from the queue (``dynamic``)."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("unit_id", "annotator_id", name="uq_assignment_unit_annotator"),
        Index("ix_assignment_annotator_unit", "annotator_id", "unit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="work_unit.id", ondelete="CASCADE")
    annotator_id: int = Field(foreign_key="annotator.id", ondelete="CASCADE")
    source: str = Field(max_length=16)  # static | dynamic
    created_at: datetime = _utc_column(nullable=False)
    # A dynamic claim left unfinished by someone who stopped working is released (the unit
    # goes back to the queue; their decisions stay). The row stays: nobody gets a unit twice.
    released_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


def _table(model: type[SQLModel]) -> Table:
    # SQLModel creates ``__table__`` for every ``table=True`` class but does not declare it to type checkers.
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


# Core (non-ORM) handles on the tables, for bulk inserts, keyset reads and upserts:
# modules import them as short names, e.g. ``from annotator.core.models import SENTENCE as S``.
DOCUMENT = _table(Document)
SENTENCE = _table(Sentence)
ANNOTATOR = _table(Annotator)
ANNOTATION = _table(Annotation)
GOLD = _table(Gold)
EVENT = _table(Event)
SETTING = _table(Setting)
LABEL_SCHEMA = _table(LabelSchemaRow)
WORK_UNIT = _table(WorkUnit)
ASSIGNMENT = _table(Assignment)
SUGGESTION_MODEL = _table(SuggestionModelRow)
