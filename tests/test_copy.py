"""`annotator copy`: a whole project SQLite -> PostgreSQL -> SQLite, verified, nothing lost or moved."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from annotator.core.assignment.assigning import assign
from annotator.core.assignment.queue import take_next
from annotator.core.copying import copy_project, project_tables
from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision, undo_last
from annotator.core.errors import UserError
from annotator.core.importing import import_paths
from annotator.core.models import GOLD
from annotator.core.repository import list_documents, sentence_page
from annotator.core.schemas import active_schema
from annotator.core.suggest.model import SuggestionModel
from annotator.core.suggest.store import save_model
from tests.conftest import SEEDS


def build_project(engine: Engine) -> None:
    """Documents, decisions with times, an undo, flags and notes, gold, a plan with overlap."""
    import_paths(engine, [SEEDS])
    schema = active_schema(engine)
    assign(engine, mode="static", annotators=["amal", "piotr", "zofia"], per_item=2, overlap=0.3, seed=5)
    docs = list_documents(engine)
    for n, name in enumerate(["amal", "piotr", "أمل"]):
        who = ensure_annotator(engine, name)
        for row in sentence_page(engine, docs[n].id, 0, 6):
            labels = ["data_sharing"] if row.idx % 2 else ["none"]
            save_decision(engine, schema, who, row.id, Change(labels=labels, status="labelled", seconds=1.5 + row.idx))
        rows = sentence_page(engine, docs[0].id, 0, 3)
        save_decision(engine, schema, who, rows[2].id, Change(flagged=True, note="ask [b]lead[/b]\x1b"))
        provenance = Change(
            labels=["data_sharing"], status="labelled", suggested=["data_sharing", "ads_use"], keys_pressed=2
        )
        save_decision(engine, schema, who, rows[0].id, provenance)
        save_decision(engine, schema, who, rows[1].id, Change(status="skipped"))
        undo_last(engine, schema, who)
    # a stored suggestion model (a binary blob) and decisions with suggestion provenance
    save_model(
        engine, SuggestionModel.prior_only(schema), schema, source="gold", n_sentences=0, positives={}, figures=None
    )
    with engine.begin() as connection:
        first = sentence_page(engine, docs[0].id, 0, 1)[0].id
        connection.execute(
            insert(GOLD).values(
                sentence_id=first,
                labels=["none"],
                label_mask=schema.mask_of(["none"]),
                method="adjudicated",
                by="lead",
                updated_at=datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC),
            )
        )


def dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows in key order, times as UTC: what must be the same on both sides."""
    out = {}
    with engine.connect() as connection:
        for table in project_tables():
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).mappings().all()
            out[table.name] = [
                {
                    k: (v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC))
                    if isinstance(v, datetime)
                    else v
                    for k, v in row.items()
                }
                for row in rows
            ]
    return out


@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back_loses_nothing(tmp_path: Path, pg_url: str) -> None:
    source = open_database(str(tmp_path / "team.db"))
    build_project(source)
    # the PostgreSQL session in another time zone: times must not move
    pg = open_database(pg_url + "?options=-c%20timezone%3DAsia/Kolkata")
    result = copy_project(source, pg)
    assert result.verified and result.exports_identical and result.counts_match
    assert all(count.source > 0 for count in result.tables if count.table != "alembic_version")
    assert dump(pg) == dump(source)
    back = open_database(str(tmp_path / "back.db"))
    again = copy_project(pg, back)
    assert again.verified and again.source_sha256 == result.source_sha256
    assert dump(back) == dump(source)
    # the copy is a working project: new ids follow the copied ones, the queue and undo work
    schema = active_schema(pg)
    ola = ensure_annotator(pg, "ola")
    row = sentence_page(pg, list_documents(pg)[3].id, 0, 1)[0]
    save_decision(pg, schema, ola, row.id, Change(labels=["retention"], status="labelled"))
    assert undo_last(pg, schema, ensure_annotator(pg, "piotr")) is not None
    for engine in (source, pg, back):
        engine.dispose()


@pytest.mark.postgres
def test_dynamic_claims_and_released_ones_are_copied(tmp_path: Path, pg_url: str) -> None:
    source = open_database(str(tmp_path / "team.db"))
    import_paths(source, [SEEDS])
    assign(source, mode="dynamic", unit="sentence", per_item=2, overlap=0.5, seed=1, overlap_first=True)
    amal = ensure_annotator(source, "amal")
    take_next(source, amal, count=7)
    pg = open_database(pg_url)
    assert copy_project(source, pg).verified
    assert dump(pg)["assignment"] == dump(source)["assignment"]
    # the queue on the copy continues where the source was
    piotr = ensure_annotator(pg, "piotr")
    assert len(take_next(pg, piotr, count=3)) == 3
    source.dispose()
    pg.dispose()


def test_the_target_must_be_empty_and_another_database(tmp_path: Path) -> None:
    source = open_database(str(tmp_path / "a.db"))
    import_paths(source, [SEEDS / "004_07191d38325b842d.txt"])
    with pytest.raises(UserError, match="same database"):
        copy_project(source, open_database(str(tmp_path / "a.db")))
    other = open_database(str(tmp_path / "b.db"))
    import_paths(other, [SEEDS / "003_a9364fc6cc56f80c.txt"])
    before = dump(other)
    with pytest.raises(UserError, match="already holds data"):
        copy_project(source, other)
    assert dump(other) == before


def test_copy_cli_between_two_sqlite_files(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "a.db")
    assert cli("import", str(SEEDS), "--db", db).code == 0
    result = cli("copy", "--to", str(tmp_path / "b.db"), "--db", db)
    assert result.code == 0, result.err
    assert "exports byte-identical" in result.out and "✗" not in result.out
    data = json.loads(cli("copy", "--from", str(tmp_path / "b.db"), "--db", str(tmp_path / "c.db"), "--json").out)
    assert data["counts_match"] and data["export_identical"] and data["tables"]["sentence"]["source"] > 100
    for args in ([], ["--to", "x.db", "--from", "y.db"]):
        bad = cli("copy", *args, "--db", db)
        assert bad.code == 2 and "exactly one of --to" in bad.err
    again = cli("copy", "--to", str(tmp_path / "b.db"), "--db", db)  # a second copy into the same target
    assert again.code == 2 and "already holds data" in again.err
    assert len(again.err.strip().splitlines()) == 1 and "Traceback" not in again.err


def test_a_writer_during_the_copy_changes_neither_the_copy_nor_its_verification(any_db: str, tmp_path: Path) -> None:
    # An annotator saves while the copy runs (another connection, another thread): the copy,
    # its counts and the source's export are all of the snapshot the copy read, so the copy
    # verifies and holds none of the new decision (it was saved after the copy began).
    import threading

    source = open_database(any_db)
    import_paths(source, [SEEDS / "004_07191d38325b842d.txt", SEEDS / "003_a9364fc6cc56f80c.txt"])
    schema = active_schema(source)
    amal = ensure_annotator(source, "amal")
    rows = sentence_page(source, list_documents(source)[0].id, 0, 3)
    save_decision(source, schema, amal, rows[0].id, Change(labels=["none"], status="labelled"))
    written: list[int] = []

    def annotator_saves() -> None:
        save_decision(source, schema, amal, rows[1].id, Change(labels=["data_sharing"], status="labelled"))
        written.append(rows[1].id)

    def progress(done: int, total: int) -> None:
        if 0 < done < total and not written:  # mid-copy: the write commits before the copy goes on
            writer = threading.Thread(target=annotator_saves)
            writer.start()
            writer.join(timeout=30)

    target = open_database(str(tmp_path / "copy.db"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("annotator.core.copying.BATCH", 50)  # several batches: progress is reported mid-copy
        result = copy_project(source, target, progress=progress)
    assert written, "the writer did not run during the copy"
    assert result.verified and result.counts_match and result.exports_identical
    annotation = next(count for count in result.tables if count.table == "annotation")
    assert annotation.source == annotation.target == 1  # the snapshot's decisions, not the later one
    assert [r["sentence_id"] for r in dump(target)["annotation"]] == [rows[0].id]
    assert len(dump(source)["annotation"]) == 2  # the writer's decision is in the source
    source.dispose()
    target.dispose()


def _null_kinds(engine: Engine) -> dict[str, tuple[int, int]]:
    """Per nullable JSON column: (rows with SQL NULL, rows with the JSON value null)."""
    from sqlalchemy import JSON, String, Text, cast, func, type_coerce

    out = {}
    with engine.connect() as connection:
        for table in project_tables():
            for column in table.columns:
                if not isinstance(column.type, JSON) or not column.nullable:
                    continue
                as_text = cast(column, Text) if engine.dialect.name == "postgresql" else type_coerce(column, String)
                sql_null = connection.execute(select(func.count()).where(column.is_(None))).scalar()
                json_null = connection.execute(select(func.count()).where(as_text == "null")).scalar()
                out[f"{table.name}.{column.name}"] = (int(sql_null or 0), int(json_null or 0))
    return out


@pytest.mark.parametrize("direction", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_sql_null_and_json_null_stay_distinct(direction: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # An event's "before" is SQL NULL when it has none (an import) and JSON null when the
    # decision had no state before it: a copy (from SQLite or from PostgreSQL, into SQLite,
    # and into PostgreSQL) keeps which is which.
    start = open_database(str(tmp_path / "start.db"))
    import_paths(start, [SEEDS / "004_07191d38325b842d.txt"])
    schema = active_schema(start)
    amal = ensure_annotator(start, "amal")
    row = sentence_page(start, list_documents(start)[0].id, 0, 1)[0]
    save_decision(start, schema, amal, row.id, Change(labels=["none"], status="labelled"))
    kinds = _null_kinds(start)
    assert kinds["event.before"][0] > 0 and kinds["event.before"][1] > 0  # both kinds present
    source = start
    if direction == "postgres":
        source = open_database(request.getfixturevalue("pg_url"))
        assert copy_project(start, source).verified
        assert _null_kinds(source) == kinds
    target = open_database(str(tmp_path / "copy.db"))
    assert copy_project(source, target).verified
    assert _null_kinds(target) == kinds
    for engine in {start, source, target}:
        engine.dispose()


@pytest.mark.parametrize(
    "memory", ["sqlite://", "sqlite:///:memory:", ":memory:", "sqlite:///file:x?mode=memory&uri=true"]
)
def test_writing_a_project_into_an_in_memory_database_is_refused(cli, tmp_path: Path, memory: str) -> None:  # type: ignore[no-untyped-def]
    """copy --to sqlite:// said it copied and verified, into a database thrown away at exit;
    import and init into one stored nothing: each is one line, exit 2, the source untouched."""
    source = str(tmp_path / "source.db")
    assert cli("import", str(SEEDS), "--db", source).code == 0
    for args in (
        ("copy", "--db", source, "--to", memory),
        ("import", str(SEEDS), "--db", memory),
        ("init", "--db", memory),
    ):
        result = cli(*args)
        assert result.code == 2, (args, result.out, result.err)
        assert "in-memory database is thrown away" in result.err and result.err.count("\n") == 1, result.err
        assert "Copied" not in result.out
    assert cli("check", "--db", "sqlite://").code == 1  # reading or checking one is still allowed
    assert cli("stats", "--db", source, "--json").code == 0
