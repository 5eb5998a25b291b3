"""The README's Python examples run as written, and its first lines are the two commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.importing import import_paths
from annotator.core.repository import find_document, sentence_page
from annotator.core.schemas import active_schema
from tests.conftest import ROOT, SEEDS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands() -> None:
    first_block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert first_block is not None
    commands = [line for line in first_block.group(1).splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    assert "annotator annotate" in commands[0] and "import seeds/" in commands[0]
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci  # .ci/run runs exactly the README's test command


@pytest.mark.parametrize("index", range(len(re.findall(r"```python\n", README))))
def test_python_examples_run(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    code = re.findall(r"```python\n(.*?)```", README, re.S)[index]
    monkeypatch.chdir(tmp_path)
    engine = open_database(str(tmp_path / "annotations.db"))
    schema = active_schema(engine)
    import_paths(engine, [SEEDS / "004_07191d38325b842d.txt"])
    rows = sentence_page(engine, find_document(engine, "004").id, 0, 6)
    for name, labels in (("amal", ["data_sharing"]), ("piotr", ["data_sharing", "ads_use"])):
        who = ensure_annotator(engine, name)
        for row in rows:
            save_decision(engine, schema, who, row.id, Change(labels=labels, status="labelled"))
    engine.dispose()
    exec(compile(code, f"README.md python block {index}", "exec"), {})
    assert capsys.readouterr().out.strip()
