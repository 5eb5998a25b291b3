"""Import of annotated data: our JSONL (both flavours), Prodigy, doccano, Label Studio, CSV.

Records are read with :func:`annotator.core.formats.read_records` and stored as they are:
their sentences are never re-segmented. Two passes over each file:

1. **Check** (nothing is stored): every label, after ``--map old=new``, must be in the
   project's schema and obey it (``none`` alone, one label in single mode); annotator
   names must be storable. Any problem in any file is one :class:`UserError` listing
   every unknown label, and nothing at all is stored.
2. **Store**, one transaction per document (all of a document's sentences, decisions and
   gold, or nothing of it):

   - *Documents* are matched by ``doc_id``, which is the content hash of the original
     text (its first 16 hex digits: the ``uid``). Not by the hash of a text rebuilt from
     sentences: two different documents can rebuild to the same text, and merging them
     would put one's decisions on the other's sentences. A new document gets
     ``uid = doc_id``, the record's ``doc_name`` (suffixed ``~2``... if the name is
     taken), ``meta``, the most common sentence language, and a text *rebuilt* from its
     sentences at their offsets: the original text between sentences is not in the
     export, so a gap of one character becomes a space and a longer gap becomes spaces
     ending with a newline; nothing follows the last sentence (a newline is added there
     if another document already has the same text). Offsets therefore hold
     (``text[start:end] == sentence``). Importing the original ``.txt`` later is a no-op:
     its uid is already there.
   - *Sentences* of a known document are matched by index and text hash (else by text
     hash alone, when unique in the document). A sentence that matches nothing (the
     document was segmented differently in the other database) refuses the document:
     reported, nothing of it stored, the other documents still import.
   - *Annotators* are created as needed.
   - *Decisions* are inserted in bulk with SQLAlchemy Core, keeping their ``updated_at``;
     each inserted or changed decision gets one ``event`` row (action ``import``, the
     state before and after, the source file). The same annotator on the same sentence:
     an identical decision keeps the later of the two times (no event: nothing changed);
     a different one is a *conflict*: the most recent ``updated_at`` wins (the
     database's on a tie), and every conflict is reported. So merging A into B and B into
     A gives the same data on both sides.
     A decision ``labelled`` with no label (possible in doccano) is stored as ``open``;
     a ``skipped`` one drops its labels. Attributes are not in exports: an updated
     decision keeps the stored attributes.
   - *Gold*: only ``adjudicated`` gold is stored (unanimous/majority are recomputed at
     export from the decisions, so round trips hold). A different adjudicated gold already
     stored is kept and reported.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from annotator.core.db import write_connection
from annotator.core.decisions import ensure_annotator
from annotator.core.errors import UserError
from annotator.core.formats import (
    Annotation,
    FormatError,
    ReadReport,
    SentenceRecord,
    format_utc,
    parse_utc,
    read_records,
    sentence_hash,
)
from annotator.core.labels import LabelSchema
from annotator.core.models import Annotation as AnnotationRow
from annotator.core.models import Annotator, Document, Event, Sentence, utcnow
from annotator.core.models import Gold as GoldRow
from annotator.core.repository import free_document_name

D = Document.__table__  # type: ignore[attr-defined]
S = Sentence.__table__  # type: ignore[attr-defined]
A = AnnotationRow.__table__  # type: ignore[attr-defined]
G = GoldRow.__table__  # type: ignore[attr-defined]
E = Event.__table__  # type: ignore[attr-defined]
AN = Annotator.__table__  # type: ignore[attr-defined]

INSERT_BATCH = 5000
UID_MAX = 64
NAME_MAX = 500
Progress = Callable[[int, int], None]  # (records done, records total) of one file


# ----------------------------------------------------------------------------- summary


class DecisionConflict(BaseModel):
    """Two different decisions by the same annotator on the same sentence."""

    sentence: str
    """``<doc_id>:<sent_idx>`` as exported."""
    sentence_id: int
    """The sentence's id in this database."""
    annotator: str
    kept: Literal["existing", "imported"]
    existing: dict[str, Any]
    imported: dict[str, Any]


class GoldConflict(BaseModel):
    sentence: str
    sentence_id: int
    kept: Literal["existing"] = "existing"
    existing: dict[str, Any]
    imported: dict[str, Any]


class RefusedDocument(BaseModel):
    doc_id: str
    doc_name: str
    reason: str


class AnnotatedImportSummary(BaseModel):
    """What one annotated file brought in (``annotator import --json`` prints it)."""

    source: str
    format: str
    records: int = 0
    """Sentence records read."""
    documents_created: int = 0
    documents_matched: int = 0
    sentences_created: int = 0
    sentences_matched: int = 0
    annotators: list[str] = Field(default_factory=list)
    """Every annotator with a decision in the file."""
    annotators_created: list[str] = Field(default_factory=list)
    decisions_inserted: int = 0
    decisions_updated: int = 0
    """Conflicts the imported (more recent) decision won."""
    decisions_unchanged: int = 0
    """Identical to the stored decision, or a conflict the stored decision won."""
    decisions_made_open: int = 0
    """``labelled`` with no label in the file: stored as ``open`` (a note or flag only)."""
    duplicate_decisions_in_file: int = 0
    conflicts: list[DecisionConflict] = Field(default_factory=list)
    gold_stored: int = 0
    gold_unchanged: int = 0
    gold_not_stored: int = 0
    """Gold computed by a policy (unanimous/majority): recomputed at export, not stored."""
    gold_conflicts: list[GoldConflict] = Field(default_factory=list)
    renamed_documents: dict[str, str] = Field(default_factory=dict)
    """doc_id -> the name it got because its own name was taken."""
    refused: list[RefusedDocument] = Field(default_factory=list)
    schemas: list[str] = Field(default_factory=list)
    """Schema references the records name (the labels were checked against the project's)."""

    @property
    def decisions(self) -> int:
        return self.decisions_inserted + self.decisions_updated


# ----------------------------------------------------------------------------- checking


class _Refused(Exception):
    """A document that cannot be stored; the message says why."""


class FileRefused(Exception):
    """A file that cannot be read as the format it was taken for; the message says why."""


def parse_label_map(pairs: Iterable[str]) -> dict[str, str]:
    """``["old=new", "a=b,c=d"]`` -> ``{"old": "new", "a": "b", "c": "d"}``."""
    mapping: dict[str, str] = {}
    for item in pairs:
        for pair in item.split(","):
            if not pair.strip():
                continue
            old, sep, new = pair.partition("=")
            if not sep or not old.strip() or not new.strip():
                raise UserError(f"--map {pair!r}: expected old=new")
            mapping[old.strip()] = new.strip()
    return mapping


class _Labels:
    """Maps and validates label lists against the schema; remembers what was wrong."""

    def __init__(self, schema: LabelSchema, label_map: Mapping[str, str]) -> None:
        self.schema = schema
        self.map = dict(label_map)
        bad_targets = sorted(set(self.map.values()) - set(schema.label_ids))
        if bad_targets:
            raise UserError(f"--map target(s) not in the project's schema {schema.ref}: {', '.join(bad_targets)}")
        self.unknown: set[str] = set()
        self.invalid: list[str] = []

    def mapped(self, labels: Sequence[str]) -> list[str]:
        return sorted({self.map.get(label, label) for label in labels})

    def check(self, labels: Sequence[str], where: str) -> None:
        mapped = self.mapped(labels)
        unknown = set(mapped) - set(self.schema.bit_of)
        if unknown:
            self.unknown |= unknown
            return
        try:
            self.schema.normalise(mapped)
        except ValueError as exc:
            if len(self.invalid) < 3:
                self.invalid.append(f"{where}: {exc}")

    def normalise(self, labels: Sequence[str]) -> list[str]:
        return self.schema.normalise(self.mapped(labels))


class _FilePlan:
    """What the check pass learned about one file."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.fmt = fmt
        self.records = 0
        self.annotators: set[str] = set()
        self.schemas: set[str] = set()
        self.consecutive = True
        self.duplicates = 0


def _check_name(name: str) -> str | None:
    if not name.strip() or len(name) > 128 or not name.isprintable():
        return f"annotator name {name!r} must be 1-128 printable characters"
    return None


def check_file(path: Path, fmt: str, labels: _Labels) -> _FilePlan:
    """Pass 1: read the whole file, check labels and names, learn its layout."""
    plan = _FilePlan(path, fmt)
    report = ReadReport()
    finished: set[str] = set()
    current: str | None = None
    bad_names: list[str] = []
    try:
        for record in read_records(path, fmt, report=report):
            plan.records += 1
            plan.schemas.add(record.schema_name)
            if record.doc_id != current:
                if current is not None:
                    finished.add(current)
                if record.doc_id in finished:
                    plan.consecutive = False
                current = record.doc_id
            for ann in record.annotations:
                if ann.annotator not in plan.annotators:
                    plan.annotators.add(ann.annotator)
                    problem = _check_name(ann.annotator)
                    if problem:
                        bad_names.append(problem)
                labels.check(ann.labels, f"{path}: {record.id} ({ann.annotator})")
            if record.gold is not None:
                labels.check(record.gold.labels, f"{path}: {record.id} (gold)")
    except FormatError as exc:
        raise FileRefused(str(exc)) from exc
    except OSError as exc:
        raise FileRefused(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if bad_names:
        raise FileRefused(f"{path}: {bad_names[0]}")
    plan.duplicates = report.duplicate_decisions
    return plan


# ----------------------------------------------------------------------------- grouping


def _groups(plan: _FilePlan) -> Iterator[list[SentenceRecord]]:
    """The records of each document together (streamed when the file keeps them together)."""
    records = read_records(plan.path, plan.fmt)
    if plan.consecutive:
        current: list[SentenceRecord] = []
        for record in records:
            if current and record.doc_id != current[0].doc_id:
                yield current
                current = []
            current.append(record)
        if current:
            yield current
        return
    groups: dict[str, list[SentenceRecord]] = {}
    for record in records:
        groups.setdefault(record.doc_id, []).append(record)
    yield from groups.values()


def _merge_duplicates(records: list[SentenceRecord]) -> list[SentenceRecord]:
    """One record per sentence index (a file may repeat a sentence: most recent decision wins)."""
    by_idx: dict[int, SentenceRecord] = {}
    for record in records:
        old = by_idx.get(record.sent_idx)
        if old is None:
            by_idx[record.sent_idx] = record
            continue
        if (old.text, old.start, old.end) != (record.text, record.start, record.end):
            raise _Refused(f"sentence {record.id} appears twice with different text or offsets")
        if old.gold is not None and record.gold is not None and old.gold != record.gold:
            raise _Refused(f"sentence {record.id} appears twice with different gold")
        anns = {a.annotator: a for a in old.annotations}
        for ann in record.annotations:
            mine = anns.get(ann.annotator)
            if mine is None or ann.updated_dt > mine.updated_dt:
                anns[ann.annotator] = ann
        by_idx[record.sent_idx] = old.model_copy(
            update={
                "annotations": sorted(anns.values(), key=lambda a: a.annotator),
                "gold": old.gold or record.gold,
            }
        )
    return [by_idx[i] for i in sorted(by_idx)]


def rebuild_text(records: Sequence[SentenceRecord]) -> str:
    """The document text from its sentences at their offsets (see the module docstring)."""
    parts: list[str] = []
    position = 0
    previous: SentenceRecord | None = None
    for record in sorted(records, key=lambda r: (r.start, r.end, r.sent_idx)):
        if record.end - record.start != len(record.text):
            raise _Refused(
                f"sentence {record.id}: offsets {record.start}-{record.end} do not fit its "
                f"{len(record.text)} characters"
            )
        if record.start < position:
            raise _Refused(f"sentence {record.id} overlaps sentence {previous.id if previous else '?'}")
        if previous is not None and record.sent_idx < previous.sent_idx:
            raise _Refused(f"sentence {record.id} starts after sentence {previous.id}")
        gap = record.start - position
        if gap == 1:
            parts.append(" ")
        elif gap > 1:
            parts.append(" " * (gap - 1) + "\n")
        parts.append(record.text)
        position = record.end
        previous = record
    return "".join(parts)


# ----------------------------------------------------------------------------- storing


def _state(
    labels: list[str], status: str, negated: bool, flagged: bool, note: str | None, attributes: Any
) -> dict[str, Any]:
    return {
        "labels": list(labels),
        "status": status,
        "negated": bool(negated),
        "flagged": bool(flagged),
        "note": note,
        "attributes": dict(attributes or {}),
    }


class _Importer:
    def __init__(
        self,
        engine: Engine,
        labels: _Labels,
        annotator_ids: dict[str, int],
        summary: AnnotatedImportSummary,
    ) -> None:
        self.engine = engine
        self.labels = labels
        self.schema = labels.schema
        self.annotator_ids = annotator_ids
        self.summary = summary
        self.source = summary.source

    # -- documents and sentences

    def _find_document(self, connection: Connection, doc_id: str) -> int | None:
        row = connection.execute(select(D.c.id).where(D.c.uid == doc_id)).first()
        return int(row[0]) if row is not None else None

    def _create_document(self, connection: Connection, records: list[SentenceRecord], text: str) -> int:
        first = records[0]
        if len(first.doc_id) > UID_MAX:
            raise _Refused(f"doc_id longer than {UID_MAX} characters")
        wanted = (first.doc_name or first.doc_id)[:NAME_MAX]
        name = free_document_name(connection, wanted)
        if name != wanted:
            self.summary.renamed_documents[first.doc_id] = name
        # Two documents can rebuild to the same text (they differed only between or after
        # their sentences): the text after the last sentence is unknown anyway, so a
        # newline there keeps content hashes unique without moving any offset.
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        while connection.execute(select(D.c.id).where(D.c.content_hash == digest)).first() is not None:
            text += "\n"
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        langs = Counter(r.lang for r in records if r.lang)
        lang = langs.most_common(1)[0][0] if langs else None
        document_id = int(
            connection.execute(
                insert(D).values(
                    uid=first.doc_id,
                    name=name,
                    source_path=self.source,
                    content_hash=digest,
                    lang=lang,
                    text=text,
                    meta=dict(first.meta),
                    n_sentences=len(records),
                )
            ).inserted_primary_key[0]
        )
        rows = [
            {
                "document_id": document_id,
                "idx": r.sent_idx,
                "start": r.start,
                "end": r.end,
                "text": r.text,
                "text_hash": sentence_hash(r.text),
                "lang": r.lang,
            }
            for r in records
        ]
        for offset in range(0, len(rows), INSERT_BATCH):
            connection.execute(insert(S), rows[offset : offset + INSERT_BATCH])
        connection.execute(
            insert(E).values(
                action="import",
                after={
                    "document": name,
                    "uid": first.doc_id,
                    "sentences": len(records),
                    "source": self.source,
                    "rebuilt_text": True,
                },
            )
        )
        self.summary.documents_created += 1
        self.summary.sentences_created += len(records)
        return document_id

    def _match_sentences(
        self, connection: Connection, document_id: int, records: list[SentenceRecord]
    ) -> dict[int, int]:
        """sent_idx (as in the file) -> sentence id in this database."""
        stored = connection.execute(select(S.c.id, S.c.idx, S.c.text_hash).where(S.c.document_id == document_id)).all()
        by_idx = {row.idx: (row.id, row.text_hash) for row in stored}
        by_hash: dict[str, list[int]] = {}
        for row in stored:
            by_hash.setdefault(row.text_hash, []).append(row.id)
        matched: dict[int, int] = {}
        for record in records:
            digest = sentence_hash(record.text)
            found = by_idx.get(record.sent_idx)
            if found is not None and found[1] == digest:
                matched[record.sent_idx] = found[0]
                continue
            candidates = by_hash.get(digest, [])
            if len(candidates) == 1:
                matched[record.sent_idx] = candidates[0]
                continue
            raise _Refused(
                f"sentence {record.id} does not match the stored document "
                "(segmented differently, or merged/split in one database)"
            )
        return matched

    # -- decisions and gold

    def _decisions(
        self, connection: Connection, records: list[SentenceRecord], ids: dict[int, int], new_document: bool
    ) -> None:
        existing: dict[tuple[int, int], Any] = {}
        if not new_document:
            for row in connection.execute(
                select(
                    A.c.id,
                    A.c.sentence_id,
                    A.c.annotator_id,
                    A.c.labels,
                    A.c.status,
                    A.c.negated,
                    A.c.flagged,
                    A.c.note,
                    A.c.attributes,
                    A.c.updated_at,
                ).where(A.c.sentence_id.in_(list(ids.values())))
            ):
                existing[(row.sentence_id, row.annotator_id)] = row
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        stamps: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for record in records:
            sentence_id = ids[record.sent_idx]
            for ann in record.annotations:
                annotator_id = self.annotator_ids[ann.annotator]
                labels, status = self._normalised(ann)
                when = ann.updated_dt
                after = _state(labels, status, ann.negated, ann.flagged, ann.note, {})
                old = existing.get((sentence_id, annotator_id))
                if old is None:
                    inserts.append(
                        {
                            "sentence_id": sentence_id,
                            "annotator_id": annotator_id,
                            "labels": labels,
                            "label_mask": self.schema.mask_of(labels),
                            "status": status,
                            "negated": ann.negated,
                            "flagged": ann.flagged,
                            "note": ann.note,
                            "attributes": {},
                            "created_at": when,
                            "updated_at": when,
                        }
                    )
                    events.append(self._event(annotator_id, sentence_id, None, after, ann.updated_at))
                    self.summary.decisions_inserted += 1
                    continue
                before = _state(list(old.labels or []), old.status, old.negated, old.flagged, old.note, old.attributes)
                after["attributes"] = before["attributes"]
                old_when = parse_utc(old.updated_at)
                if before == after:
                    self.summary.decisions_unchanged += 1
                    if when > old_when:  # the same decision made later: keep the later time
                        stamps.append({"row_id": old.id, "updated_at": when})
                    continue
                imported_wins = when > old_when
                self.summary.conflicts.append(
                    DecisionConflict(
                        sentence=record.id,
                        sentence_id=sentence_id,
                        annotator=ann.annotator,
                        kept="imported" if imported_wins else "existing",
                        existing={**before, "updated_at": format_utc(old_when)},
                        imported={**after, "updated_at": ann.updated_at},
                    )
                )
                if not imported_wins:
                    self.summary.decisions_unchanged += 1
                    continue
                updates.append(
                    {
                        "row_id": old.id,
                        "labels": labels,
                        "label_mask": self.schema.mask_of(labels),
                        "status": status,
                        "negated": ann.negated,
                        "flagged": ann.flagged,
                        "note": ann.note,
                        "updated_at": when,
                    }
                )
                events.append(self._event(annotator_id, sentence_id, before, after, ann.updated_at))
                self.summary.decisions_updated += 1
        for offset in range(0, len(inserts), INSERT_BATCH):
            connection.execute(insert(A), inserts[offset : offset + INSERT_BATCH])
        if updates:
            statement = (
                update(A)
                .where(A.c.id == bindparam("row_id"))
                .values(
                    labels=bindparam("labels"),
                    label_mask=bindparam("label_mask"),
                    status=bindparam("status"),
                    negated=bindparam("negated"),
                    flagged=bindparam("flagged"),
                    note=bindparam("note"),
                    updated_at=bindparam("updated_at"),
                )
            )
            for offset in range(0, len(updates), INSERT_BATCH):
                connection.execute(statement, updates[offset : offset + INSERT_BATCH])
        if stamps:
            statement = update(A).where(A.c.id == bindparam("row_id")).values(updated_at=bindparam("updated_at"))
            for offset in range(0, len(stamps), INSERT_BATCH):
                connection.execute(statement, stamps[offset : offset + INSERT_BATCH])
        for offset in range(0, len(events), INSERT_BATCH):
            connection.execute(insert(E), events[offset : offset + INSERT_BATCH])

    def _normalised(self, ann: Annotation) -> tuple[list[str], str]:
        labels = self.labels.normalise(ann.labels)
        status = ann.status
        if status == "skipped":
            labels = []
        elif status == "labelled" and not labels:
            status = "open"
            self.summary.decisions_made_open += 1
        elif status == "open":
            labels = []
        return labels, status

    def _event(
        self, annotator_id: int | None, sentence_id: int, before: Any, after: Any, updated_at: str
    ) -> dict[str, Any]:
        return {
            "at": utcnow(),
            "annotator_id": annotator_id,
            "sentence_id": sentence_id,
            "action": "import",
            "before": before,
            "after": {**after, "updated_at": updated_at, "source": self.source},
            "undoes": None,
        }

    def _gold(self, connection: Connection, records: list[SentenceRecord], ids: dict[int, int]) -> None:
        wanted = [(r, ids[r.sent_idx]) for r in records if r.gold is not None]
        if not wanted:
            return
        stored = {
            row.sentence_id: row
            for row in connection.execute(
                select(G.c.sentence_id, G.c.labels, G.c.method, G.c.by).where(
                    G.c.sentence_id.in_([sid for _, sid in wanted])
                )
            )
        }
        events = []
        for record, sentence_id in wanted:
            gold = record.gold
            assert gold is not None
            if gold.method != "adjudicated":
                self.summary.gold_not_stored += 1
                continue
            labels = self.labels.normalise(gold.labels)
            new = {"labels": labels, "method": "adjudicated", "by": gold.by}
            old = stored.get(sentence_id)
            if old is not None and old.method == "adjudicated":
                current = {"labels": list(old.labels or []), "method": old.method, "by": old.by or None}
                if current == new:
                    self.summary.gold_unchanged += 1
                else:
                    self.summary.gold_conflicts.append(
                        GoldConflict(sentence=record.id, sentence_id=sentence_id, existing=current, imported=new)
                    )
                continue
            values = {
                "labels": labels,
                "label_mask": self.schema.mask_of(labels),
                "method": "adjudicated",
                "by": gold.by,
            }
            if old is None:
                connection.execute(insert(G).values(sentence_id=sentence_id, updated_at=utcnow(), **values))
            else:  # a stored gold by policy: the adjudicated one replaces it
                connection.execute(
                    update(G).where(G.c.sentence_id == sentence_id).values(updated_at=utcnow(), **values)
                )
            events.append(
                {
                    "at": utcnow(),
                    "annotator_id": None,
                    "sentence_id": sentence_id,
                    "action": "import",
                    "before": None,
                    "after": {"gold": labels, "method": "adjudicated", "by": gold.by, "source": self.source},
                    "undoes": None,
                }
            )
            self.summary.gold_stored += 1
        if events:
            connection.execute(insert(E), events)

    # -- one document

    def store(self, group: list[SentenceRecord]) -> None:
        first = group[0]
        try:
            records = _merge_duplicates(group)
            text = rebuild_text(records)
            with write_connection(self.engine) as connection:
                document_id = self._find_document(connection, first.doc_id)
                if document_id is None:
                    document_id = self._create_document(connection, records, text)
                    new_document = True
                else:
                    new_document = False
                stored = connection.execute(select(S.c.id, S.c.idx).where(S.c.document_id == document_id)).all()
                if new_document:
                    ids = {row.idx: row.id for row in stored}
                else:
                    ids = self._match_sentences(connection, document_id, records)
                    self.summary.documents_matched += 1
                    self.summary.sentences_matched += len(ids)
                self._decisions(connection, records, ids, new_document)
                self._gold(connection, records, ids)
        except _Refused as exc:
            self.summary.refused.append(RefusedDocument(doc_id=first.doc_id, doc_name=first.doc_name, reason=str(exc)))


# ----------------------------------------------------------------------------- entry points


class AnnotatedImport:
    """Check several annotated files, then store them: ``check()`` then ``run(...)``."""

    def __init__(self, engine: Engine, schema: LabelSchema, label_map: Mapping[str, str] | None = None) -> None:
        self.engine = engine
        self.schema = schema
        self.labels = _Labels(schema, label_map or {})
        self.plans: list[_FilePlan] = []

    def check(self, sources: Iterable[tuple[Path, str]]) -> dict[Path, str]:
        """Pass 1 over every file; raises UserError (nothing stored) on unknown labels.

        Returns the files refused whole (unreadable, not in their format), with the reason:
        the others still import.
        """
        refused: dict[Path, str] = {}
        for path, fmt in sources:
            try:
                self.plans.append(check_file(Path(path), fmt, self.labels))
            except FileRefused as exc:
                refused[Path(path)] = str(exc)
        if self.labels.unknown:
            files = ", ".join(str(p.path) for p in self.plans)
            raise UserError(
                f"labels not in the project's schema {self.schema.ref}: {', '.join(sorted(self.labels.unknown))} "
                f"(in {files}); map them with --map old=new, or change the schema with `annotator init --labels`"
            )
        if self.labels.invalid:
            more = len(self.labels.invalid) - 1
            raise UserError(self.labels.invalid[0] + (f" (and {more} more)" if more else ""))
        return refused

    def run(self, path: Path, progress: Progress | None = None) -> AnnotatedImportSummary:
        """Pass 2 for one checked file."""
        plan = next(p for p in self.plans if p.path == Path(path))
        summary = AnnotatedImportSummary(
            source=str(plan.path),
            format=plan.fmt,
            records=plan.records,
            annotators=sorted(plan.annotators),
            duplicate_decisions_in_file=plan.duplicates,
            schemas=sorted(plan.schemas),
        )
        with self.engine.connect() as connection:
            known = set(connection.execute(select(AN.c.name).where(AN.c.name.in_(sorted(plan.annotators)))).scalars())
        summary.annotators_created = sorted(plan.annotators - known)
        annotator_ids = {name: ensure_annotator(self.engine, name) for name in sorted(plan.annotators)}
        importer = _Importer(self.engine, self.labels, annotator_ids, summary)
        done = 0
        for group in _groups(plan):
            importer.store(group)
            done += len(group)
            if progress is not None:
                progress(done, plan.records)
        return summary


def import_annotated(
    engine: Engine,
    path: str | os.PathLike[str],
    fmt: str,
    schema: LabelSchema,
    *,
    label_map: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> AnnotatedImportSummary:
    """Check then import one annotated file (see the module docstring)."""
    job = AnnotatedImport(engine, schema, label_map)
    refused = job.check([(Path(path), fmt)])
    if refused:
        raise UserError(next(iter(refused.values())))
    return job.run(Path(path), progress)
