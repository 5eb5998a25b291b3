"""CSV: one row per sentence x annotator (one row with an empty annotator when nobody
annotated), UTF-8 with a BOM so that spreadsheets detect the encoding, RFC 4180 quoting
(``csv`` module), ``\\r\\n`` line ends.

Header (:data:`HEADER`)::

    id,doc_id,doc_name,sent_idx,start,end,lang,text,annotator,labels,status,negated,
    flagged,note,updated_at,seconds,suggested,accepted,gold_labels,gold_method,gold_by,gold_agreed,
    schema,split,meta

Files written before ``seconds``, ``suggested``/``accepted`` or ``gold_agreed`` existed
(without those columns) are read too.

- ``labels`` and ``gold_labels``: label ids joined by ``|`` (ids never contain ``|``).
- ``gold_agreed``: the annotators whose set equals the gold, as a JSON list (names may hold
  any character). Files written before it existed (no such column) read as well.
- ``negated``, ``flagged``: ``true`` / ``false`` (empty on a row without annotator).
- ``seconds``: the decision's active time as a decimal number (Python's shortest ``repr``
  of the float, so it reads back to the same value); empty when not measured.
- ``suggested``, ``accepted`` (suggestion provenance): empty = null (no suggestions shown),
  ``|`` alone = an empty list, else label ids joined by ``|``.
- Empty cell = null for ``lang``, ``note``, ``gold_by``, ``split``, and for the annotation
  columns of a row without annotator. The gold is null when ``gold_method`` is empty.
  (Our records never hold an empty ``note``/``lang``/``by``: they are normalised to null.)
- ``meta``: the document metadata as compact JSON.
- Formula injection: a cell whose first character is ``= + - @``, tab, carriage return or
  a single quote is written with one ``'`` in front, so that spreadsheets show it as text
  instead of running it. Our reader removes exactly one leading ``'`` from every cell, so
  text round-trips exactly (a cell that really starts with ``'`` is written ``''…``).
  Other tools reading the file see the ``'``.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import jsonio
from .base import Part, ReadReport, SingleFileWriter, merge_parts, parse_part
from .errors import FormatError
from .records import Annotation, Gold, SentenceInfo, SentenceRecord

HEADER = (
    "id",
    "doc_id",
    "doc_name",
    "sent_idx",
    "start",
    "end",
    "lang",
    "text",
    "annotator",
    "labels",
    "status",
    "negated",
    "flagged",
    "note",
    "updated_at",
    "seconds",
    "suggested",
    "accepted",
    "gold_labels",
    "gold_method",
    "gold_by",
    "gold_agreed",
    "schema",
    "split",
    "meta",
)
LATER_COLUMNS = (("gold_agreed",), ("seconds",), ("suggested", "accepted"))  # added by issues 8, 9 and 12
HEADERS = tuple(
    tuple(column for column in HEADER if column not in dropped)
    for dropped in (
        tuple(c for i, group in enumerate(LATER_COLUMNS) if mask >> i & 1 for c in group)
        for mask in range(1 << len(LATER_COLUMNS))
    )
)
"""Every header we read: the newest first, then those of files written before a column existed."""
LEGACY_HEADER = HEADERS[-1]
"""The header before ``gold_agreed``, ``seconds``, ``suggested`` and ``accepted``."""
LABEL_SEP = "|"
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
BOM = "\ufeff"


def escape_cell(value: str) -> str:
    """Prefix a ``'`` to a cell a spreadsheet could take for a formula (see module doc)."""
    return "'" + value if value.startswith(_TRIGGERS) else value


def unescape_cell(value: str) -> str:
    return value.removeprefix("'")


def _bool(value: bool) -> str:
    return "true" if value else "false"


def to_csv_rows(record: SentenceRecord) -> list[list[str]]:
    """The CSV rows of one sentence (cells escaped)."""
    gold = record.gold
    base = [
        record.id,
        record.doc_id,
        record.doc_name,
        str(record.sent_idx),
        str(record.start),
        str(record.end),
        record.lang or "",
        record.text,
    ]
    tail = [
        LABEL_SEP.join(gold.labels) if gold else "",
        gold.method if gold else "",
        (gold.by or "") if gold else "",
        jsonio.dumps(gold.agreed).decode("utf-8") if gold else "",
        record.schema_name,
        record.split or "",
        jsonio.dumps(record.meta).decode("utf-8"),
    ]
    middles: list[list[str]]
    if record.annotations:
        middles = [
            [
                a.annotator,
                LABEL_SEP.join(a.labels),
                a.status,
                _bool(a.negated),
                _bool(a.flagged),
                a.note or "",
                a.updated_at,
                "" if a.seconds is None else repr(a.seconds),
                _provenance_cell(a.suggested),
                _provenance_cell(a.accepted),
            ]
            for a in record.annotations
        ]
    else:
        middles = [[""] * 10]
    return [[escape_cell(c) for c in base + middle + tail] for middle in middles]


class CsvWriter(SingleFileWriter):
    format = "csv"

    def _open(self) -> None:
        super()._open()
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="\r\n")
        self._csv.writerow(HEADER)
        self._flush(BOM)

    def _flush(self, prefix: str = "") -> None:
        self.out.write((prefix + self._buffer.getvalue()).encode("utf-8"))
        self._buffer.seek(0)
        self._buffer.truncate()

    def _write(self, record: SentenceRecord) -> None:
        rows = to_csv_rows(record)
        self._csv.writerows(rows)
        self.items += len(rows)
        self._flush()


# ---------------------------------------------------------------------------- reading


def _parse_bool(value: str, column: str) -> bool:
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(f"{column}: expected true or false, got {value!r}")


def _seconds(value: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"seconds: expected a number, got {value!r}") from None


def _labels(value: str) -> list[str]:
    return value.split(LABEL_SEP) if value else []


def _provenance_cell(labels: list[str] | None) -> str:
    if labels is None:
        return ""
    return LABEL_SEP.join(labels) if labels else LABEL_SEP


def _provenance(value: str) -> list[str] | None:
    if not value:
        return None
    return [] if value == LABEL_SEP else value.split(LABEL_SEP)


def from_csv_row(row: dict[str, str], number: int = 0) -> Part:
    """One CSV row (cells already unescaped) -> what it says about its sentence."""
    meta = jsonio.loads(row["meta"]) if row["meta"] else {}
    info = SentenceInfo.model_validate(
        {
            "id": row["id"],
            "doc_id": row["doc_id"],
            "doc_name": row["doc_name"],
            "sent_idx": row["sent_idx"],
            "start": row["start"],
            "end": row["end"],
            "lang": row["lang"] or None,
            "text": row["text"],
            "schema": row["schema"],
            "split": row["split"] or None,
            "meta": meta,
        }
    )
    annotation = None
    if row["annotator"]:
        annotation = Annotation.model_validate(
            {
                "annotator": row["annotator"],
                "labels": _labels(row["labels"]),
                "status": row["status"],
                "negated": _parse_bool(row["negated"], "negated"),
                "flagged": _parse_bool(row["flagged"], "flagged"),
                "note": row["note"] or None,
                "updated_at": row["updated_at"],
                "seconds": _seconds(row.get("seconds", "")),
                "suggested": _provenance(row.get("suggested", "")),
                "accepted": _provenance(row.get("accepted", "")),
            }
        )
    elif any(
        row.get(c)
        for c in ("labels", "status", "negated", "flagged", "note", "updated_at", "seconds", "suggested", "accepted")
    ):
        raise ValueError("annotation columns are filled but annotator is empty")
    gold = None
    if row["gold_method"]:
        gold = Gold.model_validate(
            {
                "labels": _labels(row["gold_labels"]),
                "method": row["gold_method"],
                "by": row["gold_by"] or None,
                "agreed": jsonio.loads(row["gold_agreed"]) if row.get("gold_agreed") else [],
            }
        )
    return Part(number, info, annotation, gold)


def _rows(path: Path, report: ReadReport | None) -> Iterator[tuple[int, dict[str, str]]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise FormatError(path, None, "empty file (no header)") from None
        columns = tuple(header)
        if columns not in HEADERS:
            missing = [h for h in LEGACY_HEADER if h not in header]
            detail = f"missing {', '.join(missing)}" if missing else "columns in another order"
            raise FormatError(path, 1, f"not our CSV header ({detail})")
        start = reader.line_num + 1
        for cells in reader:
            number = start
            start = reader.line_num + 1
            if not cells:
                continue
            if report is not None:
                report.lines += 1
            if len(cells) != len(columns):
                raise FormatError(path, number, f"expected {len(columns)} cells, got {len(cells)}")
            yield (
                number,
                dict(zip(columns, (unescape_cell(c) for c in cells), strict=True)),
            )


def read_csv(
    path: str | os.PathLike[str],
    *,
    streaming: bool = False,
    report: ReadReport | None = None,
    **_: Any,
) -> Iterator[SentenceRecord]:
    """Our CSV -> records (rows of one sentence merged). Positions are the row's first line."""
    path = Path(path)

    def parts() -> Iterator[Part]:
        for number, row in _rows(path, report):
            yield parse_part(path, number, lambda r=row, n=number: from_csv_row(r, n))

    return merge_parts(parts(), path, streaming=streaming, report=report)
