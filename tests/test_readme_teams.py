"""The README's team walk-through runs as written against the local PostgreSQL.

Every line of the block is run: the `export ANNOTATOR_DB=...` line points at a throwaway
PostgreSQL database instead of db.example.org, `annotator annotate` lines drive the TUI
(Pilot presses real keys), every other line runs the CLI exactly as written.
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from annotator.core.db import open_database
from annotator.core.importing import import_paths
from annotator.tui.app import AnnotatorApp
from annotator.tui.config import Settings
from tests.conftest import ROOT, SEEDS
from tests.tui_helpers import settle

README = (ROOT / "README.md").read_text(encoding="utf-8")


def walk_through() -> list[str]:
    section = README.split("## Teams", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"### Walk-through.*?```bash\n(.*?)```", section, re.S)
    assert block is not None, "the Teams section has a walk-through block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now


async def annotate(argv: list[str], tmp_path: Path, db: str) -> None:
    """`annotator annotate --annotator NAME`: open the first unit of their queue, decide 3 sentences."""
    name = argv[argv.index("--annotator") + 1]
    engine = open_database(db, create=False)
    clock = Clock()
    app = AnnotatorApp(engine, annotator=name, settings=Settings(path=tmp_path / f"{name}.toml"), clock=clock)
    async with app.run_test(size=(120, 32)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the first document of their queue
        await settle(pilot)
        for _ in range(3):
            clock.now += timedelta(seconds=4)
            await pilot.press("n")  # none: saved, next
            await settle(pilot)
        await pilot.press("q")
    assert app.run_result()["unsaved"] == 0
    engine.dispose()


@pytest.mark.postgres
async def test_the_team_walk_through_runs_as_written(pg_url: str, tmp_path: Path, monkeypatch, cli) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    lead = open_database(str(tmp_path / "annotations.db"))  # the lead's project, as the walk-through assumes
    import_paths(lead, [SEEDS])
    lead.dispose()
    lines = walk_through()
    first, *commands = lines
    assert re.fullmatch(r"export ANNOTATOR_DB=postgresql://\S+", first), first
    monkeypatch.setenv("ANNOTATOR_DB", pg_url)
    ran = []
    for line in commands:
        argv = shlex.split(line.split("#", 1)[0])
        assert argv[0] == "annotator", line
        if argv[1] == "annotate":
            await annotate(argv, tmp_path, pg_url)
        else:
            result = cli(*argv[1:])
            assert result.code == 0, f"{line}\n{result.out}\n{result.err}"
        ran.append(argv[1])
    assert ran == ["copy", "assign", "annotate", "assignments", "agreement", "stats", "export", "copy"]

    # what the walk-through promises happened, read back from the server
    report = json.loads(cli("assignments", "--json").out)
    assert set(report["annotators"]) == {"amal", "piotr", "zofia"}
    assert report["annotators"]["amal"]["decided"] == 3 and report["unassigned_sentences"] == 0
    assert report["per_item"] == 2 and report["overlap"] == 0.2
    assert json.loads(cli("agreement", "--json").out)["sample"]["kind"] == "overlap"
    times = json.loads(cli("stats", "--time", "--json").out)["annotators"]["amal"]
    assert times["decisions"] == 3 and times["median_seconds"] == 4.0
    assert (tmp_path / "exports" / "team.jsonl").read_text("utf-8").count("\n") > 100
    backup = cli("copy", "--from", "team-backup.db", "--db", str(tmp_path / "again.db"), "--json")
    assert json.loads(backup.out)["export_identical"] is True
