"""Our own JSONL: ``jsonl`` (one line per sentence) and ``jsonl-annotations`` (one line per
sentence x annotator, see :class:`AnnotationRow`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from . import jsonio
from .base import (
    JsonLinesWriter,
    Part,
    ReadReport,
    iter_json_lines,
    merge_parts,
)
from .defaults import RecordDefaults
from .errors import FormatError, format_error
from .records import AnnotationRow, SentenceInfo, SentenceRecord, record_to_rows


class JsonlWriter(JsonLinesWriter):
    format = "jsonl"

    def write_dict(self, record: Mapping[str, Any]) -> None:
        """Write a trusted record dict from :func:`~.records.record_dict` (bulk fast path)."""
        self.records += 1
        self.out.write(jsonio.dumps(record) + b"\n")
        self.items += 1

    def _write(self, record: SentenceRecord) -> None:
        # pydantic-core serialises in field order, UTF-8, every key present
        self.out.write(record.model_dump_json(by_alias=True).encode("utf-8") + b"\n")
        self.items += 1


class JsonlAnnotationsWriter(JsonLinesWriter):
    format = "jsonl-annotations"

    def _write(self, record: SentenceRecord) -> None:
        for row in record_to_rows(record):
            self.out.write(row.model_dump_json(by_alias=True).encode("utf-8") + b"\n")
            self.items += 1


def read_jsonl(path: str | os.PathLike[str], *, report: ReadReport | None = None, **_: Any) -> Iterator[SentenceRecord]:
    """Our JSONL, one record per line, validated; streaming.

    A record that lacks a field which can be inferred gets the documented default
    (:mod:`.defaults`); validation of the completed record names any other problem.
    """
    defaults = RecordDefaults(path)
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            if report is not None:
                report.lines += 1
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                record = SentenceRecord.model_validate_json(raw)  # the fast path: a complete record
            except ValidationError as err:
                if any(e.get("type") == "json_invalid" for e in err.errors()):
                    raise FormatError(path, number, "not valid JSON") from None
                record = _completed(raw, path, number, defaults)
            else:
                defaults.seen(record.doc_id, record.sent_idx, record.start, record.end)
            if report is not None:
                report.records += 1
            yield record


def _completed(raw: bytes, path: str | os.PathLike[str], number: int, defaults: RecordDefaults) -> SentenceRecord:
    obj = jsonio.loads(raw)
    if not isinstance(obj, dict):
        raise FormatError(path, number, f"expected a JSON object, got {type(obj).__name__}")
    try:
        return SentenceRecord.model_validate(defaults.record(obj))
    except ValidationError as err:
        raise format_error(str(path), number, err) from None


def _row_parts(path: str | os.PathLike[str], report: ReadReport | None) -> Iterable[Part]:
    defaults = RecordDefaults(path)
    for number, obj in iter_json_lines(path, report):
        try:
            row = AnnotationRow.model_validate(defaults.row(obj))
        except ValidationError as err:
            raise format_error(path, number, err) from None
        info = SentenceInfo.model_validate(row.model_dump(by_alias=True, include=set(SentenceInfo.model_fields)))
        yield Part(number, info, row.annotation(), row.gold)


def read_jsonl_annotations(
    path: str | os.PathLike[str],
    *,
    streaming: bool = False,
    report: ReadReport | None = None,
    **_: Any,
) -> Iterator[SentenceRecord]:
    """The per-annotation flavour, merged back into one record per sentence (defaults as for ``jsonl``)."""
    return merge_parts(_row_parts(path, report), path, streaming=streaming, report=report)
