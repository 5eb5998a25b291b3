"""`annotator backup PATH`: a consistent copy of an SQLite project, taken while others annotate.

SQLite's online backup API copies the database page by page through its own connection.
It runs as one step: in WAL mode that is one read transaction, a consistent snapshot that
never blocks a writer (annotators keep saving; their later saves are simply not in the
copy). A step-wise copy would restart from the first page whenever someone saved, and
might never finish on a busy project.

The copy is written to a hidden temporary file beside ``PATH``, checked with
:func:`annotator.core.integrity.check_database`, switched to a rollback journal (one
self-contained file, no -wal beside it), fsynced, and only then renamed to ``PATH``: a
killed or failed backup never leaves a file that looks like a backup. An existing ``PATH``
is never overwritten.

PostgreSQL has its own tool for this (``pg_dump``); the error says how to call it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from annotator.core.db import create_db_engine
from annotator.core.errors import UserError
from annotator.core.formats.atomic import _fsync_dir, _umask
from annotator.core.integrity import IntegrityReport, check_database
from annotator.core.redact import display_url
from annotator.core.storage_errors import storage_problem


class BackupSummary(BaseModel):
    source: str
    copy_path: str = Field(serialization_alias="copy")
    bytes: int
    pages: int
    seconds: float
    check: IntegrityReport
    created_folders: list[str] = Field(default_factory=list)


def pg_dump_hint(engine: Engine, path: str | os.PathLike[str]) -> str:
    url = make_url(engine.url.render_as_string(hide_password=False)).set(drivername="postgresql")
    shown = display_url(url)  # no password, in user:pass@ or ?password= form
    return f"backup copies SQLite files; for PostgreSQL run: pg_dump --format=custom --file {os.fspath(path)} '{shown}'"


def backup_database(engine: Engine, path: str | os.PathLike[str]) -> BackupSummary:
    """Copy ``engine``'s SQLite database to ``path`` and check the copy (see the module docstring)."""
    if engine.dialect.name != "sqlite":
        raise UserError(pg_dump_hint(engine, path))
    destination = Path(path)
    source = engine.url.database or ""
    if destination.exists():
        raise UserError(f"{destination}: already exists; a backup never overwrites, choose another path")
    if destination.resolve() == Path(source).resolve():
        raise UserError(f"{destination}: that is the database itself")
    started = time.perf_counter()
    folder = destination.parent if str(destination.parent) else Path(".")
    created = [p for p in [folder, *folder.parents] if not p.exists()][::-1]
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    temporary = Path(name)
    try:
        try:
            pages = _copy(engine, temporary)
        except (sqlite3.Error, OSError) as exc:
            # the file SQLite was writing: a full disk there reads "disk I/O error" (its journal
            # could not be made), which storage_problem tells from a real I/O error by its folder
            problem = storage_problem(exc, path=str(temporary))
            todo = problem and _COPY_ADVICE.get(problem.kind, problem.todo)
            reason = f"{problem.what} ({problem.detail}); {todo}" if problem else str(exc)
            raise UserError(f"{destination}: cannot write the copy: {reason}") from exc
        checker = create_db_engine(str(temporary))
        try:
            report = check_database(checker)
        finally:
            checker.dispose()
        _single_file(temporary)  # our engine switched it to WAL: back to one self-contained file
        if any(problem.check == "storage" for problem in report.problems):
            raise UserError(f"{destination}: the copy failed SQLite's integrity check; the source may be damaged")
        with temporary.open("rb") as copied:
            os.fsync(copied.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp made it private; a copy is as readable as a new file
        os.replace(temporary, destination)
        _fsync_dir(folder)
    except BaseException:
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        for made in reversed(created):
            with contextlib.suppress(OSError):
                made.rmdir()
        raise
    report.database = str(destination)
    return BackupSummary(
        source=source,
        copy_path=str(destination),
        bytes=destination.stat().st_size,
        pages=pages,
        seconds=round(time.perf_counter() - started, 3),
        check=report,
        created_folders=[str(p) for p in created],
    )


# What to do when the copy cannot be written: the trouble is where the copy goes, not the database.
_COPY_ADVICE = {
    "disk_full": "free space on the disk that holds the copy, or give another PATH",
    "io_error": "check the disk that holds the copy, or give another PATH",
}


def _copy(engine: Engine, temporary: Path) -> int:
    """The online backup, in one step; returns the number of pages copied."""
    pooled = engine.raw_connection()
    try:
        source = pooled.driver_connection
        assert isinstance(source, sqlite3.Connection)
        target = sqlite3.connect(temporary)
        try:
            source.backup(target)  # pages=-1: everything in one step, one consistent snapshot
            pages = int(target.execute("PRAGMA page_count").fetchone()[0])
        finally:
            target.close()
    finally:
        pooled.close()
    return pages


def _single_file(path: Path) -> None:
    """Rollback-journal mode: a copy that opens anywhere without making -wal and -shm files."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
    finally:
        connection.close()
