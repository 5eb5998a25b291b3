"""Export from the database: the record, gold policies, filters, splits, every format read
back and imported back, keyset paging, the HF datasets load, atomic writing, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select

from annotator.core import exporting
from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.exporting import computed_gold, export_dataset, plan_export, utc_text
from annotator.core.formats import (
    EXTENSIONS,
    FORMATS,
    Annotation,
    SentenceRecord,
    choose_gold,
    detect_format,
    hf_features,
    read_records,
)
from annotator.core.importing import SourceDocument, import_paths, store_document
from annotator.core.models import Gold, Sentence
from annotator.core.schemas import active_schema
from tests.test_formats_records import ANN_KEYS as ANNOTATION_KEYS
from tests.test_formats_records import KEYS

DOCS = {
    # name: (text, sentence spans, lang)
    "ar-news": (
        "طلبت فيسبوك بيانات العملاء؟ نعم، طلبت ذلك.\nلا نبيع بياناتك لأي طرف.",
        [(0, 27), (28, 42), (43, 67)],
        "ar",
    ),
    "pl-policy": (
        "Przetwarzamy m.in. Twój adres e-mail. Zgoda może zostać wycofana.\n\nDane przechowujemy 5 lat.",
        [(0, 37), (38, 65), (67, 92)],
        "pl",
    ),
    "en-policy": (
        'We share data with "partners" [@click=app.quit]. We keep logs.',
        [(0, 48), (49, 62)],
        "en",
    ),
}


def sentence_ids(engine: Engine) -> dict[tuple[str, int], int]:
    from annotator.core.models import Document

    with engine.connect() as connection:
        rows = connection.execute(
            select(Document.name, Sentence.idx, Sentence.id).join(Document, Document.id == Sentence.document_id)
        ).all()
    return {(name, idx): sid for name, idx, sid in rows}


def build_project(engine: Engine) -> dict[tuple[str, int], int]:
    """Three documents (Arabic, Polish, English), three annotators, flags, notes, gold."""
    for name, (text, spans, lang) in DOCS.items():
        for start, end in spans:
            assert text[start:end].strip() == text[start:end]
        store_document(
            engine, SourceDocument(name=name, text=text, source=f"{name}.txt", meta={"origin": name}), spans, lang
        )
    schema = active_schema(engine)
    ids = sentence_ids(engine)
    amal, ola, piotr = (ensure_annotator(engine, n) for n in ("amal", "ola", "piotr"))

    def save(who: int, key: tuple[str, int], **change: Any) -> None:
        save_decision(engine, schema, who, ids[key], Change(**change))

    # ar-news 0: all three agree -> unanimous
    for who in (amal, ola, piotr):
        save(who, ("ar-news", 0), labels=["data_sharing", "ads_use"], status="labelled")
    # ar-news 1: 2 of 3 -> majority only
    save(amal, ("ar-news", 1), labels=["data_sharing"], status="labelled")
    save(ola, ("ar-news", 1), labels=["data_sharing"], status="labelled")
    save(piotr, ("ar-news", 1), labels=["retention"], status="labelled", negated=True)
    # ar-news 2: one labelled (negated, flagged, note), one skipped -> no gold
    save(
        amal,
        ("ar-news", 2),
        labels=["data_sharing"],
        status="labelled",
        negated=True,
        flagged=True,
        note='check "this" — لا نبيع',
    )
    save(ola, ("ar-news", 2), status="skipped")
    # pl-policy 0: only a flag and a note so far (status open)
    save(ola, ("pl-policy", 0), flagged=True, note="zapytać kierownika")
    # pl-policy 1: a tie -> no majority; an adjudicated gold wins anyway
    save(amal, ("pl-policy", 1), labels=["consent_choice"], status="labelled")
    save(ola, ("pl-policy", 1), labels=["user_rights"], status="labelled")
    with engine.begin() as connection:
        connection.execute(
            insert(Gold).values(
                sentence_id=ids[("pl-policy", 1)],
                labels=["consent_choice", "user_rights"],
                label_mask=schema.mask_of(["consent_choice", "user_rights"]),
                method="adjudicated",
                by="lead",
            )
        )
        # a rule's gold stored by gold --auto (stale: the decisions below now say none): a
        # stored gold wins whatever its method, until gold --auto runs again
        connection.execute(
            insert(Gold).values(
                sentence_id=ids[("pl-policy", 2)],
                labels=["retention"],
                label_mask=schema.mask_of(["retention"]),
                method="majority",
                by=None,
            )
        )
    # pl-policy 2: amal and piotr say none
    save(amal, ("pl-policy", 2), labels=["none"], status="labelled")
    save(piotr, ("pl-policy", 2), labels=["none"], status="labelled")
    # en-policy: piotr alone; en-policy 1 untouched
    save(piotr, ("en-policy", 0), labels=["data_sharing"], status="labelled", note="markup [b]not[/b] here")
    return ids


def export_lines(engine: Engine, path: Path, **options: Any) -> list[dict[str, Any]]:
    export_dataset(engine, path, "jsonl", **options)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in records}


def uid(name: str) -> str:
    import hashlib

    return hashlib.sha256(DOCS[name][0].encode()).hexdigest()[:16]


def test_the_record_has_every_annotator_the_gold_and_a_stable_shape(engine: Engine, tmp_path: Path) -> None:
    build_project(engine)
    records = export_lines(engine, tmp_path / "out.jsonl")
    assert len(records) == 8
    # order: document name, then index
    assert [(r["doc_name"], r["sent_idx"]) for r in records] == [
        ("ar-news", 0),
        ("ar-news", 1),
        ("ar-news", 2),
        ("en-policy", 0),
        ("en-policy", 1),
        ("pl-policy", 0),
        ("pl-policy", 1),
        ("pl-policy", 2),
    ]
    for record in records:
        assert list(record) == KEYS  # every key, always, in this order
        for ann in record["annotations"]:
            assert list(ann) == ANNOTATION_KEYS
            assert isinstance(ann["labels"], list)
        assert SentenceRecord.model_validate(record).to_json_dict() == record  # the fast path is the model's shape
        text = DOCS[record["doc_name"]][0]
        assert text[record["start"] : record["end"]] == record["text"]
    first = records[0]
    assert first["id"] == f"{uid('ar-news')}:0" and first["doc_id"] == uid("ar-news")
    assert first["lang"] == "ar" and first["schema"] == "privacy@1" and first["split"] is None
    assert first["meta"] == {"origin": "ar-news"}
    assert [a["annotator"] for a in first["annotations"]] == ["amal", "ola", "piotr"]
    assert first["annotations"][0]["labels"] == ["ads_use", "data_sharing"]  # a set: sorted
    assert first["annotations"][0]["updated_at"].endswith("Z")
    assert first["gold"] == {
        "labels": ["ads_use", "data_sharing"],
        "method": "unanimous",
        "by": None,
        "agreed": ["amal", "ola", "piotr"],
    }
    third = records[2]
    amal = third["annotations"][0]
    assert amal == {**amal, "negated": True, "flagged": True, "note": 'check "this" — لا نبيع', "status": "labelled"}
    assert third["annotations"][1]["status"] == "skipped" and third["annotations"][1]["labels"] == []
    assert third["gold"] is None
    assert records[4]["annotations"] == [] and records[4]["gold"] is None
    opened = records[5]["annotations"][0]
    assert opened["status"] == "open" and opened["flagged"] and opened["note"] == "zapytać kierownika"
    assert records[6]["gold"] == {
        "labels": ["consent_choice", "user_rights"],
        "method": "adjudicated",
        "by": "lead",
        "agreed": [],  # neither annotator chose both
    }
    assert records[7]["gold"] == {"labels": ["retention"], "method": "majority", "by": None, "agreed": []}
    assert records[1]["gold"]["agreed"] == ["amal", "ola"]  # 2 of 3


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        # the method says how the gold was reached: all agreed (unanimous) or more than half (majority)
        # the last: a stored gold wins whatever the policy (it only fills sentences without one)
        ("majority", ["unanimous", "majority", None, None, None, None, "adjudicated", "majority"]),
        ("unanimous", ["unanimous", None, None, None, None, None, "adjudicated", "majority"]),
        ("adjudicated", [None, None, None, None, None, None, "adjudicated", "majority"]),
    ],
)
def test_gold_policies_say_which_method_made_the_gold(
    sqlite_engine: Engine, tmp_path: Path, policy: str, expected: list[str | None]
) -> None:
    build_project(sqlite_engine)
    records = export_lines(sqlite_engine, tmp_path / "out.jsonl", gold=policy)
    assert [r["gold"] and r["gold"]["method"] for r in records] == expected
    only = export_lines(sqlite_engine, tmp_path / "only.jsonl", gold=policy, only_gold=True)
    assert [r["id"] for r in only] == [r["id"] for r, m in zip(records, expected, strict=True) if m]


def test_filters_annotators_and_documents(engine: Engine, tmp_path: Path) -> None:
    build_project(engine)
    records = export_lines(
        engine, tmp_path / "a.jsonl", annotators=["amal,ola"], documents=["ar-news", uid("pl-policy")]
    )
    assert {r["doc_name"] for r in records} == {"ar-news", "pl-policy"}
    assert {a["annotator"] for r in records for a in r["annotations"]} == {"amal", "ola"}
    # gold by policy from the exported annotators only: ar-news 1 is now 2 of 2
    assert by_id(records)[f"{uid('ar-news')}:1"]["gold"]["method"] == "unanimous"
    assert by_id(records)[f"{uid('ar-news')}:1"]["gold"]["agreed"] == ["amal", "ola"]
    # a stored gold is kept whatever the selection (amal alone says none here)
    assert by_id(records)[f"{uid('pl-policy')}:2"]["gold"]["labels"] == ["retention"]
    from annotator.core.errors import UserError

    with pytest.raises(UserError, match="no annotator named 'nobody'"):
        plan_export(engine, annotators=["amal", "nobody"])
    with pytest.raises(UserError, match="'missing-doc'"):
        plan_export(engine, documents=["missing-doc"])


def test_splits_are_by_document_and_deterministic(sqlite_engine: Engine, tmp_path: Path) -> None:
    build_project(sqlite_engine)
    first = export_lines(sqlite_engine, tmp_path / "1.jsonl", ratios=(0.34, 0.33, 0.33), seed=7)
    again = export_lines(sqlite_engine, tmp_path / "2.jsonl", ratios=(0.34, 0.33, 0.33), seed=7)
    assert first == again
    per_doc: dict[str, set[str]] = {}
    for record in first:
        per_doc.setdefault(record["doc_id"], set()).add(record["split"])
    assert all(len(s) == 1 for s in per_doc.values())  # no document in two splits
    assert sorted(next(iter(s)) for s in per_doc.values()) == ["dev", "test", "train"]
    summary = export_dataset(
        sqlite_engine, tmp_path / "files", "jsonl", ratios=(0.34, 0.33, 0.33), seed=7, split_files=True
    )
    assert sorted(Path(f).name for f in summary.files) == ["dev.jsonl", "test.jsonl", "train.jsonl"]
    for name in ("train", "dev", "test"):
        lines = [json.loads(x) for x in (tmp_path / "files" / f"{name}.jsonl").read_text().splitlines()]
        assert lines == [r for r in first if r["split"] == name]
        assert summary.splits is not None and summary.splits[name].sentences == len(lines)


def _comparable(records: list[SentenceRecord]) -> list[dict[str, Any]]:
    return [r.to_json_dict() for r in records]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_back_and_imports_back(engine: Engine, tmp_path: Path, fmt: str) -> None:
    build_project(engine)
    reference = export_lines(engine, tmp_path / "reference.jsonl")
    path = tmp_path / f"out-{fmt}{EXTENSIONS[fmt]}"
    summary = export_dataset(engine, path, fmt)
    assert summary.sentences == 8 and summary.decisions == 14 and summary.annotators == ["amal", "ola", "piotr"]
    assert detect_format(path) == fmt
    back = list(read_records(path, fmt))
    assert _comparable(back) == reference
    # ... and into an empty database, which exports the same records
    other = open_database(str(tmp_path / "other.db"))
    try:
        result = import_paths(other, [path])
        assert not result.refused
        # every gold of the file is stored (2 computed at export, 2 stored): round trips hold
        assert result.annotated[0].decisions_inserted == 14 and result.annotated[0].gold_stored == 4
        assert export_lines(other, tmp_path / "again.jsonl") == reference
    finally:
        other.dispose()


def test_keyset_paging_gives_the_same_export_whatever_the_batch(sqlite_engine: Engine, tmp_path: Path) -> None:
    build_project(sqlite_engine)
    text = " ".join(f"Sentence {i}." for i in range(40))
    spans = []
    position = 0
    for i in range(40):
        piece = f"Sentence {i}."
        spans.append((position, position + len(piece)))
        position += len(piece) + 1
    store_document(sqlite_engine, SourceDocument(name="big", text=text, source="big.txt"), spans, "en")
    whole = export_lines(sqlite_engine, tmp_path / "a.jsonl")
    for batch in (1, 3, 7, 39, 41):
        # small batches page the big document by index and group the small ones
        assert export_lines(sqlite_engine, tmp_path / f"b{batch}.jsonl", batch=batch) == whole
    original = exporting.common.DOC_BATCH
    try:
        exporting.common.DOC_BATCH = 2  # documents in keyset pages too
        assert export_lines(sqlite_engine, tmp_path / "c.jsonl", batch=4) == whole
    finally:
        exporting.common.DOC_BATCH = original


def test_a_failure_in_the_stream_leaves_no_file_and_no_temporary(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_project(sqlite_engine)
    calls = {"n": 0}

    def failing_on_the_second_chunk(original: Any) -> Any:
        def failing(self: Any, *args: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("disk gone (simulated)")
            return original(self, *args)

        return failing

    # record dicts (every format but jsonl) and JSONL lines (the jsonl fast path)
    for name in ("_chunk_records", "_chunk_lines"):
        monkeypatch.setattr(
            exporting.ExportPlan, name, failing_on_the_second_chunk(getattr(exporting.ExportPlan, name))
        )
    for fmt in FORMATS:
        calls["n"] = 0
        target = tmp_path / "out" / f"data{EXTENSIONS[fmt]}"
        with pytest.raises(RuntimeError, match="simulated"):
            export_dataset(sqlite_engine, target, fmt, batch=2)
        # neither the file nor a temporary, nor the folder the export created for them
        assert not (tmp_path / "out").exists()


def test_the_hf_datasets_load_of_an_export(sqlite_engine: Engine, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    build_project(sqlite_engine)
    path = tmp_path / "dataset.jsonl"
    export_dataset(sqlite_engine, path, "jsonl", ratios=(0.34, 0.33, 0.33), seed=1)
    loaded = datasets.load_dataset(
        "json", data_files=str(path), features=hf_features(), split="train", cache_dir=str(tmp_path / "hf")
    )
    assert loaded.num_rows == 8
    row = loaded[0]
    assert row["doc_name"] == "ar-news" and row["gold"]["method"] == "unanimous"
    assert [a["annotator"] for a in row["annotations"]] == ["amal", "ola", "piotr"]
    assert loaded[2]["annotations"][0]["note"] == 'check "this" — لا نبيع'
    assert loaded[4]["gold"] is None and loaded[4]["annotations"] == []
    assert set(loaded["split"]) <= {"train", "dev", "test"}
    # without features the shape still loads (no field changes type between lines)
    plain = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "hf2"))
    assert plain.num_rows == 8 and plain[6]["gold"]["by"] == "lead"


def test_the_timestamp_fast_path_matches_the_formatter() -> None:
    from datetime import UTC, datetime

    from annotator.core.formats import format_utc

    for value in ("2026-11-24 10:00:00.000000", "2026-11-24 10:00:00.000120", "2026-01-02 03:04:05.678901"):
        parsed = datetime.fromisoformat(value).replace(tzinfo=UTC)
        assert utc_text(value) == format_utc(parsed)
    assert utc_text("2026-11-24T10:00:00+02:00") == "2026-11-24T08:00:00Z"
    assert utc_text(datetime(2026, 1, 1, 12, tzinfo=UTC)) == "2026-01-01T12:00:00Z"


LABELS = st.lists(st.sampled_from(["a", "b", "c"]), max_size=3).map(lambda x: sorted(set(x)))


@given(
    st.lists(st.tuples(LABELS, st.sampled_from(["labelled", "labelled", "skipped", "open"])), max_size=6),
    st.sampled_from(["unanimous", "majority", "adjudicated"]),
)
@settings(max_examples=300, deadline=None)
def test_computed_gold_agrees_with_choose_gold(decisions: list[tuple[list[str], str]], policy: str) -> None:
    anns = [{"annotator": f"p{i}", "labels": labels, "status": status} for i, (labels, status) in enumerate(decisions)]
    models = [
        Annotation(annotator=a["annotator"], labels=a["labels"], status=a["status"], updated_at="2026-01-01T00:00:00Z")
        for a in anns
    ]
    expected = choose_gold(models, policy)  # type: ignore[arg-type]
    got = computed_gold(anns, policy)
    assert got == (expected.model_dump() if expected is not None else None)


# ----------------------------------------------------------------------------- CLI


def test_cli_export_default_path_summary_and_json(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "p.db")
    engine = open_database(db)
    build_project(engine)
    engine.dispose()
    monkeypatch.chdir(tmp_path)
    result = cli("export", "--db", db)
    assert result.code == 0, result.err
    written = sorted((tmp_path / "exports").iterdir())
    assert len(written) == 1 and written[0].name.startswith("dataset-") and written[0].suffix == ".jsonl"
    assert "8 from 3 documents" in result.out and "amal, ola, piotr" in result.out
    assert "[@click" not in result.out  # no sentence text in the summary anyway

    result = cli(
        "export",
        "--db",
        db,
        "--format",
        "doccano",
        "-o",
        "dc.zip",
        "--gold",
        "unanimous",
        "--split",
        "0.34,0.33,0.33",
        "--seed",
        "3",
        "--json",
    )
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["format"] == "doccano" and summary["files"] == ["dc.zip"] and summary["sentences"] == 8
    assert summary["gold"]["unanimous"] == 1 and summary["gold"]["adjudicated"] == 1
    assert summary["gold"]["majority"] == 1  # stored: it wins over --gold unanimous
    assert summary["schema"] == "privacy@1" and summary["splits"]["train"]["documents"] == 1
    assert (tmp_path / "dc.zip").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--annotators", "amal,ghost"], "no annotator named 'ghost'"),
        (["--docs", "nope"], "'nope'"),
        (["--gold", "best"], "--gold 'best'"),
        (["--format", "xml"], "--format 'xml'"),
        (["--split", "0.5,0.5"], "--split"),
        (["--split-files"], "--split-files needs --split"),
    ],
)
def test_cli_export_errors_are_one_line(cli, tmp_path: Path, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "p.db")
    engine = open_database(db)
    build_project(engine)
    engine.dispose()
    result = cli("export", "--db", db, "-o", str(tmp_path / "x.jsonl"), *args)
    assert result.code == 2
    assert message in result.err and result.err.count("\n") == 1
    assert not (tmp_path / "x.jsonl").exists()


def test_cli_export_of_a_missing_database_is_an_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("export", "--db", str(tmp_path / "none.db"))
    assert result.code == 2 and "no database here yet" in result.err


def test_jsonl_is_the_same_whichever_writer_writes_it(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = build_project(sqlite_engine)
    schema = active_schema(sqlite_engine)
    who = ensure_annotator(sqlite_engine, "zofia")
    save_decision(
        sqlite_engine,
        schema,
        who,
        ids[("en-policy", 1)],
        Change(labels=["retention"], status="labelled", note='\x1b[31mred\u2028 \\ " / \t end'),
    )
    fast = tmp_path / "fast.jsonl"
    export_dataset(sqlite_engine, fast, "jsonl", ratios=(0.34, 0.33, 0.33))
    from annotator.core.exporting import write

    def through_the_models(targets, plan, progress, stream=None):  # type: ignore[no-untyped-def]
        options = write._writer_options("jsonl", plan)
        return write._write_records(targets, "jsonl", options, plan, progress, stream)

    monkeypatch.setattr(write, "_write_jsonl_fast", through_the_models)  # records through JsonlWriter (pydantic)
    slow = tmp_path / "slow.jsonl"
    export_dataset(sqlite_engine, slow, "jsonl", ratios=(0.34, 0.33, 0.33))
    assert slow.read_bytes() == fast.read_bytes()
    assert b"\\u001b[31mred" in fast.read_bytes()


def test_cli_split_files(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "p.db")
    engine = open_database(db)
    build_project(engine)
    engine.dispose()
    out = tmp_path / "splits"
    result = cli(
        "export", "--db", db, "-o", str(out), "--split", "0.34,0.33,0.33", "--split-files", "--format", "csv", "--json"
    )
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert sorted(Path(f).name for f in summary["files"]) == ["dev.csv", "test.csv", "train.csv"]
    back = [r for name in ("train", "dev", "test") for r in read_records(out / f"{name}.csv", "csv")]
    assert sorted(r.id for r in back) == sorted(r["id"] for r in export_lines(open_database(db), tmp_path / "a.jsonl"))
    assert {r.split for r in read_records(out / "dev.csv", "csv")} <= {"dev"}
