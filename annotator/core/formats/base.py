"""What every format shares: the streaming writer protocol, the summary, line reading and
the merging of several lines that describe the same sentence."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, ClassVar, NamedTuple, Self

from pydantic import BaseModel, ValidationError

from . import jsonio
from .atomic import CountingWriter, atomic_write
from .errors import FormatError, format_error
from .records import (
    SCHEMA_DEFAULT,
    SENTENCE_KEYS,
    Annotation,
    Gold,
    SentenceInfo,
    SentenceRecord,
    content_doc_id,
    format_utc,
)


class WriteSummary(BaseModel):
    """What a writer wrote (for the CLI's summary and ``--json``)."""

    format: str
    path: str
    records: int
    """Sentence records consumed."""
    items: int
    """Lines, rows or tasks written (one per sentence x annotator in the flat formats)."""
    bytes: int
    files: list[str]
    """Every file written (several for doccano folders, one otherwise)."""


class ReadReport(BaseModel):
    """Counters a reader fills in while it reads (pass one to see them)."""

    lines: int = 0
    records: int = 0
    duplicate_decisions: int = 0
    """Two decisions by the same annotator on the same sentence in the input; the most
    recent (``updated_at``) was kept."""


class RecordWriter:
    """A streaming, atomic writer of :class:`SentenceRecord` s.

    Use as a context manager; nothing appears at ``path`` unless the ``with`` block ends
    without an exception::

        with open_writer(path, "jsonl") as w:
            for record in records:
                w.write(record)
        print(w.summary)
    """

    format: ClassVar[str]

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.records = 0
        self.items = 0
        self.summary: WriteSummary | None = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Self:
        self._stack.__enter__()
        try:
            self._open()
        except BaseException:
            self._stack.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            try:
                self._finish()
            except BaseException as err:
                self._stack.__exit__(type(err), err, err.__traceback__)
                raise
        self._stack.__exit__(exc_type, exc, tb)
        if exc_type is None:
            self.summary = WriteSummary(
                format=self.format,
                path=str(self.path),
                records=self.records,
                items=self.items,
                bytes=self._bytes(),
                files=self._files(),
            )

    def stream_to(self, stream: BinaryIO) -> Self:
        """Write into an open binary stream (standard output) instead of an atomic file."""
        raise ValueError(f"{self.format} writes several files; it cannot write to a stream")

    def write(self, record: SentenceRecord) -> None:
        self.records += 1
        self._write(record)

    def write_all(self, records: Iterable[SentenceRecord]) -> None:
        for record in records:
            self.write(record)

    # subclasses
    def _open(self) -> None:
        raise NotImplementedError

    def _write(self, record: SentenceRecord) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        """Called before the files are committed (write footers here)."""

    def _bytes(self) -> int:
        raise NotImplementedError

    def _files(self) -> list[str]:
        return [str(self.path)]


class SingleFileWriter(RecordWriter):
    """A writer of one file, atomically."""

    out: CountingWriter
    stream: BinaryIO | None = None

    def stream_to(self, stream: BinaryIO) -> Self:
        self.stream = stream
        return self

    def _open(self) -> None:
        if self.stream is not None:
            self.out = CountingWriter(self.stream)  # nothing to make atomic: the reader sees it as it comes
        else:
            self.out = self._stack.enter_context(atomic_write(self.path))

    def _files(self) -> list[str]:
        return [] if self.stream is not None else [str(self.path)]

    def _bytes(self) -> int:
        return self.out.bytes


class JsonLinesWriter(SingleFileWriter):
    """Writes one or more JSON objects per record, one per line."""

    def _write(self, record: SentenceRecord) -> None:
        for obj in self._objects(record):
            self.out.write(jsonio.dumps(obj) + b"\n")
            self.items += 1

    def _objects(self, record: SentenceRecord) -> Iterable[Any]:
        raise NotImplementedError


# ---------------------------------------------------------------------------- reading


def iter_json_lines(path: str | os.PathLike[str], report: ReadReport | None = None) -> Iterator[tuple[int, Any]]:
    """``(line number, decoded object)`` for each non-blank line of a JSONL file."""
    with open(path, "rb") as f:
        yield from iter_json_lines_from(f, path, report)


def iter_json_lines_from(
    lines: Iterable[bytes],
    path: str | os.PathLike[str],
    report: ReadReport | None = None,
) -> Iterator[tuple[int, Any]]:
    for number, raw in enumerate(lines, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        if report is not None:
            report.lines += 1
        try:
            obj = jsonio.loads(raw)
        except ValueError as err:
            raise FormatError(path, number, f"not valid JSON ({err})") from None
        if not isinstance(obj, dict):
            raise FormatError(path, number, f"expected a JSON object, got {type(obj).__name__}")
        yield number, obj


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


class Part(NamedTuple):
    """What one input line says about one sentence."""

    line: int
    sentence: SentenceInfo
    annotation: Annotation | None
    gold: Gold | None  # or UNSET when the line says nothing about the gold
    source: str | None = None  # the file, when a reader reads several


def foreign_sentence_fields(record: SentenceRecord) -> dict[str, Any]:
    """The sentence fields a foreign record carries (:data:`SENTENCE_KEYS`, then ``doc_meta``).

    :func:`sentence_info` reads them back.
    """
    fields = record.sentence_fields()
    out = {key: fields[key] for key in SENTENCE_KEYS}
    out["doc_meta"] = fields["meta"]
    return out


def sentence_info(
    text: Any,
    fields: Mapping[str, Any],
    *,
    extra_meta: Mapping[str, Any] | None = None,
) -> SentenceInfo:
    """Sentence fields from a foreign record, with fallbacks for records we did not write.

    A record without ``doc_id`` becomes a one-sentence document: ``doc_id`` from the text's
    hash, ``sent_idx`` 0, offsets covering the text, ``doc_name`` the doc id; document
    metadata is ``doc_meta`` when given, else ``extra_meta`` (the tool's other keys).
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a string, got {type(text).__name__}")
    doc_meta = fields.get("doc_meta")
    if doc_meta is None:
        doc_meta = dict(extra_meta or {})
    if fields.get("doc_id") is None:
        doc_id = content_doc_id(text)
        data = {
            "doc_id": doc_id,
            "doc_name": fields.get("doc_name") or doc_id,
            "sent_idx": 0,
            "start": 0,
            "end": len(text),
        }
    else:
        data = {k: fields.get(k) for k in ("id", "doc_id", "doc_name", "sent_idx", "start", "end")}
        if not isinstance(data["id"], str):
            data["id"] = None  # a tool's own numeric id: ours is derived from doc_id:sent_idx
    data.update(
        text=text,
        lang=fields.get("lang"),
        schema=fields.get("schema") or SCHEMA_DEFAULT,
        split=fields.get("split"),
        meta=doc_meta,
    )
    return SentenceInfo.model_validate(data)


def _changed_fields(a: SentenceInfo, b: SentenceInfo) -> list[str]:
    da, db = a.model_dump(by_alias=True), b.model_dump(by_alias=True)
    return [k for k in da if da[k] != db[k]]


class _Open:
    __slots__ = ("annotations", "first_line", "gold", "sentence", "source")

    def __init__(self, part: Part) -> None:
        self.sentence = part.sentence
        self.first_line = part.line
        self.source = part.source
        self.annotations: dict[str, Annotation] = {}
        self.gold: Any = UNSET


def merge_parts(
    parts: Iterable[Part],
    path: str | os.PathLike[str],
    *,
    streaming: bool = False,
    report: ReadReport | None = None,
) -> Iterator[SentenceRecord]:
    """Group the lines of each sentence into one :class:`SentenceRecord`.

    ``streaming=False`` (default) merges every line with the same ``id`` wherever it is in
    the file, holding the sentences in memory, and yields them in order of first
    appearance. ``streaming=True`` merges consecutive lines only and keeps memory flat; a
    sentence whose lines are not consecutive is then yielded more than once (the caller
    merges). Lines of one sentence must agree on its fields and gold (else FormatError); two
    decisions by one annotator keep the most recent.
    """
    open_: dict[str, _Open] = {}

    def finish(state: _Open) -> SentenceRecord:
        try:
            record = SentenceRecord.model_validate(
                {
                    **state.sentence.model_dump(by_alias=True),
                    "annotations": list(state.annotations.values()),
                    "gold": None if state.gold is UNSET else state.gold,
                }
            )
        except ValidationError as err:
            raise format_error(state.source or path, state.first_line, err) from None
        if report is not None:
            report.records += 1
        return record

    for part in parts:
        key = part.sentence.id
        state = open_.get(key)
        if state is None:
            if streaming and open_:
                (previous,) = open_.values()
                open_.clear()
                yield finish(previous)
            state = open_[key] = _Open(part)
        elif part.sentence != state.sentence:
            changed = ", ".join(_changed_fields(state.sentence, part.sentence))
            where = f"line {state.first_line}"
            if state.source != part.source:
                where = f"{state.source}:{state.first_line}"
            raise FormatError(
                part.source or path,
                part.line,
                f"sentence {key} differs from {where} in: {changed}",
            )
        if part.gold is not UNSET:
            if state.gold is UNSET:
                state.gold = part.gold
            elif state.gold != part.gold:
                raise FormatError(
                    part.source or path,
                    part.line,
                    f"sentence {key}: gold differs from an earlier line",
                )
        ann = part.annotation
        if ann is not None:
            old = state.annotations.get(ann.annotator)
            if old is not None:
                if report is not None:
                    report.duplicate_decisions += 1
                if old.updated_dt >= ann.updated_dt:
                    continue
            state.annotations[ann.annotator] = ann
    for state in open_.values():
        yield finish(state)


def parse_part(path: str | os.PathLike[str], line: int, build: Any, *args: Any) -> Any:
    """Call ``build(*args)``, turning validation errors into a FormatError at ``line``."""
    try:
        return build(*args)
    except (ValidationError, ValueError, TypeError, KeyError, AttributeError) as err:
        if isinstance(err, FormatError):
            raise
        if isinstance(err, KeyError):
            raise FormatError(path, line, f"missing field {err.args[0]!r}") from None
        raise format_error(path, line, err) from None


def file_mtime_utc(path: str | os.PathLike[str]) -> str:
    """A file's modification time as our UTC timestamp (fallback for tools without one)."""
    return format_utc(datetime.fromtimestamp(os.stat(path).st_mtime, tz=UTC))
