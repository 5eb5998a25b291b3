"""The database records its schema revision: old ones are upgraded, newer ones refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import SQLModel

from annotator.core import migrate
from annotator.core.db import create_db_engine, open_database
from annotator.core.errors import UserError


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_new_database_is_at_head_with_the_pragmas_we_chose(db_path: str) -> None:
    engine = open_database(db_path)
    with engine.connect() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    bulk = open_database(db_path, synchronous="NORMAL")
    with bulk.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1


def test_models_and_migrations_agree(any_db: str) -> None:
    """Every change to the tables has a migration: autogenerate finds nothing left to do."""
    engine = open_database(any_db)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_upgrade_of_a_database_made_at_the_first_revision(db_path: str) -> None:
    first, *later = _revisions()
    assert later, "there is more than one revision to upgrade through"
    engine = create_db_engine(db_path)
    migrate.upgrade_to_head(engine, target=first)
    with engine.begin() as connection:
        assert migrate.current_revision(connection) == first
        columns = {row[1] for row in connection.exec_driver_sql("PRAGMA table_info(annotation)")}
        assert "attributes" not in columns
        connection.exec_driver_sql(
            "INSERT INTO document (uid, name, content_hash, text, meta, n_sentences, created_at) "
            "VALUES ('u1', 'doc', 'h1', 'Hello. World.', '{}', 2, '2026-01-01 00:00:00')"
        )
        connection.exec_driver_sql(
            'INSERT INTO sentence (document_id, idx, start, "end", text, text_hash, lang) '
            "VALUES (1, 0, 0, 6, 'Hello.', 'x', 'en')"
        )
        connection.exec_driver_sql("INSERT INTO annotator (name, created_at) VALUES ('amal', '2026-01-01 00:00:00')")
        connection.exec_driver_sql(
            "INSERT INTO annotation (sentence_id, annotator_id, labels, label_mask, status, negated, flagged, "
            "created_at, updated_at) VALUES (1, 1, '[\"data_sharing\"]', 2, 'labelled', 0, 0, "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    engine.dispose()

    upgraded = open_database(db_path)
    with upgraded.connect() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()
        row = connection.execute(text("SELECT labels, attributes FROM annotation")).one()
    assert row[0] == '["data_sharing"]'
    assert row[1] == "{}"


def test_database_from_a_newer_annotator_is_refused(db_path: str, cli) -> None:  # type: ignore[no-untyped-def]
    open_database(db_path).dispose()
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    with pytest.raises(UserError, match="written by a newer annotator"):
        open_database(db_path)
    result = cli("stats", "--db", db_path)
    assert result.code == 2
    assert "ffffffffffff" in result.err and "newer annotator" in result.err
    assert "Traceback" not in result.err


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    bogus = tmp_path / "notes.db"
    bogus.write_text("just some notes\n")
    result = cli("stats", "--db", str(bogus))
    assert result.code == 2
    assert f"{bogus}: not an SQLite database" in result.err
    assert bogus.read_text() == "just some notes\n"


def test_reading_commands_do_not_create_a_database(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nothing.db"
    result = cli("stats", "--db", str(missing))
    assert result.code == 2 and "no database here yet" in result.err
    assert not missing.exists()


def test_two_processes_opening_a_new_database_at_once(db_path: str) -> None:
    import concurrent.futures

    def open_it(_: int) -> str | None:
        engine = open_database(db_path)
        with engine.connect() as connection:
            revision = migrate.current_revision(connection)
        engine.dispose()
        return revision

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        revisions = list(pool.map(open_it, range(4)))
    assert revisions == [migrate.head_revision()] * 4


def test_head_read_from_the_files_is_alembics_head() -> None:
    from annotator.core.revision import head_from_files

    assert head_from_files() == migrate.head_revision()


def test_head_from_the_files_leaves_what_it_cannot_read_to_alembic(tmp_path: Path) -> None:
    from annotator.core.revision import read_head

    def revision(name: str, down: str) -> None:
        (tmp_path / f"{name}_x.py").write_text(
            f'"""x"""\nrevision: str = {name!r}\ndown_revision: str | None = {down}\n', encoding="utf-8"
        )

    revision("aaa", "None")
    revision("bbb", "'aaa'")
    assert read_head(tmp_path) == "bbb"
    revision("ccc", "'aaa'")  # a second head
    assert read_head(tmp_path) is None
    revision("ddd", "('bbb', 'ccc')")  # a merge revision: not read here
    assert read_head(tmp_path) is None


def test_an_older_database_is_still_upgraded_when_opened(db_path: str) -> None:
    first = ScriptDirectory.from_config(migrate.alembic_config()).get_base()
    assert first is not None
    migrate.upgrade_to_head(create_db_engine(db_path), target=first)
    open_database(db_path, create=False).dispose()
    with create_db_engine(db_path).connect() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()
