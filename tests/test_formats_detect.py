"""Format detection, foreign files (as the tools write them), and error messages."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from annotator.core.formats import (
    Annotation,
    FormatError,
    Gold,
    SentenceRecord,
    detect_format,
    read_records,
    write_records,
)
from annotator.core.formats.csv_format import HEADER
from annotator.core.formats.prodigy import input_hash, task_hash

T = "2026-11-24T10:00:00Z"


def _jsonl(path: Path, objs: list) -> Path:
    path.write_text(
        "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs),
        encoding="utf-8",
    )
    return path


def _sample() -> list[SentenceRecord]:
    return [
        SentenceRecord(
            doc_id="d",
            doc_name="p",
            sent_idx=0,
            start=0,
            end=3,
            text="abc",
            annotations=[Annotation(annotator="amal", labels=["none"], updated_at=T)],
            gold=Gold(labels=["none"], method="adjudicated", by="lead"),
        ),
        SentenceRecord(doc_id="d", doc_name="p", sent_idx=1, start=4, end=7, text="def"),
    ]


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("jsonl", "a.jsonl"),
        ("jsonl-annotations", "b.jsonl"),
        ("prodigy", "c.jsonl"),
        ("labelstudio", "d.json"),
        ("csv", "e.csv"),
        ("doccano", "f.zip"),
        ("doccano", "g"),
    ],
)
def test_detects_our_writers(tmp_path: Path, fmt: str, name: str) -> None:
    opts = {"annotators": ["amal"]} if fmt == "doccano" else {}
    path = tmp_path / name
    write_records(_sample(), path, fmt, **opts)
    renamed = tmp_path / ("renamed.txt" if fmt != "doccano" or name.endswith(".zip") else "renamed")
    path.rename(renamed)  # the content decides, not the name
    assert detect_format(renamed) == fmt
    assert list(read_records(renamed)) == _sample()


def test_plain_jsonl_of_documents(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "docs.jsonl",
        [{"text": "A whole policy.", "title": "x"}, {"text": "Another."}],
    )
    assert detect_format(path) == "plain-jsonl"
    with pytest.raises(FormatError, match="not an annotated export"):
        list(read_records(path))


def test_unrecognised(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("Just a policy text.\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"x\.txt: unrecognised format"):
        detect_format(path)
    (tmp_path / "n.jsonl").write_text('{"foo": 1}\n')
    with pytest.raises(FormatError, match="unrecognised"):
        detect_format(tmp_path / "n.jsonl")
    other_csv = tmp_path / "o.csv"
    other_csv.write_text("text,label\nhello,x\n")
    with pytest.raises(FormatError):
        detect_format(other_csv)
    with pytest.raises(FormatError, match="no such file"):
        detect_format(tmp_path / "missing.jsonl")


def test_real_prodigy_db_out(tmp_path: Path) -> None:
    """Lines as ``prodigy db-out`` writes them: dataset-session ids, no doc fields, not grouped."""
    opts = [{"id": "ads_use", "text": "Ads"}, {"id": "data_sharing", "text": "Sharing"}]
    base = {
        "text": "We share data with advertisers.",
        "options": opts,
        "_view_id": "choice",
        "_input_hash": 1,
        "_task_hash": 2,
        "meta": {"source": "policy-7"},
    }
    lines = [
        {
            **base,
            "accept": ["ads_use", "data_sharing"],
            "answer": "accept",
            "_annotator_id": "privacy-amal",
            "_session_id": "privacy-amal",
            "_timestamp": 1795514400,
        },
        {
            "text": "Other.",
            "options": opts,
            "accept": [],
            "answer": "ignore",
            "_annotator_id": "privacy-ola",
            "_session_id": "privacy-ola",
            "_timestamp": 1795514401,
        },
        {
            **base,
            "accept": ["data_sharing"],
            "answer": "reject",
            "_annotator_id": "privacy-ola",
            "_session_id": "privacy-ola",
            "_timestamp": 1795514402,
        },
    ]
    path = _jsonl(tmp_path / "db-out.jsonl", lines)
    assert detect_format(path) == "prodigy"
    first, second = read_records(path, dataset="privacy")
    assert first.text == "We share data with advertisers."
    assert first.doc_id == first.doc_name and len(first.doc_id) == 16 and first.sent_idx == 0
    assert first.meta == {"source": "policy-7"}
    assert [(a.annotator, a.labels, a.status) for a in first.annotations] == [
        ("amal", ["ads_use", "data_sharing"], "labelled"),
        ("ola", ["data_sharing"], "skipped"),
    ]
    assert first.annotations[0].updated_at == "2026-11-24T10:00:00Z"
    assert second.annotations[0].status == "skipped"
    # streaming mode keeps memory flat but yields a non-consecutive sentence twice
    assert [r.text for r in read_records(path, streaming=True)] == [
        first.text,
        "Other.",
        first.text,
    ]


def test_prodigy_hashes_are_deterministic_signed_32_bit() -> None:
    assert input_hash("abc") == input_hash("abc") != input_hash("abd")
    assert -(2**31) <= input_hash("abc") < 2**31
    assert task_hash("abc", ["a"]) != task_hash("abc", ["a", "b"])


def test_real_doccano_zip(tmp_path: Path) -> None:
    """A zip as doccano exports it: every example in every member's file, numeric ids."""
    path = tmp_path / "doccano.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "admin.jsonl",
            "\n".join(
                json.dumps(x)
                for x in [
                    {
                        "id": 11,
                        "text": "We sell data.",
                        "source": "a",
                        "label": ["data_sharing"],
                        "Comments": [],
                    },
                    {
                        "id": 12,
                        "text": "Hello.",
                        "source": "b",
                        "label": [],
                        "Comments": [],
                    },
                ]
            )
            + "\n",
        )
        zf.writestr(
            "ola.jsonl",
            "\n".join(
                json.dumps(x)
                for x in [
                    {
                        "id": 11,
                        "text": "We sell data.",
                        "source": "a",
                        "label": ["ads_use", "data_sharing"],
                        "Comments": ["unsure"],
                    },
                    {
                        "id": 12,
                        "text": "Hello.",
                        "source": "b",
                        "label": [],
                        "Comments": [],
                    },
                ]
            )
            + "\n",
        )
    assert detect_format(path) == "doccano"
    first, second = read_records(path, default_updated_at=T)
    assert [(a.annotator, a.labels, a.note) for a in first.annotations] == [
        ("admin", ["data_sharing"], None),
        ("ola", ["ads_use", "data_sharing"], "unsure"),
    ]
    assert first.meta == {"source": "a"} and first.annotations[0].updated_at == T
    assert second.annotations == []


def test_real_label_studio_export(tmp_path: Path) -> None:
    """Pretty-printed, numeric completed_by, extra keys, one cancelled annotation."""
    tasks = [
        {
            "id": 1,
            "data": {"text": "We keep data for 5 years.", "url": "x"},
            "project": 3,
            "annotations": [
                {
                    "id": 7,
                    "completed_by": 2,
                    "was_cancelled": False,
                    "ground_truth": False,
                    "result": [
                        {
                            "id": "a",
                            "from_name": "cat",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": ["retention"]},
                        }
                    ],
                    "created_at": "2026-03-09T21:52:49.513742Z",
                    "updated_at": "2026-03-09T22:16:08.746926Z",
                },
                {
                    "id": 8,
                    "completed_by": {"email": "ola@example.org"},
                    "was_cancelled": True,
                    "result": [],
                    "updated_at": "2026-03-10T08:00:00Z",
                },
            ],
            "predictions": [],
        },
        {"id": 2, "data": {"text": "Nothing."}, "annotations": []},
    ]
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(tasks, indent=2), encoding="utf-8")
    assert detect_format(path) == "labelstudio"
    first, second = read_records(path)
    assert [(a.annotator, a.labels, a.status) for a in first.annotations] == [
        ("labelstudio-user-2", ["retention"], "labelled"),
        ("ola@example.org", [], "skipped"),
    ]
    assert first.annotations[0].updated_at == "2026-03-09T22:16:08.746926Z"
    assert first.meta == {"url": "x"}
    assert second.annotations == []


def test_label_studio_choices_always_a_list(tmp_path: Path) -> None:
    path = tmp_path / "ls.json"
    one = SentenceRecord(
        doc_id="d",
        doc_name="p",
        sent_idx=0,
        start=0,
        end=1,
        text="a",
        annotations=[Annotation(annotator="amal", labels=["none"], updated_at=T)],
    )
    write_records([one], path, "labelstudio")
    (task,) = json.loads(path.read_text(encoding="utf-8"))
    (ann,) = task["annotations"]
    assert ann["result"][0]["value"]["choices"] == ["none"]
    assert ann["result"][0]["type"] == "choices" and ann["was_cancelled"] is False
    assert ann["completed_by"] == {"email": "amal@annotator.invalid"}


def test_csv_header_and_formula_guard(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    rec = SentenceRecord(
        doc_id="d",
        doc_name="=cmd()",
        sent_idx=0,
        start=0,
        end=9,
        text="=1+2, “x”",
        annotations=[Annotation(annotator="@amal", labels=["none"], note="-5", updated_at=T)],
    )
    write_records([rec], path, "csv")
    raw = path.read_bytes().decode("utf-8-sig")
    header, row = raw.split("\r\n")[:2]
    assert header.split(",") == list(HEADER)
    assert "'=cmd()" in row and '"\'=1+2, “x”"' in row and "'@amal" in row and "'-5" in row
    assert list(read_records(path)) == [rec]


# ------------------------------------------------------------------ errors


def test_error_in_our_jsonl_names_file_line_and_field(tmp_path: Path) -> None:
    good = _sample()[0].to_json_dict()
    bad = {
        **good,
        "sent_idx": 1,
        "id": "d:1",
        "annotations": [{**good["annotations"][0], "status": "done"}],
    }
    path = _jsonl(tmp_path / "x.jsonl", [good, bad])
    with pytest.raises(FormatError) as info:
        list(read_records(path))
    err = info.value
    assert (err.path, err.line) == (str(path), 2)
    assert str(err) == f"{path}:2: " + err.message
    assert "annotations.0.status" in err.message and "\n" not in str(err)


def test_error_for_broken_json(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    write_records(_sample(), path, "jsonl")
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"id": "d:2", "doc_id": \n')
    with pytest.raises(FormatError, match=r"x\.jsonl:3: not valid JSON"):
        list(read_records(path, "jsonl"))


def test_error_for_conflicting_lines_of_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    write_records(_sample(), path, "prodigy")
    lines = path.read_text(encoding="utf-8").splitlines()
    task = json.loads(lines[0])
    task["_annotator_id"] = task["_session_id"] = "ola"
    task["meta"]["doc_name"] = "other"
    path.write_text("\n".join([*lines, json.dumps(task)]) + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"p\.jsonl:3: sentence d:0 differs from line 1 in: doc_name"):
        list(read_records(path))


def test_error_in_csv_row(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    write_records(_sample(), path, "csv")
    text = path.read_text(encoding="utf-8-sig").replace(",labelled,false,", ",labelled,maybe,")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=r"x\.csv:2: negated: expected true or false"):
        list(read_records(path))


def test_error_in_label_studio_task(tmp_path: Path) -> None:
    path = tmp_path / "ls.json"
    write_records(_sample(), path, "labelstudio")
    text = path.read_text(encoding="utf-8").replace(
        '"completed_by":{"email":"amal@annotator.invalid"}', '"completed_by":[1]'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=r"ls\.json:2: completed_by"):
        list(read_records(path))


def test_error_in_doccano_member(tmp_path: Path) -> None:
    folder = tmp_path / "dc"
    write_records(_sample(), folder, "doccano", annotators=["amal"])
    member = folder / "amal.jsonl"
    member.write_text(
        member.read_text(encoding="utf-8").replace('"label":["none"]', '"label":[[0,3,"none"]]'),
        encoding="utf-8",
    )
    with pytest.raises(FormatError, match=r"amal\.jsonl:1: label: expected a list of label names"):
        list(read_records(folder))


def test_missing_field_error(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "p.jsonl",
        [{"options": [], "answer": "accept", "_annotator_id": "a", "_timestamp": 1}],
    )
    with pytest.raises(FormatError, match=r"p\.jsonl:1: missing field 'text'"):
        list(read_records(path, "prodigy"))
