"""`.ci/start-postgres`: CI gets a running PostgreSQL or fails, in one line that says why.

Driven with stand-in `pg_isready` / `pg_ctlcluster` programs on a PATH of their own, so the
real server is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / ".ci" / "start-postgres"
TOOLS = ("bash", "ls", "sort", "tail", "seq", "sleep", "touch", "test")


def _bin(tmp_path: Path, **fakes: str) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        if found:
            (folder / tool).symlink_to(found)
    for name, body in fakes.items():
        fake = folder / name
        fake.write_text(f"#!{shutil.which('bash')}\n{body}\n")
        fake.chmod(0o755)
    return folder


def _run(tmp_path: Path, folder: Path, conf: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(folder), "PG_CONF_DIR": str(conf), "PG_START_WAIT": "2", "HOME": str(tmp_path)}
    return subprocess.run(
        [str(folder / "bash"), str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30, cwd=tmp_path
    )


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    folder = tmp_path / "etc-postgresql"
    (folder / "15" / "main").mkdir(parents=True)
    return folder


def test_a_running_server_is_left_alone(tmp_path: Path, conf: Path) -> None:
    folder = _bin(tmp_path, pg_isready="exit 0", pg_ctlcluster=f"touch {tmp_path}/started; exit 0")
    result = _run(tmp_path, folder, conf)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "started").exists()


def test_a_stopped_server_is_started_and_waited_for(tmp_path: Path, conf: Path) -> None:
    folder = _bin(
        tmp_path,
        pg_isready=f'test -e "{tmp_path}/started"',
        pg_ctlcluster=f'[ "$2" = 15 ] && [ "$4" = start ] && touch "{tmp_path}/started"',
    )
    result = _run(tmp_path, folder, conf)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "started").exists()


@pytest.mark.parametrize(
    ("fakes", "clusters", "says"),
    [
        ({}, True, "PostgreSQL is not installed"),
        ({"pg_isready": "exit 2", "pg_ctlcluster": "exit 0"}, False, "no PostgreSQL cluster under"),
        ({"pg_isready": "exit 2", "pg_ctlcluster": "exit 1"}, True, "'pg_ctlcluster 15 main start' failed"),
        ({"pg_isready": "exit 2", "pg_ctlcluster": "exit 0"}, True, "does not answer on 127.0.0.1:5432 after 2s"),
    ],
    ids=["not-installed", "no-cluster", "start-fails", "never-answers"],
)
def test_no_server_fails_ci_in_one_line(
    tmp_path: Path, conf: Path, fakes: dict[str, str], clusters: bool, says: str
) -> None:
    if not clusters:
        shutil.rmtree(conf / "15")
    result = _run(tmp_path, _bin(tmp_path, **fakes), conf)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], result.stderr


def test_ci_run_uses_it_and_sets_ci() -> None:
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash .ci/start-postgres" in run and "export CI=1" in run
    assert "|| true" not in run
    assert os.access(SCRIPT, os.X_OK)
