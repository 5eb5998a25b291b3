"""The record's shape is stable whatever the data, and Hugging Face ``datasets`` loads it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from annotator.core.formats import (
    Annotation,
    AnnotationRow,
    Gold,
    SentenceRecord,
    content_doc_id,
    hf_features,
    record_to_rows,
    sentence_hash,
    write_records,
)

KEYS = [
    "id",
    "doc_id",
    "doc_name",
    "sent_idx",
    "start",
    "end",
    "lang",
    "text",
    "annotations",
    "gold",
    "schema",
    "split",
    "meta",
]
ANN_KEYS = [
    "annotator",
    "labels",
    "status",
    "negated",
    "flagged",
    "note",
    "updated_at",
    "seconds",
    "suggested",
    "accepted",
]


def _rec(**kw) -> SentenceRecord:
    base = {
        "doc_id": "0123456789abcdef",
        "doc_name": "p.txt",
        "sent_idx": 3,
        "start": 10,
        "end": 14,
        "text": "abcd",
    }
    return SentenceRecord(**{**base, **kw})


def test_shape_is_the_same_for_empty_and_full_records() -> None:
    empty = _rec().to_json_dict()
    full = _rec(
        lang="ar",
        annotations=[
            Annotation(
                annotator="amal",
                labels=["ads_use"],
                note="x",
                updated_at="2026-11-24T10:00:00Z",
            )
        ],
        gold=Gold(labels=["ads_use"], method="adjudicated", by="lead"),
        split="train",
        meta={"source": "web"},
    ).to_json_dict()
    assert list(empty) == KEYS == list(full)
    assert empty["id"] == "0123456789abcdef:3"
    assert empty["gold"] is None and empty["annotations"] == [] and empty["meta"] == {}
    assert empty["schema"] == "privacy@1"
    assert list(full["annotations"][0]) == ANN_KEYS
    assert full["gold"] == {
        "labels": ["ads_use"],
        "method": "adjudicated",
        "by": "lead",
        "agreed": ["amal"],  # derived from the annotations, always
    }


def test_normalisation() -> None:
    rec = _rec(
        lang="",
        annotations=[
            Annotation(
                annotator="ola",
                labels=["b", "a", "b"],
                note="",
                updated_at="2026-11-24T11:00:00+01:00",
            ),
            Annotation(annotator="amal", updated_at="2026-11-24T10:00:00.250000"),
        ],
    )
    assert [a.annotator for a in rec.annotations] == ["amal", "ola"]
    assert rec.annotations[1].labels == ["a", "b"]
    assert rec.annotations[1].note is None
    assert rec.annotations[1].updated_at == "2026-11-24T10:00:00Z"
    assert rec.annotations[0].updated_at == "2026-11-24T10:00:00.250000Z"
    assert rec.lang is None


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"id": "other:3"}, "is not '<doc_id>:<sent_idx>'"),
        ({"start": 20}, "before start"),
        ({"split": "validation"}, "split"),
        (
            {"annotations": [{"annotator": "a", "updated_at": "2026-11-24T10:00:00Z"}] * 2},
            "more than one annotation by a",
        ),
        (
            {
                "annotations": [
                    {
                        "annotator": "a",
                        "labels": ["two words"],
                        "updated_at": "2026-11-24T10:00:00Z",
                    }
                ]
            },
            "invalid label",
        ),
        (
            {
                "annotations": [
                    {
                        "annotator": "a",
                        "labels": ["a|b"],
                        "updated_at": "2026-11-24T10:00:00Z",
                    }
                ]
            },
            "invalid label",
        ),
        ({"annotations": [{"annotator": "a", "updated_at": "yesterday"}]}, "ISO-8601"),
        (
            {
                "annotations": [
                    {
                        "annotator": "a",
                        "status": "done",
                        "updated_at": "2026-11-24T10:00:00Z",
                    }
                ]
            },
            "status",
        ),
        ({"gold": {"labels": [], "method": "vote"}}, "method"),
        ({"extra": 1}, "extra"),
    ],
)
def test_invalid_records_are_rejected(kw: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("|", r"\|").replace("(", r"\(")):
        _rec(**kw)


def test_rows_flatten_one_per_annotator_and_one_for_nobody() -> None:
    rec = _rec(
        annotations=[
            Annotation(annotator="amal", labels=["none"], updated_at="2026-11-24T10:00:00Z"),
            Annotation(annotator="ola", status="skipped", updated_at="2026-11-24T10:00:00Z"),
        ],
        gold=Gold(labels=["none"], method="unanimous"),
    )
    rows = record_to_rows(rec)
    assert [r.annotator for r in rows] == ["amal", "ola"]
    assert all(r.gold == rec.gold for r in rows)
    (nobody,) = record_to_rows(_rec())
    assert nobody.annotator is None and nobody.status is None and nobody.labels == []
    # same keys in both cases
    assert list(nobody.model_dump(by_alias=True)) == list(rows[0].model_dump(by_alias=True))
    with pytest.raises(ValidationError, match="without annotator"):
        AnnotationRow.model_validate({**nobody.model_dump(by_alias=True), "status": "labelled"})


def test_hashes() -> None:
    assert sentence_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert content_doc_id("abc") == "ba7816bf8f01cfea"


def _mixed_records(n: int = 12) -> list[SentenceRecord]:
    records = []
    for i in range(n):
        kw: dict = {"doc_id": f"doc{i % 3}", "sent_idx": i, "text": f"نص {i} zdanie"}
        if i % 3 == 1:
            kw["annotations"] = [
                Annotation(
                    annotator="amal",
                    labels=["ads_use", "data_sharing"],
                    updated_at="2026-11-24T10:00:00Z",
                ),
                Annotation(
                    annotator="ola",
                    status="skipped",
                    note='a "note",\nwith lines',
                    updated_at="2026-11-24T10:00:00Z",
                ),
            ]
            kw["gold"] = Gold(labels=["ads_use"], method="majority")
            kw["meta"] = {"source": "web", "year": 2024}
        if i % 3 == 2:
            kw["annotations"] = [Annotation(annotator="lead", labels=["none"], updated_at="2026-11-24T10:00:00Z")]
            kw["split"] = "test"
        records.append(_rec(**{**kw, "end": 10 + len(kw["text"])}))
    return records


def test_hugging_face_datasets_loads_our_jsonl(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    records = _mixed_records()
    path = tmp_path / "export.jsonl"
    write_records(records, path, "jsonl")
    ds = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "cache"))
    assert ds.num_rows == len(records)
    assert list(ds.column_names) == KEYS
    assert ds[0]["gold"] is None and ds[0]["annotations"] == []
    assert ds[1]["gold"] == {"labels": ["ads_use"], "method": "majority", "by": None, "agreed": []}
    assert ds[1]["annotations"][1]["note"] == 'a "note",\nwith lines'
    assert ds[1]["text"] == "نص 1 zdanie"


def _late_values_records() -> list[SentenceRecord]:
    """Nulls everywhere for the first lines, values only at the end of the file."""
    records = [_rec(doc_id="d", sent_idx=i, text="x" * 40, end=50) for i in range(400)]
    records.append(
        _rec(
            doc_id="d",
            sent_idx=400,
            lang="pl",
            split="dev",
            meta={"k": "v"},
            annotations=[
                Annotation(
                    annotator="amal",
                    labels=["none"],
                    note="late",
                    updated_at="2026-11-24T10:00:00Z",
                )
            ],
            gold=Gold(labels=["none"], method="adjudicated", by="lead"),
        )
    )
    return records


def test_hugging_face_needs_our_features_when_first_chunk_has_only_nulls(
    tmp_path: Path,
) -> None:
    """HF infers the column types from the first chunk (10 MB by default); our features
    make loading independent of where the first note/gold/annotation appears (without
    them, datasets 5.2 fails here: "Couldn't cast array of type struct<...> to null")."""
    datasets = pytest.importorskip("datasets")
    path = tmp_path / "late.jsonl"
    write_records(_late_values_records(), path, "jsonl")
    ds = datasets.load_dataset(
        "json",
        data_files=str(path),
        split="train",
        cache_dir=str(tmp_path / "c2"),
        chunksize=4096,
        features=hf_features(),
    )
    last = ds[400]
    assert last["gold"] == {"labels": ["none"], "method": "adjudicated", "by": "lead", "agreed": ["amal"]}
    assert last["annotations"][0]["note"] == "late"
    assert last["meta"] == {"k": "v"} and last["split"] == "dev"
    assert ds[0]["gold"] is None and ds[0]["annotations"] == []


def test_core_formats_import_no_ui_libraries() -> None:
    code = (
        "import sys, annotator.core.formats as f; "
        "bad = [m for m in ('textual', 'rich', 'typer', 'datasets') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_written_jsonl_keeps_arabic_readable(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    write_records([_rec(text="لا نبيع بياناتك", end=25)], path, "jsonl")
    raw = path.read_text(encoding="utf-8")
    assert "لا نبيع بياناتك" in raw and "\\u" not in raw
    assert json.loads(raw)["text"] == "لا نبيع بياناتك"
