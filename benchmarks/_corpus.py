"""Raw ``sqlite3`` inserts that the benchmarks use to fill a database fast.

``open_database`` creates the schema first; these helpers then write document and sentence
rows with ``executemany``, far quicker than the importer for millions of sentences.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator

SentenceRow = tuple[int | None, int, int, int, int, str, str, str | None]


def insert_document(
    con: sqlite3.Connection,
    *,
    name: str,
    uid: str,
    content_hash: str,
    text: str,
    n_sentences: int,
    lang: str | None = None,
    source_path: str = "bench",
    meta: str = "{}",
    created_at: str = "2026-01-01 00:00:00",
    document_id: int | None = None,
) -> int:
    """One document row; returns its id (``document_id``, or the one SQLite chose)."""
    cursor = con.execute(
        "INSERT INTO document (id, uid, name, source_path, content_hash, lang, text, meta, n_sentences, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (document_id, uid, name, source_path, content_hash, lang, text, meta, n_sentences, created_at),
    )
    return int(cursor.lastrowid or 0) if document_id is None else document_id


def sentence_rows(
    document_id: int,
    texts: Iterable[str],
    lang: str | Callable[[str], str | None] | None,
    first_id: int | None = None,
) -> Iterator[SentenceRow]:
    """Sentence rows of one document: offsets as if the texts were joined by one space,
    ids from ``first_id`` on (or chosen by SQLite), ``lang`` a code or a function of the text."""
    offset = 0
    for idx, text in enumerate(texts):
        yield (
            None if first_id is None else first_id + idx,
            document_id,
            idx,
            offset,
            offset + len(text),
            text,
            hashlib.sha256(text.encode()).hexdigest(),
            lang(text) if callable(lang) else lang,
        )
        offset += len(text) + 1


def insert_sentences(con: sqlite3.Connection, rows: Iterable[SentenceRow]) -> None:
    con.executemany(
        'INSERT INTO sentence (id, document_id, idx, start, "end", text, text_hash, lang) VALUES (?,?,?,?,?,?,?,?)',
        rows,
    )
