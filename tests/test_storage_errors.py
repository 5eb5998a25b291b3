"""Storage failures reach the user as one line that says what happened and what to do.

The failures are real: SQLite refusing to grow a database (SQLITE_FULL, the code a full
disk gives), a full tmpfs when the tests may mount one, a read-only database, a lock held
by another connection, a damaged file; PostgreSQL refusing connections, a fake server that
accepts and never answers, a statement stuck behind a lock past its statement timeout.
"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

import annotator.core.db as db_module
from annotator.core.db import create_db_engine, open_database
from annotator.core.errors import UserError
from annotator.core.importing import import_paths
from tests.conftest import SEEDS, run_cli_process

SEED = SEEDS / "004_07191d38325b842d.txt"


def storage_problem(error: BaseException):  # type: ignore[no-untyped-def]
    # imported here, not at the top: the command-level tests below must run (and fail for
    # the right reason) on a version without this module
    from annotator.core.storage_errors import storage_problem as classify

    return classify(error)


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "internal error" not in err and "sqlalche.me" not in err and "Traceback" not in err, err
    return lines[0]


def _big_text(path: Path, sentences: int = 3000) -> Path:
    path.write_text(" ".join(f"Sentence {i} says we share your data with partners." for i in range(sentences)))
    return path


@pytest.fixture
def no_growth() -> Iterator[None]:
    """Every SQLite connection opened meanwhile may not grow its database: SQLITE_FULL."""

    def limit(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        if isinstance(dbapi_connection, sqlite3.Connection):
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(Engine, "connect", limit)
    try:
        yield
    finally:
        event.remove(Engine, "connect", limit)


# -- the classification, from errors the drivers really raise ---------------------------------


def test_real_sqlite_errors_are_classified(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("CREATE TABLE t (x)")
    con.execute("PRAGMA max_page_count = 2")
    with pytest.raises(sqlite3.OperationalError) as full:
        con.execute("INSERT INTO t VALUES (randomblob(100000))")
    con.execute("PRAGMA max_page_count = 100000")
    con.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as locked:
        other.execute("BEGIN IMMEDIATE")
    con.execute("COMMIT")
    read_only = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as readonly:
        read_only.execute("INSERT INTO t VALUES (1)")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(sqlite3.DatabaseError) as notadb:
        sqlite3.connect(garbage).execute("SELECT * FROM sqlite_master")
    with pytest.raises(sqlite3.OperationalError) as cannot_open:
        sqlite3.connect(tmp_path / "missing" / "x.db")

    kinds = {
        name: storage_problem(caught.value)
        for name, caught in {
            "full": full,
            "locked": locked,
            "readonly": readonly,
            "notadb": notadb,
            "cannot_open": cannot_open,
        }.items()
    }
    assert {name: problem.kind if problem else None for name, problem in kinds.items()} == {
        "full": "disk_full",
        "locked": "locked",
        "readonly": "read_only",
        "notadb": "corrupt",
        "cannot_open": "cannot_open",
    }
    assert kinds["full"] is not None and kinds["full"].detail == "database or disk is full"
    assert kinds["locked"] is not None and kinds["locked"].transient
    assert kinds["notadb"] is not None and not kinds["notadb"].rerun  # running it again will not help
    assert storage_problem(ValueError("a bug")) is None
    assert storage_problem(KeyError("database is locked")) is None  # words alone are not enough


def test_sqlalchemy_wrapped_errors_name_the_database(tmp_path: Path) -> None:
    engine = create_db_engine(str(tmp_path / "a.db"))
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")
        connection.commit()
    engine.dispose()
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA max_page_count = 1")
        with pytest.raises(Exception) as caught:
            connection.exec_driver_sql("INSERT INTO t VALUES (randomblob(100000))")
    problem = storage_problem(caught.value)
    assert problem is not None and problem.kind == "disk_full"
    assert problem.where == str(tmp_path / "a.db")
    assert problem.line() == (
        f"{tmp_path / 'a.db'}: the disk is full (database or disk is full); "
        "free space on the disk that holds the database, then run the command again"
    )


@pytest.mark.parametrize(
    ("number", "kind"),
    [(errno.ENOSPC, "disk_full"), (errno.EROFS, "read_only"), (errno.EACCES, "permission"), (errno.EIO, "io_error")],
)
def test_os_errors_are_classified(number: int, kind: str) -> None:
    problem = storage_problem(OSError(number, os.strerror(number), "/data/out.jsonl"))
    assert problem is not None and problem.kind == kind and problem.where == "/data/out.jsonl"
    assert storage_problem(OSError(errno.ENOENT, "No such file or directory")) is None


# -- every command, on SQLite ---------------------------------------------------------------


def test_import_onto_a_full_database_says_so_in_one_line(cli, tmp_path: Path, no_growth: None) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "a.db")
    engine = open_database(db)
    engine.dispose()
    result = cli("import", str(_big_text(tmp_path / "big.txt")), "--db", db)
    assert result.code == 2
    line = _one_line(result.err)
    assert line.startswith(f"error: {db}: the disk is full (database or disk is full)")
    assert "free space on the disk that holds the database, then run the command again" in line


def _can_mount() -> bool:
    return sys.platform == "linux" and os.geteuid() == 0 and Path("/bin/mount").exists()


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 512 KB file system (tmpfs), where the tests may mount one (root on Linux)."""
    if not _can_mount():
        pytest.skip("mounting a small tmpfs needs root on Linux")
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _fill(disk: Path, leave: int = 0) -> Path:
    """Fill the disk, up to ``leave`` bytes."""
    filler = disk / f"filler{leave or ''}"
    stats = os.statvfs(disk)
    with filler.open("wb", buffering=0) as out:
        out.write(b"\0" * max(0, stats.f_bavail * stats.f_frsize - leave))
        if not leave:
            with pytest.raises(OSError, match="No space left"):
                while True:
                    out.write(b"\0" * 4096)
    return filler


def test_import_and_export_onto_a_really_full_disk(tiny_disk: Path, tmp_path: Path) -> None:
    db = tiny_disk / "a.db"
    first = run_cli_process("import", str(SEED), "--db", str(db))
    assert first.returncode == 0, first.stderr
    room = _fill(tiny_disk, leave=64 * 1024)
    full = run_cli_process("import", str(_big_text(tmp_path / "big.txt", 3000)), "--db", str(db))
    room.unlink()
    assert full.returncode == 2
    line = _one_line(full.stderr)
    assert f"{db}: the disk is full" in line and "free space" in line
    # Full to the last byte, SQLite cannot even make the files it reads through (it says
    # "disk I/O error"): we say what is really wrong.
    filler = _fill(tiny_disk)
    stats = run_cli_process("stats", "--db", str(db))
    assert stats.returncode == 2 and "the disk is full" in _one_line(stats.stderr)
    filler.unlink()
    stats = run_cli_process("stats", "--json", "--db", str(db))
    assert stats.returncode == 0 and '"documents": 1' in stats.stdout  # the failed import left nothing half
    # an export onto the full disk fails in one line and leaves no empty folder behind
    other = tmp_path / "b.db"
    engine = open_database(str(other))
    import_paths(engine, [SEED])
    engine.dispose()
    _fill(tiny_disk)
    target = tiny_disk / "exports" / "v1"
    export = run_cli_process("export", "--db", str(other), "-o", str(target), "--split", "0.8,0.1,0.1", "--split-files")
    assert export.returncode == 2
    line = _one_line(export.stderr)
    assert "the disk is full (No space left on device)" in line and "free space" in line
    assert not (tiny_disk / "exports").exists()
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["a.db", "filler"]


def test_a_read_only_database_says_so(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "a.db"
    assert cli("import", str(SEED), "--db", str(db)).code == 0
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"
    result = cli("import", str(_big_text(tmp_path / "big.txt", 50)), "--db", read_only)
    assert result.code == 2
    line = _one_line(result.err)
    assert "the database cannot be written (attempt to write a readonly database)" in line
    assert "check the permissions of the file and of its folder" in line
    assert cli("stats", "--db", read_only).code == 0  # reading still works


def test_a_lock_held_too_long_says_so(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "a.db"
    assert cli("import", str(SEED), "--db", str(db)).code == 0
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing for a long time
    try:
        result = cli("import", str(_big_text(tmp_path / "big.txt", 50)), "--db", str(db))
        stats = cli("stats", "--db", str(db))  # a reader is not blocked by the writer
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.code == 2
    line = _one_line(result.err)
    assert f"{db}: the database is locked by another writer (database is locked)" in line
    assert stats.code == 0 and "documents" in stats.out


def test_a_damaged_database_says_to_restore_a_backup(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "a.db"
    assert cli("import", str(SEED), "--db", str(db)).code == 0
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything into the main file
    size = db.stat().st_size
    with db.open("r+b") as handle:  # keep the first page (the header and the table list), ruin the rest
        handle.seek(4096)
        handle.write(b"\xff" * (size - 4096))
    result = cli("sentences", "--db", str(db))
    assert result.code == 2
    line = _one_line(result.err)
    assert "the database file is damaged" in line and "annotator backup" in line
    assert "run the command again" not in line


# -- PostgreSQL: unreachable, silent, stalled -------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


COMMANDS = [
    ["init"],
    ["import", str(SEED)],
    ["sentences"],
    ["stats"],
    ["agreement"],
    ["export", "-o", "out.jsonl"],
    ["annotate", "--annotator", "amal"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_every_command_says_the_server_cannot_be_reached(cli, command: list[str], tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    url = f"postgresql://nobody@127.0.0.1:{_closed_port()}/annotations"
    result = cli(*command, "--db", url)
    assert result.code == 2
    line = _one_line(result.err)
    assert line.startswith(f"error: {url}: cannot connect to the database server")  # the URL as given
    assert "Connection refused" in line
    assert "check the host and port in the URL" in line


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never says a word (a stalled PostgreSQL)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(5)
        for connection in accepted:
            connection.close()
        listener.close()


def test_a_server_that_never_answers_times_out(silent_server: int) -> None:
    started = time.monotonic()
    done = run_cli_process(
        "stats",
        "--db",
        f"postgresql://postgres@127.0.0.1:{silent_server}/test",
        env={"ANNOTATOR_PG_CONNECT_TIMEOUT": "2"},
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert "cannot connect to the database server (connection timeout expired)" in line
    assert elapsed < 30  # 2 s, and the start-up of the process; without a timeout: forever


def test_connect_and_statement_timeouts_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    url = make_url("postgresql+psycopg://u@h/db")
    bare, args = db_module.postgres_connect_args(url)
    assert args["connect_timeout"] == 10 and args["options"] == "-c statement_timeout=60000"
    assert args["keepalives"] == 1 and args["tcp_user_timeout"] > 0
    monkeypatch.setenv("ANNOTATOR_PG_CONNECT_TIMEOUT", "3")
    monkeypatch.setenv("ANNOTATOR_PG_STATEMENT_TIMEOUT", "1.5min")
    _, args = db_module.postgres_connect_args(url)
    assert args["connect_timeout"] == 3 and args["options"] == "-c statement_timeout=90000"
    # the URL wins over the environment; its own options are kept
    bare, args = db_module.postgres_connect_args(
        make_url("postgresql+psycopg://u@h/db?connect_timeout=4&statement_timeout=500ms&options=-c%20work_mem%3D8MB")
    )
    assert args["connect_timeout"] == 4
    assert args["options"] == "-c work_mem=8MB -c statement_timeout=500"
    assert dict(bare.query) == {}
    # a positive timeout never becomes 0 ms (PostgreSQL's "no limit"); one past its maximum is ours to refuse
    _, args = db_module.postgres_connect_args(make_url("postgresql+psycopg://u@h/db?statement_timeout=0.0004"))
    assert args["options"] == "-c statement_timeout=1"
    with pytest.raises(UserError, match="PostgreSQL takes at most 24 days"):
        db_module.postgres_connect_args(make_url("postgresql+psycopg://u@h/db?statement_timeout=1000000min"))
    monkeypatch.setenv("ANNOTATOR_PG_STATEMENT_TIMEOUT", "soon")
    with pytest.raises(UserError, match="ANNOTATOR_PG_STATEMENT_TIMEOUT='soon': expected seconds"):
        db_module.postgres_connect_args(url)


@pytest.mark.postgres
def test_a_statement_past_the_statement_timeout_fails(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTATOR_PG_STATEMENT_TIMEOUT", "0.5")
    engine = create_db_engine(pg_url)
    started = time.monotonic()
    with engine.connect() as connection, pytest.raises(Exception) as caught:
        connection.execute(text("SELECT pg_sleep(5)"))
    engine.dispose()
    assert time.monotonic() - started < 4
    problem = storage_problem(caught.value)
    assert problem is not None and problem.kind == "timeout"
    assert "canceling statement due to statement timeout" in problem.line()


@pytest.mark.postgres
def test_a_command_stuck_behind_a_lock_gives_up_after_the_statement_timeout(pg_url: str) -> None:
    assert run_cli_process("import", str(SEED), "--db", pg_url).returncode == 0
    holder = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    with holder.connect() as connection:
        connection.execute(text("LOCK TABLE document IN ACCESS EXCLUSIVE MODE"))  # a stuck session
        started = time.monotonic()
        done = run_cli_process("stats", "--db", pg_url, env={"ANNOTATOR_PG_STATEMENT_TIMEOUT": "1"})
        elapsed = time.monotonic() - started
        connection.rollback()
    holder.dispose()
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert "the database server did not answer in time (canceling statement due to statement timeout)" in line
    assert elapsed < 30


def test_a_read_only_backup_can_be_checked_and_exported(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A backup kept read-only (archived, on read-only media) is in rollback-journal mode:
    switching it to WAL on connect would write, so every command failed with "cannot be
    written", even ``check`` — the command a backup is verified with."""
    db, copy = tmp_path / "a.db", tmp_path / "copy.db"
    assert cli("import", str(SEED), "--db", str(db)).code == 0
    assert cli("backup", str(copy), "--db", str(db)).code == 0
    read_only = f"sqlite:///file:{copy}?mode=ro&uri=true"
    checked = cli("check", "--json", "--db", read_only)
    assert checked.code == 0, checked.err
    exported = cli("export", "-o", "-", "--db", read_only)
    assert exported.code == 0, exported.err
    assert exported.out.count("\n") == cli("export", "-o", "-", "--db", str(db)).out.count("\n") > 0
    written = cli("import", str(_big_text(tmp_path / "big.txt", 50)), "--db", read_only)
    assert written.code == 2
    assert "the database cannot be written (attempt to write a readonly database)" in _one_line(written.err)


def test_backup_onto_a_full_disk_says_the_disk_is_full_where_the_copy_goes(tiny_disk: Path, tmp_path: Path) -> None:
    """Room for the copy but not for the journal SQLite makes beside it: SQLite says "disk I/O
    error", which read as a failing disk to check (and the database to verify) instead of a full
    one to free space on."""
    db = tmp_path / "a.db"
    assert run_cli_process("import", str(_big_text(tmp_path / "big.txt", 300)), "--db", str(db)).returncode == 0
    assert run_cli_process("check", "--db", str(db)).returncode == 0  # checkpointed: the copy is the file's size
    spare = 16 * 1024
    _fill(tiny_disk, leave=db.stat().st_size + spare)
    target = tiny_disk / "copy.db"
    done = run_cli_process("backup", str(target), "--db", str(db))
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert f"{target}: cannot write the copy: the disk is full" in line, line
    assert "free space on the disk that holds the copy, or give another PATH" in line
    assert sorted(p.name for p in tiny_disk.iterdir()) == [f"filler{db.stat().st_size + spare}"]


def test_a_pipe_or_a_device_as_database_says_so(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """SQLite calls them "disk I/O error", which sent the user to check the disk."""
    pipe = tmp_path / "pipe.db"
    os.mkfifo(pipe)
    for db, kind in [(str(pipe), "a named pipe (FIFO)"), ("/dev/null", "a character device")]:
        for command in (["stats"], ["check"], ["import", str(SEED)]):
            result = cli(*command, "--db", db)
            assert result.code == 2
            assert _one_line(result.err) == f"error: {db}: {kind}, not a database file"
    assert pipe.is_fifo()
