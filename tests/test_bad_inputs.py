"""The bad-input corpus (tests/data/bad/MANIFEST.toml) through the real CLI, case by case.

Each case imports its inputs into a fresh database with ``annotator import`` and checks the
exit status, every line on stderr, and what the database holds afterwards, read back with
``annotator stats --json`` and ``annotator sentences --json``.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SEEDS, CliResult

CORPUS = Path(__file__).parent / "data" / "bad"
CASES: list[dict[str, Any]] = tomllib.loads((CORPUS / "MANIFEST.toml").read_text(encoding="utf-8"))["case"]
CHILD_TIMEOUT = 60  # seconds; a hang (a FIFO read) fails the case instead of stopping the suite


def test_the_manifest_names_every_corpus_file_and_every_finding() -> None:
    named = {Path(i).name for case in CASES for i in case.get("inputs", []) if (CORPUS / i).is_file()}
    named |= {spec.split(":", 1)[1] for case in CASES for spec in case.get("make", {}).values() if ":" in spec}
    files = {p.name for p in CORPUS.iterdir() if p.name != "MANIFEST.toml"}
    assert files <= named, f"corpus files no case uses: {sorted(files - named)}"
    assert {1, 2, 3, 8, 9, 12} <= {case["finding"] for case in CASES}
    assert len({case["id"] for case in CASES}) == len(CASES)


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A folder an unprivileged user can use too (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="annotator-bad-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o777 if path.is_dir() else 0o666)
        shutil.rmtree(folder)


def _make(folder: Path, case: dict[str, Any]) -> bool:
    """Build the case's inputs in ``folder``; True when one is unreadable (run unprivileged)."""
    unprivileged = False
    for name in case["inputs"]:
        if (CORPUS / name).is_file():
            shutil.copy(CORPUS / name, folder / name)
    for name, spec in case.get("make", {}).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.parent.chmod(0o777)
        kind, _, arg = spec.partition(":")
        if kind == "fifo":
            os.mkfifo(target)
        elif kind == "link":
            target.symlink_to(arg)
        elif kind == "copy":
            shutil.copy(CORPUS / arg, target)
        elif kind == "unreadable":
            shutil.copy(CORPUS / arg, target)
            target.chmod(0o000)
            unprivileged = True
        else:
            raise AssertionError(f"unknown make spec {spec!r}")
    return unprivileged


def _unprivileged_prefix() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    # Root reads a mode-000 file anyway; without these two capabilities it cannot. It stays
    # root otherwise, so a checkout in a private (0700) folder is still reachable.
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def _run_process(args: list[str], cwd: Path, prefix: list[str]) -> CliResult:
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "annotator", *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env={**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"},
            timeout=CHILD_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"annotator {' '.join(args)} did not finish in {CHILD_TIMEOUT} s (blocked on an input?)")
    return CliResult(done.returncode, done.stdout, done.stderr)


def _decisions(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "SELECT annotator.name, count(*) FROM annotation JOIN annotator ON annotator.id = annotation.annotator_id "
            "WHERE annotation.status IN ('labelled', 'skipped') GROUP BY annotator.name"
        ).fetchall()
    return {name: int(n) for name, n in rows}


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_bad_input(case: dict[str, Any], workdir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    unprivileged = _make(workdir, case)
    db = workdir / "annotations.db"
    args = ["import", *case["inputs"], *case.get("args", []), "--db", str(db)]
    if case.get("process") or unprivileged:
        result = _run_process(args, workdir, _unprivileged_prefix() if unprivileged else [])
    else:
        cwd = Path.cwd()
        os.chdir(workdir)  # inputs are named as a user in that folder would name them
        try:
            result = cli(*args)
        finally:
            os.chdir(cwd)

    lines = result.err.splitlines()
    assert result.code == case["exit"], result.err
    assert "Traceback" not in result.err and "Usage:" not in result.err
    for fragment in case.get("stderr", []):
        assert any(fragment in line for line in lines), f"{fragment!r} not in:\n{result.err}"
    assert len(lines) == case["stderr_lines"], result.err

    stats = json.loads(cli("stats", "--json", "--db", str(db)).out) if db.exists() else None
    assert (stats["documents"] if stats else 0) == case["documents"]
    assert (stats["sentences"] if stats else 0) == case["sentences"]
    assert (_decisions(db) if db.exists() else {}) == case["decisions"]
    if "max_sentence_chars" in case:
        sentences = [json.loads(line) for line in cli("sentences", "--json", "--db", str(db)).out.splitlines()]
        assert max(len(s["text"]) for s in sentences) <= case["max_sentence_chars"]
        assert all(s["end"] - s["start"] == len(s["text"]) for s in sentences)


def test_a_database_of_an_unknown_revision_is_refused_in_one_line(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Issue 10, finding 12: the version check is Alembic's revision, not PRAGMA user_version."""
    db = tmp_path / "annotations.db"
    assert cli("import", str(CORPUS / "good.txt"), "--db", str(db)).code == 0
    with sqlite3.connect(db) as con:
        con.execute("UPDATE alembic_version SET version_num = '0123abcd4567'")
    result = cli("import", str(CORPUS / "good.txt"), "--db", str(db))
    assert result.code == 2
    (line,) = result.err.splitlines()
    assert "0123abcd4567" in line and "newer annotator" in line


def test_a_folder_with_nothing_to_import_says_so(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An empty folder, or one of PDFs, imported nothing with exit 0 and no word; files of
    other kinds beside documents were left alone silently."""
    db = str(tmp_path / "p.db")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("import", str(empty), "--db", db)
    assert result.code == 2 and result.err.count("\n") == 1 and "no file to import" in result.err, result.err
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    for name in ("a.pdf", "b.docx"):
        (pdfs / name).write_bytes(b"%PDF-1.4")
    result = cli("import", str(pdfs), "--db", db)
    assert result.code == 2 and "2 file(s) of other kinds left alone (a.pdf, b.docx)" in result.err, result.err
    (pdfs / "news.txt").write_text("Bank shares data. Users agree.", encoding="utf-8")
    result = cli("import", str(pdfs), "--db", db)
    assert result.code == 0 and "1 documents" in result.out, result.out
    assert "2 file(s) of other kinds in the folders left alone" in result.err, result.err


@pytest.mark.parametrize("tag", ["zz!!", "", "english language", "[bold]ar"])
def test_a_lang_that_is_no_language_code_is_refused(cli, tmp_path: Path, tag: str) -> None:  # type: ignore[no-untyped-def]
    """--lang 'zz!!' was stored as every document's language (and read by the segmentation rules)."""
    db = tmp_path / "p.db"
    result = cli("import", str(SEEDS), "--db", str(db), "--lang", tag)
    assert result.code == 2 and result.err.count("\n") == 1 and "not a language code" in result.err, result.err
    assert not db.exists() or json.loads(cli("stats", "--json", "--db", str(db)).out)["documents"] == 0


def test_language_tags_are_taken(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "p.db"
    assert cli("import", str(SEEDS), "--db", str(db), "--lang", "en-GB").code == 0
    languages = json.loads(cli("stats", "--json", "--db", str(db)).out)["languages"]
    assert languages == {"en-GB": 106} or set(languages) == {"en-GB"}, languages
