"""Opening a database: the engine factory, SQLite pragmas, write transactions, migrations.

``--db`` / ``ANNOTATOR_DB`` take a file path (embedded SQLite) or an SQLAlchemy URL
(``postgresql://…`` for teams on several machines).

SQLite settings and why:
- WAL, so readers (the TUI prefetching pages) never block the writer and vice versa.
- ``synchronous=FULL`` by default: one fsync per commit, so a decision acknowledged on
  screen survives a killed process *and* a power cut. Measured here (docs/storage.md):
  a save through ``save_decision`` takes p50 1.4-2.6 ms with FULL, 0.5 ms with NORMAL
  (benchmarks/bench_storage.py); both pass the SIGKILL test (tests/test_durability.py),
  only FULL survives a power cut, and a few ms is far below what a person notices between
  two keys. Bulk import uses NORMAL
  (a killed import is completed by re-running it). ANNOTATOR_SQLITE_SYNC overrides.
- Write transactions begin with ``BEGIN IMMEDIATE``: a deferred read-then-write
  transaction cannot be rescued by the busy timeout when two processes write at once
  (2,761 "database is locked" in 10,000, docs/storage.md), an immediate one can.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from annotator.core.errors import UserError
from annotator.core.redact import display_url, redact

DEFAULT_DB = "annotations.db"
BUSY_TIMEOUT_MS = 5000


def resolve_db(db: str | None) -> str:
    """The database the user asked for: the option, else ANNOTATOR_DB, else ./annotations.db."""
    return db or os.environ.get("ANNOTATOR_DB") or DEFAULT_DB


def db_url(db: str) -> str:
    """A path becomes an SQLite URL; a URL is normalised (postgresql -> psycopg 3 driver)."""
    if "://" not in db:
        return f"sqlite:///{Path(db).expanduser().resolve()}"
    try:
        url = make_url(db)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        # from None: the parser's own message quotes the URL, password included
        raise UserError(f"{redact(db)}: not a database path or SQLAlchemy URL") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _install_sqlite_behaviour(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (pysqlite's own BEGIN is always DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode and str(mode[0]).lower() not in ("wal", "memory"):
            raise UserError(f"cannot switch the database to WAL mode (got {mode[0]})")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")


def _synchronous(requested: str | None) -> str:
    level = (requested or os.environ.get("ANNOTATOR_SQLITE_SYNC") or "FULL").upper()
    if level not in SYNCHRONOUS_LEVELS:
        raise UserError(f"ANNOTATOR_SQLITE_SYNC={level}: expected one of {', '.join(SYNCHRONOUS_LEVELS)}")
    return level


def create_db_engine(db: str | None = None, *, synchronous: str | None = None) -> Engine:
    """An engine for a path or URL, with our SQLite behaviour installed. Does not migrate.

    ``synchronous`` defaults to ANNOTATOR_SQLITE_SYNC, else FULL.
    """
    synchronous = _synchronous(synchronous)
    url = db_url(resolve_db(db))
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
            _install_sqlite_behaviour(engine, synchronous)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise UserError(
            f"{url.split('://')[0]}: database driver not installed ({exc.name}); "
            "install annotator[postgres] for PostgreSQL"
        ) from exc
    return engine


def writing(connection: Connection) -> Connection:
    """The connection set to take the write lock when its transaction begins (SQLite)."""
    if connection.dialect.name == "sqlite":
        return connection.execution_options(sqlite_begin="IMMEDIATE")
    return connection


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A Core connection in a write transaction (BEGIN IMMEDIATE on SQLite), committed on exit."""
    with engine.connect() as plain:
        connection = writing(plain)
        with connection.begin():
            yield connection


def open_database(db: str | None = None, *, create: bool = True, synchronous: str | None = None) -> Engine:
    """Open (and if needed create or upgrade) a project database.

    Raises UserError when the file is not a database, is missing and ``create`` is false,
    or was written by a newer annotator.
    """
    from annotator.core import migrate  # local: Alembic import is slow, keep it off light paths

    target = resolve_db(db)
    if "://" not in target:
        path = Path(target).expanduser()
        if path.is_dir():
            raise UserError(f"{path}: is a directory, not a database file")
        if not path.exists() and not create:
            raise UserError(f"{path}: no database here yet (run `annotator import` or `annotator init` first)")
        if path.exists() and path.stat().st_size > 0:
            with path.open("rb") as handle:
                if handle.read(16) != b"SQLite format 3\x00":
                    raise UserError(f"{path}: not an SQLite database")
    engine = create_db_engine(target, synchronous=synchronous)
    try:
        migrate.upgrade_to_head(engine)
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        reason = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
        raise UserError(f"{display_url(target)}: cannot open database: {redact(reason.splitlines()[0])}") from exc
    except Exception:
        engine.dispose()
        raise
    return engine
