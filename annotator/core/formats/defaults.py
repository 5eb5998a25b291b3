"""Defaults for records of our two JSONL flavours that lack fields (hand-made or other tools' files).

A record with annotations is never dropped for want of a field that can be inferred:

- no ``schema``: ``privacy@1`` (:data:`~.records.SCHEMA_DEFAULT`); informational only, the
  labels are checked against the project's schema in any case;
- no ``doc_id``: the record is a one-sentence document, as for other tools' records
  (:func:`~.base.sentence_info`): ``doc_id`` from the hash of its text, ``sent_idx`` 0,
  offsets covering the text;
- no ``doc_name``: the ``doc_id``;
- no ``start``/``end``: the sentence follows the previous sentence of its document in the
  file, one space after it (the first starts at 0); with one of the two given, the other is
  computed from the text's length;
- an annotation without ``updated_at``: the file's modification time (the same fallback as
  for Prodigy, doccano and Label Studio files); without ``status``: ``labelled``.

A field that cannot be inferred (``sent_idx`` beside a ``doc_id``, an annotation's
``annotator``) refuses the file, in one line naming the field.
"""

from __future__ import annotations

import os
from typing import Any

from .base import file_mtime_utc
from .records import content_doc_id


class RecordDefaults:
    """Fills missing fields of the records of one file, in file order (see the module doc)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path
        self._time: str | None = None
        self._last: dict[str, tuple[Any, int, int]] = {}  # doc_id -> (sent_idx, start, end)

    @property
    def time(self) -> str:
        if self._time is None:
            self._time = file_mtime_utc(self.path)
        return self._time

    def seen(self, doc_id: str, sent_idx: int, start: int, end: int) -> None:
        """A record read without help: later ones of its document follow it."""
        self._last[doc_id] = (sent_idx, start, end)

    def sentence(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The sentence fields, completed (a new dict; ``obj`` is not changed)."""
        obj = dict(obj)
        text = obj.get("text")
        if obj.get("doc_id") is None:
            if not isinstance(text, str):
                # Without a text nothing can be inferred, and nothing else is missing: the fields
                # that would be inferred get stand-ins so that the refusal names the text alone
                # (it named id, doc_id, doc_name, sent_idx, start and end as "required" too).
                for key, value in (("doc_id", "?"), ("doc_name", "?"), ("sent_idx", 0), ("start", 0), ("end", 0)):
                    if obj.get(key) is None:
                        obj[key] = value
                return obj
            obj.pop("id", None)
            doc_id = content_doc_id(text)
            obj.update(doc_id=doc_id, sent_idx=0, start=0, end=len(text))
            obj["doc_name"] = obj.get("doc_name") or doc_id
            return obj
        doc_id = str(obj["doc_id"])
        if obj.get("doc_name") is None:
            obj["doc_name"] = doc_id
        if obj.get("sent_idx") is None and obj.get("id") is None:
            obj["id"] = f"{doc_id}:?"  # a stand-in: the refusal names the missing sent_idx, not the id made of it
        if not isinstance(text, str):
            for key in ("start", "end"):  # inferred from a text: the refusal names the text alone
                if obj.get(key) is None:
                    obj[key] = 0
            return obj
        start, end = obj.get("start"), obj.get("end")
        if isinstance(text, str) and (start is None or end is None):
            if start is not None and isinstance(start, int):
                obj["end"] = start + len(text)
            elif end is not None and isinstance(end, int):
                obj["start"] = end - len(text)
            else:
                last = self._last.get(doc_id)
                if last is not None and last[0] == obj.get("sent_idx"):  # another line of the same sentence
                    obj["start"], obj["end"] = last[1], last[2]
                else:
                    obj["start"] = 0 if last is None else last[2] + 1
                    obj["end"] = obj["start"] + len(text)
        if isinstance(obj.get("start"), int) and isinstance(obj.get("end"), int):
            self._last[doc_id] = (obj.get("sent_idx"), obj["start"], obj["end"])
        return obj

    def annotation(self, ann: Any) -> Any:
        """One annotation object, completed (``updated_at``, ``status``); anything else as is."""
        if not isinstance(ann, dict):
            return ann
        if ann.get("updated_at") is None or ann.get("status") is None:
            ann = dict(ann)
            if ann.get("updated_at") is None:
                ann["updated_at"] = self.time
            if ann.get("status") is None:
                ann["status"] = "labelled"
        return ann

    def record(self, obj: dict[str, Any]) -> dict[str, Any]:
        """A ``jsonl`` record (a sentence with its ``annotations``), completed."""
        obj = self.sentence(obj)
        if isinstance(obj.get("annotations"), list):
            obj["annotations"] = [self.annotation(a) for a in obj["annotations"]]
        elif obj.get("annotations") is None:
            obj["annotations"] = []
        return obj

    def row(self, obj: dict[str, Any]) -> dict[str, Any]:
        """A ``jsonl-annotations`` row (a sentence and one annotator's decision), completed."""
        obj = self.sentence(obj)
        return obj if obj.get("annotator") is None else self.annotation(obj)
