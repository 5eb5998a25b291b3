"""Every format, written then read back, gives identical records (property test)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.formats import (
    EXTENSIONS,
    FORMATS,
    Annotation,
    Gold,
    ReadReport,
    SentenceRecord,
    detect_format,
    open_writer,
    read_records,
    record_dict,
    write_records,
)

SAMPLES = [
    "نشارك بياناتك مع شركائنا الإعلانيين؟",
    "لا نبيع بياناتك، ولا نشاركها.",
    "Przetwarzamy m.in. Twój adres e-mail, tj. dane osobowe.",
    "Zgoda może zostać wycofana w dowolnym momencie — np. w ustawieniach.",
    '=HYPERLINK("http://x","click")',
    "+1 555 0100",
    "-- dash start",
    "@mention here",
    '\'Tis quoted, "double" and, commas',
    "line one\nline two\r\nline three\rend",
    "\ttab first",
    "",
    "   ",
]
LABELS = [
    "first_party_collection",
    "data_sharing",
    "ads_use",
    "consent_choice",
    "none",
    "zgoda_ł",
    "مشاركة",
]
ANNOTATORS = ["amal", "ola", "lead", "Zofia Łęcka", "سارة", "=evil", "x@example.org"]

text_st = st.one_of(
    st.sampled_from(SAMPLES),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.lists(st.sampled_from(SAMPLES), min_size=1, max_size=3).map(" ".join),
)
note_st = st.one_of(st.none(), text_st)
when_st = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2090, 1, 1),
    timezones=st.just(UTC),
)
json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    text_st,
)
meta_st = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.one_of(
        json_leaf,
        st.lists(json_leaf, max_size=3),
        st.dictionaries(st.text(max_size=4), json_leaf, max_size=2),
    ),
    max_size=3,
)


seconds_st = st.one_of(st.none(), st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False))


@st.composite
def annotation_st(draw: st.DrawFn, annotator: str) -> Annotation:
    labels = draw(st.lists(st.sampled_from(LABELS), max_size=3))
    suggested = draw(st.one_of(st.none(), st.lists(st.sampled_from(LABELS), max_size=3)))
    accepted = None if suggested is None else [label for label in suggested if label in labels]
    return Annotation(
        annotator=annotator,
        labels=labels,
        status=draw(st.sampled_from(["labelled", "labelled", "skipped", "open"])),
        negated=draw(st.booleans()),
        flagged=draw(st.booleans()),
        note=draw(note_st),
        updated_at=draw(when_st),
        seconds=draw(seconds_st),
        suggested=suggested,
        accepted=accepted,
    )


@st.composite
def record_st(draw: st.DrawFn, doc_id: str, sent_idx: int, doc_name: str, meta: dict) -> SentenceRecord:
    names = draw(st.lists(st.sampled_from(ANNOTATORS), max_size=3, unique=True))
    gold = draw(
        st.one_of(
            st.none(),
            st.builds(
                Gold,
                labels=st.lists(st.sampled_from(LABELS), max_size=2),
                method=st.sampled_from(["adjudicated", "unanimous", "majority"]),
                by=st.one_of(st.none(), st.sampled_from(ANNOTATORS)),
            ),
        )
    )
    text = draw(text_st)
    start = draw(st.integers(min_value=0, max_value=10_000))
    return SentenceRecord(
        doc_id=doc_id,
        doc_name=doc_name,
        sent_idx=sent_idx,
        start=start,
        end=start + len(text),
        lang=draw(st.sampled_from([None, "ar", "pl", "en"])),
        text=text,
        annotations=[draw(annotation_st(n)) for n in names],
        gold=gold,
        schema=draw(st.sampled_from(["privacy@1", "privacy@2"])),
        split=draw(st.sampled_from([None, "train", "dev", "test"])),
        meta=meta,
    )


@st.composite
def dataset_st(draw: st.DrawFn) -> list[SentenceRecord]:
    records = []
    for d in range(draw(st.integers(min_value=0, max_value=3))):
        doc_id = f"{d:016x}"
        doc_name = draw(
            st.one_of(
                st.sampled_from(["policy.txt", "polityka prywatności.md", "سياسة.txt"]),
                text_st,
            )
        )
        meta = draw(meta_st)
        for i in draw(
            st.lists(
                st.integers(min_value=0, max_value=50),
                min_size=1,
                max_size=4,
                unique=True,
            )
        ):
            records.append(draw(record_st(doc_id, i, doc_name, meta)))
    return records


def _write_read(records: list[SentenceRecord], folder: Path, fmt: str, **read_opts) -> list[SentenceRecord]:
    path = folder / f"export-{fmt}{EXTENSIONS[fmt]}"
    options = {}
    if fmt == "doccano":
        options["annotators"] = sorted({a.annotator for r in records for a in r.annotations})
    summary = write_records(iter(records), path, fmt, **options)
    assert summary.records == len(records)
    assert path.exists()
    if records:
        assert detect_format(path) == fmt
    return list(read_records(path, fmt, **read_opts))


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=dataset_st())
def test_round_trip_every_format(fmt: str, records: list[SentenceRecord]) -> None:
    folder = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        assert _write_read(records, folder, fmt) == records
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("fmt", ["jsonl-annotations", "prodigy", "csv", "labelstudio"])
@settings(max_examples=30, deadline=None)
@given(records=dataset_st())
def test_round_trip_streaming_mode(fmt: str, records: list[SentenceRecord]) -> None:
    """Our writers keep the lines of a sentence together, so streaming reads give the same."""
    folder = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        assert _write_read(records, folder, fmt, streaming=True) == records
    finally:
        shutil.rmtree(folder)


def test_doccano_zip_and_folder(tmp_path: Path) -> None:
    rec = SentenceRecord(
        doc_id="d1",
        doc_name="n",
        sent_idx=0,
        start=0,
        end=3,
        text="abc",
        annotations=[
            Annotation(
                annotator="amal",
                labels=["ads_use"],
                note="hm",
                updated_at="2026-11-24T10:00:00Z",
            )
        ],
    )
    bare = SentenceRecord(doc_id="d1", doc_name="n", sent_idx=1, start=4, end=5, text="d")
    for target in (tmp_path / "out.zip", tmp_path / "out"):
        summary = write_records([rec, bare], target, "doccano", annotators=["amal", "ola"])
        assert summary.items == 4  # every sentence in every annotator's file, as doccano does
        assert detect_format(target) == "doccano"
        assert list(read_records(target)) == [rec, bare]
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["amal.jsonl", "ola.jsonl"]


def test_doccano_refuses_unknown_annotator_and_bad_names(tmp_path: Path) -> None:
    rec = SentenceRecord(
        doc_id="d1",
        doc_name="n",
        sent_idx=0,
        start=0,
        end=1,
        text="a",
        annotations=[Annotation(annotator="amal", updated_at="2026-11-24T10:00:00Z")],
    )
    with pytest.raises(ValueError, match="amal"):
        write_records([rec], tmp_path / "x.zip", "doccano", annotators=["ola"])
    assert not (tmp_path / "x.zip").exists()
    with pytest.raises(ValueError, match="file name"):
        write_records([], tmp_path / "y.zip", "doccano", annotators=["../etc"])


def test_doccano_without_annotators_writes_all_jsonl(tmp_path: Path) -> None:
    rec = SentenceRecord(
        doc_id="d1",
        doc_name="n",
        sent_idx=0,
        start=0,
        end=1,
        text="a",
        gold=Gold(labels=["none"], method="adjudicated", by="lead"),
    )
    write_records([rec], tmp_path / "o", "doccano", annotators=[])
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["all.jsonl"]
    assert list(read_records(tmp_path / "o")) == [rec]


def test_duplicate_decisions_keep_the_most_recent(tmp_path: Path) -> None:
    older = {
        "annotator": "amal",
        "labels": ["ads_use"],
        "status": "labelled",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    newer = {**older, "labels": ["none"], "updated_at": "2026-02-01T00:00:00Z"}
    base = {
        "id": "d:0",
        "doc_id": "d",
        "doc_name": "n",
        "sent_idx": 0,
        "start": 0,
        "end": 1,
        "text": "a",
        "lang": None,
        "negated": False,
        "flagged": False,
        "note": None,
        "gold": None,
        "schema": "privacy@1",
        "split": None,
        "meta": {},
    }
    import json

    for order in ((newer, older), (older, newer)):
        path = tmp_path / "rows.jsonl"
        path.write_text("\n".join(json.dumps({**base, **x}) for x in order) + "\n", encoding="utf-8")
        report = ReadReport()
        (record,) = read_records(path, report=report)
        assert record.annotations[0].labels == ["none"]
        assert report.duplicate_decisions == 1
    assert report.lines == 2 and report.records == 1


@settings(max_examples=100, deadline=None)
@given(records=dataset_st(), as_datetime=st.booleans())
def test_fast_record_dict_matches_the_model(records: list[SentenceRecord], as_datetime: bool) -> None:
    """The unvalidated bulk path gives exactly the model's JSON, whatever the data."""
    for rec in records:
        anns = [
            {
                **a.model_dump(),
                "updated_at": a.updated_dt if as_datetime else a.updated_at,
            }
            for a in reversed(rec.annotations)  # any order in, sorted out
        ]
        fast = record_dict(
            doc_id=rec.doc_id,
            doc_name=rec.doc_name,
            sent_idx=rec.sent_idx,
            start=rec.start,
            end=rec.end,
            text=rec.text,
            lang=rec.lang,
            annotations=anns,
            gold=rec.gold.model_dump() if rec.gold else None,
            schema=rec.schema_name,
            split=rec.split,
            meta=rec.meta,
        )
        assert fast == rec.to_json_dict()
        assert list(fast) == list(rec.to_json_dict())


def test_write_dict_output_reads_back(tmp_path: Path) -> None:
    when = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    path = tmp_path / "fast.jsonl"
    with open_writer(path, "jsonl") as writer:
        writer.write_dict(
            record_dict(
                doc_id="d",
                doc_name="p",
                sent_idx=0,
                start=0,
                end=3,
                text="abc",
                annotations=[
                    {
                        "annotator": "ola",
                        "labels": ["b", "a"],
                        "status": "labelled",
                        "negated": False,
                        "flagged": True,
                        "note": "",
                        "updated_at": when,
                    }
                ],
            )
        )
    assert writer.summary is not None and writer.summary.records == 1
    (record,) = read_records(path)
    assert record.annotations[0].labels == ["a", "b"] and record.annotations[0].note is None
    assert record.annotations[0].updated_at == "2026-11-24T10:00:00Z"
