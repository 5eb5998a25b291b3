"""Storage failures in words a user can act on: what happened, and what to do.

A full disk, a read-only file, a lock held too long, an I/O error, a lost or refused
PostgreSQL connection: each reaches us as a driver exception (``sqlite3`` or ``psycopg``,
usually wrapped by SQLAlchemy) or an ``OSError``. :func:`storage_problem` recognises them
by the driver's own codes (SQLite result codes, PostgreSQL SQLSTATEs, errno) and, for
drivers and tests that carry no code, by SQLite's fixed English messages. Every command
of the CLI prints :meth:`StorageProblem.line` instead of "internal error", and the TUI
shows :meth:`StorageProblem.short` in its status line (``annotator.tui.errors``).

Nothing here imports a driver: psycopg is optional, and the codes are read as attributes.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

from annotator.core.redact import redact
from annotator.core.text import visible

# SQLite primary result codes (https://sqlite.org/rescode.html); the extended code's low byte.
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_NOMEM, SQLITE_READONLY = 3, 5, 6, 7, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_PROTOCOL = 10, 11, 13, 14, 15
SQLITE_NOTADB = 26
SQLITE_READONLY_DBMOVED = 8 | (4 << 8)


@dataclass(frozen=True, slots=True)
class StorageProblem:
    """One storage failure, classified."""

    kind: str
    """disk_full, read_only, locked, io_error, corrupt, cannot_open, permission, out_of_memory,
    timeout, connection_lost, cannot_connect, server_busy, no_database, login_refused."""
    what: str
    """What happened, in a few words ("the disk is full")."""
    todo: str
    """What to do about it."""
    detail: str
    """The driver's (or the OS's) own words, first line, control characters made visible."""
    where: str | None = None
    """The database (or file) concerned, when known."""
    rerun: bool = True
    """Running the same command again can succeed once the cause is gone."""

    @property
    def transient(self) -> bool:
        """A lock or a deadlock: the same write succeeds a moment later without anyone acting."""
        return self.kind == "locked"

    def short(self) -> str:
        """For a status line: what (driver's words): what to do."""
        return f"{self.what} ({self.detail}): {self.todo}"

    def line(self) -> str:
        """For the CLI: where: what (driver's words); what to do[, then run the command again]."""
        where = f"{self.where}: " if self.where else ""
        again = ", then run the command again" if self.rerun else ""
        return f"{where}{self.what} ({self.detail}); {self.todo}{again}"


def _first_line(text: str) -> str:
    # a driver's message may quote the URL: never its password
    return visible(redact(text.strip().splitlines()[0])) if text.strip() else ""


# (kind, what, todo, rerun) by kind; messages name no command so that the CLI and the TUI share them.
_ADVICE: dict[str, tuple[str, str, bool]] = {
    "disk_full": ("the disk is full", "free space on the disk that holds the database", True),
    "read_only": (
        "the database cannot be written",
        "check the permissions of the file and of its folder (SQLite writes -wal and -shm files beside it), "
        "or work on a copy",
        True,
    ),
    "moved": ("the database file was moved or deleted while in use", "put it back where it was", True),
    "locked": (
        "the database is locked by another writer",
        "another process held the write lock too long (a large import?); wait for it to finish",
        True,
    ),
    "io_error": (
        "the disk reported an I/O error",
        "check the disk or network mount that holds the database; `annotator check` verifies the database",
        True,
    ),
    "corrupt": (
        "the database file is damaged",
        "run `annotator check` to see what is wrong, and restore the last copy made with `annotator backup`",
        False,
    ),
    "cannot_open": (
        "the database file cannot be opened",
        "check that its folder exists and that you may write in it",
        True,
    ),
    "permission": ("permission denied", "check the permissions of the file and of its folder", True),
    "out_of_memory": ("out of memory", "close other programs, or run the command on a larger machine", True),
    "timeout": (
        "the database server did not answer in time",
        "the server or a lock on it is stalled; try again later, or raise ANNOTATOR_PG_STATEMENT_TIMEOUT "
        "(or statement_timeout in the URL)",
        True,
    ),
    "connection_lost": (
        "the connection to the database server was lost",
        "check the network and that the server is running",
        True,
    ),
    "cannot_connect": (
        "cannot connect to the database server",
        "check the host and port in the URL, the network, and that the server is running "
        "(ANNOTATOR_PG_CONNECT_TIMEOUT sets how long to wait)",
        True,
    ),
    "server_busy": ("the database server has no free connection slot", "close idle sessions, or try later", True),
    "server_read_only": (
        "the database server accepts only reads",
        "point --db at the primary server, not a read-only replica",
        True,
    ),
    "server_disk_full": (
        "the database server's disk is full",
        "ask the server's administrator to free space",
        True,
    ),
    "no_database": ("the database does not exist on the server", "create it (createdb NAME) or fix the URL", False),
    "login_refused": ("the server refused the login", "check the user and password in the URL (or ~/.pgpass)", False),
}

_SQLITE_CODES: dict[int, str] = {
    SQLITE_FULL: "disk_full",
    SQLITE_READONLY: "read_only",
    SQLITE_BUSY: "locked",
    SQLITE_LOCKED: "locked",
    SQLITE_PROTOCOL: "locked",
    SQLITE_IOERR: "io_error",
    SQLITE_CORRUPT: "corrupt",
    SQLITE_NOTADB: "corrupt",
    SQLITE_CANTOPEN: "cannot_open",
    SQLITE_PERM: "permission",
    SQLITE_NOMEM: "out_of_memory",
}

# SQLite's own messages (sqlite3_errstr), for exceptions that carry no code.
_SQLITE_MESSAGES: tuple[tuple[str, str], ...] = (
    ("database or disk is full", "disk_full"),
    ("attempt to write a readonly database", "read_only"),
    ("database is locked", "locked"),
    ("database table is locked", "locked"),
    ("disk i/o error", "io_error"),
    ("database disk image is malformed", "corrupt"),
    ("file is not a database", "corrupt"),
    ("unable to open database file", "cannot_open"),
)

_SQLSTATES: dict[str, str] = {
    "53100": "server_disk_full",
    "53200": "out_of_memory",
    "53300": "server_busy",
    "57014": "timeout",  # query_canceled: statement_timeout
    "55P03": "locked",  # lock_not_available: lock_timeout
    "40P01": "locked",  # deadlock_detected
    "40001": "locked",  # serialization_failure
    "25006": "server_read_only",
    "57P01": "connection_lost",  # admin_shutdown
    "57P02": "connection_lost",  # crash_shutdown
    "57P03": "cannot_connect",  # cannot_connect_now (starting up, shutting down)
    "3D000": "no_database",
    "28P01": "login_refused",
    "28000": "login_refused",
    "42501": "permission",
}

_CONNECT_MESSAGES = ("connection refused", "timeout expired", "could not translate host name", "no route to host")
_LOST_MESSAGES = (
    "server closed the connection",
    "connection is lost",
    "consuming input failed",
    "terminating connection",
    "connection is closed",
    "ssl syscall error",
    "connection reset",
)

_ERRNOS: dict[int, str] = {
    errno.ENOSPC: "disk_full",
    errno.EDQUOT: "disk_full",
    errno.EFBIG: "disk_full",
    errno.EROFS: "read_only",
    errno.EACCES: "permission",
    errno.EPERM: "permission",
    errno.EIO: "io_error",
}
_OS_ADVICE: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("the disk is full", "free space on that disk"),
    errno.EDQUOT: ("the disk quota is exceeded", "free space within your quota"),
    errno.EFBIG: ("the file is larger than this process may write", "raise the limit (ulimit -f) or write elsewhere"),
    errno.EROFS: ("the file system is read-only", "write somewhere else"),
}


def _make(kind: str, detail: str, where: str | None) -> StorageProblem:
    what, todo, rerun = _ADVICE[kind]
    return StorageProblem(kind, what, todo, detail or what, where, rerun)


def _driver_error(error: BaseException) -> BaseException:
    """The DBAPI exception inside SQLAlchemy's wrapper (``.orig``), or the error itself."""
    orig = getattr(error, "orig", None)
    return orig if isinstance(orig, BaseException) else error


def _sqlite_kind(driver: BaseException, detail: str) -> str | None:
    code = getattr(driver, "sqlite_errorcode", None)
    if isinstance(code, int):
        if code == SQLITE_READONLY_DBMOVED:
            return "moved"
        kind = _SQLITE_CODES.get(code & 0xFF)
        if kind is not None:
            return kind
    lowered = detail.lower()
    return next((kind for message, kind in _SQLITE_MESSAGES if message in lowered), None)


def _postgres_kind(driver: BaseException, detail: str, invalidated: bool) -> str | None:
    state = getattr(driver, "sqlstate", None)
    if isinstance(state, str):
        if state in _SQLSTATES:
            return _SQLSTATES[state]
        if state.startswith("08"):  # connection_exception class
            return "connection_lost"
        return None
    if type(driver).__module__.split(".")[0] != "psycopg":
        return None
    lowered = detail.lower()
    if lowered.startswith("connection failed") or any(text in lowered for text in _CONNECT_MESSAGES):
        return "cannot_connect"
    if invalidated or any(text in lowered for text in _LOST_MESSAGES):
        return "connection_lost"
    return None


def storage_problem(error: BaseException | None, *, path: str | None = None) -> StorageProblem | None:
    """The storage failure behind ``error``, or None when it is something else (a bug).

    ``error`` may be SQLAlchemy's wrapper, the DBAPI exception itself, or an ``OSError``.
    SQLAlchemy errors raised by our engines carry the database they concern
    (``annotator.core.db`` sets it); ``OSError`` s name their file. ``path`` names the file
    for an error that does not (a raw ``sqlite3`` error, as the backup's).
    """
    if error is None:
        return None
    where = getattr(error, "annotator_database", None) or path
    if isinstance(error, OSError) and not hasattr(error, "orig"):
        kind = _ERRNOS.get(error.errno or 0)
        if kind is None:
            return None
        problem = _make(kind, error.strerror or str(error), error.filename and str(error.filename))
        if error.errno in _OS_ADVICE:
            what, todo = _OS_ADVICE[error.errno]
            problem = StorageProblem(kind, what, todo, problem.detail, problem.where)
        return problem
    driver = _driver_error(error)
    detail = _first_line(str(driver)) or type(driver).__name__
    kind = _sqlite_kind(driver, detail) if _is_sqlite(driver) else None
    if kind is None:
        kind = _postgres_kind(driver, detail, bool(getattr(error, "connection_invalidated", False)))
    if kind is None and driver is not error and not _is_sqlite(driver):
        kind = _sqlite_kind(driver, detail)  # SQLAlchemy's wrapper around a driver that gives no code
    if kind is None:
        return None
    if kind in ("io_error", "cannot_open") and _disk_is_full(where):
        kind = "disk_full"  # SQLite says "disk I/O error" when it cannot even make its -shm file
    return _make(kind, detail, where)


def _disk_is_full(where: str | None) -> bool:
    if not where or "://" in where:
        return False
    try:
        stats = os.statvfs(os.path.dirname(os.path.abspath(where)))
    except OSError:
        return False
    return stats.f_bavail == 0


def _is_sqlite(driver: BaseException) -> bool:
    return type(driver).__module__ == "sqlite3" or hasattr(driver, "sqlite_errorcode")


def is_lock_conflict(error: BaseException | None) -> bool:
    """A write that lost a race for a lock (SQLite busy past its timeout, a PostgreSQL deadlock or
    serialization failure): the same write will succeed if tried again."""
    problem = storage_problem(error)
    return problem is not None and problem.transient
