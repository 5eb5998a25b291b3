"""Where `annotator export` writes: `-o -` is standard output, missing folders are created and
said, and a failed export leaves no folder behind. The real command, in a subprocess."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.db import open_database
from annotator.core.importing import import_paths
from tests.conftest import SEEDS, run_cli_process


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds plus a 2,000-sentence document: an export of about 700 KB."""
    folder = tmp_path_factory.mktemp("export-output")
    text = folder / "long.txt"
    text.write_text("\n".join(f"Sentence {i} says that we share your data with partners." for i in range(2000)))
    db = folder / "a.db"
    engine = open_database(str(db))
    import_paths(engine, [SEEDS, text])
    engine.dispose()
    return db


def test_dash_writes_the_records_to_stdout_and_the_summary_to_stderr(big_db: Path, tmp_path: Path) -> None:
    to_file = run_cli_process("export", "--db", str(big_db), "-o", str(tmp_path / "file.jsonl"))
    assert to_file.returncode == 0, to_file.stderr
    to_stdout = run_cli_process("export", "--db", str(big_db), "-o", "-", cwd=tmp_path)
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert to_stdout.stdout == (tmp_path / "file.jsonl").read_text(encoding="utf-8")  # records only
    assert all(json.loads(line)["id"] for line in to_stdout.stdout.splitlines())
    assert "Exported" in to_stdout.stderr and "standard output" in to_stdout.stderr
    assert "2,106 from 6 documents" in to_stdout.stderr
    assert not (tmp_path / "-").exists()  # not a file named "-"


@pytest.mark.parametrize("name", ["/dev/stdout", "/proc/self/fd/1"])
def test_dev_stdout_is_dash(big_db: Path, tmp_path: Path, name: str) -> None:
    """-o /dev/stdout wrote the records and then the summary table into the same stream."""
    expected = run_cli_process("export", "--db", str(big_db), "-o", "-", cwd=tmp_path)
    result = run_cli_process("export", "--db", str(big_db), "-o", name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected.stdout  # the records alone
    assert "Exported" in result.stderr and "standard output" in result.stderr


def test_dash_with_json_keeps_the_summary_off_stdout(big_db: Path, tmp_path: Path) -> None:
    done = run_cli_process("export", "--db", str(big_db), "-o", "-", "--format", "csv", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("\ufeffid,doc_id,")  # the CSV itself
    summary = json.loads(done.stderr)
    assert summary["path"] == "-" and summary["files"] == [] and summary["sentences"] == 2106


@pytest.mark.parametrize(
    ("options", "said"),
    [(["--format", "doccano"], "doccano writes several files"), (["--split", "0.5,0.5,0", "--split-files"], "")],
)
def test_dash_refuses_what_writes_several_files(big_db: Path, tmp_path: Path, options: list[str], said: str) -> None:
    done = run_cli_process("export", "--db", str(big_db), "-o", "-", *options, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "cannot write to standard output; give -o a path" in done.stderr and said in done.stderr


def test_a_reader_that_stops_early_ends_the_export_quietly(big_db: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "annotator", "export", "--db", str(big_db), "-o", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # `| head -1`
    err = process.stderr.read().decode()
    process.wait(60)
    assert json.loads(first)["id"]
    assert process.returncode == 141
    assert "Traceback" not in err and "Exception ignored" not in err and "error" not in err, err


def test_a_missing_folder_is_created_and_said(big_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "exports" / "v1" / "data.jsonl"
    done = run_cli_process("export", "--db", str(big_db), "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert target.exists()
    assert "created" in done.stdout and f"{tmp_path / 'exports'}, {tmp_path / 'exports' / 'v1'}" in done.stdout
    again = run_cli_process("export", "--db", str(big_db), "-o", str(target.with_name("b.jsonl")), "--json")
    assert json.loads(again.stdout)["created_folders"] == []  # nothing new this time


def _file_size_limit(limit: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        # Python ignores SIGXFSZ: a write past the limit fails with EFBIG, like a quota.
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_failed_split_export_leaves_no_empty_folder(big_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "exports" / "splits"
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "export", "--db", str(big_db), "-o", str(target)]
        + ["--split", "0.8,0.1,0.1", "--split-files"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_file_size_limit(256 * 1024),  # the train file needs more than that
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and "cannot write: the file is larger than this process may write (File too large)" in lines[0]
    )
    assert not (tmp_path / "exports").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["export -o", "backup"])
def test_an_unreadable_output_path_is_our_one_line_not_a_usage_error(
    big_db: Path, tmp_path: Path, command: str
) -> None:
    """Typer's own check of an existing path used to answer with its multi-line usage block."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o000)
    # As root the mode would not matter: drop the two capabilities that let root read anything.
    unprivileged = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    if unprivileged and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a folder unreadable")
    try:
        done = subprocess.run(
            [*unprivileged, sys.executable, "-m", "annotator", *command.split(), str(locked), "--db", str(big_db)],
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
            timeout=120,
        )
    finally:
        locked.chmod(0o755)
    assert done.returncode == 2
    assert "Usage:" not in done.stderr and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"error: {locked}")


def _stats(db: Path) -> dict:  # type: ignore[type-arg]
    done = run_cli_process("stats", "--json", "--db", str(db))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_o_naming_the_database_is_refused_and_the_project_kept(big_db: Path, tmp_path: Path) -> None:
    """The export is renamed over -o at the end: `export -o annotations.db` replaced the whole
    project with a JSONL file (exit 0), and -o onto its -wal file loses what it holds."""
    db = tmp_path / "a.db"
    shutil.copy(big_db, db)
    before = _stats(db)["sentences"]
    for spelled in (db, tmp_path / "sub" / ".." / "a.db", Path(f"{db}-wal")):
        if spelled.parent.name == "sub":
            spelled.parent.mkdir(exist_ok=True)
        done = run_cli_process("export", "--db", str(db), "-o", str(spelled))
        assert done.returncode == 2, done.stdout
        (line,) = done.stderr.strip().splitlines()
        assert line == f"error: {spelled}: that is the project's database; give -o another path"
    assert _stats(db)["sentences"] == before > 2000


def test_o_naming_another_sqlite_database_is_refused(big_db: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    shutil.copy(big_db, other)
    kept = other.read_bytes()
    done = run_cli_process("export", "--db", str(big_db), "-o", str(other))
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "an SQLite database is there; an export never replaces one" in line
    assert other.read_bytes() == kept


def test_o_naming_a_named_pipe_writes_into_it(big_db: Path, tmp_path: Path) -> None:
    """A device or a FIFO at -o is written into, not replaced by a regular file (as root,
    `-o /dev/null` replaced the device node; here a reader of the pipe waited forever)."""
    pipe, received = tmp_path / "pipe", tmp_path / "received.jsonl"
    os.mkfifo(pipe)
    with received.open("wb") as sink:  # a file, not our pipe: 700 KB would fill a pipe nobody reads yet
        reader = subprocess.Popen(["cat", str(pipe)], stdout=sink)
        try:
            done = run_cli_process("export", "--db", str(big_db), "-o", str(pipe), "--json")
            reader.wait(timeout=30)
        finally:
            reader.kill()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sentences"] == len(received.read_bytes().splitlines()) > 2000
    assert pipe.is_fifo()
    several = run_cli_process("export", "--db", str(big_db), "-o", str(pipe), "--format", "doccano")
    assert several.returncode == 2
    assert (
        several.stderr.strip() == f"error: {pipe}: not a regular file or folder, and this export writes several files"
    )
