"""Our JSONL read with sqlite3 (annotator.core.exporting.sqlite) is the SQLAlchemy export's bytes.

The CLI exports an SQLite file at the head revision without SQLAlchemy; every export here
is written both ways from the same file and compared byte for byte, with the summaries.
Anything else (a missing file, not SQLite, another revision, a URL) is left to the
SQLAlchemy path, which says what it always said.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from annotator.core import exporting
from annotator.core.errors import UserError
from annotator.core.exporting import export_dataset, export_sqlite_jsonl
from annotator.core.exporting.sqlite import ACTIVE_SCHEMA_KEY, open_for_export
from tests.conftest import run_cli_process
from tests.test_export_lines import _awkward_project, _same_summary


def _sqlite3_export(db_path: str, path: Path, **options: Any) -> Any:
    source = open_for_export(db_path)
    assert source is not None
    return export_sqlite_jsonl(source, path, **options)


def _files(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {child.name: child.read_bytes() for child in sorted(path.iterdir())}
    return {path.name: path.read_bytes()}


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"gold": "unanimous"},
        {"gold": "adjudicated", "only_gold": True},
        {"only_gold": True},
        {"annotators": ["ola", 'zo"fia\\']},
        {"annotators": ["amal,ola"], "documents": ["pl-policy", 'odd "name" \\ ل']},
        {"ratios": (0.34, 0.33, 0.33), "seed": 3},
        {"ratios": (0.5, 0.25, 0.25), "split_files": True},
        {"batch": 1},
        {"batch": 2, "only_gold": True, "gold": "unanimous"},
    ],
)
def test_the_sqlite3_export_writes_the_sqlalchemy_bytes(
    sqlite_engine: Engine, db_path: str, tmp_path: Path, options: dict[str, Any]
) -> None:
    _awkward_project(sqlite_engine)
    split_files = options.get("split_files", False)
    ours = tmp_path / ("a" if split_files else "a.jsonl")
    theirs = tmp_path / ("b" if split_files else "b.jsonl")
    fast = _sqlite3_export(db_path, ours, **options)
    slow = export_dataset(sqlite_engine, theirs, "jsonl", **options)
    assert _files(ours) == {name.replace("b.jsonl", "a.jsonl"): data for name, data in _files(theirs).items()}
    _same_summary(fast, slow)
    assert (fast.schema_ref, fast.gold_policy, fast.format) == (slow.schema_ref, slow.gold_policy, slow.format)
    assert fast.sentences > 0


def test_documents_in_keyset_pages_and_large_documents_in_idx_pages(
    sqlite_engine: Engine, db_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _awkward_project(sqlite_engine)
    whole = export_dataset(sqlite_engine, tmp_path / "whole.jsonl", "jsonl")
    monkeypatch.setattr(exporting.common, "DOC_BATCH", 2)
    for batch in (1, 3, 5):
        _sqlite3_export(db_path, tmp_path / f"s{batch}.jsonl", batch=batch)
        assert (tmp_path / f"s{batch}.jsonl").read_bytes() == (tmp_path / "whole.jsonl").read_bytes()
    assert whole.sentences > 5


def test_unknown_names_are_the_same_one_line_errors(sqlite_engine: Engine, db_path: str, tmp_path: Path) -> None:
    _awkward_project(sqlite_engine)
    for options in ({"annotators": ["nobody"]}, {"documents": ["nowhere"]}, {"gold": "loudest"}):
        with pytest.raises(UserError) as slow:
            export_dataset(sqlite_engine, tmp_path / "x.jsonl", "jsonl", **options)
        with pytest.raises(UserError) as fast:
            _sqlite3_export(db_path, tmp_path / "y.jsonl", **options)
        assert str(fast.value) == str(slow.value)
    assert not list(tmp_path.glob("*.jsonl"))


def test_a_project_without_schema_names_the_default_one(sqlite_engine: Engine, db_path: str, tmp_path: Path) -> None:
    _awkward_project(sqlite_engine)
    with sqlite_engine.begin() as connection:
        connection.execute(text("DELETE FROM setting WHERE key = :k"), {"k": ACTIVE_SCHEMA_KEY})
    fast = _sqlite3_export(db_path, tmp_path / "a.jsonl")
    slow = export_dataset(sqlite_engine, tmp_path / "b.jsonl", "jsonl")
    assert fast.schema_ref == slow.schema_ref
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_what_sqlite3_does_not_open_is_left_to_sqlalchemy(sqlite_engine: Engine, db_path: str, tmp_path: Path) -> None:
    _awkward_project(sqlite_engine)
    (tmp_path / "notes.txt").write_text("not a database\n", encoding="utf-8")
    assert open_for_export(str(tmp_path / "missing.db")) is None
    assert open_for_export(str(tmp_path / "notes.txt")) is None
    assert open_for_export(f"sqlite:///{db_path}") is None
    assert open_for_export(str(tmp_path)) is None
    with sqlite_engine.begin() as connection:  # written by another version
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    assert open_for_export(db_path) is None
    with sqlite3.connect(db_path) as connection:  # the file is only read
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("ffffffffffff",)]


def test_the_cli_exports_an_sqlite_file_without_sqlalchemy(sqlite_engine: Engine, db_path: str, tmp_path: Path) -> None:
    """As a user runs it: the file, the --json summary, and no SQLAlchemy in the process."""
    _awkward_project(sqlite_engine)
    export_dataset(sqlite_engine, tmp_path / "expected.jsonl", "jsonl", gold="unanimous")
    out = tmp_path / "out.jsonl"
    check = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('loaded:', sorted(n for n in ('sqlalchemy', 'sqlmodel', 'alembic') "
        "if n in sys.modules), file=sys.stderr))\n"
        "from annotator.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", check, "export", "--db", db_path, "-o", str(out), "--gold", "unanimous", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "loaded: []" in result.stderr
    assert out.read_bytes() == (tmp_path / "expected.jsonl").read_bytes()
    summary = json.loads(result.stdout)
    assert summary["sentences"] == len(out.read_bytes().splitlines()) and summary["schema"] == "privacy@1"
    # another format takes the SQLAlchemy path, and a missing file is still refused in one line
    csv = run_cli_process("export", "--db", db_path, "--format", "csv", "-o", str(tmp_path / "x.csv"))
    assert csv.returncode == 0, csv.stderr
    missing = run_cli_process("export", "--db", str(tmp_path / "nothing.db"), "-o", str(tmp_path / "y.jsonl"))
    assert missing.returncode == 2 and "no database here yet" in missing.stderr
    assert "Traceback" not in missing.stderr
