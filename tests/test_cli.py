"""The CLI as a user types it: outputs, JSON shapes, exit codes, hostile text."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer

from tests.conftest import SEEDS, run_cli_process

HOSTILE = (
    "Click [@click=app.quit]here[/] or [bold]there[/bold] [link=http://evil.example]x[/link]. "
    "Title \x1b]0;pwned\x07 set. Clear \x1b[2J screen. Null \x00 byte. Flip \u202egnirts\u202c now."
)


def _commands() -> dict[tuple[str, ...], Any]:
    """Every command the Typer app registers, sub-commands included ("labels", "show")."""
    from annotator.cli.app import app

    found: dict[tuple[str, ...], Any] = {}

    def walk(command: Any, path: tuple[str, ...]) -> None:
        found[path] = command
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = _commands()


def test_version_and_help() -> None:
    result = run_cli_process("--version")
    assert result.returncode == 0 and result.stdout.startswith("annotator ")
    result = run_cli_process("--help")
    assert result.returncode == 0
    top_level = [path[0] for path in COMMANDS if len(path) == 1]
    assert len(top_level) >= 8  # init import sentences stats labels annotate agreement export
    for command in top_level:
        assert re.search(rf"^\s*{command}\b", result.stdout, re.M), f"{command} missing from --help"


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=lambda path: " ".join(path) or "annotator")
def test_every_command_has_help(cli, path: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    command = COMMANDS[path]
    result = cli(*path, "--help")
    assert result.code == 0, result.err
    assert result.out.startswith(f"Usage: {' '.join(('annotator', *path))} ")
    summary = (command.help or "").strip().splitlines()
    assert summary, f"annotator {' '.join(path)} has no help text"
    assert " ".join(summary[0].split()[:6]) in " ".join(result.out.split())
    for sub in getattr(command, "commands", {}):  # a group lists its sub-commands
        assert re.search(rf"^\s*{sub}\b", result.out, re.M)


def test_import_stats_sentences_end_to_end(cli, db_path: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("import", str(SEEDS), "--db", db_path)
    assert result.code == 0, result.err
    assert "5 documents" in result.out
    stats = json.loads(cli("stats", "--db", db_path, "--json").out)
    assert stats["documents"] == 5 and stats["sentences"] > 90 and stats["annotators"] == {}
    table = cli("stats", "--db", db_path).out
    assert "documents" in table and str(stats["sentences"]) in table

    lines = cli("sentences", "--doc", "004_07191d38325b842d", "--db", db_path, "--json").out.splitlines()
    records = [json.loads(line) for line in lines]
    assert {"doc_name", "sent_idx", "start", "end", "lang", "text"} <= set(records[0])
    assert [r["sent_idx"] for r in records] == list(range(len(records)))
    original = (SEEDS / "004_07191d38325b842d.txt").read_text(encoding="utf-8")
    assert all(original[r["start"] : r["end"]] == r["text"] for r in records)
    assert {r["lang"] for r in records} == {"pl"}


def test_stats_json_counts_annotators(cli, db_path: str) -> None:  # type: ignore[no-untyped-def]
    from annotator.core.db import open_database
    from annotator.core.decisions import Change, ensure_annotator, save_decision
    from annotator.core.repository import find_document, sentence_page
    from annotator.core.schemas import active_schema

    cli("import", str(SEEDS), "--db", db_path)
    engine = open_database(db_path)
    schema = active_schema(engine)
    rows = sentence_page(engine, find_document(engine, "004").id, 0, 3)
    amal = ensure_annotator(engine, "amal")
    save_decision(engine, schema, amal, rows[0].id, Change(labels=["data_sharing"], status="labelled"))
    save_decision(engine, schema, amal, rows[1].id, Change(status="skipped"))
    stats = json.loads(cli("stats", "--db", db_path, "--json").out)
    assert stats["annotators"]["amal"]["labelled"] == 1
    assert stats["annotators"]["amal"]["skipped"] == 1


def test_unknown_document_is_one_line_exit_2(cli, db_path: str) -> None:  # type: ignore[no-untyped-def]
    cli("import", str(SEEDS), "--db", db_path)
    result = cli("sentences", "--doc", "no-such-doc", "--db", db_path)
    assert result.code == 2
    assert result.err.strip().startswith("error: no document named 'no-such-doc'")
    assert result.err.count("\n") == 1


def test_ambiguous_document_prefix(cli, db_path: str) -> None:  # type: ignore[no-untyped-def]
    cli("import", str(SEEDS), "--db", db_path)
    result = cli("sentences", "--doc", "00", "--db", db_path)
    assert result.code == 2 and "matches several documents" in result.err


def test_hostile_text_is_printed_literally(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    # A raw NUL makes a .txt file "binary"; in JSONL it arrives escaped as \u0000 and is data.
    (folder / "[red]evil[red]\x1b[31m.txt").write_text(HOSTILE.replace("\x00", ""), encoding="utf-8")
    (folder / "more.jsonl").write_text(json.dumps({"id": "j1", "text": HOSTILE}) + "\n", encoding="utf-8")
    db = str(tmp_path / "h.db")
    result = run_cli_process("import", str(folder), "--db", db)
    assert result.returncode == 0, result.stderr
    assert "[red]evil[red]␛[31m" in result.stdout and "\x1b" not in result.stdout
    table = run_cli_process("sentences", "--db", db)
    assert table.returncode == 0
    out = table.stdout
    assert "\x1b" not in out and "\x00" not in out and "\u202e" not in out and "\x07" not in out
    assert "[@click=app.quit]" in out and "[bold]there[/bold]" in out and "[link=http://evil.example]" in out
    assert "␛]0;pwned␇" in out and "<RLO>" in out and "␀" in out
    raw = run_cli_process("sentences", "--db", db, "--json")
    texts = "".join(json.loads(line)["text"] for line in raw.stdout.splitlines())
    assert "\x1b]0;pwned\x07" in texts  # JSON keeps the data exact (escaped), for scripts
    assert "\x1b" not in raw.stdout


def test_internal_errors_have_no_traceback_without_debug(cli, db_path: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("simulated bug")

    monkeypatch.setattr("annotator.core.repository.project_stats", boom)
    monkeypatch.setattr("annotator.core.quick_stats.read_stats", boom)  # stats on SQLite reads here
    cli("import", str(SEEDS), "--db", db_path)
    result = cli("stats", "--db", db_path)
    assert result.code == 1
    assert "internal error: RuntimeError: simulated bug" in result.err and "Traceback" not in result.err


def test_db_from_environment(tmp_path: Path) -> None:
    db = str(tmp_path / "env.db")
    result = run_cli_process("import", str(SEEDS / "004_07191d38325b842d.txt"), env={"ANNOTATOR_DB": db})
    assert result.returncode == 0, result.stderr
    assert Path(db).exists()


def test_usage_errors_exit_2_with_the_reason(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("sentences", "--bogus")
    assert result.code == 2
    assert "No such option: --bogus" in result.err
    assert "internal error" not in result.err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("sentences", "--bogus"), "annotator sentences: No such option: --bogus"),
        (("import",), "annotator import: Missing argument 'paths'"),
        (("bogus",), "annotator: No such command 'bogus'"),
        (("stats", "extra"), "annotator stats: Got unexpected extra argument"),
        (("agreement", "--bootstrap", "abc"), "annotator agreement: Invalid value for '--bootstrap'"),
    ],
)
def test_usage_errors_are_one_line_naming_the_command(cli, args: tuple[str, ...], said: str) -> None:  # type: ignore[no-untyped-def]
    """Click's usage block (Usage:, Try '... --help', a boxed Error:) was four lines and more."""
    result = cli(*args)
    assert result.code == 2, result.err
    assert result.err.startswith(f"error: {said}") and result.err.count("\n") == 1, result.err
    assert "--help`)" in result.err and "Usage:" not in result.err and result.out == ""
