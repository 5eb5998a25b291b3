"""Records with annotation fields are annotated data (issue 10, finding 1): detection, and
the documented defaults for what a hand-made file leaves out."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from annotator.core.formats import FormatError, detect_format, format_utc, read_records
from annotator.core.formats.records import SCHEMA_DEFAULT, content_doc_id, parse_utc


def _jsonl(path: Path, objs: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("record", "kind"),
    [
        ({"doc_id": "d", "sent_idx": 0, "text": "x", "annotations": []}, "jsonl"),  # no schema
        ({"text": "x", "annotations": [{"annotator": "a"}]}, "jsonl"),  # no sentence fields at all
        ({"data": {"text": "x"}, "annotations": []}, "labelstudio"),
        ({"text": "x", "annotator": "a", "labels": ["none"]}, "jsonl-annotations"),
        ({"doc_id": "d", "sent_idx": 0, "text": "x", "annotator": None}, "jsonl-annotations"),
        ({"text": "x", "accept": ["none"]}, "prodigy"),
        ({"text": "x", "answer": "accept"}, "prodigy"),
        ({"text": "x", "label": ["none"]}, "doccano"),
        ({"text": "x", "title": "t"}, "plain-jsonl"),
    ],
)
def test_detection(tmp_path: Path, record: dict[str, object], kind: str) -> None:
    assert detect_format(_jsonl(tmp_path / "f.jsonl", [record])) == kind


@pytest.mark.parametrize("field", ["label", "result", "labels", "annotations"])
def test_annotation_fields_in_no_known_shape_are_never_plain_documents(tmp_path: Path, field: str) -> None:
    value: object = 3 if field == "label" else [{"value": 1}]
    record = {"text": "x", field: value}
    if field == "annotations":
        record["data"] = "not an object"  # neither ours nor Label Studio's... read as ours, then refused
        with pytest.raises(FormatError):
            list(read_records(_jsonl(tmp_path / "f.jsonl", [record])))
        return
    with pytest.raises(FormatError, match="unrecognised"):
        detect_format(_jsonl(tmp_path / "f.jsonl", [record]))


def test_defaults_for_a_hand_made_file(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "hand.jsonl",
        [
            {"doc_id": "d", "sent_idx": 0, "text": "We share data.", "annotations": [{"annotator": "amal"}]},
            {"doc_id": "d", "sent_idx": 1, "text": "No.", "annotations": [{"annotator": "amal", "labels": ["none"]}]},
            {"doc_id": "d", "sent_idx": 2, "start": 30, "text": "Later.", "annotations": []},
            {"doc_id": "d", "sent_idx": 3, "text": "Then.", "annotations": []},
            {"text": "On its own.", "annotations": [{"annotator": "ola", "status": "skipped"}]},
        ],
    )
    os.utime(path, (1795514400, 1795514400))
    records = list(read_records(path))
    assert [(r.doc_id, r.sent_idx, r.start, r.end) for r in records] == [
        ("d", 0, 0, 14),
        ("d", 1, 15, 18),
        ("d", 2, 30, 36),  # given start: end from the text
        ("d", 3, 37, 42),  # after the previous sentence of its document
        (content_doc_id("On its own."), 0, 0, 11),  # no doc_id: a one-sentence document
    ]
    assert {r.schema_name for r in records} == {SCHEMA_DEFAULT}
    assert records[0].doc_name == "d" and records[4].doc_name == records[4].doc_id
    mtime = format_utc(parse_utc("2026-11-24T10:00:00Z"))  # the file's modification time
    first = records[0].annotations[0]
    assert (first.status, first.labels, first.updated_at) == ("labelled", [], mtime)
    assert records[4].annotations[0].status == "skipped"


def test_rows_of_one_sentence_share_its_default_offsets(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "rows.jsonl",
        [
            {"doc_id": "d", "sent_idx": 0, "text": "Yes.", "annotator": "amal", "labels": ["none"]},
            {"doc_id": "d", "sent_idx": 0, "text": "Yes.", "annotator": "ola", "labels": ["none"]},
            {"doc_id": "d", "sent_idx": 1, "text": "No.", "annotator": "ola", "labels": ["none"]},
        ],
    )
    records = list(read_records(path))
    assert [(r.start, r.end, [a.annotator for a in r.annotations]) for r in records] == [
        (0, 4, ["amal", "ola"]),
        (5, 8, ["ola"]),
    ]


def test_what_cannot_be_inferred_is_named(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "x.jsonl", [{"doc_id": "d", "text": "x", "annotations": []}])
    with pytest.raises(FormatError, match=r"x\.jsonl:1: .*sent_idx"):
        list(read_records(path))
