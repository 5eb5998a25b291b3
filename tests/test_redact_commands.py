"""No command prints a database password: every command that takes --db, on a live
PostgreSQL project and on the error paths (server unreachable, no such database), with the
password in the URL's user part (``user:secret@``) and as a query parameter (``?password=``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN_URL, POSTGRES, SEEDS

SECRET = "secret-Pa55"
HOST = "127.0.0.1:5432"
DOC = "004_07191d38325b842d.txt"


def _url(form: str, host: str, database: str) -> str:
    if form == "userinfo":
        return f"postgresql://postgres:{SECRET}@{host}/{database}"
    return f"postgresql://postgres@{host}/{database}?sslmode=prefer&password={SECRET}"


@pytest.fixture(scope="module")
def project() -> Iterator[str]:
    """A PostgreSQL project (documents, a plan, decisions none yet) shared by the module's tests."""
    if not POSTGRES:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = f"annotator_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        from annotator.core.assignment.assigning import assign
        from annotator.core.db import open_database
        from annotator.core.importing import import_paths

        engine = open_database(f"postgresql://postgres@{HOST}/{name}")
        import_paths(engine, [SEEDS / DOC])
        assign(engine, mode="static", annotators=["amal", "piotr"], per_item=2, overlap=0.5, seed=1)
        engine.dispose()
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# {copy} is a fresh file path, {doc} the imported document.
LIVE = [
    ["init"],
    ["import", "{doc}"],
    ["stats"],
    ["stats", "--json"],
    ["stats", "--time"],
    ["stats", "--time", "--json"],
    ["sentences", DOC.removesuffix(".txt"), "--json"],
    ["check"],
    ["check", "--json"],
    ["assign", "--annotators", "amal,piotr"],
    ["assignments"],
    ["assignments", "--json"],
    ["agreement"],
    ["agreement", "--json"],
    ["gold"],
    ["export", "-o", "{copy}.jsonl", "--json"],
    ["copy", "--to", "{copy}"],
    ["copy", "--to", "{copy}", "--json"],
    ["copy", "--from", "{copy}"],  # refused: the project's database is not empty
    ["copy", "--to", "{db}"],  # refused: the same database
    ["backup", "{copy}"],  # refused: PostgreSQL's is pg_dump, and the hint shows the URL
    ["labels"],
    ["model", "show"],
]
FAILING = [["init"], ["stats"], ["check"], ["check", "--json"], ["copy", "--to", "{copy}"], ["annotate"], ["export"]]


def _run(cli, args: list[str], db: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    copy = str(tmp_path / f"copy-{uuid.uuid4().hex[:6]}.db")
    if args[:2] == ["copy", "--from"]:  # its source must exist: a project copied out first
        assert cli("copy", "--to", copy, "--db", db).code == 0
    filled = [a.format(copy=copy, doc=SEEDS / DOC, db=db) for a in args]
    return cli(*filled, "--db", db)


@pytest.mark.postgres
@pytest.mark.parametrize("form", ["userinfo", "query"])
@pytest.mark.parametrize("args", LIVE, ids=" ".join)
def test_no_command_prints_the_password(project: str, form: str, args: list[str], tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    url = _url(form, HOST, project)
    result = _run(cli, args, url, tmp_path)
    assert SECRET not in result.out and SECRET not in result.err, result.out + result.err
    assert result.code in (0, 2), result.err  # refused ones are one-line errors, never internal ones
    if args[0] in ("copy", "check", "init"):  # these name the database: masked, not left out
        shown = result.out + result.err
        assert "postgres:***@" in shown or "password=***" in shown, shown


@pytest.mark.parametrize("form", ["userinfo", "query"])
@pytest.mark.parametrize(
    "where",
    [
        pytest.param(("127.0.0.1:9", "annotations"), id="unreachable"),  # port 9: nothing listens
        pytest.param((HOST, "no_such_database_here"), id="no-database", marks=pytest.mark.postgres),
    ],
)
@pytest.mark.parametrize("args", FAILING, ids=" ".join)
def test_errors_never_print_the_password(  # type: ignore[no-untyped-def]
    form: str, where: tuple[str, str], args: list[str], tmp_path: Path, cli
) -> None:
    if where[0] == HOST and not POSTGRES:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    url = _url(form, *where)
    result = _run(cli, args, url, tmp_path)
    assert result.code != 0
    assert SECRET not in result.out and SECRET not in result.err, result.out + result.err
    assert "internal error" not in result.err, result.err


@pytest.mark.parametrize("form", ["userinfo", "query"])
@pytest.mark.parametrize("args", FAILING, ids=" ".join)
def test_a_mistyped_scheme_is_one_line_without_the_password(form: str, args: list[str], tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    url = _url(form, HOST, "annotations").replace("postgresql://", "postgresq://")
    result = _run(cli, args, url, tmp_path)
    assert result.code == 2, result.err
    assert SECRET not in result.out and SECRET not in result.err
    (line,) = result.err.strip().splitlines()
    assert ": unknown database scheme 'postgresq'" in line and "postgresql://" in line  # the URL's colon kept
    assert "postgresq://postgres:***@" in line or "password=***" in line  # masked, not left out
