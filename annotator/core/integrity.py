"""`annotator check`: is this database whole, and does it say what it should?

Checks, each independent (a failing one does not stop the others):

- ``storage``: SQLite's own ``PRAGMA integrity_check`` (pages, indexes, free lists) and
  ``foreign_key_check``. PostgreSQL checks its own pages; nothing to do here.
- ``revision``: the Alembic revision is one this annotator knows and is the head, and the
  tables are what that revision says (Alembic's model comparison finds nothing).
- ``orphans``: rows that point at rows that are gone (sentences without their document,
  decisions without their sentence or annotator, gold, events, the active schema setting).
- ``labels``: decisions and gold whose labels the active schema does not have, or whose
  stored bitmask disagrees with their label list (agreement reads the mask, export the list).
- ``sentences``: every sentence's offsets reproduce its text (``document.text[start:end]``),
  and each document's sentence count and indexes (0..n-1) are what the document says.

Nothing is written: a database at an older revision is reported, not upgraded.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine, String, Text, cast, func, select, type_coerce
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from annotator.core import migrate
from annotator.core.labels import LabelSchema, schema_from_json
from annotator.core.models import ANNOTATION as A
from annotator.core.models import ANNOTATOR as AN
from annotator.core.models import DOCUMENT as D
from annotator.core.models import EVENT as E
from annotator.core.models import GOLD as G
from annotator.core.models import LABEL_SCHEMA as LS
from annotator.core.models import SENTENCE as S
from annotator.core.models import SETTING
from annotator.core.redact import display_url
from annotator.core.schemas import ACTIVE_SCHEMA_KEY
from annotator.core.storage_errors import storage_problem

EXAMPLES = 5
"""Rows named per problem (the count says how many there are)."""
SENTENCE_BATCH = 20_000

Progress = Callable[[int, int], None]


class Problem(BaseModel):
    check: str
    table: str | None = None
    rows: int
    """How many rows have this problem (0 when it is not about rows)."""
    what: str
    examples: list[str] = Field(default_factory=list)


class CheckOutcome(BaseModel):
    name: str
    description: str
    status: str
    """ok, problems, or skipped (not applicable to this database)."""
    note: str | None = None


class IntegrityReport(BaseModel):
    database: str
    dialect: str
    revision: str | None
    head: str
    schema_ref: str | None = Field(default=None, serialization_alias="schema")
    documents: int = 0
    sentences: int = 0
    decisions: int = 0
    checks: list[CheckOutcome] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


CHECKS: dict[str, str] = {
    "storage": "SQLite integrity_check and foreign_key_check",
    "revision": "schema revision known, at the head, tables as the revision says",
    "orphans": "no row points at a row that is gone",
    "labels": "decisions and gold use the active schema's labels, masks match",
    "sentences": "offsets reproduce each sentence's text; counts and indexes match",
}


def check_database(engine: Engine, progress: Progress | None = None) -> IntegrityReport:
    """Run every check on ``engine``'s database (read only)."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    head = script.get_current_head() or ""
    report = IntegrityReport(
        # An in-memory SQLite URL (sqlite://) names no file: the URL itself then.
        database=engine.url.database
        if engine.dialect.name == "sqlite" and engine.url.database
        else display_url(engine.url),  # no password, in user:pass@ or ?password= form
        dialect=engine.dialect.name,
        revision=None,
        head=head,
    )
    runners: dict[str, Callable[[Connection, IntegrityReport], str | None]] = {
        "storage": _storage,
        "revision": lambda connection, report: _revision(connection, report, script),
        "orphans": _orphans,
        "labels": _labels,
        "sentences": lambda connection, report: _sentences(connection, report, progress),
    }
    for name, runner in runners.items():
        before = len(report.problems)
        note: str | None
        try:
            with engine.connect() as connection:
                note = runner(connection, report)
        except DBAPIError as exc:
            problem = storage_problem(exc)
            what = f"{problem.what} ({problem.detail})" if problem else str(getattr(exc, "orig", exc)).splitlines()[0]
            report.problems.append(Problem(check=name, rows=0, what=f"could not run: {what}"))
            note = None
        status = "problems" if len(report.problems) > before else ("skipped" if note == "skipped" else "ok")
        report.checks.append(
            CheckOutcome(name=name, description=CHECKS[name], status=status, note=None if note == "skipped" else note)
        )
    return report


# -- storage ------------------------------------------------------------------------------------


def _storage(connection: Connection, report: IntegrityReport) -> str | None:
    if connection.dialect.name != "sqlite":
        return "skipped"
    messages = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check(100)")]
    if messages != ["ok"]:
        report.problems.append(
            Problem(
                check="storage",
                rows=len(messages),
                what="SQLite's integrity check failed: the file is damaged (restore a backup)",
                examples=messages[:EXAMPLES],
            )
        )
    broken: dict[tuple[str, str], list[str]] = {}
    for table, rowid, parent, _fk in connection.exec_driver_sql("PRAGMA foreign_key_check"):
        broken.setdefault((table, parent), []).append(str(rowid))
    for (table, parent), rowids in sorted(broken.items()):
        report.problems.append(
            Problem(
                check="storage",
                table=table,
                rows=len(rowids),
                what=f"foreign key to {parent} broken",
                examples=[f"rowid {r}" for r in rowids[:EXAMPLES]],
            )
        )
    return None


# -- revision -----------------------------------------------------------------------------------


def _revision(connection: Connection, report: IntegrityReport, script: ScriptDirectory) -> str | None:
    revision = migrate.current_revision(connection)
    report.revision = revision
    known = {rev.revision for rev in script.walk_revisions()}
    if revision is None:
        report.problems.append(
            Problem(check="revision", rows=0, what="no schema revision: not an annotator database, or an empty file")
        )
        return None
    if revision not in known:
        report.problems.append(
            Problem(
                check="revision",
                rows=0,
                what=f"revision {revision} was written by a newer annotator (this one knows up to {report.head})",
            )
        )
        return None
    if revision != report.head:
        report.problems.append(
            Problem(
                check="revision",
                rows=0,
                what=f"revision {revision} is older than {report.head}: any other command upgrades it when it opens it",
            )
        )
        return None
    differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    if differences:
        report.problems.append(
            Problem(
                check="revision",
                rows=len(differences),
                what="the tables differ from what the revision says (changed by hand?)",
                examples=[_describe_difference(d) for d in differences[:EXAMPLES]],
            )
        )
    return None


def _describe_difference(difference: Any) -> str:
    """Alembic's ("add_index", Index) as "missing index ix_…" (what the database lacks or has extra)."""
    if isinstance(difference, list):  # column changes come grouped: ("modify_type", schema, table, column, ...)
        kind, _schema, table, column, *_ = difference[0]
        return f"changed {kind.removeprefix('modify_')} of column {table}.{column}"
    kind, *rest = difference
    action, _, what = kind.partition("_")
    if what == "column":
        _schema, table, column = rest[:3]
        name = f"{table}.{column.name}"
    else:
        name = getattr(rest[0], "name", None) or str(rest[0])
    return f"{'missing' if action == 'add' else 'unexpected'} {what} {name}"


# -- orphans ------------------------------------------------------------------------------------


def _orphans(connection: Connection, report: IntegrityReport) -> str | None:
    cases = [
        ("sentence", "document", S, S.c.document_id, D.c.id, S.c.id),
        ("annotation", "sentence", A, A.c.sentence_id, S.c.id, A.c.id),
        ("annotation", "annotator", A, A.c.annotator_id, AN.c.id, A.c.id),
        ("gold", "sentence", G, G.c.sentence_id, S.c.id, G.c.id),
        ("event", "sentence", E, E.c.sentence_id, S.c.id, E.c.id),
        ("event", "annotator", E, E.c.annotator_id, AN.c.id, E.c.id),
    ]
    for table_name, parent, table, column, parent_id, row_id in cases:
        missing = ~select(parent_id).where(parent_id == column).exists()
        condition = missing if not column.nullable else (column.is_not(None) & missing)
        count = int(connection.execute(select(func.count()).select_from(table).where(condition)).scalar() or 0)
        if count:
            ids = connection.execute(select(row_id).where(condition).order_by(row_id).limit(EXAMPLES)).scalars()
            report.problems.append(
                Problem(
                    check="orphans",
                    table=table_name,
                    rows=count,
                    what=f"{table_name} rows whose {parent} is gone",
                    examples=[f"id {i}" for i in ids],
                )
            )
    value = connection.execute(select(SETTING.c.value).where(SETTING.c.key == ACTIVE_SCHEMA_KEY)).scalar()
    if value is not None:
        found = connection.execute(select(LS.c.id).where(LS.c.id == int(value))).first()
        if found is None:
            report.problems.append(
                Problem(
                    check="orphans",
                    table="setting",
                    rows=1,
                    what=f"the active schema setting points at label_schema {value}, which is gone",
                )
            )
    return None


# -- labels -------------------------------------------------------------------------------------


def _active_schema(connection: Connection) -> LabelSchema | None:
    value = connection.execute(select(SETTING.c.value).where(SETTING.c.key == ACTIVE_SCHEMA_KEY)).scalar()
    if value is None:
        return None
    definition = connection.execute(select(LS.c.definition).where(LS.c.id == int(value))).scalar()
    return schema_from_json(definition) if definition is not None else None


def _labels(connection: Connection, report: IntegrityReport) -> str | None:
    schema = _active_schema(connection)
    report.schema_ref = schema.ref if schema else None
    report.decisions = int(connection.execute(select(func.count()).select_from(A)).scalar() or 0)
    if schema is None:
        if report.decisions:
            report.problems.append(
                Problem(check="labels", table="annotation", rows=report.decisions, what="decisions but no label schema")
            )
        return None
    known = set(schema.label_ids)
    for table_name, table in (("annotation", A), ("gold", G)):
        labels_text = (
            cast(table.c.labels, Text)
            if connection.dialect.name == "postgresql"
            else type_coerce(table.c.labels, String)
        )
        # One row per distinct (labels, mask): a handful, whatever the number of decisions.
        grouped = connection.execute(
            select(labels_text, table.c.label_mask, func.count(), func.min(table.c.id)).group_by(
                labels_text, table.c.label_mask
            )
        ).all()
        unknown_rows: dict[str, int] = {}
        unknown_example: dict[str, str] = {}
        mismatched_rows = 0
        mismatched_examples: list[str] = []
        for stored, mask, count, first_id in grouped:
            labels = json.loads(stored) if stored else []
            outside = sorted(set(labels) - known)
            for label in outside:
                unknown_rows[label] = unknown_rows.get(label, 0) + int(count)
                unknown_example.setdefault(label, f"id {first_id}")
            if not outside and schema.mask_of(labels) != int(mask):
                mismatched_rows += int(count)
                mismatched_examples.append(f"id {first_id}: {','.join(labels) or '-'} but mask {mask}")
        for label in sorted(unknown_rows):
            report.problems.append(
                Problem(
                    check="labels",
                    table=table_name,
                    rows=unknown_rows[label],
                    what=f"label {label!r} is not in the active schema {schema.ref}",
                    examples=[unknown_example[label]],
                )
            )
        if mismatched_rows:
            report.problems.append(
                Problem(
                    check="labels",
                    table=table_name,
                    rows=mismatched_rows,
                    what="stored label mask disagrees with the label list (agreement would read other labels)",
                    examples=mismatched_examples[:EXAMPLES],
                )
            )
    return None


# -- sentences ----------------------------------------------------------------------------------


def _sentences(connection: Connection, report: IntegrityReport, progress: Progress | None) -> str | None:
    counts = connection.execute(
        select(D.c.id, D.c.name, D.c.n_sentences, func.count(S.c.id), func.min(S.c.idx), func.max(S.c.idx))
        .select_from(D.outerjoin(S, S.c.document_id == D.c.id))
        .group_by(D.c.id, D.c.name, D.c.n_sentences)
        .order_by(D.c.name)
    ).all()
    report.documents = len(counts)
    report.sentences = sum(int(row[3]) for row in counts)
    wrong_counts = [
        f"{name}: says {n}, has {count}" + (f" (indexes {low}..{high})" if count else "")
        for _id, name, n, count, low, high in counts
        if count != n or (count and (low != 0 or high != count - 1))
    ]
    if wrong_counts:
        report.problems.append(
            Problem(
                check="sentences",
                table="document",
                rows=len(wrong_counts),
                what="documents whose sentence count or indexes (0..n-1) disagree with their sentences",
                examples=wrong_counts[:EXAMPLES],
            )
        )
    bad: list[str] = []
    bad_count = 0
    done = 0
    for document_id, name, *_ in counts:
        text = connection.execute(select(D.c.text).where(D.c.id == document_id)).scalar() or ""
        last = -1
        while True:
            rows = connection.execute(
                select(S.c.idx, S.c.start, S.c.end, S.c.text)
                .where(S.c.document_id == document_id, S.c.idx > last)
                .order_by(S.c.idx)
                .limit(SENTENCE_BATCH)
            ).all()
            for idx, start, end, sentence in rows:
                if not (0 <= start <= end <= len(text)) or text[start:end] != sentence:
                    bad_count += 1
                    if len(bad) < EXAMPLES:
                        bad.append(f"{name}:{idx} [{start}:{end}]")
            done += len(rows)
            if progress is not None:
                progress(done, report.sentences)
            if len(rows) < SENTENCE_BATCH:
                break
            last = rows[-1][0]
    if bad_count:
        report.problems.append(
            Problem(
                check="sentences",
                table="sentence",
                rows=bad_count,
                what="sentences whose offsets do not reproduce their text in the document",
                examples=bad,
            )
        )
    return None
