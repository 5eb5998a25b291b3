"""Import documents: read, decode, identify the language, segment, store.

One transaction per document: a document is stored whole or not at all, and a bad file
never stops the others. Re-importing an unchanged document is a no-op (content hash, or
its uid: a document first imported from an export has the uid of the original text).
Sentences go in with SQLAlchemy Core ``executemany`` in batches, not through the ORM.

Annotated exports (our JSONL, Prodigy, doccano folder/zip/file, Label Studio JSON, our
CSV) are recognised by their content (``detect_format``) and handed to
:mod:`annotator.core.annotated_import`; a JSONL of documents stays a document import.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine, insert, or_, select

from annotator.core.annotated_import import AnnotatedImport, AnnotatedImportSummary
from annotator.core.db import write_connection
from annotator.core.errors import UserError
from annotator.core.formats import FORMATS, FormatError, detect_format
from annotator.core.language import detect_language
from annotator.core.models import DOCUMENT as D
from annotator.core.models import EVENT as E
from annotator.core.models import SENTENCE as S
from annotator.core.repository import free_document_name
from annotator.core.segment import segment

DOCUMENT_SUFFIXES = {".txt", ".md", ".markdown"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
EXPORT_SUFFIXES = {".json", ".csv", ".zip"}  # imported only when they are annotated exports
DOCUMENTS = "documents"  # the --format value that forces a document import
INSERT_BATCH = 5000


Progress = Callable[[int, int, str], None]  # (bytes done, bytes total, current item)


class ImportedDocument(BaseModel):
    name: str
    doc_id: str
    sentences: int
    lang: str | None
    source: str
    renamed_from: str | None = None


class RefusedInput(BaseModel):
    source: str
    reason: str


class ImportSummary(BaseModel):
    imported: list[ImportedDocument] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    refused: list[RefusedInput] = Field(default_factory=list)
    ignored_files: list[str] = Field(default_factory=list)
    annotated: list[AnnotatedImportSummary] = Field(default_factory=list)

    @property
    def sentences(self) -> int:
        return sum(doc.sentences for doc in self.imported)


@dataclass(slots=True)
class SourceDocument:
    """A document read from a file (or one line of a JSONL file), before storage."""

    name: str
    text: str
    source: str
    meta: dict[str, Any] = field(default_factory=dict)
    lang: str | None = None


class InputError(Exception):
    """A file or line that cannot be imported; the message names it."""


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decode_bytes(raw: bytes, source: str) -> str:
    """UTF-8 (BOM or not) or UTF-16 with a BOM; anything else is refused, not guessed."""
    if raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: invalid UTF-16 at byte {exc.start}") from exc
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{source}: not UTF-8 (invalid byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                "convert it to UTF-8 first, e.g. iconv -f cp1256 -t utf-8"
            ) from exc
    if "\x00" in text:
        raise InputError(f"{source}: looks like a binary file (contains NUL characters)")
    return text


def _doccano_folder(path: Path) -> bool:
    """A folder holding only ``<annotator>.jsonl`` files of a doccano export."""
    files = [p for p in path.iterdir() if not p.name.startswith(".")]
    if not files or not all(p.is_file() and p.suffix.lower() == ".jsonl" for p in files):
        return False
    try:
        return detect_format(path) == "doccano"
    except (FormatError, OSError):
        return False


def _annotated_export(path: Path) -> bool:
    try:
        return detect_format(path) != "plain-jsonl"
    except (FormatError, OSError):
        return False


def discover(paths: Iterable[str | Path], summary: ImportSummary) -> list[Path]:
    """Files to import: named files as given, folders walked recursively in sorted order.

    A folder that is a doccano export (only ``.jsonl`` files in doccano's shape) is one
    input, named or met while walking. While walking, ``.json``/``.csv``/``.zip`` files are
    taken only when they are annotated exports (the others are ignored, like any other
    file type); named ones are taken and refused later if they are not.
    """
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            if _doccano_folder(path):
                found.append(path)
                continue
            for folder, dirs, files in os.walk(path):
                here = Path(folder)
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for d in list(dirs):
                    if _doccano_folder(here / d):
                        found.append(here / d)
                        dirs.remove(d)
                for name in sorted(files):
                    child = here / name
                    if name.startswith("."):
                        continue
                    suffix = child.suffix.lower()
                    if suffix in DOCUMENT_SUFFIXES | JSONL_SUFFIXES or (
                        suffix in EXPORT_SUFFIXES and _annotated_export(child)
                    ):
                        found.append(child)
                    else:
                        summary.ignored_files.append(str(child))
        elif path.is_file():
            if path.suffix.lower() not in DOCUMENT_SUFFIXES | JSONL_SUFFIXES | EXPORT_SUFFIXES:
                summary.refused.append(
                    RefusedInput(
                        source=str(path),
                        reason=f"{path}: unsupported file type {path.suffix or '(none)'!r}; use .txt, .md or "
                        ".jsonl documents, or an annotated export (.jsonl, .json, .csv, .zip, doccano folder)",
                    )
                )
            else:
                found.append(path)
        else:
            raise UserError(f"{path}: no such file or directory")
    # a folder walk and a named file may meet the same file twice
    return list(dict.fromkeys(found))


def input_kind(path: Path, fmt: str | None = None) -> str:
    """``documents`` or the annotated format of an input; raises InputError if neither.

    ``fmt`` forces it (``documents`` or a format name). Otherwise ``.txt``/``.md`` are
    documents; other files are recognised by content; a ``.jsonl`` that is not an
    annotated export is a JSONL of documents (its own errors are reported line by line).
    """
    if fmt is not None:
        if fmt != DOCUMENTS and fmt not in FORMATS:
            raise UserError(f"--format {fmt!r}: expected {DOCUMENTS} or one of {', '.join(FORMATS)}")
        return fmt
    if path.is_dir():
        return "doccano"
    suffix = path.suffix.lower()
    if suffix in DOCUMENT_SUFFIXES:
        return DOCUMENTS
    try:
        kind = detect_format(path)
    except (FormatError, OSError) as exc:
        if suffix in JSONL_SUFFIXES:
            return DOCUMENTS
        raise InputError(str(exc)) from exc
    return DOCUMENTS if kind == "plain-jsonl" else kind


def read_documents(path: Path, text_field: str = "text") -> Iterator[SourceDocument | InputError]:
    """Documents in a file; errors are yielded (not raised) so that the rest still imports."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield InputError(f"{path}: cannot read: {exc.strerror}")
        return
    try:
        text = decode_bytes(raw, str(path))
    except InputError as exc:
        yield exc
        return
    if path.suffix.lower() in DOCUMENT_SUFFIXES:
        yield SourceDocument(name=path.stem, text=text, source=str(path))
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(record, dict):
            yield InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
            continue
        value = record.get(text_field)
        if not isinstance(value, str):
            keys = ", ".join(sorted(record)[:8])
            yield InputError(f"{where}: no string field {text_field!r} (fields: {keys}); choose one with --text-field")
            continue
        meta = {key: val for key, val in record.items() if key != text_field}
        name = next(
            (str(meta[key]) for key in ("name", "id", "doc_id", "title") if meta.get(key) not in (None, "")), None
        )
        yield SourceDocument(
            name=name or f"{path.stem}:{number}",
            text=value,
            source=where,
            meta=meta,
            lang=meta.get("lang") if isinstance(meta.get("lang"), str) else None,
        )


def store_document(
    engine: Engine,
    doc: SourceDocument,
    spans: list[tuple[int, int]],
    lang: str | None,
) -> ImportedDocument | None:
    """Store one document and its sentences in one transaction; None when already stored."""
    digest = content_hash(doc.text)
    with write_connection(engine) as connection:
        # the same text, or the document an export of it created (same uid, rebuilt text)
        known = select(D.c.id).where(or_(D.c.content_hash == digest, D.c.uid == digest[:16]))
        if connection.execute(known).first() is not None:
            return None
        name = free_document_name(connection, doc.name[:500])
        document_id = connection.execute(
            insert(D).values(
                uid=digest[:16],
                name=name,
                source_path=doc.source,
                content_hash=digest,
                lang=lang,
                text=doc.text,
                meta=doc.meta,
                n_sentences=len(spans),
            )
        ).inserted_primary_key[0]
        rows = [
            {
                "document_id": document_id,
                "idx": idx,
                "start": start,
                "end": end,
                "text": doc.text[start:end],
                "text_hash": hashlib.sha256(doc.text[start:end].encode("utf-8")).hexdigest(),
                "lang": lang,
            }
            for idx, (start, end) in enumerate(spans)
        ]
        for offset in range(0, len(rows), INSERT_BATCH):
            connection.execute(insert(S), rows[offset : offset + INSERT_BATCH])
        connection.execute(
            insert(E).values(action="import", after={"document": name, "uid": digest[:16], "sentences": len(spans)})
        )
    return ImportedDocument(
        name=name,
        doc_id=digest[:16],
        sentences=len(spans),
        lang=lang,
        source=doc.source,
        renamed_from=doc.name if name != doc.name[:500] else None,
    )


def import_paths(
    engine: Engine,
    paths: Iterable[str | Path],
    *,
    lang: str | None = None,
    text_field: str = "text",
    progress: Progress | None = None,
    fmt: str | None = None,
    label_map: dict[str, str] | None = None,
) -> ImportSummary:
    """Import every document and annotated export under ``paths``.

    Annotated files are all checked first: a label the project's schema does not know
    (after ``label_map``) raises UserError before anything at all is stored.
    """
    summary = ImportSummary()
    files = discover(paths, summary)
    kinds: dict[Path, str] = {}
    for path in files:
        try:
            kinds[path] = input_kind(path, fmt)
        except InputError as exc:
            summary.refused.append(RefusedInput(source=str(path), reason=str(exc)))
    files = [path for path in files if path in kinds]
    annotated = [(path, kind) for path, kind in kinds.items() if kind != DOCUMENTS]
    job: AnnotatedImport | None = None
    if annotated:
        from annotator.core.schemas import active_schema

        job = AnnotatedImport(engine, active_schema(engine), label_map)
        for path, reason in job.check(annotated).items():
            summary.refused.append(RefusedInput(source=str(path), reason=reason))
            del kinds[path]
        files = [path for path in files if path in kinds]
    elif label_map:
        raise UserError("--map applies to annotated exports; none among the inputs")
    sizes = {path: _size(path) for path in files}
    total, done = sum(sizes.values()), 0
    for path in files:
        if kinds[path] != DOCUMENTS:
            assert job is not None

            def report(records_done: int, records_total: int, _path: Path = path, _base: int = done) -> None:
                if progress is not None and records_total:
                    progress(_base + sizes[_path] * records_done // records_total, total, str(_path))

            result = job.run(path, report)
            summary.annotated.append(result)
            for refused in result.refused:
                summary.refused.append(
                    RefusedInput(
                        source=str(path),
                        reason=f"{path}: document {refused.doc_id} ({refused.doc_name}): {refused.reason}",
                    )
                )
            done += sizes[path]
            if progress is not None:
                progress(done, total, str(path))
            continue
        for item in read_documents(path, text_field):
            if isinstance(item, InputError):
                summary.refused.append(RefusedInput(source=str(path), reason=str(item)))
                continue
            if not item.text.strip():
                summary.refused.append(RefusedInput(source=item.source, reason=f"{item.source}: empty document"))
                continue
            doc_lang = lang or item.lang or detect_language(item.text)
            stored = store_document(engine, item, segment(item.text, doc_lang), doc_lang)
            if stored is None:
                summary.unchanged.append(item.name)
            else:
                summary.imported.append(stored)
        done += sizes[path]
        if progress is not None:
            progress(done, total, str(path))
    return summary


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    return path.stat().st_size
