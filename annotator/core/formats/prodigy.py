"""Prodigy JSONL (``textcat`` multiple choice), one line per sentence x annotator.

Each line is a Prodigy choice task, as ``prodigy db-out`` writes it::

    {"text": ..., "meta": {...}, "options": [{"id": "ads_use", "text": "ads_use"}, ...],
     "accept": ["ads_use"], "answer": "accept", "_view_id": "choice",
     "config": {"choice_style": "multiple"}, "_input_hash": -123, "_task_hash": 456,
     "_annotator_id": "amal", "_session_id": "amal", "_timestamp": 1795514400,
     "status": "labelled", "negated": false, "flagged": false, "note": null, "updated_at": "2026-...Z", "seconds": 4.2,
     "gold": null}

- ``meta`` holds the sentence fields (``id``, ``doc_id``, ``doc_name``, ``sent_idx``,
  ``start``, ``end``, ``lang``, ``schema``, ``split``) and the document metadata under
  ``doc_meta``; Prodigy shows ``meta`` under the task.
- ``answer``: ``accept`` for a labelled sentence, ``ignore`` for a skipped or open one (our
  ``status`` key tells them apart). On reading a file without ``status``, ``reject`` (the
  annotator refused the task) is read as skipped, like ``ignore``. A task with labels in
  ``accept`` but no ``answer`` is read as ``accept`` (``prodigy db-in``'s default); it then
  needs an ``_annotator_id`` or ``_session_id`` like any answered task.
- ``_annotator_id`` / ``_session_id``: Prodigy writes ``"<dataset>-<session>"``; we write
  the annotator name, or ``"<dataset>-<name>"`` when ``dataset`` is given (and strip that
  prefix on reading when given the same ``dataset``).
- ``_input_hash``: a signed 32-bit int from sha256 of the text; ``_task_hash``: from the
  input hash and the option ids. Deterministic, but not Prodigy's mmh3 values: Prodigy
  only compares hashes with each other, and re-hashes on ``db-in`` if asked.
- ``options``: the label ids given to the writer (the project's schema), else the labels
  used in that sentence (annotations and gold). Option text is the id.
- Our extra keys (``status``, ``negated``, ``flagged``, ``note``, ``updated_at``, ``seconds``, ``suggested``, ``accepted``, ``gold``) are kept by
  Prodigy as they are; ``_timestamp`` (seconds) is used when ``updated_at`` is absent.
- A sentence nobody annotated is written as a task without ``answer`` and without
  annotator (an unannotated Prodigy task), so that it is not lost. ``prodigy db-in`` gives
  such lines its default answer (``accept``): leave them out (``"answer" not in task``)
  before a ``db-in``, or use the file as an input stream.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .base import (
    UNSET,
    JsonLinesWriter,
    Part,
    ReadReport,
    file_mtime_utc,
    foreign_sentence_fields,
    iter_json_lines,
    merge_parts,
    parse_part,
    sentence_info,
)
from .records import (
    SENTENCE_KEYS,
    Annotation,
    Gold,
    SentenceRecord,
    format_utc,
    parse_utc,
    provenance_keys,
    provenance_of,
)


def hash32(text: str) -> int:
    """A deterministic signed 32-bit int (Prodigy's hashes are signed 32-bit ints)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big", signed=True)


def input_hash(text: str) -> int:
    return hash32("text:" + text)


def task_hash(text: str, option_ids: Sequence[str]) -> int:
    return hash32(f"{input_hash(text)}|options:" + "\x1f".join(option_ids))


def to_prodigy(
    record: SentenceRecord,
    *,
    options: Sequence[str] | None = None,
    dataset: str | None = None,
) -> list[dict[str, Any]]:
    """The Prodigy tasks of one sentence: one per annotator (one unanswered task if none)."""
    if options is None:
        used = {label for a in record.annotations for label in a.labels}
        if record.gold is not None:
            used.update(record.gold.labels)
        option_ids = sorted(used)
    else:
        option_ids = list(options)
    base: dict[str, Any] = {
        "text": record.text,
        "meta": foreign_sentence_fields(record),
        "options": [{"id": o, "text": o} for o in option_ids],
        "_view_id": "choice",
        "config": {"choice_style": "multiple"},
        "_input_hash": input_hash(record.text),
        "_task_hash": task_hash(record.text, option_ids),
    }
    gold = record.gold.model_dump(mode="json") if record.gold is not None else None
    if not record.annotations:
        return [{**base, "gold": gold}]
    tasks = []
    for ann in record.annotations:
        session = f"{dataset}-{ann.annotator}" if dataset else ann.annotator
        tasks.append(
            {
                **base,
                "accept": list(ann.labels),
                "answer": "accept" if ann.status == "labelled" else "ignore",
                "status": ann.status,
                "_annotator_id": session,
                "_session_id": session,
                "_timestamp": int(ann.updated_dt.timestamp()),
                "negated": ann.negated,
                "flagged": ann.flagged,
                "note": ann.note,
                "updated_at": ann.updated_at,
                "seconds": ann.seconds,
                **provenance_keys(ann),
                "gold": gold,
            }
        )
    return tasks


class ProdigyWriter(JsonLinesWriter):
    format = "prodigy"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        options: Sequence[str] | None = None,
        dataset: str | None = None,
    ) -> None:
        super().__init__(path)
        self.options = list(options) if options is not None else None
        self.dataset = dataset

    def _objects(self, record: SentenceRecord) -> Iterable[Any]:
        return to_prodigy(record, options=self.options, dataset=self.dataset)


def _annotator(task: Mapping[str, Any], dataset: str | None) -> str | None:
    name = task.get("_annotator_id") or task.get("_session_id")
    if name is None:
        return None
    name = str(name)
    if dataset and name.startswith(dataset + "-"):
        name = name[len(dataset) + 1 :]
    return name


def from_prodigy_task(
    task: Mapping[str, Any],
    *,
    line: int = 0,
    dataset: str | None = None,
    default_updated_at: str | None = None,
) -> Part:
    """One Prodigy task -> what it says about its sentence."""
    meta = task.get("meta") or {}
    if not isinstance(meta, Mapping):
        raise TypeError("meta: expected an object")
    extra = {k: v for k, v in meta.items() if k not in SENTENCE_KEYS}
    info = sentence_info(task["text"], meta, extra_meta=extra)
    annotation = None
    answer = task.get("answer")
    if answer is None and task.get("accept"):
        answer = "accept"  # as prodigy db-in does: labels chosen but no answer recorded
    if answer is not None:
        if answer not in ("accept", "ignore", "reject"):
            raise ValueError(f"answer: expected accept, ignore or reject, got {answer!r}")
        name = _annotator(task, dataset)
        if not name:
            raise ValueError("an answered task without _annotator_id or _session_id")
        updated = task.get("updated_at")
        if updated is None and task.get("_timestamp") is not None:
            updated = format_utc(datetime.fromtimestamp(float(task["_timestamp"]), tz=UTC))
        if updated is None:
            if default_updated_at is None:
                raise ValueError("missing updated_at and _timestamp")
            updated = default_updated_at
        accept = task.get("accept") or []
        if not isinstance(accept, list):
            raise ValueError("accept: expected a list of option ids")
        annotation = Annotation(
            annotator=name,
            labels=[str(x) for x in accept],
            status=task.get("status") or ("labelled" if answer == "accept" else "skipped"),
            negated=task.get("negated", False),
            flagged=task.get("flagged", False),
            note=task.get("note"),
            updated_at=updated,
            seconds=task.get("seconds"),
            **provenance_of(task),
        )
    gold: Any = UNSET
    if "gold" in task:
        gold = Gold.model_validate(task["gold"]) if task["gold"] is not None else None
    return Part(line, info, annotation, gold)


def read_prodigy(
    path: str | os.PathLike[str],
    *,
    dataset: str | None = None,
    default_updated_at: str | None = None,
    streaming: bool = False,
    report: ReadReport | None = None,
    **_: Any,
) -> Iterator[SentenceRecord]:
    """Prodigy JSONL -> our records (lines of one sentence merged).

    Tasks without ``updated_at`` or ``_timestamp`` get ``default_updated_at``, else the
    file's modification time.
    """
    fallback = default_updated_at or file_mtime_utc(path)
    fallback = format_utc(parse_utc(fallback))

    def parts() -> Iterator[Part]:
        for number, task in iter_json_lines(path, report):
            yield parse_part(
                path,
                number,
                lambda t=task, n=number: from_prodigy_task(t, line=n, dataset=dataset, default_updated_at=fallback),
            )

    return merge_parts(parts(), Path(path), streaming=streaming, report=report)
