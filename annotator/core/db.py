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

PostgreSQL connections get a connect timeout and a statement timeout, so that a stalled
server or a stuck lock fails a command after a bounded wait instead of hanging it
forever, plus TCP keepalives and a TCP user timeout, so that a server machine that went
silent is noticed while we wait for an answer. ``ANNOTATOR_PG_CONNECT_TIMEOUT`` and
``ANNOTATOR_PG_STATEMENT_TIMEOUT`` (seconds; ``500ms``, ``2min`` and ``0`` for none also
work), or ``connect_timeout`` / ``statement_timeout`` in the URL's query, override the
defaults (:data:`PG_CONNECT_TIMEOUT_S`, :data:`PG_STATEMENT_TIMEOUT_S`).

Every error our engines raise carries ``annotator_database`` (the database, password
hidden), so that ``annotator.core.storage_errors`` can say where a failure happened.
"""

from __future__ import annotations

import math
import os
import random
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, create_engine, event, text
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
)

from annotator.core.errors import UserError
from annotator.core.input_files import not_regular
from annotator.core.location import BUSY_TIMEOUT_MS as BUSY_TIMEOUT_MS
from annotator.core.location import DEFAULT_DB as DEFAULT_DB
from annotator.core.location import resolve_db as resolve_db
from annotator.core.redact import display_url, redact
from annotator.core.storage_errors import is_lock_conflict, storage_problem

PG_CONNECT_TIMEOUT_S = 10
"""How long to wait for a PostgreSQL server to accept a connection (libpq rounds below 2 s up to 2 s)."""
PG_STATEMENT_TIMEOUT_S = 60.0
"""The longest a single statement may run on PostgreSQL: 10x our slowest measured statement."""
PG_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
"""A silent server machine is noticed within about a minute of waiting (not the kernel's two hours)."""
PG_TCP_USER_TIMEOUT_MS = 60_000


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


_DURATION = re.compile(r"\s*(\d+(?:\.\d*)?)\s*(ms|s|min)?\s*")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "min": 60.0, None: 1.0}


def parse_duration(value: str, setting: str) -> float:
    """Seconds from ``30``, ``2.5``, ``500ms``, ``30s`` or ``2min`` (0: no limit)."""
    match = _DURATION.fullmatch(value)
    if match is None:
        raise UserError(f"{setting}={value!r}: expected seconds such as 30, 500ms or 2min (0 for no limit)")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _setting(url: URL, key: str, env: str, default: float) -> float:
    """A timeout from the URL's query, else the environment, else the default."""
    raw = url.query.get(key)
    if isinstance(raw, tuple):
        raw = raw[-1]
    if raw is not None:
        return parse_duration(raw, f"{key} in the database URL")
    if os.environ.get(env):
        return parse_duration(os.environ[env], env)
    return default


_PG_MAX_MS = 2**31 - 1


def postgres_connect_args(url: URL) -> tuple[URL, dict[str, Any]]:
    """The URL without our own query keys, and the psycopg connect arguments: timeouts, keepalives."""
    connect_timeout = _setting(url, "connect_timeout", "ANNOTATOR_PG_CONNECT_TIMEOUT", PG_CONNECT_TIMEOUT_S)
    statement_timeout = _setting(url, "statement_timeout", "ANNOTATOR_PG_STATEMENT_TIMEOUT", PG_STATEMENT_TIMEOUT_S)
    options = url.query.get("options") or ""
    if isinstance(options, tuple):
        options = " ".join(options)
    # PostgreSQL takes whole milliseconds, 0 meaning no limit: a positive fraction rounds up
    # (0.0004 s was 0 ms, "wait forever"), and it refuses more than 2^31-1 ms at connect.
    statement_ms = math.ceil(statement_timeout * 1000)
    if statement_ms > _PG_MAX_MS:
        raise UserError(
            f"statement timeout of {statement_timeout:,.0f} s: PostgreSQL takes at most 24 days (0 for no limit)"
        )
    options = f"{options} -c statement_timeout={statement_ms}".strip()
    args: dict[str, Any] = {**PG_KEEPALIVES, "tcp_user_timeout": PG_TCP_USER_TIMEOUT_MS, "options": options}
    # libpq takes whole seconds; 0 would mean "wait forever", so a positive fraction rounds up.
    args["connect_timeout"] = math.ceil(connect_timeout) if connect_timeout > 0 else 0
    for key in ("keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"):
        if key in url.query:
            del args[key]  # the URL's own value stays
    return url.difference_update_query(["statement_timeout", "connect_timeout", "options"]), args


def _install_error_context(engine: Engine, given: str) -> None:
    # A file as its full path (which disk is full?), a URL as the user wrote it, no password.
    where = engine.url.database if engine.dialect.name == "sqlite" else display_url(given)

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        # Say which database failed: the CLI's one-line storage errors name it.
        if context.sqlalchemy_exception is not None:
            # An attribute of ours on SQLAlchemy's exception, read by storage_errors.storage_problem.
            context.sqlalchemy_exception.annotator_database = where  # type: ignore[attr-defined]


def _install_sqlite_behaviour(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (pysqlite's own BEGIN is always DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        try:
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.OperationalError as exc:
            if not getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
                raise
            # A read-only file (a backup on read-only media, a shared snapshot) cannot change
            # its journal mode, but can be read in the mode it has: check, stats and export
            # work; a write fails later with the same error, which storage_errors words.
            mode = None
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
    given = resolve_db(db)
    url = db_url(given)
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
            _install_sqlite_behaviour(engine, synchronous)
        else:
            bare, connect_args = postgres_connect_args(make_url(url))
            engine = create_engine(bare, pool_pre_ping=True, connect_args=connect_args)
        _install_error_context(engine, given)
    except NoSuchModuleError:
        # a mistyped scheme (postgresq://): SQLAlchemy's message would be a traceback's
        scheme = url.split("://")[0]
        raise UserError(
            f"{display_url(given)}: unknown database scheme {scheme!r}; "
            "give a file path, sqlite:///PATH or postgresql://[USER@]HOST[:PORT]/DATABASE"
        ) from None
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


T = TypeVar("T")
LOCK_RETRY_SECONDS = 120.0
"""How long :func:`retry_locked` keeps retrying a write that lost the race for the lock."""


def retry_locked(operation: Callable[[], T], *, limit: float | None = None) -> T:
    """Run a write transaction, again while it fails on a lock conflict, for up to ``limit`` seconds.

    SQLite's busy handler waits up to the busy timeout (5 s) for the write lock, but it polls:
    with 4-8 busy writers one of them can keep losing the lock to the others and give up
    ("database is locked": 4 in 174,000 saves). PostgreSQL reports deadlocks and
    serialization failures the same way. Both are a lost race, not a fault: the same
    transaction, run again after a short randomised pause, succeeds. The transaction is
    rolled back before it is retried (``write_connection`` leaves nothing behind), so
    ``operation`` must be the whole transaction. Anything else, and a conflict that lasts
    longer than ``limit`` (:data:`LOCK_RETRY_SECONDS`), is raised.
    """
    deadline = time.monotonic() + (LOCK_RETRY_SECONDS if limit is None else limit)
    pause = 0.02
    while True:
        try:
            return operation()
        except IntegrityError:
            raise
        except DBAPIError as exc:
            if not is_lock_conflict(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause * random.uniform(0.5, 1.5))
        pause = min(pause * 2, 0.25)  # short: a long sleep lets the other writers take the lock again


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row a single-row INSERT wrote."""
    key = result.inserted_primary_key
    if key is None:  # SQLAlchemy gives none after an executemany: a caller's mistake, not the database's
        raise TypeError("inserted_id: the INSERT wrote several rows")
    return int(key[0])


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A Core connection in a write transaction (BEGIN IMMEDIATE on SQLite), committed on exit."""
    with engine.connect() as plain:
        connection = writing(plain)
        with connection.begin():
            yield connection


def at_head(engine: Engine) -> bool:
    """True when the database is at the head revision of the migration files, read with one
    query and without Alembic; False when Alembic must decide (no schema yet, an older or a
    newer revision, a chain this cannot read: ``annotator.core.revision``)."""
    from annotator.core.revision import head_from_files

    head = head_from_files()
    if head is None:
        return False
    with engine.connect() as connection:
        try:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        except DBAPIError as exc:  # no such table: a new database
            if storage_problem(exc) is not None:
                raise
            return False
    return [tuple(row) for row in rows] == [(head,)]


def open_database(
    db: str | None = None, *, create: bool = True, synchronous: str | None = None, upgrade: bool = True
) -> Engine:
    """Open (and if needed create or upgrade) a project database.

    Raises UserError when the file is not a database, is missing and ``create`` is false,
    or was written by a newer annotator. ``upgrade=False`` leaves the schema as it is
    (``annotator check`` reports the revision instead of changing it).
    """
    target = resolve_db(db)
    if "://" not in target:
        path = Path(target).expanduser()
        if path.is_dir():
            raise UserError(f"{path}: is a directory, not a database file")
        kind = not_regular(path.stat().st_mode) if path.exists() else None
        if kind is not None:  # SQLite would call a pipe or a device "disk I/O error": check the disk, wrongly
            raise UserError(f"{path}: {kind}, not a database file")
        if not path.exists() and not create:
            raise UserError(f"{path}: no database here yet (run `annotator import` or `annotator init` first)")
        if not create and path.stat().st_size == 0:
            # opening it would write SQLite's header into it (WAL): a reader must leave it as it is
            raise UserError(f"{path}: an empty file, not a database yet (`annotator import` or `init` makes one)")
        if path.exists() and path.stat().st_size > 0:
            with path.open("rb") as handle:
                if handle.read(16) != b"SQLite format 3\x00":
                    raise UserError(f"{path}: not an SQLite database")
    engine = create_db_engine(target, synchronous=synchronous)
    if not upgrade:
        return engine
    try:
        if not at_head(engine):
            from annotator.core import migrate  # local: Alembic import is slow, keep it off light paths

            migrate.upgrade_to_head(engine)
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        if storage_problem(exc) is not None:
            raise  # disk full, locked, server down...: the caller words it (storage_errors)
        reason = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
        raise UserError(f"{display_url(target)}: cannot open database: {redact(reason.splitlines()[0])}") from exc
    except Exception:
        engine.dispose()
        raise
    return engine
