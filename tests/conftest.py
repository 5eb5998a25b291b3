"""Shared fixtures: databases (SQLite file per test; PostgreSQL when the server is up) and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Rich reads the terminal width when its consoles are created (at import): make it wide
# enough that CLI output is not wrapped mid-word in assertions.
os.environ.setdefault("COLUMNS", "200")

import pytest
from sqlalchemy import Engine, create_engine, text

from annotator.core.db import open_database

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PG_ADMIN_URL = os.environ.get("ANNOTATOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


POSTGRES = _postgres_available()


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "annotations.db")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not POSTGRES:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 in CI")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = f"annotator_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on the embedded SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "annotations.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def engine(any_db: str) -> Iterator[Engine]:
    engine = open_database(any_db)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(db_path: str) -> Iterator[Engine]:
    engine = open_database(db_path)
    yield engine
    engine.dispose()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run the CLI in-process as a user would type it: cli("import", "seeds/", "--db", path)."""
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> CliResult:
        from annotator.cli import main

        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def run_cli_process(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a subprocess (for start-up, exit codes, raw bytes)."""
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        cwd=cwd,
        timeout=120,
    )
