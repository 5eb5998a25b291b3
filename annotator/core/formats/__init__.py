"""The dataset formats: our records, converters to and from Prodigy, doccano, Label Studio
and CSV, gold policies, document splits, atomic streaming writers and validating readers.

Pure and I/O-light: writers take an iterable of :class:`SentenceRecord` and stream it to an
atomic file; readers take a path and yield records. No database, no UI.

Writing::

    summary = write_records(records, "exports/x.jsonl", "jsonl")
    # or, for the doccano folder/zip (needs the annotators up front)
    summary = write_records(records, "exports/x.zip", "doccano", annotators=["amal", "ola"])

Reading::

    fmt = detect_format(path)            # "plain-jsonl" -> a document import instead
    for record in read_records(path, fmt):
        ...
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from .atomic import atomic_dir, atomic_write
from .base import ReadReport, RecordWriter, WriteSummary
from .csv_format import HEADER as CSV_HEADER
from .csv_format import CsvWriter, read_csv
from .detect import ANNOTATION_FIELDS, detect_format
from .doccano import DoccanoWriter, read_doccano
from .errors import FormatError
from .gold import GOLD_POLICIES, MIN_ANNOTATORS, GoldPolicy, choose_gold
from .labelstudio import LabelStudioWriter, read_labelstudio
from .ours import (
    JsonlAnnotationsWriter,
    JsonlWriter,
    read_jsonl,
    read_jsonl_annotations,
)
from .prodigy import ProdigyWriter, read_prodigy
from .records import (
    SCHEMA_DEFAULT,
    SPLITS,
    Annotation,
    AnnotationRow,
    Gold,
    GoldMethod,
    SentenceInfo,
    SentenceRecord,
    Split,
    Status,
    content_doc_id,
    format_utc,
    hf_features,
    parse_utc,
    provenance_keys,
    provenance_of,
    record_dict,
    record_to_rows,
    sentence_hash,
)
from .splits import assign_splits, parse_ratios, split_counts

WRITERS: dict[str, type[RecordWriter]] = {
    "jsonl": JsonlWriter,
    "jsonl-annotations": JsonlAnnotationsWriter,
    "prodigy": ProdigyWriter,
    "doccano": DoccanoWriter,
    "labelstudio": LabelStudioWriter,
    "csv": CsvWriter,
}
READERS: dict[str, Callable[..., Iterator[SentenceRecord]]] = {
    "jsonl": read_jsonl,
    "jsonl-annotations": read_jsonl_annotations,
    "prodigy": read_prodigy,
    "doccano": read_doccano,
    "labelstudio": read_labelstudio,
    "csv": read_csv,
}
FORMATS: tuple[str, ...] = tuple(WRITERS)
EXTENSIONS: dict[str, str] = {
    "jsonl": ".jsonl",
    "jsonl-annotations": ".jsonl",
    "prodigy": ".jsonl",
    "doccano": ".zip",
    "labelstudio": ".json",
    "csv": ".csv",
}


def _check_format(fmt: str) -> None:
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def open_writer(
    path: str | os.PathLike[str], fmt: str = "jsonl", *, stream: BinaryIO | None = None, **options: Any
) -> RecordWriter:
    """A streaming atomic writer; use it as a context manager, then read ``.summary``.

    ``stream``: write into this open binary stream (standard output) instead of ``path``
    (not for doccano, which writes several files). Options: prodigy ``options=[label ids]``,
    ``dataset=``; doccano ``annotators=[...]`` (required); labelstudio ``emails={name: email}``.
    """
    _check_format(fmt)
    writer = WRITERS[fmt](path, **options)
    return writer.stream_to(stream) if stream is not None else writer


def write_records(
    records: Iterable[SentenceRecord],
    path: str | os.PathLike[str],
    fmt: str = "jsonl",
    **options: Any,
) -> WriteSummary:
    """Stream ``records`` to ``path`` atomically in ``fmt``; nothing is left if it fails."""
    with open_writer(path, fmt, **options) as writer:
        writer.write_all(records)
    assert writer.summary is not None
    return writer.summary


def write_by_split(
    records: Iterable[SentenceRecord],
    folder: str | os.PathLike[str],
    fmt: str = "jsonl",
    *,
    stem: str = "",
    **options: Any,
) -> dict[str, WriteSummary]:
    """One file per split: ``<folder>/<stem>train<ext>``, ``...dev...``, ``...test...``.

    Every record must have a ``split``. All three files are written (possibly empty) and
    appear only if the whole export succeeds. Not for ``doccano`` (already a folder).
    """
    _check_format(fmt)
    if fmt == "doccano":
        raise ValueError("one file per split is not available for doccano (use the split field)")
    folder = Path(folder)
    writers = {s: open_writer(folder / f"{stem}{s}{EXTENSIONS[fmt]}", fmt, **options) for s in SPLITS}
    import contextlib

    with contextlib.ExitStack() as stack:
        for w in writers.values():
            stack.enter_context(w)
        for record in records:
            if record.split is None:
                raise ValueError(f"sentence {record.id} has no split")
            writers[record.split].write(record)
    return {s: w.summary for s, w in writers.items() if w.summary is not None}


def read_records(path: str | os.PathLike[str], fmt: str | None = None, **options: Any) -> Iterator[SentenceRecord]:
    """Read an export back into records (format detected when ``fmt`` is None).

    Raises :class:`FormatError` for a bad file, or for ``plain-jsonl`` (not an export).
    Options: ``report=ReadReport()``, ``streaming=True`` (flat memory, see
    :func:`~annotator.core.formats.base.merge_parts`), ``default_updated_at=`` (for tools
    that store no time), prodigy ``dataset=``, labelstudio ``emails=``, doccano ``annotator=``.
    """
    if fmt is None:
        fmt = detect_format(path)
    if fmt == "plain-jsonl":
        raise FormatError(path, None, "a JSONL of documents, not an annotated export")
    if fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return READERS[fmt](path, **options)


def default_export_path(
    fmt: str = "jsonl",
    *,
    folder: str | os.PathLike[str] = "exports",
    now: datetime | None = None,
) -> Path:
    """``exports/dataset-20261124T100000Z.jsonl`` (the extension follows the format)."""
    _check_format(fmt)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = "" if fmt == "jsonl" else f"-{fmt}"
    return Path(folder) / f"dataset-{stamp}{suffix}{EXTENSIONS[fmt]}"


__all__ = [
    "ANNOTATION_FIELDS",
    "CSV_HEADER",
    "EXTENSIONS",
    "FORMATS",
    "GOLD_POLICIES",
    "MIN_ANNOTATORS",
    "READERS",
    "SCHEMA_DEFAULT",
    "SPLITS",
    "WRITERS",
    "Annotation",
    "AnnotationRow",
    "FormatError",
    "Gold",
    "GoldMethod",
    "GoldPolicy",
    "JsonlWriter",
    "ReadReport",
    "RecordWriter",
    "SentenceInfo",
    "SentenceRecord",
    "Split",
    "Status",
    "WriteSummary",
    "assign_splits",
    "atomic_dir",
    "atomic_write",
    "choose_gold",
    "content_doc_id",
    "default_export_path",
    "detect_format",
    "format_utc",
    "hf_features",
    "open_writer",
    "parse_ratios",
    "parse_utc",
    "provenance_keys",
    "provenance_of",
    "read_records",
    "record_dict",
    "record_to_rows",
    "sentence_hash",
    "split_counts",
    "write_by_split",
    "write_records",
]
