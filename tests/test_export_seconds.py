"""The decision time in the export: `seconds` in every format, read back, and old files still read."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.exporting import export_dataset
from annotator.core.formats import FORMATS, detect_format, read_records
from annotator.core.formats.csv_format import HEADER
from annotator.core.importing import import_paths
from annotator.core.models import ANNOTATION
from annotator.core.repository import find_document, sentence_page
from annotator.core.schemas import active_schema
from tests.conftest import SEEDS


@pytest.fixture
def timed(engine: Engine) -> Engine:
    import_paths(engine, [SEEDS / "004_07191d38325b842d.txt"])
    schema = active_schema(engine)
    rows = sentence_page(engine, find_document(engine, "004").id, 0, 3)
    amal, ola = ensure_annotator(engine, "amal"), ensure_annotator(engine, "ola")
    save_decision(engine, schema, amal, rows[0].id, Change(labels=["data_sharing"], status="labelled", seconds=4.2))
    save_decision(engine, schema, amal, rows[0].id, Change(note="why", seconds=0.05))
    save_decision(engine, schema, ola, rows[0].id, Change(labels=["none"], status="labelled"))  # not measured
    save_decision(engine, schema, amal, rows[1].id, Change(status="skipped", seconds=12.0))
    return engine


def test_jsonl_carries_seconds_and_null_when_not_measured(timed: Engine, tmp_path: Path) -> None:
    export_dataset(timed, tmp_path / "out.jsonl", "jsonl")
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    first = {a["annotator"]: a["seconds"] for a in records[0]["annotations"]}
    assert first == {"amal": 4.25, "ola": None}
    assert records[1]["annotations"][0]["seconds"] == 12.0
    assert all("seconds" in a for r in records for a in r["annotations"])


def test_label_studio_uses_its_own_lead_time(timed: Engine, tmp_path: Path) -> None:
    export_dataset(timed, tmp_path / "ls.json", "labelstudio")
    tasks = json.loads((tmp_path / "ls.json").read_text("utf-8"))
    times = {a["completed_by"]["email"]: a["lead_time"] for a in tasks[0]["annotations"]}
    assert times == {"amal@annotator.invalid": 4.25, "ola@annotator.invalid": None}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_brings_the_seconds_back(timed: Engine, tmp_path: Path, fmt: str) -> None:
    suffix = {"doccano": ".zip", "labelstudio": ".json", "csv": ".csv"}.get(fmt, ".jsonl")
    path = tmp_path / f"out{suffix}"
    export_dataset(timed, path, fmt)
    other = open_database(str(tmp_path / "other.db"))
    assert not import_paths(other, [path]).refused
    with other.connect() as connection:
        stored = sorted(connection.execute(select(ANNOTATION.c.seconds)).scalars(), key=lambda v: (v is None, v))
    other.dispose()
    assert stored == [4.25, 12.0, None]


def test_a_csv_written_before_seconds_existed_still_reads(timed: Engine, tmp_path: Path) -> None:
    export_dataset(timed, tmp_path / "new.csv", "csv")
    with open(tmp_path / "new.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(HEADER)
    at = HEADER.index("seconds")
    old = tmp_path / "old.csv"
    with open(old, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows([row[:at] + row[at + 1 :] for row in rows])
    assert detect_format(old) == "csv"
    records = list(read_records(old, "csv"))
    assert records and all(a.seconds is None for r in records for a in r.annotations)
    assert [len(r.annotations) for r in records] == [
        len(r.annotations) for r in read_records(tmp_path / "new.csv", "csv")
    ]
