"""Our JSONL from an SQLite file, read with the standard library's ``sqlite3``: no SQLAlchemy.

``annotator export --format jsonl`` of an SQLite project spends most of what is not writing
on SQLAlchemy: its import (~18 MB of the peak RSS, a fifth of a second) and its per-query
work. For a file already at the head revision (:func:`open_for_export`), the plan is
resolved and the rows are read here with the very SQL the SQLAlchemy reader
(:mod:`.query`, :mod:`.plan`) sends, and the lines are built by the same code
(:class:`~.lines.ExportLines` over the same chunk walk, :class:`~.common.ChunkReader`):
the rows are the DBAPI's own tuples in both, so the bytes are the same
(tests/test_export_sqlite.py compares them, every option).

Anything else (a URL, a missing file or one that is not SQLite, another revision) returns
None, and the caller takes the SQLAlchemy path, which creates, upgrades, refuses or
reports as it always did. Only reads: ``PRAGMA query_only``; one read transaction for
the plan and one for the records, as the SQLAlchemy path.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from annotator.core.errors import UserError
from annotator.core.gold.rules import GOLD_POLICIES
from annotator.core.location import BUSY_TIMEOUT_MS
from annotator.core.revision import plain_sqlite_file
from annotator.core.storage_errors import storage_problem

from .common import BATCH, _split_names, pick_annotators, pick_documents
from .lines import ExportLines

ACTIVE_SCHEMA_KEY = "active_schema_id"  # annotator.core.schemas.ACTIVE_SCHEMA_KEY (a test checks)

# The SQL of the SQLAlchemy reader, as it compiles for SQLite ({} takes the condition).
SENTENCES = (
    'SELECT sentence.id, sentence.document_id, sentence.idx, sentence.start, sentence."end", sentence.lang, '
    'sentence.text, gold.labels, gold.method, gold."by" FROM sentence LEFT OUTER JOIN gold '
    "ON gold.sentence_id = sentence.id WHERE {} ORDER BY sentence.document_id, sentence.idx"
)
ANNOTATIONS = (
    "SELECT annotation.sentence_id, annotation.annotator_id, annotation.labels, annotation.status, "
    "annotation.negated, annotation.flagged, annotation.note, annotation.updated_at, annotation.seconds, "
    "annotation.suggested, annotation.accepted FROM annotation JOIN sentence ON sentence.id = annotation.sentence_id "
    "WHERE {}"
)


class Document(NamedTuple):
    id: int
    uid: str
    name: str
    meta: Any  # decoded JSON, as SQLAlchemy's JSON type gives it


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def open_for_export(db: str | None) -> tuple[sqlite3.Connection, str] | None:
    """A read-only connection to the SQLite file ``db`` at the head revision, and its full
    path; None for anything else (the caller opens it with :func:`~annotator.core.db.open_database`)."""
    found = plain_sqlite_file(db)
    if found is None:
        return None
    path, head = found
    where = str(path.resolve())
    connection = None
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        connection.execute("PRAGMA query_only = ON")
        if connection.execute("SELECT version_num FROM alembic_version").fetchall() != [(head,)]:
            connection.close()
            return None
    except sqlite3.Error as exc:
        if connection is not None:
            connection.close()
        exc.annotator_database = where  # type: ignore[attr-defined]  # named as annotator.core.db names it
        if storage_problem(exc) is not None:
            raise
        return None
    return connection, where


@contextlib.contextmanager
def named_errors(where: str) -> Iterator[None]:
    """SQLite errors carry the database's path (the CLI's storage lines name it, as db.py's do)."""
    try:
        yield
    except sqlite3.Error as exc:
        exc.annotator_database = where  # type: ignore[attr-defined]
        raise


@contextlib.contextmanager
def _read(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction (a snapshot of the WAL database)."""
    connection.execute("BEGIN")
    try:
        yield connection
    except BaseException:
        if connection.in_transaction:
            connection.rollback()
        raise
    connection.execute("COMMIT")


class SqliteExportPlan(ExportLines):
    """A resolved selection read with ``sqlite3``; build with :func:`plan_sqlite_export`."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        *,
        schema_ref: str,
        annotator_ids: dict[int, str] | None,
        document_ids: list[int] | None,
        gold_policy: str,
        only_gold: bool,
        split_of: dict[str, str] | None,
        total: int,
        batch: int = BATCH,
    ) -> None:
        self.connection = connection
        self._set_plan(
            schema_ref=schema_ref,
            annotator_ids=annotator_ids,
            document_ids=document_ids,
            gold_policy=gold_policy,
            only_gold=only_gold,
            split_of=split_of,
            total=total,
            batch=batch,
        )

    def _connection(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return _read(self.connection)

    def _document_page(self, connection: sqlite3.Connection, after: str | None, size: int) -> Sequence[Any]:
        where: list[str] = []
        params: list[Any] = []
        if after is not None:
            where.append("document.name > ?")
            params.append(after)
        if self.document_ids is not None:
            where.append(f"document.id IN ({_marks(self.document_ids)})")
            params.extend(self.document_ids)
        sql = "SELECT document.id, document.uid, document.name, document.meta FROM document"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = connection.execute(sql + " ORDER BY document.name LIMIT ?", (*params, size)).fetchall()
        return [Document(i, uid, name, None if meta is None else json.loads(meta)) for i, uid, name, meta in rows]

    def _sentence_counts(self, connection: sqlite3.Connection, document_ids: list[int]) -> dict[int, int]:
        sql = (
            "SELECT sentence.document_id, count(*) FROM sentence "
            f"WHERE sentence.document_id IN ({_marks(document_ids)}) GROUP BY sentence.document_id"
        )
        return dict(connection.execute(sql, document_ids).fetchall())

    def _in_documents(self, document_ids: list[int]) -> tuple[str, tuple[Any, ...]]:
        return f"sentence.document_id IN ({_marks(document_ids)})", tuple(document_ids)

    def _after_idx(self, document_id: int, idx: int) -> tuple[str, tuple[Any, ...]]:
        return "sentence.document_id = ? AND sentence.idx > ?", (document_id, idx)

    def _idx_between(self, document_id: int, first: int, last: int) -> tuple[str, tuple[Any, ...]]:
        return "sentence.document_id = ? AND sentence.idx BETWEEN ? AND ?", (document_id, first, last)

    def _sentence_rows(
        self, connection: sqlite3.Connection, condition: tuple[str, tuple[Any, ...]], limit: int | None = None
    ) -> Sequence[Any]:
        where, params = condition
        sql = SENTENCES.format(where)
        if limit is not None:
            sql += " LIMIT ?"
            params = (*params, limit)
        return connection.execute(sql, params).fetchall()

    def _annotator_names(self, connection: sqlite3.Connection) -> dict[int, str]:
        return dict(connection.execute("SELECT annotator.id, annotator.name FROM annotator").fetchall())

    def _annotation_rows(self, connection: sqlite3.Connection, condition: tuple[str, tuple[Any, ...]]) -> Sequence[Any]:
        where, params = condition
        if self.annotator_ids is not None:
            where = f"{where} AND annotation.annotator_id IN ({_marks(list(self.annotator_ids))})"
            params = (*params, *self.annotator_ids)
        return connection.execute(ANNOTATIONS.format(where), params).fetchall()


def _resolve_annotators(connection: sqlite3.Connection, names: list[str] | None) -> dict[int, str] | None:
    """As :func:`.plan._resolve_annotators` (the same message for an unknown name)."""
    if names is None:
        return None
    sql = f"SELECT annotator.name, annotator.id FROM annotator WHERE annotator.name IN ({_marks(names)})"
    found = dict(connection.execute(sql, names).fetchall())
    return pick_annotators(
        names,
        found,
        lambda: [n for (n,) in connection.execute("SELECT annotator.name FROM annotator ORDER BY annotator.name")],
    )


def _resolve_documents(connection: sqlite3.Connection, refs: list[str] | None) -> list[int] | None:
    """As :func:`.plan._resolve_documents`: by name, else by doc id (uid)."""
    if refs is None:
        return None

    def find(column: str, ref: str) -> int | None:
        # column is "name" or "uid" (pick_documents), never user text
        row = connection.execute(f"SELECT document.id FROM document WHERE document.{column} = ?", (ref,)).fetchone()
        return None if row is None else int(row[0])

    return pick_documents(refs, find)


def _schema_ref(connection: sqlite3.Connection) -> str:
    """The active schema's reference (``privacy@1``); the default schema's when there is none."""
    from annotator.core.labels import load_schema, schema_from_json

    value = connection.execute("SELECT setting.value FROM setting WHERE setting.key = ?", (ACTIVE_SCHEMA_KEY,))
    row = value.fetchone()
    if row is not None and row[0] is not None:
        found = connection.execute(
            "SELECT label_schema.definition FROM label_schema WHERE label_schema.id = ?", (int(row[0]),)
        ).fetchone()
        if found is not None:
            return schema_from_json(found[0]).ref
    return load_schema().ref


def plan_sqlite_export(
    connection: sqlite3.Connection,
    *,
    annotators: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    gold: str = "majority",
    only_gold: bool = False,
    ratios: Sequence[float] | None = None,
    seed: int | str = 0,
    batch: int = BATCH,
) -> SqliteExportPlan:
    """As :func:`.plan.plan_export`, on a connection from :func:`open_for_export`."""
    if gold not in GOLD_POLICIES:
        raise UserError(f"--gold {gold!r}: expected one of {', '.join(GOLD_POLICIES)}")
    with _read(connection):
        schema_ref = _schema_ref(connection)
        annotator_ids = _resolve_annotators(connection, _split_names(annotators))
        document_ids = _resolve_documents(connection, _split_names(documents))
        count, uids, params = "SELECT count(*) FROM sentence", "SELECT document.uid FROM document", []
        if document_ids is not None:
            count += f" WHERE sentence.document_id IN ({_marks(document_ids)})"
            uids += f" WHERE document.id IN ({_marks(document_ids)})"
            params = document_ids
        total = int(connection.execute(count, params).fetchone()[0] or 0)
        split_of: dict[str, str] | None = None
        if ratios is not None:
            from annotator.core.formats import assign_splits

            try:
                split_of = dict(assign_splits([u for (u,) in connection.execute(uids, params)], tuple(ratios), seed))
            except ValueError as exc:
                raise UserError(f"--split: {exc}") from exc
    return SqliteExportPlan(
        connection,
        schema_ref=schema_ref,
        annotator_ids=annotator_ids,
        document_ids=document_ids,
        gold_policy=gold,
        only_gold=only_gold,
        split_of=split_of,
        total=total,
        batch=batch,
    )
