"""Import documents: read, decode, identify the language, segment, store.

One transaction per document: a document is stored whole or not at all, and a bad file
never stops the others. Re-importing an unchanged document is a no-op (content hash, or
its uid: a document first imported from an export has the uid of the original text).
Sentences go in with SQLAlchemy Core ``executemany`` in batches, not through the ORM.

- Which files, and what each is: :mod:`annotator.core.import_sources` (only regular files
  under ``--max-file-size``; the content decides the format, the extension is a hint).
- Reading documents: :mod:`annotator.core.document_files`. A JSONL of documents with a
  bad line is refused whole, naming the first bad line, unless ``skip_bad_lines``
  (``--skip-bad-lines``): then the good lines import and each bad one is reported.
- Segmentation: :func:`~annotator.core.segment.segment`, fed a bounded window at a time,
  and no sentence longer than ``max_sentence_chars``
  (:mod:`annotator.core.long_sentences`); a document whose sentences were split says so.
- Annotated exports (our JSONL, Prodigy, doccano folder/zip/file, Label Studio JSON, our
  CSV) go to :mod:`annotator.core.annotated_import`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import Engine, insert, or_, select

from annotator.core.annotated_import import AnnotatedImport, AnnotatedImportSummary
from annotator.core.db import inserted_id, write_connection
from annotator.core.document_files import (
    SourceDocument,
    decode_bytes,
    jsonl_documents,
    load_jsonl,
    read_text_document,
)
from annotator.core.errors import UserError
from annotator.core.import_sources import (
    DOCUMENTS,
    EXPORT_SUFFIXES,
    JSONL_SUFFIXES,
    TEXT,
    TEXT_SUFFIXES,
    RefusedInput,
    discover,
    input_kind,
)
from annotator.core.input_files import DEFAULT_MAX_FILE_SIZE, InputError
from annotator.core.language import check_language_tag, detect_language
from annotator.core.long_sentences import MAX_SENTENCE_CHARS, cap_sentence_length, segment_in_windows
from annotator.core.models import DOCUMENT as D
from annotator.core.models import EVENT as E
from annotator.core.models import SENTENCE as S
from annotator.core.repository import free_document_name
from annotator.core.segment import segment

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "DOCUMENTS",
    "EXPORT_SUFFIXES",
    "JSONL_SUFFIXES",
    "MAX_SENTENCE_CHARS",
    "TEXT",
    "TEXT_SUFFIXES",
    "ImportSummary",
    "ImportedDocument",
    "InputError",
    "RefusedInput",
    "SourceDocument",
    "content_hash",
    "decode_bytes",
    "import_paths",
    "segment_document",
    "store_document",
]

INSERT_BATCH = 5000


Progress = Callable[[int, int, str], None]  # (bytes done, bytes total, current item)


class ImportedDocument(BaseModel):
    name: str
    doc_id: str
    sentences: int
    lang: str | None
    source: str
    renamed_from: str | None = None
    long_sentences_split: int = 0
    """Sentences longer than the limit, each stored as several pieces."""


class ImportSummary(BaseModel):
    imported: list[ImportedDocument] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    refused: list[RefusedInput] = Field(default_factory=list)
    skipped: list[RefusedInput] = Field(default_factory=list)
    """Entries of a folder that are not regular files (pipes, devices, broken links): never read."""
    skipped_lines: list[RefusedInput] = Field(default_factory=list)
    """Bad lines of JSONL documents left out with ``skip_bad_lines``."""
    ignored_files: list[str] = Field(default_factory=list)
    annotated: list[AnnotatedImportSummary] = Field(default_factory=list)
    max_sentence_chars: int = MAX_SENTENCE_CHARS

    @property
    def sentences(self) -> int:
        return sum(doc.sentences for doc in self.imported)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def segment_document(
    text: str, lang: str | None, max_chars: int = MAX_SENTENCE_CHARS
) -> tuple[list[tuple[int, int]], int]:
    """Sentence spans of a document, none longer than ``max_chars``; and how many were split."""
    return cap_sentence_length(text, segment_in_windows(text, lang, segment), max_chars)


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
        document_id = inserted_id(
            connection.execute(
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
            )
        )
        for offset in range(0, len(spans), INSERT_BATCH):  # rows built a batch at a time
            rows = []
            for idx in range(offset, min(offset + INSERT_BATCH, len(spans))):
                start, end = spans[idx]
                sentence = doc.text[start:end]
                rows.append(
                    {
                        "document_id": document_id,
                        "idx": idx,
                        "start": start,
                        "end": end,
                        "text": sentence,
                        "text_hash": hashlib.sha256(sentence.encode("utf-8")).hexdigest(),
                        "lang": lang,
                    }
                )
            connection.execute(insert(S), rows)
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


def _documents(
    path: Path, kind: str, text_field: str, max_size: int, skip_bad_lines: bool, forced: bool, summary: ImportSummary
) -> Iterator[SourceDocument]:
    """The documents of one file; a refused file adds its one reason to ``summary`` and yields none."""
    try:
        if kind == TEXT:
            yield read_text_document(path, max_size)
            return
        data = load_jsonl(path, max_size)
    except InputError as exc:
        summary.refused.append(RefusedInput(source=str(path), reason=str(exc)))
        return
    if not skip_bad_lines:  # a first pass: the file is refused whole if any line is bad
        lines, bad = 0, []
        for _, item in jsonl_documents(data, path, text_field, forced=forced):
            lines += 1
            if isinstance(item, InputError):
                bad.append(item)
        if bad:
            summary.refused.append(
                RefusedInput(
                    source=str(path),
                    reason=f"{bad[0]} (file refused whole; bad lines: {len(bad)} of {lines}; "
                    "--skip-bad-lines imports the others)",
                )
            )
            return
    for number, item in jsonl_documents(data, path, text_field, forced=forced):
        if isinstance(item, InputError):
            summary.skipped_lines.append(RefusedInput(source=f"{path}:{number}", reason=str(item)))
        else:
            yield item


def import_paths(
    engine: Engine,
    paths: Iterable[str | Path],
    *,
    lang: str | None = None,
    text_field: str = "text",
    progress: Progress | None = None,
    fmt: str | None = None,
    label_map: dict[str, str] | None = None,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    skip_bad_lines: bool = False,
    max_sentence_chars: int = MAX_SENTENCE_CHARS,
) -> ImportSummary:
    """Import every document and annotated export under ``paths``.

    Annotated files are all checked first: a label the project's schema does not know
    (after ``label_map``) raises UserError before anything at all is stored.
    """
    summary = ImportSummary(max_sentence_chars=max_sentence_chars)
    paths = list(paths)
    if lang is not None:
        check_language_tag(lang, "--lang")
    files = discover(paths, max_file_size, summary.refused, summary.skipped, summary.ignored_files)
    if not files and not summary.refused and not summary.skipped:
        raise UserError(nothing_to_import(paths, summary.ignored_files))
    kinds: dict[Path, str] = {}
    for path in files:
        try:
            kinds[path] = input_kind(path, fmt)
        except InputError as exc:
            summary.refused.append(RefusedInput(source=str(path), reason=str(exc)))
    files = [path for path in files if path in kinds]
    annotated = [(path, kind) for path, kind in kinds.items() if kind not in (TEXT, DOCUMENTS)]
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
        if kinds[path] not in (TEXT, DOCUMENTS):
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
        else:
            forced = fmt == DOCUMENTS
            for item in _documents(path, kinds[path], text_field, max_file_size, skip_bad_lines, forced, summary):
                doc_lang = lang or item.lang or detect_language(item.text)
                spans, split = segment_document(item.text, doc_lang, max_sentence_chars)
                stored = store_document(engine, item, spans, doc_lang)
                if stored is None:
                    summary.unchanged.append(item.name)
                else:
                    stored.long_sentences_split = split
                    summary.imported.append(stored)
        done += sizes[path]
        if progress is not None:
            progress(done, total, str(path))
    return summary


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    return path.stat().st_size


def nothing_to_import(paths: Iterable[str | Path], ignored: list[str]) -> str:
    """The one line for a folder with no file the import reads (it exited 0 without a word)."""
    where = ", ".join(str(path) for path in paths)
    read = ".txt, .md and .jsonl files, and annotated exports (.jsonl, .json, .csv, .zip)"
    if not ignored:
        return f"{where}: no file to import (reads {read})"
    shown = ", ".join(Path(name).name for name in ignored[:3]) + (", …" if len(ignored) > 3 else "")
    return f"{where}: no file to import: {len(ignored)} file(s) of other kinds left alone ({shown}); reads {read}"
