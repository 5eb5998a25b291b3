"""The JSONL fast path (annotator.core.exporting.lines) writes the bytes of the records.

Every export here is written twice: by the fast path (lines as bytes from the rows) and
through the pydantic models (``SentenceRecord`` -> ``JsonlWriter``, the slow path every
other format takes); the files and the summaries must be the same, on SQLite and
PostgreSQL, whatever the options and the stored values.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text, update

from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.exporting import export_dataset, utc_text, write
from annotator.core.exporting.lines import _PLAIN_END, _stamp_pieces
from annotator.core.importing import SourceDocument, store_document
from annotator.core.models import ANNOTATION
from annotator.core.schemas import active_schema
from tests.test_export import build_project, sentence_ids


def _through_the_models(targets, plan, progress, stream=None):  # type: ignore[no-untyped-def]
    return write._write_records(targets, "jsonl", write._writer_options("jsonl", plan), plan, progress, stream)


def _both(engine: Engine, folder: Path, monkeypatch: pytest.MonkeyPatch, **options: Any) -> tuple[Any, Any]:
    """(fast summary, slow summary); the files are compared here."""
    split_files = options.get("split_files", False)
    fast_path, slow_path = (
        folder / ("fast" if split_files else "fast.jsonl"),
        folder / ("slow" if split_files else "slow.jsonl"),
    )
    fast = export_dataset(engine, fast_path, "jsonl", **options)
    with monkeypatch.context() as patch:
        patch.setattr(write, "_write_jsonl_fast", _through_the_models)
        slow = export_dataset(engine, slow_path, "jsonl", **options)
    pairs = (
        [(fast_path / name, slow_path / name) for name in ("train.jsonl", "dev.jsonl", "test.jsonl")]
        if split_files
        else [(fast_path, slow_path)]
    )
    for fast_file, slow_file in pairs:
        assert fast_file.read_bytes() == slow_file.read_bytes(), fast_file.name
    return fast, slow


def _same_summary(fast: Any, slow: Any) -> None:
    for field in ("sentences", "items", "bytes", "documents", "annotators", "decisions", "gold", "splits"):
        assert getattr(fast, field) == getattr(slow, field), field


def _awkward_project(engine: Engine) -> None:
    """build_project, plus what the cached pieces must not get wrong."""
    build_project(engine)
    store_document(
        engine,
        SourceDocument(
            name='odd "name" \\ ل',
            text="Line\u2028one\ttab \x1b[31m 😀 end.",
            source="odd.txt",
            meta={"nested": {"a": [1, 2.5, None, True]}, "ar": "نص", "ctrl": "\x00\x1f"},
        ),
        [(0, 27)],
        None,  # no language
    )
    schema = active_schema(engine)
    ids = sentence_ids(engine)
    quoted = ensure_annotator(engine, 'zo"fia\\')
    amal = ensure_annotator(engine, "amal")
    odd = ids[('odd "name" \\ ل', 0)]
    save_decision(
        engine,
        schema,
        quoted,
        odd,
        Change(labels=["retention"], status="labelled", note='\x1b[31mred\u2028 \\ " / \t end', seconds=1e-7),
    )
    save_decision(engine, schema, amal, odd, Change(labels=["retention"], status="labelled", seconds=12345.678901234))
    save_decision(
        engine,
        schema,
        quoted,
        ids[("ar-news", 0)],
        Change(labels=["ads_use", "data_sharing"], status="labelled", suggested=["ads_use", "retention"], seconds=3.0),
    )
    save_decision(engine, schema, quoted, ids[("en-policy", 1)], Change(status="skipped", suggested=[]))


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"gold": "unanimous"},
        {"gold": "adjudicated", "only_gold": True},
        {"only_gold": True},
        {"annotators": ["ola", 'zo"fia\\']},
        {"documents": ["pl-policy", 'odd "name" \\ ل']},
        {"ratios": (0.34, 0.33, 0.33), "seed": 3},
        {"ratios": (0.5, 0.25, 0.25), "split_files": True},
        {"batch": 2},
    ],
)
def test_the_fast_lines_are_the_records_bytes(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, Any]
) -> None:
    _awkward_project(engine)
    fast, slow = _both(engine, tmp_path, monkeypatch, **options)
    _same_summary(fast, slow)
    assert fast.sentences > 0


def test_timestamps_sqlite_did_not_write_itself(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored text of another shape (a tool wrote it): the chunk takes the slow way, same bytes."""
    _awkward_project(sqlite_engine)
    with sqlite_engine.begin() as connection:
        first, second, third = (
            row[0] for row in connection.execute(text("SELECT id FROM annotation ORDER BY id LIMIT 3"))
        )
        connection.execute(update(ANNOTATION).where(ANNOTATION.c.id == first).values(updated_at=datetime(2026, 1, 1)))
        connection.execute(
            text("UPDATE annotation SET updated_at = '2026-02-03 04:05:06' WHERE id = :i"), {"i": second}
        )
        connection.execute(
            text("UPDATE annotation SET updated_at = '2026-02-03T04:05:06.5+02:00' WHERE id = :i"), {"i": third}
        )
    fast, slow = _both(sqlite_engine, tmp_path, monkeypatch)
    _same_summary(fast, slow)
    assert b'"updated_at":"2026-02-03T02:05:06.500000Z"' in (tmp_path / "fast.jsonl").read_bytes()


_STAMPS = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 31)).map(
    lambda moment: moment.replace(microsecond=0) if moment.microsecond % 3 == 0 else moment
)
_VALUES = st.one_of(
    _STAMPS.map(lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S.%f")),  # SQLAlchemy's SQLite storage text
    _STAMPS.map(lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S")),
    _STAMPS.map(lambda moment: moment.isoformat() + "Z"),
    _STAMPS.map(lambda moment: moment.replace(tzinfo=UTC)),  # PostgreSQL's datetimes
    _STAMPS.map(lambda moment: moment.replace(tzinfo=timezone(timedelta(hours=-5)))),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_VALUES, max_size=12)
    | st.lists(_VALUES.filter(lambda v: isinstance(v, str) and len(v) == 26), max_size=12)
)
def test_a_chunk_of_timestamps_converts_as_each_one_does(values: list[Any]) -> None:
    expected = [b'"updated_at":' + orjson.dumps(utc_text(value)) + b',"seconds":' + _PLAIN_END for value in values]
    assert _stamp_pieces(values) == expected


def test_the_plain_tables_name_real_columns() -> None:
    """exporting.tables declares the columns an export reads: each exists in the models."""
    from annotator.core import models
    from annotator.core.exporting import tables

    for name in ("DOCUMENT", "SENTENCE", "ANNOTATOR", "ANNOTATION", "GOLD"):
        plain, real = getattr(tables, name), getattr(models, name)
        assert plain.name == real.name
        for column in plain.c:
            assert column.name in real.c, f"{real.name}.{column.name}"
            # the same kind of value (SQLModel's AutoString is a string of any length)
            kind = real.c[column.name].type
            assert type(column.type).__name__ == type(kind).__name__ or type(kind).__name__ == "AutoString", column.name


def test_an_export_does_not_load_the_orm_models() -> None:
    """The export's code path reads through plain Core tables: SQLModel stays out of the process (memory)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from annotator.core.db import open_database\n"
        "from annotator.core.exporting import export_dataset\n"
        "from annotator.core.schemas import active_schema\n"
        "assert 'annotator.core.models' not in sys.modules and 'sqlmodel' not in sys.modules, 'loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
