"""Passwords in database URLs never appear in output or errors (masked as ***)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.redact import display_url, redact
from tests.conftest import SEEDS, run_cli_process

SECRET = "Pa55-w0rd"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://amal:Pa55-w0rd@db.example.org:5432/ann", "postgresql://amal:***@db.example.org:5432/ann"),
        (
            "error: postgresql+psycopg://amal:Pa55-w0rd@h/db: refused",
            "error: postgresql+psycopg://amal:***@h/db: refused",
        ),
        ("postgresql://amal:Pa55@w0rd@h/db", "postgresql://amal:***@h/db"),  # an unencoded @ in the password
        (
            "postgresql://amal@h/db?sslmode=require&password=Pa55-w0rd",
            "postgresql://amal@h/db?sslmode=require&password=***",
        ),
        ("postgresql://amal@h/db", "postgresql://amal@h/db"),
        ("h/db?password=Pa55-w0rd: refused", "h/db?password=*** refused"),  # the raw value runs to a space
        ("h/db?password=***: refused", "h/db?password=***: refused"),  # masked already: its colon stays
        ("h/db?password=***Pa55-w0rd", "h/db?password=***"),
        ("annotations.db", "annotations.db"),
        ("a://u:Pa55-w0rd@h and b://v:Pa55-w0rd@k", "a://u:***@h and b://v:***@k"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown
    assert redact(shown) == shown  # masking a masked text again changes nothing (a message quoting display_url)
    assert SECRET not in display_url(text) or "://" not in text


def _no_secret(result) -> None:  # type: ignore[no-untyped-def]
    assert SECRET not in result.stdout and SECRET not in result.stderr, result.stdout + result.stderr


@pytest.mark.parametrize("debug", [[], ["--debug"]])
def test_unreachable_server_error_is_masked(debug: list[str]) -> None:
    url = f"postgresql://amal:{SECRET}@127.0.0.1:9/annotations"  # port 9: nothing listens
    result = run_cli_process(*debug, "stats", "--db", url)
    assert result.returncode != 0
    _no_secret(result)
    if not debug:
        assert "postgresql://amal:***@127.0.0.1:9/annotations: cannot connect to the database server" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("debug", [[], ["--debug"]])
def test_unparseable_url_error_is_masked(debug: list[str]) -> None:
    result = run_cli_process(*debug, "stats", "--db", f"postgresql://amal:{SECRET}@host:port/db")
    assert result.returncode != 0
    _no_secret(result)
    if not debug:
        assert result.returncode == 2
        assert "postgresql://amal:***@host:port/db: not a database path or SQLAlchemy URL" in result.stderr


@pytest.mark.postgres
def test_commands_on_a_url_with_a_password_never_print_it(pg_url: str, tmp_path: Path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # trust authentication on the test server: the password is accepted and ignored
    url = pg_url.replace("postgresql+psycopg://postgres@", f"postgresql://postgres:{SECRET}@")
    assert SECRET in url
    monkeypatch.setenv("ANNOTATOR_DB", url)
    for args in (
        ["init"],
        ["import", str(SEEDS / "004_07191d38325b842d.txt")],
        ["assign", "--annotators", "amal,piotr"],
        ["assignments"],
        ["stats", "--time"],
        ["agreement"],
        ["copy", "--to", str(tmp_path / "copy.db")],
        ["copy", "--from", str(tmp_path / "copy.db")],  # refused: not empty
        ["export", "-o", str(tmp_path / "x.jsonl"), "--json"],
    ):
        result = cli(*args)
        assert SECRET not in result.out and SECRET not in result.err, result.out + result.err
    refused = cli("copy", "--from", str(tmp_path / "copy.db"))
    assert refused.code == 2 and "postgres:***@" in refused.err
    copied = cli("copy", "--to", str(tmp_path / "again.db"))
    assert copied.code == 0 and "postgres:***@" in copied.out
