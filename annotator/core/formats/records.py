"""Pydantic models of the records that leave and re-enter the program.

``SentenceRecord`` is one line of our JSONL export (docs/formats.md, "`jsonl` (default)");
``AnnotationRow`` is one line of the per-annotation flavour (``jsonl-annotations``).

Normalisations, applied on construction so that every writer and reader agrees:

- ``labels`` (of an annotation and of the gold) are a *set*: stored sorted and without
  duplicates. A label id is non-empty and contains no whitespace and no ``|`` (the CSV
  separator).
- ``annotations`` are sorted by annotator name; one annotation per annotator.
- ``updated_at`` is an ISO-8601 UTC string ``2026-11-24T10:00:00Z``; microseconds are kept
  (``...:00.123456Z``) only when present. Naive datetimes / strings are taken as UTC.
- ``note`` ``""`` becomes ``None`` (an empty note is no note); ``lang`` ``""`` and gold
  ``by`` ``""`` become ``None`` likewise.
- ``seconds`` (active time the sentence was on screen before the decision, pauses over 2
  minutes capped; ``None`` when not measured) is a float >= 0 rounded to milliseconds.
- ``id`` is always ``"<doc_id>:<sent_idx>"``; it is derived when missing and a different
  value is an error.

``status`` is ``labelled`` or ``skipped`` for a decision, or ``open`` for an annotation that
holds only a flag or a note so far (the storage layer's third state): exported so that
flags and notes are not lost; only ``labelled`` annotations count for gold and agreement.

``sentence_hash`` (sha256 of the sentence text) is deliberately *not* a field: it is a pure
function of ``text``, so the importer computes it (:func:`sentence_hash`) when matching
sentences across databases, and no file can carry a hash that disagrees with its text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    field_validator,
    model_validator,
)

SCHEMA_DEFAULT = "privacy@1"

Status = Literal["labelled", "skipped", "open"]
GoldMethod = Literal["adjudicated", "unanimous", "majority"]
Split = Literal["train", "dev", "test"]
SPLITS: tuple[Split, ...] = ("train", "dev", "test")
SENTENCE_KEYS = ("id", "doc_id", "doc_name", "sent_idx", "start", "end", "lang", "schema", "split")
"""The sentence fields a foreign format carries beside the text, under our names (the
document's ``meta`` travels as ``doc_meta``): :func:`~.base.foreign_sentence_fields`."""

_LABEL_RE = re.compile(r"[^\s|]+")


def sentence_hash(text: str) -> str:
    """sha256 (hex) of a sentence's text, the key for matching sentences across databases."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_doc_id(text: str) -> str:
    """A stable document id from its text: the first 16 hex digits of its sha256.

    Readers use it for records of foreign tools that carry no document id (each such
    record becomes a one-sentence document); the storage layer may use it too.
    """
    return sentence_hash(text)[:16]


def format_utc(value: datetime) -> str:
    """``datetime`` -> ``2026-11-24T10:00:00Z`` (``.ffffffZ`` only when there are microseconds)."""
    if value.tzinfo is None:  # naive: taken as UTC
        return value.isoformat() + "Z"
    if value.utcoffset():
        value = value.astimezone(UTC)
    # isoformat omits the fraction exactly when microsecond == 0; drop its "+00:00"
    return value.isoformat()[:-6] + "Z"


def parse_utc(value: str | datetime) -> datetime:
    """An ISO-8601 string or datetime -> aware UTC datetime (naive is taken as UTC)."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"not an ISO-8601 date-time: {value!r}") from None
    else:
        raise ValueError(f"expected an ISO-8601 date-time string, got {type(value).__name__}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _to_utc_text(value: Any) -> str:
    return format_utc(parse_utc(value))


def _label_set(labels: list[str]) -> list[str]:
    for label in labels:
        if not _LABEL_RE.fullmatch(label):
            raise ValueError(f"invalid label id {label!r} (empty, whitespace or '|')")
    return sorted(set(labels))


def _empty_to_none(value: Any) -> Any:
    return None if value == "" else value


def _milliseconds(value: float) -> float:
    return round(float(value), 3)


UtcText = Annotated[str, BeforeValidator(_to_utc_text)]
LabelSet = Annotated[list[str], AfterValidator(_label_set)]
OptionalText = Annotated[str | None, BeforeValidator(_empty_to_none)]
Name = Annotated[str, Field(min_length=1)]
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False), AfterValidator(_milliseconds)] | None

_CONFIG = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Annotation(BaseModel):
    """One annotator's decision on one sentence.

    ``suggested``/``accepted``: the decision's suggestion provenance — the labels the
    annotate screen suggested when it was saved and those of them the saved set kept;
    both ``null`` when no suggestions were shown (an independent decision).
    """

    model_config = _CONFIG

    annotator: Name
    labels: LabelSet = Field(default_factory=list)
    status: Status = "labelled"
    negated: bool = False
    flagged: bool = False
    note: OptionalText = None
    updated_at: UtcText
    seconds: Seconds = None
    suggested: LabelSet | None = None
    accepted: LabelSet | None = None

    @model_validator(mode="after")
    def _provenance(self) -> Annotation:
        if self.suggested is None:
            if self.accepted is not None:
                raise ValueError("accepted without suggested: suggestions that were not shown cannot be accepted")
        elif self.accepted is None or not set(self.accepted) <= set(self.suggested):
            raise ValueError("accepted must list the suggested labels the decision kept")
        return self

    @property
    def updated_dt(self) -> datetime:
        """``updated_at`` as an aware datetime (compare these, not the strings)."""
        return parse_utc(self.updated_at)


def provenance_keys(annotation: Annotation) -> dict[str, list[str] | None]:
    """The provenance keys a JSON format writes beside an annotation's other keys."""
    return {"suggested": annotation.suggested, "accepted": annotation.accepted}


def provenance_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """The provenance of an annotation read from a JSON format (absent keys: none shown)."""
    return {"suggested": data.get("suggested"), "accepted": data.get("accepted")}


def _name_set(names: list[str]) -> list[str]:
    return sorted(set(names))


class Gold(BaseModel):
    """The gold labels of a sentence and how they were reached.

    ``agreed``: the annotators whose labelled set equals the gold, sorted. In a
    :class:`SentenceRecord` it is always derived from the record's annotations (so every
    format and every reader agree on it, whatever a file says).
    """

    model_config = _CONFIG

    labels: LabelSet
    method: GoldMethod
    by: OptionalText = None
    agreed: Annotated[list[str], AfterValidator(_name_set)] = Field(default_factory=list)


def agreed_with(gold_labels: Iterable[str], annotations: Iterable[Any]) -> list[str]:
    """Sorted names of the labelled annotations (dicts or :class:`Annotation`) whose label
    set equals ``gold_labels``."""
    wanted = set(gold_labels)
    names = []
    for a in annotations:
        data = a if isinstance(a, Mapping) else {"annotator": a.annotator, "labels": a.labels, "status": a.status}
        if data.get("status", "labelled") == "labelled" and set(data.get("labels") or ()) == wanted:
            names.append(data["annotator"])
    return sorted(names)


class _SentenceFields(BaseModel):
    """The fields that describe a sentence, shared by both JSONL flavours."""

    model_config = _CONFIG

    id: str
    doc_id: Name
    doc_name: str
    sent_idx: Annotated[int, Field(ge=0)]
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]
    lang: OptionalText = None
    text: str

    @model_validator(mode="before")
    @classmethod
    def _derive_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("id") is None and "doc_id" in data and "sent_idx" in data:
            data = {**data, "id": f"{data['doc_id']}:{data['sent_idx']}"}
        return data

    @model_validator(mode="after")
    def _check(self) -> _SentenceFields:
        if self.id != f"{self.doc_id}:{self.sent_idx}":
            raise ValueError(f"id {self.id!r} is not '<doc_id>:<sent_idx>' ({self.doc_id}:{self.sent_idx})")
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class SentenceInfo(_SentenceFields):
    """The sentence part of a record, without annotations and gold (what readers compare)."""

    schema_name: str = Field(default=SCHEMA_DEFAULT, alias="schema", min_length=1)
    split: Split | None = None
    meta: dict[str, JsonValue] = Field(default_factory=dict)


class SentenceRecord(_SentenceFields):
    """One line of our JSONL export: a sentence with every annotator's decision and the gold."""

    annotations: list[Annotation] = Field(default_factory=list)
    gold: Gold | None = None
    schema_name: str = Field(default=SCHEMA_DEFAULT, alias="schema", min_length=1)
    split: Split | None = None
    meta: dict[str, JsonValue] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _derive_agreed(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("gold") is not None:
            gold = data["gold"]
            fields = gold.model_dump() if isinstance(gold, Gold) else dict(gold)
            fields["agreed"] = agreed_with(fields.get("labels") or (), data.get("annotations") or ())
            data = {**data, "gold": fields}
        return data

    @field_validator("annotations")
    @classmethod
    def _sort_annotations(cls, annotations: list[Annotation]) -> list[Annotation]:
        names = [a.annotator for a in annotations]
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"more than one annotation by {', '.join(dupes)}")
        return sorted(annotations, key=lambda a: a.annotator)

    def to_json_dict(self) -> dict[str, Any]:
        """The exported shape (key ``schema``, every key present)."""
        return self.model_dump(mode="json", by_alias=True)

    def sentence_fields(self) -> dict[str, Any]:
        """The sentence part only (no annotations, gold): what every line of a sentence repeats."""
        return self.model_dump(mode="json", by_alias=True, exclude={"annotations", "gold"})

    def info(self) -> SentenceInfo:
        return SentenceInfo.model_validate(self.sentence_fields())


class AnnotationRow(_SentenceFields):
    """One line of the ``jsonl-annotations`` flavour: one (sentence, annotator).

    A sentence nobody annotated still gets one row, with ``annotator``, ``status`` and
    ``updated_at`` null, ``labels`` empty and the flags false, so that the shape is stable.
    """

    annotator: str | None = None
    labels: LabelSet = Field(default_factory=list)
    status: Status | None = None
    negated: bool = False
    flagged: bool = False
    note: OptionalText = None
    updated_at: UtcText | None = None
    seconds: Seconds = None
    suggested: LabelSet | None = None
    accepted: LabelSet | None = None
    gold: Gold | None = None
    schema_name: str = Field(default=SCHEMA_DEFAULT, alias="schema", min_length=1)
    split: Split | None = None
    meta: dict[str, JsonValue] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> AnnotationRow:
        if self.annotator is None:
            if self.status is not None or self.updated_at is not None or self.labels or self.note is not None:
                raise ValueError("a row without annotator carries annotation fields")
            if self.seconds is not None or self.suggested is not None or self.accepted is not None:
                raise ValueError("a row without annotator carries annotation fields")
            if self.negated or self.flagged:
                raise ValueError("a row without annotator carries annotation fields")
        else:
            if not self.annotator:
                raise ValueError("annotator is empty")
            if self.status is None or self.updated_at is None:
                raise ValueError("a row with an annotator needs status and updated_at")
        return self

    def annotation(self) -> Annotation | None:
        if self.annotator is None:
            return None
        return Annotation(
            annotator=self.annotator,
            labels=self.labels,
            status=self.status or "labelled",
            negated=self.negated,
            flagged=self.flagged,
            note=self.note,
            updated_at=self.updated_at or "",
            seconds=self.seconds,
            suggested=self.suggested,
            accepted=self.accepted,
        )


def record_to_rows(record: SentenceRecord) -> list[AnnotationRow]:
    """Flatten a sentence into one row per annotator (one empty row when nobody annotated)."""
    base = record.sentence_fields()
    base["gold"] = record.gold
    if not record.annotations:
        return [AnnotationRow.model_validate(base)]
    return [AnnotationRow.model_validate({**base, **a.model_dump(mode="json")}) for a in record.annotations]


def _fast_time(value: Any) -> str:
    return format_utc(value) if isinstance(value, datetime) else _to_utc_text(value)


def record_dict(
    *,
    doc_id: str,
    doc_name: str,
    sent_idx: int,
    start: int,
    end: int,
    text: str,
    lang: str | None = None,
    annotations: Iterable[Mapping[str, Any]] = (),
    gold: Mapping[str, Any] | None = None,
    schema: str = SCHEMA_DEFAULT,
    split: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Fast path for bulk export: the dict ``SentenceRecord(...).to_json_dict()`` gives.

    About 4x faster than building the model, because it does not validate: the caller
    (the database) guarantees valid values (label ids, status, one annotation per
    annotator). It applies the same normalisations (sorted label sets and annotators,
    UTC timestamps from ``datetime`` or strings, ``""`` -> ``None``, derived ``id``), so
    the shape is the same; a test checks the two agree. Each annotation is a mapping with
    ``annotator, labels, status, negated, flagged, note, updated_at`` and optionally
    ``seconds`` (a float rounded to milliseconds, or None) and ``suggested``, ``accepted``
    (label lists, or None); the gold one with
    ``labels, method, by`` (``agreed`` is derived from the annotations). Write the result
    with ``JsonlWriter.write_dict``.
    """
    anns = [
        {
            "annotator": a["annotator"],
            "labels": sorted(set(a["labels"])),
            "status": a["status"],
            "negated": bool(a["negated"]),
            "flagged": bool(a["flagged"]),
            "note": a["note"] or None,
            "updated_at": _fast_time(a["updated_at"]),
            "seconds": a.get("seconds"),
            "suggested": None if a.get("suggested") is None else sorted(set(a["suggested"])),
            "accepted": None if a.get("accepted") is None else sorted(set(a["accepted"])),
        }
        for a in annotations
    ]
    anns.sort(key=lambda a: a["annotator"])
    return {
        "id": f"{doc_id}:{sent_idx}",
        "doc_id": doc_id,
        "doc_name": doc_name,
        "sent_idx": sent_idx,
        "start": start,
        "end": end,
        "lang": lang or None,
        "text": text,
        "annotations": anns,
        "gold": None
        if gold is None
        else {
            "labels": sorted(set(gold["labels"])),
            "method": gold["method"],
            "by": gold["by"] or None,
            "agreed": agreed_with(gold["labels"], anns),
        },
        "schema": schema,
        "split": split,
        "meta": dict(meta) if meta else {},
    }


def hf_features() -> Any:
    """The ``datasets.Features`` of our JSONL record (imports ``datasets`` lazily).

    ``datasets.load_dataset("json", ...)`` infers column types from the first chunk of the
    file (10 MB by default). A file whose first chunk has, say, no note or no gold at all
    infers a ``null`` type and then fails on a later line that has one. Passing
    ``features=hf_features()`` removes that dependence on the data.
    """
    import datasets

    v = datasets.Value
    list_ = getattr(datasets, "List", None) or datasets.Sequence
    meta_feature = datasets.Json() if hasattr(datasets, "Json") else v("string")
    return datasets.Features(
        {
            "id": v("string"),
            "doc_id": v("string"),
            "doc_name": v("string"),
            "sent_idx": v("int64"),
            "start": v("int64"),
            "end": v("int64"),
            "lang": v("string"),
            "text": v("string"),
            "annotations": list_(
                {
                    "annotator": v("string"),
                    "labels": list_(v("string")),
                    "status": v("string"),
                    "negated": v("bool"),
                    "flagged": v("bool"),
                    "note": v("string"),
                    "updated_at": v("string"),
                    "seconds": v("float64"),
                    "suggested": list_(v("string")),
                    "accepted": list_(v("string")),
                }
            ),
            "gold": {
                "labels": list_(v("string")),
                "method": v("string"),
                "by": v("string"),
                "agreed": list_(v("string")),
            },
            "schema": v("string"),
            "split": v("string"),
            "meta": meta_feature,
        }
    )
