"""The README's "Adjudicate" loop runs as written on the seeds: the commands through the
CLI, the two interactive ones (annotate, adjudicate) on their screens driven by keys."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from textual.pilot import Pilot

from annotator.core.db import open_database
from annotator.tui.app import AnnotatorApp
from annotator.tui.config import Settings
from annotator.tui.review_app import ReviewApp
from tests.conftest import ROOT, SEEDS
from tests.tui_helpers import settle, status_text

README = (ROOT / "README.md").read_text(encoding="utf-8")

# What each annotator presses on the first eight sentences of the first seed: they agree on
# 1, 2, 6 and 8 and disagree on 3, 4, 5 and 7.
KEYS = {
    "amal": [["s", "enter"], ["n"], ["f", "enter"], ["n"], ["a", "enter"], ["n"], ["c", "enter"], ["n"]],
    "piotr": [["s", "enter"], ["n"], ["s", "enter"], ["a", "enter"], ["a", "s", "enter"], ["n"], ["r", "enter"], ["n"]],
}


def loop_commands() -> list[list[str]]:
    section = README.split("## Adjudicate", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    return [shlex.split(line.split("  #")[0]) for line in block.group(1).splitlines() if line.strip()]


async def annotate(db: str, name: str, tmp_path: Path) -> None:
    engine = open_database(db)
    settings = Settings(path=tmp_path / "config" / "annotator" / "config.toml")
    app = AnnotatorApp(engine, annotator=name, settings=settings)
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the document list: open the first document
        await settle(pilot)
        for keys in KEYS[name]:
            await pilot.press(*keys)
            await settle(pilot)
        await pilot.press("q")
    engine.dispose()
    assert app.return_value == 0


async def adjudicate(db: str, name: str, tmp_path: Path) -> None:
    engine = open_database(db)
    settings = Settings(path=tmp_path / "config" / "annotator" / "config.toml")
    app = ReviewApp(engine, adjudicator=name, settings=settings)
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot)
        assert app.review.size == 4
        for _ in range(app.review.size):
            await take_a_then_save(pilot)
        assert "Queue done" in status_text(app)
        await pilot.press("q")
    engine.dispose()


async def take_a_then_save(pilot: Pilot[object]) -> None:
    await pilot.press("A", "enter")
    await settle(pilot)


async def test_the_readme_adjudicate_loop(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    db = str(tmp_path / "annotations.db")
    commands = loop_commands()
    assert [c[1] for c in commands] == [
        "import",
        "annotate",
        "annotate",
        "agreement",
        "agreement",
        "gold",
        "adjudicate",
        "agreement",
        "export",
    ]
    outputs = {}
    for command in commands:
        assert command[0] == "annotator"
        args = [str(SEEDS) if arg == "seeds/" else arg for arg in command[1:]]
        if args[0] == "annotate":
            await annotate(db, args[args.index("--annotator") + 1], tmp_path)
        elif args[0] == "adjudicate":
            await adjudicate(db, args[args.index("--as") + 1], tmp_path)
        else:
            result = cli(*args, "--db", db)
            assert result.code == 0, (command, result.err)
            outputs[" ".join(command[1:])] = result.out
    assert "Agreement" in outputs["agreement"]
    assert "Labels annotators confuse" in outputs["agreement --confusion"]
    assert "created" in outputs["gold --auto majority"]
    assert "Per label: piotr" in outputs["agreement --vs-gold"]
    records = [json.loads(line) for line in (tmp_path / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    golden = [r for r in records if r["gold"] is not None]
    assert len(golden) == 8 and {r["doc_name"] for r in golden} == {"000_427e261dc324c1f6"}
    methods = sorted(r["gold"]["method"] for r in golden)
    assert methods == ["adjudicated"] * 4 + ["unanimous"] * 4
    for r in golden:
        if r["gold"]["method"] == "adjudicated":
            assert r["gold"]["by"] == "lead" and r["gold"]["agreed"] == ["amal"]  # A's set taken each time
        else:
            assert r["gold"]["by"] is None and r["gold"]["agreed"] == ["amal", "piotr"]
    scores = json.loads(cli("agreement", "--vs-gold", "--json", "--db", db).out)
    assert scores["n_gold"] == 8 and scores["annotators"]["amal"]["exact_match"] == 1.0
    assert scores["annotators"]["piotr"]["exact_match"] == 0.5
