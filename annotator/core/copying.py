"""``annotator copy``: a whole project from one database to another (SQLite <-> PostgreSQL).

Every table of the schema (documents, sentences, annotators, decisions, gold, the event
log, settings and label schemas, work units and assignments, and whatever a later
revision adds: the list is the schema's own, in foreign-key order) is copied with its
primary keys, so that every reference, the undo history and the assignments hold.

- The target must be empty (a new file, or a database no project has used): a copy never
  merges (``annotator import`` of an export does that).
- The source is read in one snapshot (REPEATABLE READ on PostgreSQL; one read transaction
  on SQLite), held until its verification is done: the rows copied, the source's counts
  and the source's export are of the same moment, whoever saves meanwhile (what they save
  after the copy began is not in it). The target is written in one transaction: a failed
  copy leaves it empty.
- Times are stored in UTC on both sides: SQLite keeps naive datetimes, PostgreSQL aware
  ones; each value is made UTC before it is written, so that no server time zone moves it.
- JSON columns are read and written as their stored text, never parsed: SQL NULL and the
  JSON value null (an event's ``before`` is one or the other) stay distinct both ways.
- Into PostgreSQL the rows go with ``COPY FROM STDIN``, and the id sequences are moved past
  the copied ids; into SQLite, batched inserts.
- Verified after the commit: the row count of every table on both sides, and a JSONL
  export of each that must be byte-identical (same records, same gold, same times); the
  source's export is read in the copy's snapshot.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Engine,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    select,
    text,
    type_coerce,
)
from sqlmodel import SQLModel

import annotator.core.models  # noqa: F401  (registers every table on SQLModel.metadata)
from annotator.core.db import write_connection
from annotator.core.errors import UserError
from annotator.core.exporting.query import read_transaction
from annotator.core.redact import display_url

BATCH = 5000
Progress = Callable[[int, int], None]  # (rows copied, rows in all)


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def same(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True)
class CopyResult:
    source: str
    target: str
    tables: list[TableCount]
    rows: int
    seconds: float
    export_bytes: int | None  # None: not verified by export
    source_sha256: str | None
    target_sha256: str | None

    @property
    def counts_match(self) -> bool:
        return all(count.same for count in self.tables)

    @property
    def exports_identical(self) -> bool | None:
        if self.source_sha256 is None:
            return None
        return self.source_sha256 == self.target_sha256

    @property
    def verified(self) -> bool:
        return self.counts_match and self.exports_identical is not False


def project_tables() -> list[Table]:
    """Every table of the schema, parents before children."""
    return list(SQLModel.metadata.sorted_tables)


def count_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t.name: int(connection.execute(select(func.count()).select_from(t)).scalar() or 0) for t in project_tables()
        }


def copy_project(
    source: Engine, target: Engine, *, verify: bool = True, progress: Progress | None = None
) -> CopyResult:
    """Copy everything from ``source`` into the empty ``target`` (see the module docstring)."""
    import time

    started = time.perf_counter()
    if source.url == target.url:
        raise UserError(f"{display_url(source.url)}: the source and the target are the same database")
    used = {name: n for name, n in count_rows(target).items() if n}
    if used:
        what = ", ".join(f"{n} {name}" for name, n in used.items())
        raise UserError(
            f"{display_url(target.url)}: already holds data ({what}); copy only into an empty database "
            "(to merge, export from one and import into the other)"
        )
    tables = project_tables()
    copied = 0
    with read_transaction(source) as reading:
        totals = {t.name: int(reading.execute(select(func.count()).select_from(t)).scalar() or 0) for t in tables}
        total = sum(totals.values())
        if progress is not None:
            progress(0, total)
        with write_connection(target) as writing:
            to_postgres = target.dialect.name == "postgresql"
            for table in tables:
                # JSON as its stored text both ways: SQL NULL and the JSON value null stay distinct
                for rows in _json_text_batches(reading, table):
                    if to_postgres:
                        _copy_rows(writing, table, rows)
                    else:
                        writing.execute(_text_json_insert(table), [_portable(table, row) for row in rows])
                    copied += len(rows)
                    if progress is not None:
                        progress(copied, total)
            if to_postgres:
                _advance_sequences(writing, tables)
        # the target is committed; the source's export is still of the snapshot copied
        digest_source = digest_target = None
        size = None
        if verify:
            digest_source, size = export_digest(source, snapshot=reading)
    after = count_rows(target)
    counts = [TableCount(t.name, totals[t.name], after[t.name]) for t in tables]
    if verify:
        digest_target, _ = export_digest(target)
    return CopyResult(
        source=display_url(source.url),
        target=display_url(target.url),
        tables=counts,
        rows=copied,
        seconds=time.perf_counter() - started,
        export_bytes=size,
        source_sha256=digest_source,
        target_sha256=digest_target,
    )


def _json_text_batches(connection: Connection, table: Table) -> Iterator[list[Any]]:
    """Rows as tuples in column order, JSON columns as their stored text (no parse, no dump)."""
    columns = [
        (cast(c, Text) if connection.dialect.name == "postgresql" else type_coerce(c, String)).label(c.name)
        if isinstance(c.type, JSON)
        else c
        for c in table.columns
    ]
    query = select(*columns).order_by(*table.primary_key.columns)
    # options for this statement only: Connection.execution_options() would set them on the
    # connection for good, and the export read in the same snapshot afterwards would stream too
    result = connection.execute(query, execution_options={"stream_results": True, "yield_per": BATCH})
    for partition in result.partitions(BATCH):
        yield list(partition)


def _copy_rows(connection: Connection, table: Table, rows: list[Any]) -> None:
    """PostgreSQL's COPY FROM STDIN: ~40x the rows a second of an INSERT executemany here
    (benchmarks/bench_teams.py). Times are made UTC; JSON goes in as the text it was."""
    times = [i for i, c in enumerate(table.columns) if isinstance(c.type, DateTime)]
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            values = list(row)
            for i in times:
                values[i] = _utc(values[i])
            copy.write_row(values)


def _text_json_insert(table: Table) -> Any:
    """An INSERT (for SQLite) whose JSON columns take the stored text as it is, SQL NULL as NULL
    (the JSON type would write the value null for both); parameters are ``v_`` + column name."""
    return insert(table).values(
        {
            column.name: bindparam(f"v_{column.name}", type_=String if isinstance(column.type, JSON) else column.type)
            for column in table.columns
        }
    )


def _portable(table: Table, row: Any) -> dict[str, Any]:
    """A row of :func:`_json_text_batches` as :func:`_text_json_insert`'s parameters, times in UTC."""
    values = {f"v_{column.name}": value for column, value in zip(table.columns, row, strict=True)}
    for column in table.columns:
        if isinstance(column.type, DateTime):
            values[f"v_{column.name}"] = _utc(values[f"v_{column.name}"])
    return values


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _advance_sequences(connection: Connection, tables: list[Table]) -> None:
    """Let the next inserted id follow the copied ones (the copy set the ids explicitly)."""
    for table in tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not key[0].autoincrement or key[0].type.python_type is not int:
            continue
        name = table.name
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{name}\"', '{key[0].name}'), "
                f'COALESCE((SELECT MAX("{key[0].name}") FROM "{name}"), 0) + 1, false)'
            )
        )


def export_digest(engine: Engine, snapshot: Connection | None = None) -> tuple[str, int]:
    """sha256 and size of the project's JSONL export (the default options), read in
    ``snapshot`` (an open read transaction on ``engine``) when given."""
    from annotator.core.exporting import export_dataset

    with tempfile.TemporaryDirectory(prefix="annotator-copy-") as folder:
        path = Path(folder) / "check.jsonl"
        export_dataset(engine, path, "jsonl", snapshot=snapshot)
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    return digest.hexdigest(), size
