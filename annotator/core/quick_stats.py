"""``annotator stats`` of an SQLite project, read with the standard library's ``sqlite3``.

A short command's whole-process time is mostly imports, and SQLAlchemy with SQLModel costs
several times the rest of ``stats`` (benchmarks/bench_cli.py). For an SQLite file already at
the head revision and with a label schema, :func:`read_stats` runs the very queries that
``project_stats`` and ``suggestion_stats`` send (their SQL as SQLAlchemy compiles it for
SQLite) and builds the figures with the same code (``ProjectStats.from_rows``,
``add_groups``, ``add_suggested``). Only reads: ``PRAGMA query_only``.

Anything else returns None and the caller takes the SQLAlchemy path, which creates,
upgrades, refuses or reports as it always did: a URL (PostgreSQL), a missing file or one
that is not SQLite, another revision, no active schema (``stats`` installs the default
one), a query that fails for a reason other than storage. A storage failure (locked
database, I/O error) is raised as it is, for the CLI to word (``storage_errors``).
tests/test_quick_stats.py checks that both paths give the same figures.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from annotator.core.entities import ProjectStats
from annotator.core.location import BUSY_TIMEOUT_MS
from annotator.core.revision import plain_sqlite_file
from annotator.core.storage_errors import storage_problem
from annotator.core.suggest.provenance import LabelAcceptance, SuggestionStats, add_groups, add_suggested

ACTIVE_SCHEMA_KEY = "active_schema_id"  # annotator.core.schemas.ACTIVE_SCHEMA_KEY (a test checks)

# The SQL of project_stats and suggestion_stats, as SQLAlchemy compiles it for SQLite.
DOCUMENTS = "SELECT count(*) AS count_1 FROM document"
LANGUAGES = "SELECT sentence.lang, count(*) AS count_1 FROM sentence GROUP BY sentence.lang"
PER_STATUS = (
    "SELECT annotator.name, annotation.status, count(*) AS count_1, "
    "sum(CAST(annotation.flagged AS INTEGER)) AS sum_1 "
    "FROM annotation JOIN annotator ON annotator.id = annotation.annotator_id "
    "GROUP BY annotator.name, annotation.status"
)
NAMES = "SELECT annotator.name FROM annotator ORDER BY annotator.name"
ACTIVE_SCHEMA = "SELECT setting.value FROM setting WHERE setting.key = ?"
SCHEMA_ROW = "SELECT label_schema.name, label_schema.version, label_schema.definition FROM label_schema WHERE label_schema.id = ?"
_SHOWN = "CASE WHEN (annotation.suggested IS NULL) THEN 0 ELSE 1 END"
GROUPS = (
    f"SELECT {_SHOWN} AS anon_1, count(*) AS count_1, count(annotation.keys_pressed) AS count_2, "
    "avg(annotation.keys_pressed) AS avg_1 FROM annotation "
    f"WHERE annotation.status IN ('labelled', 'skipped') GROUP BY {_SHOWN}"
)
SUGGESTED = (
    "SELECT annotation.labels, annotation.status, annotation.suggested, annotation.accepted FROM annotation "
    "WHERE annotation.status IN ('labelled', 'skipped') AND annotation.suggested IS NOT NULL"
)


def read_stats(db: str | None) -> tuple[ProjectStats, SuggestionStats] | None:
    """The project's figures and its suggestions' figures, or None: use the SQLAlchemy path."""
    found = plain_sqlite_file(db)
    if found is None:
        return None
    path, head = found
    connection = None
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        connection.execute("PRAGMA query_only = ON")
        return _read(connection, head)
    except sqlite3.Error as exc:
        # Named as annotator.core.db names it: the full path (storage_errors checks its disk).
        exc.annotator_database = str(path.resolve())  # type: ignore[attr-defined]
        if storage_problem(exc) is not None:
            raise
        return None
    finally:
        if connection is not None:
            connection.close()


def _json(value: Any) -> Any:
    """A JSON column as SQLAlchemy's JSON type gives it back (NULL -> None)."""
    return None if value is None else json.loads(value)


def _read(connection: sqlite3.Connection, head: str) -> tuple[ProjectStats, SuggestionStats] | None:
    from annotator.core.labels import schema_from_json

    if connection.execute("SELECT version_num FROM alembic_version").fetchall() != [(head,)]:
        return None
    value = connection.execute(ACTIVE_SCHEMA, (ACTIVE_SCHEMA_KEY,)).fetchone()
    if value is None or value[0] is None:
        return None
    row = connection.execute(SCHEMA_ROW, (int(value[0]),)).fetchone()
    if row is None:
        return None
    name, version, definition = row
    schema = schema_from_json(definition)
    documents = int(connection.execute(DOCUMENTS).fetchone()[0] or 0)
    stats = ProjectStats.from_rows(
        documents,
        connection.execute(LANGUAGES).fetchall(),
        connection.execute(PER_STATUS).fetchall(),
        [n for (n,) in connection.execute(NAMES)],
        f"{name}@{version}",
    )
    suggestions = SuggestionStats(per_label={label: LabelAcceptance() for label in schema.label_ids})
    add_groups(suggestions, connection.execute(GROUPS))
    add_suggested(
        suggestions,
        (
            (_json(labels), status, _json(suggested), _json(accepted))
            for labels, status, suggested, accepted in connection.execute(SUGGESTED)
        ),
    )
    return stats, suggestions
