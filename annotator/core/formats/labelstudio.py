"""Label Studio JSON: a JSON array of tasks, one task per sentence.

::

    [
    {"id": 1, "data": {"text": ..., "id": "<doc_id>:<sent_idx>", "doc_id": ..., "doc_name": ...,
     "sent_idx": 3, "start": 120, "end": 187, "lang": "ar", "schema": "privacy@1",
     "split": null, "doc_meta": {...}},
     "annotations": [{"completed_by": {"email": "amal@annotator.invalid"},
       "result": [{"id": "…", "from_name": "label", "to_name": "text", "type": "choices",
                   "value": {"choices": ["ads_use", "data_sharing"]}}],
       "was_cancelled": false, "ground_truth": false,
       "created_at": "2026-…Z", "updated_at": "2026-…Z", "lead_time": 4.2, "status": "labelled",
       "negated": false, "flagged": false, "note": null}],
     "meta": {"gold": null}},
    ...
    ]

- ``choices`` is always a list (Label Studio's JSON_MIN gives a string for one choice; we
  never do). An annotation with no label has ``result: []``.
- ``was_cancelled`` is our ``skipped``; our ``status`` is also an extra annotation key, so
  that an ``open`` annotation (a flag or note only) is told from a labelled one.
- ``completed_by``: Label Studio's import resolves ``{"email": ...}`` against its members
  (an int is its own user id). We write ``{"email": emails[name]}`` when the writer is given
  a mapping, else the name itself when it contains ``@``, else ``<name>@annotator.invalid``
  (a reserved domain). Reading maps the email back (stripping ``@annotator.invalid``,
  or through the same mapping); an int becomes ``labelstudio-user-<n>``.
- ``lead_time`` (Label Studio's own field: seconds spent on the annotation) carries our
  ``seconds``, null when not measured; reading takes Label Studio's ``lead_time`` as it is.
- The gold lives in the task's ``meta`` (Label Studio keeps task meta on import);
  ``negated``, ``flagged``, ``note`` are extra annotation keys (ignored by Label Studio).
- The task ``id`` is a running number; on reading our id comes from ``data``.

The writer puts one task per line, so that reading our own files streams line by line;
any other layout (Label Studio's own, pretty-printed) is read with one ``json.load``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from . import jsonio
from .base import (
    UNSET,
    Part,
    ReadReport,
    SingleFileWriter,
    file_mtime_utc,
    foreign_sentence_fields,
    merge_parts,
    parse_part,
    sentence_info,
)
from .errors import FormatError
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

EMAIL_DOMAIN = "@annotator.invalid"
FROM_NAME = "label"
TO_NAME = "text"


def email_for(name: str, emails: Mapping[str, str] | None = None) -> str:
    if emails and name in emails:
        return emails[name]
    return name if "@" in name else name + EMAIL_DOMAIN


def to_labelstudio(record: SentenceRecord, task_id: int, *, emails: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Label Studio task of one sentence."""
    data: dict[str, Any] = {"text": record.text, **foreign_sentence_fields(record)}
    annotations = []
    for ann in record.annotations:
        result = []
        if ann.labels:
            rid = hashlib.sha256(f"{record.id}|{ann.annotator}".encode()).hexdigest()[:10]
            result.append(
                {
                    "id": rid,
                    "from_name": FROM_NAME,
                    "to_name": TO_NAME,
                    "type": "choices",
                    "value": {"choices": list(ann.labels)},
                }
            )
        annotations.append(
            {
                "completed_by": {"email": email_for(ann.annotator, emails)},
                "result": result,
                "was_cancelled": ann.status == "skipped",
                "ground_truth": False,
                "created_at": ann.updated_at,
                "updated_at": ann.updated_at,
                "lead_time": ann.seconds,
                "status": ann.status,
                "negated": ann.negated,
                "flagged": ann.flagged,
                "note": ann.note,
                **provenance_keys(ann),
            }
        )
    gold = record.gold.model_dump(mode="json") if record.gold is not None else None
    return {
        "id": task_id,
        "data": data,
        "annotations": annotations,
        "meta": {"gold": gold},
    }


class LabelStudioWriter(SingleFileWriter):
    format = "labelstudio"

    def __init__(self, path: str | os.PathLike[str], *, emails: Mapping[str, str] | None = None) -> None:
        super().__init__(path)
        self.emails = dict(emails or {})

    def _open(self) -> None:
        super()._open()
        self.out.write(b"[")

    def _write(self, record: SentenceRecord) -> None:
        task = to_labelstudio(record, self.items + 1, emails=self.emails)
        self.out.write((b"\n" if self.items == 0 else b",\n") + jsonio.dumps(task))
        self.items += 1

    def _finish(self) -> None:
        self.out.write(b"\n]\n")


# ---------------------------------------------------------------------------- reading


def _annotator_name(completed_by: Any, reverse: Mapping[str, str]) -> str:
    if isinstance(completed_by, bool):
        raise TypeError("completed_by: expected an email, a user id or a name")
    if isinstance(completed_by, int):
        return f"labelstudio-user-{completed_by}"
    if isinstance(completed_by, Mapping):
        email = completed_by.get("email")
        if not email:
            if completed_by.get("id") is not None:
                return f"labelstudio-user-{completed_by['id']}"
            raise ValueError("completed_by: expected an 'email'")
        completed_by = email
    if isinstance(completed_by, str) and completed_by:
        if completed_by in reverse:
            return reverse[completed_by]
        if completed_by.endswith(EMAIL_DOMAIN):
            return completed_by[: -len(EMAIL_DOMAIN)]
        return completed_by
    raise ValueError("completed_by: expected an email, a user id or a name")


def _choices(result: Any) -> list[str]:
    if not isinstance(result, list):
        raise TypeError("result: expected a list")
    labels: list[str] = []
    for item in result:
        if not isinstance(item, Mapping) or item.get("type") != "choices":
            continue  # other control tags (textarea, rating...) are not sentence labels
        choices = (item.get("value") or {}).get("choices", [])
        if isinstance(choices, str):  # JSON_MIN style, be lenient on reading
            choices = [choices]
        labels.extend(str(c) for c in choices)
    return labels


def from_labelstudio_task(
    task: Mapping[str, Any],
    *,
    number: int = 0,
    emails: Mapping[str, str] | None = None,
    default_updated_at: str,
) -> list[Part]:
    """One Label Studio task -> one part per annotation (one without annotation if none)."""
    data = task.get("data")
    if not isinstance(data, Mapping):
        raise TypeError("data: expected an object")
    extra = {k: v for k, v in data.items() if k not in (*SENTENCE_KEYS, "text", "doc_meta")}
    info = sentence_info(data.get("text"), data, extra_meta=extra)
    gold: Any = UNSET
    meta = task.get("meta")
    if isinstance(meta, Mapping) and "gold" in meta:
        gold = Gold.model_validate(meta["gold"]) if meta["gold"] is not None else None
    reverse = {v: k for k, v in (emails or {}).items()}
    anns = task.get("annotations") or task.get("completions") or []
    if not isinstance(anns, list):
        raise TypeError("annotations: expected a list")
    parts = []
    for ann in anns:
        if not isinstance(ann, Mapping):
            raise TypeError("annotations: expected objects")
        updated = ann.get("updated_at") or ann.get("created_at") or default_updated_at
        annotation = Annotation(
            annotator=_annotator_name(ann.get("completed_by"), reverse),
            labels=_choices(ann.get("result", [])),
            status=ann.get("status") or ("skipped" if ann.get("was_cancelled") else "labelled"),
            negated=ann.get("negated") or False,
            flagged=ann.get("flagged") or False,
            note=ann.get("note"),
            updated_at=updated,
            seconds=ann.get("lead_time"),
            **provenance_of(ann),
        )
        parts.append(Part(number, info, annotation, gold))
    if not parts:
        parts.append(Part(number, info, None, gold))
    return parts


def _iter_tasks(path: Path, report: ReadReport | None) -> Iterator[tuple[int, Any]]:
    """(line number, task): line by line for our layout, else one ``json.load``.

    Our layout is ``[`` alone on the first line and one task per line. The first task line
    decides: if it parses on its own, every line must; otherwise the whole file is loaded.
    """
    with open(path, "rb") as f:
        first = f.readline()
        if first.strip() == b"[":
            number = 1
            line_mode = False
            whole_file = False
            for raw in f:
                number += 1
                text = raw.strip()
                if text in (b"]", b""):
                    continue
                if text.endswith(b","):
                    text = text[:-1]
                try:
                    task = jsonio.loads(text)
                except ValueError:
                    if line_mode:
                        raise FormatError(path, number, "not a valid JSON task") from None
                    whole_file = True
                    break
                line_mode = True
                if report is not None:
                    report.lines += 1
                yield number, task
            if not whole_file:
                return
    try:
        with open(path, "rb") as f:
            tasks = jsonio.loads(f.read())
    except ValueError as err:
        raise FormatError(path, None, f"not valid JSON ({err})") from None
    if not isinstance(tasks, list):
        raise FormatError(path, None, "expected a JSON array of tasks")
    for number, task in enumerate(tasks, start=1):
        if report is not None:
            report.lines += 1
        yield number, task


def read_labelstudio(
    path: str | os.PathLike[str],
    *,
    emails: Mapping[str, str] | None = None,
    default_updated_at: str | None = None,
    streaming: bool = False,
    report: ReadReport | None = None,
    **_: Any,
) -> Iterator[SentenceRecord]:
    """Label Studio JSON -> our records.

    Error positions are line numbers for our one-task-per-line layout, and task numbers
    (1-based, reported as the "line") for any other layout.
    """
    path = Path(path)
    fallback = format_utc(parse_utc(default_updated_at or file_mtime_utc(path)))

    def parts() -> Iterator[Part]:
        for number, task in _iter_tasks(path, report):
            if not isinstance(task, Mapping):
                raise FormatError(path, number, "expected a task object")
            yield from parse_part(
                path,
                number,
                lambda t=task, n=number: from_labelstudio_task(t, number=n, emails=emails, default_updated_at=fallback),
            )

    return merge_parts(parts(), path, streaming=streaming, report=report)
