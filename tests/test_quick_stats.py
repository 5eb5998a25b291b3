"""``stats`` on an SQLite project reads with sqlite3 (annotator.core.quick_stats): the same
figures as the SQLAlchemy path, and everything it cannot answer left to that path."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.importing import import_paths
from annotator.core.quick_stats import ACTIVE_SCHEMA_KEY, read_stats
from annotator.core.repository import find_document, project_stats, sentence_page
from annotator.core.schemas import ACTIVE_SCHEMA_KEY as SCHEMAS_KEY
from annotator.core.schemas import active_schema
from annotator.core.suggest.provenance import suggestion_stats

ROOT = Path(__file__).resolve().parent.parent
LABELS = ["data_sharing", "ads_use", "retention"]

decision = st.tuples(
    st.integers(0, 2),  # annotator
    st.integers(0, 5),  # sentence
    st.sampled_from(["labelled", "skipped"]),
    st.lists(st.sampled_from(LABELS), min_size=1, max_size=3, unique=True),
    st.booleans(),  # flagged
    st.none() | st.lists(st.sampled_from(LABELS), max_size=3, unique=True),  # suggested
    st.none() | st.integers(0, 9),  # keys pressed
)


def sqlalchemy_figures(db: str) -> tuple[Any, Any]:
    engine = open_database(db, create=False)
    try:
        return project_stats(engine), suggestion_stats(engine, active_schema(engine))
    finally:
        engine.dispose()


def project(folder: Path, decisions: list[tuple[Any, ...]]) -> str:
    db = str(folder / "annotations.db")
    doc = folder / "policy.txt"
    doc.write_text("\n".join(f"Sentence number {i} about data." for i in range(6)) + "\n")
    engine = open_database(db)
    import_paths(engine, [doc], lang="en")
    import_paths(engine, [ROOT / "seeds" / "004_07191d38325b842d.txt"])
    schema = active_schema(engine)
    ids = [row.id for row in sentence_page(engine, find_document(engine, "policy").id, 0, 10)]
    people = [ensure_annotator(engine, name) for name in ("ola", "amal", "[red]zoe")]
    for who, i, status, labels, flagged, suggested, keys in decisions:
        change = Change(
            labels=labels if status == "labelled" else [],
            status=status,
            flagged=flagged,
            suggested=suggested,
            keys_pressed=keys,
        )
        save_decision(engine, schema, people[who], ids[i], change)
    engine.dispose()
    return db


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(decisions=st.lists(decision, max_size=25))
def test_same_figures_as_the_sqlalchemy_path(tmp_path_factory: Any, decisions: list[tuple[Any, ...]]) -> None:
    db = project(tmp_path_factory.mktemp("stats"), decisions)
    quick = read_stats(db)
    assert quick is not None
    assert quick == sqlalchemy_figures(db)


def test_the_key_is_the_schemas_module_one() -> None:
    assert ACTIVE_SCHEMA_KEY == SCHEMAS_KEY


def test_what_it_cannot_answer_goes_the_usual_way(tmp_path: Path) -> None:
    assert read_stats("postgresql://u:p@localhost/x") is None
    assert read_stats(str(tmp_path / "missing.db")) is None
    assert not (tmp_path / "missing.db").exists()
    (tmp_path / "notes.db").write_text("notes\n")
    assert read_stats(str(tmp_path / "notes.db")) is None
    assert read_stats(str(tmp_path)) is None
    db = str(tmp_path / "new.db")
    open_database(db).dispose()  # at head, but no label schema yet: stats installs the default one
    assert read_stats(db) is None
    engine = open_database(db)
    active_schema(engine)
    engine.dispose()
    assert read_stats(db) is not None
    with sqlite3.connect(db) as connection:  # another revision: Alembic decides (upgrade or refuse)
        connection.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    assert read_stats(db) is None


def test_stats_of_an_sqlite_project_loads_no_sqlalchemy(tmp_path: Path) -> None:
    db = project(tmp_path, [(0, 0, "labelled", ["ads_use"], True, ["ads_use"], 2)])
    code = (
        "import sys\n"
        "from annotator.cli import main\n"
        "try:\n"
        f"    main(['stats', '--db', {db!r}])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'alembic', 'numpy') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "ola" in result.stdout and "privacy@" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"
