"""Documents read from files: a text file is one document; a JSONL file has one a line.

Encodings: UTF-8 (BOM or not) or UTF-16 with a BOM; anything else is refused, not
guessed. A JSONL line is a JSON object whose text field (``--text-field``, default
``text``) is the document; its other fields are the document's metadata.

A line with annotation fields (:data:`~annotator.core.formats.ANNOTATION_FIELDS`) is never
read as a plain document: its decisions would be dropped. The file is refused at that line
(detection recognises annotated files by their first lines; this catches the others),
unless ``--format documents`` asked for exactly that.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core.formats import ANNOTATION_FIELDS
from annotator.core.input_files import InputError, read_regular_file

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(slots=True)
class SourceDocument:
    """A document read from a file (or one line of a JSONL file), before storage."""

    name: str
    text: str
    source: str
    meta: dict[str, Any] = field(default_factory=dict)
    lang: str | None = None


def decode_bytes(raw: bytes, source: str) -> str:
    """UTF-8 (BOM or not) or UTF-16 with a BOM; anything else is refused, not guessed."""
    if raw.startswith(_UTF16_BOMS):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: invalid UTF-16 at byte {exc.start}") from exc
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(_not_utf8(source, raw[exc.start], exc.start)) from exc
    if "\x00" in text:
        raise InputError(f"{source}: looks like a binary file (contains NUL characters)")
    return text


def _not_utf8(source: str, byte: int, offset: int) -> str:
    return (
        f"{source}: not UTF-8 (invalid byte 0x{byte:02x} at offset {offset}); "
        "convert it to UTF-8 first, e.g. iconv -f cp1256 -t utf-8"
    )


def read_text_document(path: Path, max_size: int) -> SourceDocument:
    """A ``.txt``/``.md`` file as one document (InputError when unreadable or empty)."""
    raw = read_regular_file(path, max_size)
    text = decode_bytes(raw, str(path))
    del raw  # the bytes and the text of a big file need not live together any longer
    if not text.strip():
        raise InputError(f"{path}: empty document")
    return SourceDocument(name=path.stem, text=text, source=str(path))


def load_jsonl(path: Path, max_size: int) -> bytes | str:
    """A JSONL file's content for :func:`jsonl_documents`: bytes (UTF-8), or text (UTF-16)."""
    raw = read_regular_file(path, max_size)
    if raw.startswith(_UTF16_BOMS):
        return decode_bytes(raw, str(path))
    if b"\x00" in raw:
        raise InputError(f"{path}: looks like a binary file (contains NUL bytes)")
    return raw


def jsonl_documents(
    data: bytes | str, path: Path, text_field: str = "text", *, forced: bool = False
) -> Iterator[tuple[int, SourceDocument | InputError]]:
    """``(line number, document or the error of that line)`` for each non-blank line.

    Lines end at ``\\n`` only (a JSON string may hold U+2028 and other separators that
    ``str.splitlines`` would cut at). Each line is decoded and parsed on its own, so a
    big file is never copied whole. ``forced``: ``--format documents`` (annotation fields
    are then kept as metadata, as asked).
    """
    view = memoryview(data) if isinstance(data, bytes) else None
    newline: Any = b"\n" if isinstance(data, bytes) else "\n"
    pos, number = 0, 0
    while pos < len(data):
        end = data.find(newline, pos)
        if end < 0:
            end = len(data)
        number += 1
        where = f"{path}:{number}"
        if view is not None:
            try:
                line = str(view[pos:end], "utf-8")
            except UnicodeDecodeError as exc:
                yield number, InputError(_not_utf8(where, view[pos + exc.start], pos + exc.start))
                pos = end + 1
                continue
        else:
            line = data[pos:end]  # type: ignore[assignment]  # no view: data is a str
        pos = end + 1
        if number == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        yield number, _document(line, where, path, number, text_field, forced)


def _document(
    line: str, where: str, path: Path, number: int, text_field: str, forced: bool
) -> SourceDocument | InputError:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return InputError(f"{where}: invalid JSON ({exc.msg}, column {exc.colno})")
    del line
    if not isinstance(record, dict):
        return InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
    if not forced:
        found = [key for key in ANNOTATION_FIELDS if key in record]
        if found:
            return InputError(
                f"{where}: has {found[0]!r}: annotated data is never imported as a plain document (its decisions "
                "would be lost); name its format with --format, or use --format documents to import only the texts"
            )
    value = record.get(text_field)
    if not isinstance(value, str):
        keys = ", ".join(sorted(record)[:8])
        return InputError(f"{where}: no string field {text_field!r} (fields: {keys}); choose one with --text-field")
    del record[text_field]  # the rest is the document's metadata
    if not value.strip():
        return InputError(f"{where}: empty document")
    name = next(
        (str(record[key]) for key in ("name", "id", "doc_id", "title") if record.get(key) not in (None, "")), None
    )
    lang = record.get("lang")
    return SourceDocument(
        name=name or f"{path.stem}:{number}",
        text=value,
        source=where,
        meta=record,
        lang=lang if isinstance(lang, str) else None,
    )
