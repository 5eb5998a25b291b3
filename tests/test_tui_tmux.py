"""The real `annotator annotate` in tmux: type decisions, SIGKILL it, and check that every
decision the screen showed as saved is in the database."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotator.core.repository import annotator_id, sentence_page
from tests.tui_helpers import build_db, doc_named

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it in .ci/run)"),
]

ROW = re.compile(r"^[▶ ]\s*(\d+) ([✓↷…✗ ])")
LAST_SAVED = re.compile(r"Saved #(\d+)")
SESSION_COUNT = re.compile(r"\((\d+) this session\)")


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-u", "-L", self.socket, *args], check=True, capture_output=True, text=True, timeout=20
        ).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "annot")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "annot", *keys)

    def wait_for(self, predicate, timeout: float = 30.0) -> str:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if predicate(shown):
                return shown
            time.sleep(0.1)
        raise AssertionError(f"timed out; the screen shows:\n{shown}")


def saved_on_screen(shown: str) -> set[int]:
    """Sentence numbers the screen marks as saved (✓ labelled, ↷ skipped)."""
    return {int(m.group(1)) for line in shown.splitlines() if (m := ROW.match(line)) and m.group(2) in "✓↷"}


def test_sigkill_loses_nothing_shown_as_saved(tmp_path: Path) -> None:
    lines = [f"Zdanie numer {n} mówi o danych osobowych klientów banku." for n in range(1, 41)]
    engine = build_db(tmp_path, {"pl_long": lines})
    document = doc_named(engine, "pl_long")
    database = tmp_path / "project.db"
    engine.dispose()
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
    }
    command = " ".join(
        [
            "exec",
            "env",
            "-i",
            *(f"{key}={value!s}" for key, value in env.items()),
            sys.executable,
            "-m",
            "annotator",
            "annotate",
            "--annotator",
            "amal",
            "--doc",
            "pl_long",
            "--db",
            str(database),
        ]
    )
    tmux = Tmux(f"annotator-test-{os.getpid()}")
    tmux.run("new-session", "-d", "-s", "annot", "-x", "120", "-y", "40", command)
    try:
        tmux.wait_for(lambda s: "sentence 1 of 40" in s)
        pid = int(tmux.run("display-message", "-p", "-t", "annot", "#{pane_pid}").strip())
        # phase 1: type at full speed, wait until the screen says all are saved
        bursts = [["n"], ["f", "s", "Enter"], ["x"], ["grave"], ["2", "3", "Enter"], ["n"]]
        for keys in bursts:
            tmux.keys(*[k if k != "grave" else "`" for k in keys])
        shown = tmux.wait_for(lambda s: "(6 this session)" in s)
        assert saved_on_screen(shown) >= {5, 6}  # the rows above the current one that fit
        # phase 2: a burst, capture what the screen says right now, then kill -9 at once
        for keys in [["n"], ["f", "Enter"], ["x"], ["n"], ["s", "Enter"], ["n"], ["n"], ["x"]]:
            tmux.keys(*keys)
        time.sleep(0.05)
        shown = tmux.screen()
        os.kill(pid, signal.SIGKILL)
        saved = saved_on_screen(shown) | {int(n) for n in LAST_SAVED.findall(shown)}
        count = max((int(n) for n in SESSION_COUNT.findall(shown)), default=0)
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True, timeout=20)
    assert saved, shown
    from annotator.core.db import open_database

    engine = open_database(str(database), create=False)
    rows = sentence_page(engine, document.id, 0, 100, annotator_id(engine, "amal"))
    decided = {row.idx + 1 for row in rows if row.state is not None and row.state.decided}
    missing = saved - decided
    assert not missing, f"shown as saved but not in the database: {sorted(missing)}\n{shown}"
    assert len(decided) >= count
    assert rows[1].state is not None and rows[1].state.labels == ("first_party_collection", "data_sharing")
    assert rows[2].state is not None and rows[2].state.status == "skipped"
    with sqlite3.connect(database) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
