"""The real `annotator annotate` in tmux 3.3 with emoji sentences: after moving around (each
move redraws the rows), the label panel's border is on every row, in line (finding 13)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_tui_tmux import Tmux
from tests.tui_helpers import build_db

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it in .ci/run)"),
]

EMOJI_DOC = [
    "Kciuk 👍🏽 w górę i rodzina 👨\u200d👩\u200d👧 oraz serce ❤️ i flaga 🇵🇱 koniec.",
    "Programistka 👩🏽\u200d💻 oraz tęcza 🏳️\u200d🌈 i ręka ✋🏿 oraz 1️⃣ dwa.",
    "Zwykłe zdanie bez emoji, tylko tekst o danych osobowych.",
    "Para 🧑🏻\u200d🤝\u200d🧑🏿 i oko 👁️\u200d🗨️ oraz więcej.",
    "قالت الشركة 👍🏽 إن البيانات 👨\u200d👩\u200d👧 لن تستخدم لأغراض إعلانية ❤️.",
]
LABEL_ROW = re.compile(r"▏ [□■] \S/\S")


def _settled(tmux: Tmux) -> str:
    """The screen once two captures 0.3 s apart are the same (the redraw is over)."""
    deadline = time.monotonic() + 10
    shown = tmux.screen()
    while time.monotonic() < deadline:
        time.sleep(0.3)
        again = tmux.screen()
        if again == shown:
            return shown
        shown = again
    return shown


def test_emoji_rows_keep_the_panel_border_in_line(tmp_path: Path) -> None:
    engine = build_db(tmp_path, {"emoji": EMOJI_DOC})
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
            "exec env -i",
            *(f"{key}={value!s}" for key, value in env.items()),
            sys.executable,
            "-m annotator annotate --annotator amal --doc emoji --db",
            str(tmp_path / "project.db"),
        ]
    )
    tmux = Tmux(f"annotator-emoji-{os.getpid()}")
    tmux.run("new-session", "-d", "-s", "annot", "-x", "100", "-y", "30", command)
    try:
        tmux.wait_for(lambda s: "sentence 1 of 5" in s)
        for key, where in [("j", 2), ("j", 3), ("j", 4), ("j", 5), ("k", 4), ("k", 3), ("k", 2)]:
            tmux.keys(key)
            shown = tmux.wait_for(lambda s, where=where: f"sentence {where} of 5" in s)
        shown = _settled(tmux)
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True, timeout=20)
    lines = shown.splitlines()
    end = next(i for i, line in enumerate(lines) if line.lstrip().startswith("document "))
    body = lines[1:end]
    assert len(body) > 20
    missing = [line for line in body if line.count("▏") != 1]
    assert not missing, "rows whose border was pushed out or overwritten:\n" + "\n".join(missing) + "\n" + shown
    assert len(LABEL_ROW.findall(shown)) == 13  # every label row drawn whole beside it
