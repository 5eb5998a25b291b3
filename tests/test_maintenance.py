"""`annotator check` finds what is wrong with a database; `annotator backup` copies it safely.

Each kind of damage is made the way it happens: rows changed by hand with foreign keys
off (the sqlite3 shell's default), pages overwritten, a schema revision from another
version, a writer process saving while the backup runs.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from annotator.core import migrate
from annotator.core.db import create_db_engine, open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.importing import import_paths
from annotator.core.repository import find_document, sentence_page
from annotator.core.schemas import active_schema
from tests.conftest import SEEDS

CHECKS = ["storage", "revision", "orphans", "labels", "sentences"]


def _project(db: str) -> None:
    """The seeds, two annotators' decisions on the Polish document."""
    engine = open_database(db)
    schema = active_schema(engine)
    import_paths(engine, [SEEDS])
    rows = sentence_page(engine, find_document(engine, "004").id, 0, 8)
    for name, labels in (("amal", ["data_sharing"]), ("piotr", ["data_sharing", "ads_use"])):
        me = ensure_annotator(engine, name)
        for row in rows:
            save_decision(engine, schema, me, row.id, Change(labels=labels, status="labelled"))
    engine.dispose()


def _by_hand(db: str, *statements: str) -> None:
    """What someone does in the sqlite3 shell: foreign keys off, autocommit."""
    with sqlite3.connect(db, isolation_level=None) as raw:
        raw.execute("PRAGMA foreign_keys = OFF")
        for statement in statements:
            raw.execute(statement)
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _check(cli, db: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def,type-arg]
    result = cli("check", "--db", db, "--json")
    return result.code, json.loads(result.out)


def test_a_clean_database_passes_every_check(cli, any_db: str) -> None:  # type: ignore[no-untyped-def]
    _project(any_db)
    code, report = _check(cli, any_db)
    assert code == 0 and report["ok"] is True and report["problems"] == []
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert list(statuses) == CHECKS
    assert statuses["storage"] == ("ok" if "://" not in any_db else "skipped")
    assert {statuses[name] for name in CHECKS[1:]} == {"ok"}
    assert report["revision"] == migrate.head_revision() and report["schema"] == "privacy@1"
    assert report["documents"] == 5 and report["sentences"] > 90 and report["decisions"] == 16
    table = cli("check", "--db", any_db)
    assert table.code == 0 and "no problems found" in table.out and "Problems" not in table.out


def test_orphaned_rows_are_found(cli, db_path: str) -> None:  # type: ignore[no-untyped-def]
    _project(db_path)
    _by_hand(
        db_path,
        "DELETE FROM document WHERE name LIKE '004%'",  # its sentences, decisions and events stay
        "DELETE FROM annotator WHERE name = 'piotr'",
    )
    result = cli("check", "--db", db_path)
    assert result.code == 1
    assert "Problems" in result.out and "sentence rows whose document is gone" in result.out
    _, report = _check(cli, db_path)
    found = {(p["check"], p["table"], p["what"]): p["rows"] for p in report["problems"]}
    assert found[("orphans", "sentence", "sentence rows whose document is gone")] == 32
    assert found[("orphans", "annotation", "annotation rows whose annotator is gone")] == 8
    assert found[("orphans", "event", "event rows whose annotator is gone")] == 8
    assert ("storage", "sentence", "foreign key to document broken") in found  # SQLite's own check agrees
    assert {c["name"]: c["status"] for c in report["checks"]}["labels"] == "ok"


def test_labels_outside_the_schema_and_wrong_masks_are_found(cli, any_db: str) -> None:  # type: ignore[no-untyped-def]
    _project(any_db)
    engine = create_db_engine(any_db)
    with engine.begin() as connection:
        first, second, third = connection.execute(text("SELECT id FROM annotation ORDER BY id LIMIT 3")).scalars()
        connection.execute(text("""UPDATE annotation SET labels = '["made_up"]' WHERE id = :i"""), {"i": first})
        connection.execute(text("UPDATE annotation SET label_mask = 1 WHERE id = :i"), {"i": second})
        connection.execute(text("""UPDATE gold SET labels = '["x"]' WHERE id = 0"""))  # no gold: nothing
        connection.execute(
            text(
                "INSERT INTO gold (sentence_id, labels, label_mask, method, updated_at) "
                """SELECT sentence_id, '["retired_label"]', 0, 'adjudicated', updated_at FROM annotation WHERE id = :i"""
            ),
            {"i": third},
        )
    engine.dispose()
    code, report = _check(cli, any_db)
    assert code == 1
    problems = [(p["check"], p["table"], p["rows"], p["what"], p["examples"]) for p in report["problems"]]
    assert problems == [
        ("labels", "annotation", 1, "label 'made_up' is not in the active schema privacy@1", [f"id {first}"]),
        (
            "labels",
            "annotation",
            1,
            "stored label mask disagrees with the label list (agreement would read other labels)",
            [f"id {second}: data_sharing but mask 1"],
        ),
        ("labels", "gold", 1, "label 'retired_label' is not in the active schema privacy@1", [report_id(any_db)]),
    ]


def report_id(db: str) -> str:
    engine = create_db_engine(db)
    with engine.connect() as connection:
        gold_id = connection.execute(text("SELECT id FROM gold")).scalar()
    engine.dispose()
    return f"id {gold_id}"


def test_sentences_whose_offsets_do_not_reproduce_their_text_are_found(cli, any_db: str) -> None:  # type: ignore[no-untyped-def]
    _project(any_db)
    engine = create_db_engine(any_db)
    document = find_document(engine, "004")
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE sentence SET start = start + 1 WHERE document_id = :d AND idx IN (3, 4)"), {"d": document.id}
        )
        connection.execute(
            text('UPDATE sentence SET "end" = 10000000 WHERE document_id = :d AND idx = 5'), {"d": document.id}
        )
        connection.execute(text("UPDATE document SET n_sentences = n_sentences + 1 WHERE id = :d"), {"d": document.id})
    engine.dispose()
    code, report = _check(cli, any_db)
    assert code == 1
    by_table = {p["table"]: p for p in report["problems"]}
    assert by_table["sentence"]["rows"] == 3
    assert by_table["sentence"]["examples"][0].startswith(f"{document.name}:3 [")
    assert by_table["document"]["examples"] == [f"{document.name}: says 33, has 32 (indexes 0..31)"]


def test_the_revision_is_reported_and_never_changed(cli, db_path: str) -> None:  # type: ignore[no-untyped-def]
    engine = create_db_engine(db_path)
    first = [rev.revision for rev in migrate.ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions()][-1]
    migrate.upgrade_to_head(engine, target=first)
    engine.dispose()
    code, report = _check(cli, db_path)
    assert code == 1 and report["revision"] == first
    assert "older than" in report["problems"][0]["what"]
    with sqlite3.connect(db_path) as raw:  # check did not upgrade it
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == first
    _by_hand(db_path, "UPDATE alembic_version SET version_num = 'ffffffffffff'")
    code, report = _check(cli, db_path)
    assert code == 1 and "written by a newer annotator" in report["problems"][0]["what"]


def test_an_in_memory_database_url_is_checked_not_an_internal_error(cli) -> None:  # type: ignore[no-untyped-def]
    # sqlite:// names no file (the URL's database is None): the report names the URL instead.
    code, report = _check(cli, "sqlite://")
    assert code == 1 and report["database"] == "sqlite://" and report["revision"] is None
    assert "no schema revision" in report["problems"][0]["what"]
    table = cli("check", "--db", "sqlite://")
    assert table.code == 1 and "Check of sqlite://" in table.out and "internal error" not in table.err


def test_tables_changed_by_hand_are_found(cli, db_path: str) -> None:  # type: ignore[no-untyped-def]
    _project(db_path)
    _by_hand(db_path, "DROP INDEX ix_sentence_text_hash")
    code, report = _check(cli, db_path)
    assert code == 1
    (problem,) = report["problems"]
    assert problem["check"] == "revision" and "differ" in problem["what"]
    assert problem["examples"] == ["missing index ix_sentence_text_hash"]


def test_a_damaged_file_fails_the_storage_check(cli, db_path: str) -> None:  # type: ignore[no-untyped-def]
    _project(db_path)
    _by_hand(db_path)  # checkpoint: every page in the main file
    with open(db_path, "r+b") as handle:
        handle.seek(4096 * 6)
        handle.write(b"\x00\xff" * 4096)
    result = cli("check", "--db", db_path)
    assert result.code == 1 and "Problems" in result.out
    _, report = _check(cli, db_path)
    assert report["problems"][0]["check"] == "storage"
    assert {c["name"]: c["status"] for c in report["checks"]}["storage"] == "problems"


# -- backup ---------------------------------------------------------------------------------------


def _keep_saving(db: str, stop: object, counter: object) -> None:
    engine = open_database(db)
    schema = active_schema(engine)
    me = ensure_annotator(engine, "zofia")
    with engine.connect() as connection:
        ids = [row[0] for row in connection.execute(text("SELECT id FROM sentence ORDER BY id"))]
    i = 0
    while not stop.is_set():  # type: ignore[attr-defined]
        save_decision(engine, schema, me, ids[i % len(ids)], Change(labels=["retention"], status="labelled"))
        i += 1
        counter.value = i  # type: ignore[attr-defined]
    engine.dispose()


def test_backup_while_someone_annotates_is_a_checked_consistent_copy(cli, db_path: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _project(db_path)
    context = multiprocessing.get_context("spawn")
    stop, counter = context.Event(), context.Value("i", 0)
    writer = context.Process(target=_keep_saving, args=(db_path, stop, counter))
    writer.start()
    try:
        deadline = time.monotonic() + 60
        while counter.value < 20 and time.monotonic() < deadline:  # the writer is saving
            time.sleep(0.05)
        before = counter.value
        copy = tmp_path / "backups" / "monday.db"
        result = cli("backup", str(copy), "--db", db_path, "--json")
        after_backup = counter.value
        time.sleep(0.3)
    finally:
        stop.set()
        writer.join(60)
    assert writer.exitcode == 0  # the writer was never refused
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["copy"] == str(copy) and summary["check"]["problems"] == []
    assert summary["created_folders"] == [str(tmp_path / "backups")]
    assert counter.value > after_backup  # the writer went on saving after the backup
    assert [p.name for p in copy.parent.iterdir()] == ["monday.db"]  # one self-contained file, no temporary
    raw = sqlite3.connect(copy)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    zofia = raw.execute(
        "SELECT count(*) FROM event e JOIN annotator a ON a.id = e.annotator_id WHERE a.name = 'zofia'"
    ).fetchone()[0]
    raw.close()
    assert before <= zofia <= after_backup  # a snapshot taken during the backup
    assert cli("check", "--db", str(copy)).code == 0


def test_backup_never_overwrites(cli, db_path: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _project(db_path)
    existing = tmp_path / "old.db"
    existing.write_bytes(b"yesterday's backup")
    result = cli("backup", str(existing), "--db", db_path)
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1
    assert "already exists; a backup never overwrites" in result.err
    assert existing.read_bytes() == b"yesterday's backup"
    table = cli("backup", str(tmp_path / "new.db"), "--db", db_path)
    assert table.code == 0 and "passed" in table.out and "16 decisions" in table.out


def test_a_failed_backup_leaves_nothing_behind(db_path: str, tmp_path: Path) -> None:
    _project(db_path)
    _by_hand(db_path)  # checkpointed: opening it to read writes nothing big

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))  # the copy needs more than that

    target = tmp_path / "new" / "copy.db"
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "backup", str(target), "--db", db_path],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small_files,
    )
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    # SQLite reports a write past the file size limit as an I/O error
    assert f"{target}: cannot write the copy: the disk reported an I/O error (disk I/O error)" in line
    assert not (tmp_path / "new").exists()


@pytest.mark.postgres
def test_backup_on_postgres_says_to_use_pg_dump(cli, pg_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _project(pg_url)
    result = cli("backup", str(tmp_path / "x.dump"), "--db", pg_url)
    assert result.code == 2
    (line,) = result.err.strip().splitlines()
    assert f"pg_dump --format=custom --file {tmp_path / 'x.dump'} 'postgresql://" in line
    assert not (tmp_path / "x.dump").exists()


def test_reading_commands_leave_an_empty_file_as_it_is(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """check (and every reader) on an empty file wrote a 4 KB SQLite header into it."""
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    for command in ("check", "stats", "export", "agreement", "assignments"):
        result = cli(command, "--db", str(empty))
        assert result.code == 2 and "an empty file, not a database yet" in result.err, (command, result.err)
        assert empty.stat().st_size == 0, command
    assert cli("import", str(SEEDS), "--db", str(empty)).code == 0  # a writer may make it one
