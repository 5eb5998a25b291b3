"""Plain, immutable values the core hands to the CLI and the TUI (never live ORM objects)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Status = Literal["labelled", "skipped", "open"]


@dataclass(frozen=True, slots=True)
class AnnotationState:
    """One annotator's current decision on one sentence."""

    labels: tuple[str, ...] = ()
    status: Status = "open"
    negated: bool = False
    flagged: bool = False
    note: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None
    # Provenance of suggestions: what the screen suggested when the labels were saved
    # (None: no suggestions shown), the suggested labels the saved set kept, keys pressed.
    suggested: tuple[str, ...] | None = None
    accepted: tuple[str, ...] | None = None
    keys_pressed: int | None = None

    @property
    def decided(self) -> bool:
        return self.status in ("labelled", "skipped")

    def as_event_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "labels": list(self.labels),
            "status": self.status,
            "negated": self.negated,
            "flagged": self.flagged,
            "note": self.note,
            "attributes": dict(self.attributes),
        }
        if self.suggested is not None:
            data["suggested"] = list(self.suggested)
            data["accepted"] = list(self.accepted or ())
        if self.keys_pressed is not None:
            data["keys_pressed"] = self.keys_pressed
        return data

    @classmethod
    def from_event_dict(cls, data: dict[str, Any]) -> AnnotationState:
        suggested = data.get("suggested")
        return cls(
            labels=tuple(data.get("labels") or ()),
            status=data.get("status", "open"),
            negated=bool(data.get("negated", False)),
            flagged=bool(data.get("flagged", False)),
            note=data.get("note"),
            attributes=dict(data.get("attributes") or {}),
            suggested=tuple(suggested) if suggested is not None else None,
            accepted=tuple(data.get("accepted") or ()) if suggested is not None else None,
            keys_pressed=data.get("keys_pressed"),
        )


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    id: int
    uid: str
    name: str
    lang: str | None
    n_sentences: int
    source_path: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DocumentProgress:
    document: DocumentInfo
    decided: int  # labelled or skipped by the annotator asked about
    flagged: int = 0


@dataclass(frozen=True, slots=True)
class SentenceRow:
    """A sentence with (optionally) one annotator's state on it: what the annotate screen shows."""

    id: int
    document_id: int
    idx: int
    start: int
    end: int
    text: str
    lang: str | None
    state: AnnotationState | None = None


@dataclass(frozen=True, slots=True)
class SentenceRecord:
    """A sentence as printed by ``annotator sentences``."""

    doc_id: str
    doc_name: str
    sent_idx: int
    start: int
    end: int
    lang: str | None
    text: str


@dataclass(frozen=True, slots=True)
class AnnotatorCounts:
    labelled: int = 0
    skipped: int = 0
    flagged: int = 0


@dataclass(frozen=True, slots=True)
class ProjectStats:
    documents: int
    sentences: int
    languages: dict[str, int]
    annotators: dict[str, AnnotatorCounts]
    schema: str | None

    @classmethod
    def from_rows(
        cls,
        documents: int,
        languages: Iterable[Sequence[Any]],
        per_status: Iterable[Sequence[Any]],
        names: Iterable[str],
        schema: str | None,
    ) -> ProjectStats:
        """``languages``: (lang, sentences) rows; ``per_status``: (annotator, status, decisions,
        flagged) rows; ``names``: every annotator, in order."""
        by_language = {(lang or "unknown"): int(n) for lang, n in languages}
        counts: dict[str, dict[str, int]] = {name: {"labelled": 0, "skipped": 0, "flagged": 0} for name in names}
        for name, status, n, flagged in per_status:
            if status in ("labelled", "skipped"):
                counts[name][status] += int(n)
            counts[name]["flagged"] += int(flagged or 0)
        return cls(
            documents=documents,
            sentences=sum(by_language.values()),
            languages=by_language,
            annotators={name: AnnotatorCounts(**c) for name, c in counts.items()},
            schema=schema,
        )


@dataclass(frozen=True, slots=True)
class SaveResult:
    sentence_id: int
    state: AnnotationState
    event_id: int


@dataclass(frozen=True, slots=True)
class UndoResult:
    sentence_id: int
    document_id: int
    idx: int
    state: AnnotationState  # the state restored
    undone_event_id: int
