"""The real `annotator adjudicate` in tmux: save gold at full speed, SIGKILL it, and check
that every gold the screen acknowledged is in the database."""

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
from sqlalchemy import select

from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.models import DOCUMENT, SENTENCE
from annotator.core.schemas import active_schema
from tests.test_tui_tmux import Tmux
from tests.tui_helpers import build_db

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it in .ci/run)"),
]

ACKNOWLEDGED = re.compile(r"Gold saved for pl_long #(\d+)")
SAVED_LINE = re.compile(r"gold saved \S+ (\d+)/30")  # the queue line counts committed gold only


def test_sigkill_loses_no_acknowledged_gold(tmp_path: Path) -> None:
    lines = [f"Zdanie numer {n} mówi o danych osobowych klientów banku." for n in range(1, 31)]
    engine = build_db(tmp_path, {"pl_long": lines})
    schema = active_schema(engine)
    with engine.connect() as connection:
        ids = [
            row[0]
            for row in connection.execute(
                select(SENTENCE.c.id)
                .join(DOCUMENT, DOCUMENT.c.id == SENTENCE.c.document_id)
                .where(DOCUMENT.c.name == "pl_long")
                .order_by(SENTENCE.c.idx)
            )
        ]
    amal, ola = ensure_annotator(engine, "amal"), ensure_annotator(engine, "ola")
    for sentence_id in ids:  # every sentence disputed: sharing against ads
        save_decision(engine, schema, amal, sentence_id, Change(labels=["data_sharing"], status="labelled"))
        save_decision(engine, schema, ola, sentence_id, Change(labels=["ads_use"], status="labelled"))
    engine.dispose()
    database = tmp_path / "project.db"
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
            "adjudicate",
            "--as",
            "lead",
            "--db",
            str(database),
        ]
    )
    tmux = Tmux(f"annotator-review-{os.getpid()}")
    tmux.run("new-session", "-d", "-s", "annot", "-x", "130", "-y", "40", command)
    try:
        tmux.wait_for(lambda s: "queue 1 of 30" in s)
        pid = int(tmux.run("display-message", "-p", "-t", "annot", "#{pane_pid}").strip())
        # phase 1: take A's set, B's set, none, two labels: wait until all four are acknowledged
        for keys in [["A", "Enter"], ["B", "Enter"], ["n"], ["s", "a", "Enter"]]:
            tmux.keys(*keys)
        tmux.wait_for(lambda s: "✓ 4 this session" in s and "4/30" in s)
        # phase 2: a burst, read what the screen says right now, then kill -9 at once
        for keys in [["A", "Enter"], ["n"], ["B", "Enter"], ["n"], ["s", "Enter"], ["n"], ["A", "Enter"], ["n"]]:
            tmux.keys(*keys)
        time.sleep(0.05)
        shown = tmux.screen()
        os.kill(pid, signal.SIGKILL)
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True, timeout=20)
    acknowledged = {int(n) for n in ACKNOWLEDGED.findall(shown)}
    count = max((int(n) for n in SAVED_LINE.findall(shown)), default=0)
    assert count >= 4, shown
    with sqlite3.connect(database) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = dict(
            raw.execute(
                "SELECT s.idx + 1, g.labels FROM gold g JOIN sentence s ON s.id = g.sentence_id WHERE g.method = 'adjudicated'"
            ).fetchall()
        )
    # the queue is in sentence order here (every sentence equally split): the first `count`
    missing = (acknowledged | set(range(1, count + 1))) - set(stored)
    assert not missing, f"shown as saved but not in the database: {sorted(missing)}\n{shown}"
    assert len(stored) >= count
    assert stored[1] == '["data_sharing"]' and stored[2] == '["ads_use"]' and stored[3] == '["none"]'
    assert stored[4] == '["data_sharing", "ads_use"]'
