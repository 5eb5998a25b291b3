"""Importing annotated data: labels checked first (nothing stored on an unknown label),
--map, foreign shapes, discovery of export files, documents rebuilt from sentences,
decisions and their events, refusals, and the CLI's report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from annotator.core.annotated_import import import_annotated, parse_label_map, rebuild_text
from annotator.core.db import open_database
from annotator.core.errors import UserError
from annotator.core.exporting import export_dataset
from annotator.core.formats import SentenceRecord
from annotator.core.importing import import_paths
from annotator.core.models import Annotation, Annotator, Document, Event, Gold, Sentence
from annotator.core.schemas import active_schema
from tests.conftest import SEEDS
from tests.test_export import build_project, export_lines


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.__name__: int(connection.execute(select(func.count()).select_from(table)).scalar() or 0)
            for table in (Document, Sentence, Annotator, Annotation, Gold, Event)
        }


def record(
    doc: str, idx: int, start: int, text: str, annotations: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    data = {
        "doc_id": doc,
        "doc_name": f"name-{doc}",
        "sent_idx": idx,
        "start": start,
        "end": start + len(text),
        "lang": "en",
        "text": text,
        "annotations": annotations,
        "gold": None,
        "schema": "privacy@1",
        "split": None,
        "meta": {"k": doc},
    }
    data.update(extra)
    return SentenceRecord.model_validate(data).to_json_dict()


def ann(name: str, labels: list[str], when: str = "2026-03-01T10:00:00Z", **extra: Any) -> dict[str, Any]:
    return {
        "annotator": name,
        "labels": labels,
        "status": "labelled",
        "negated": False,
        "flagged": False,
        "note": None,
        "updated_at": when,
        **extra,
    }


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_unknown_labels_list_them_all_and_store_nothing(engine: Engine, tmp_path: Path) -> None:
    active_schema(engine)
    path = write_jsonl(
        tmp_path / "foreign.jsonl",
        [
            record("d1", 0, 0, "We share data.", [ann("amal", ["sharing"]), ann("ola", ["data_sharing"])]),
            record(
                "d1",
                1,
                15,
                "Ads too.",
                [ann("amal", ["ads", "retention"])],
                gold={"labels": ["Ads"], "method": "adjudicated", "by": "x"},
            ),
        ],
    )
    before = counts(engine)
    with pytest.raises(UserError) as caught:
        import_paths(engine, [path])
    message = str(caught.value)
    assert "Ads, ads, sharing" in message and "--map" in message and "\n" not in message
    assert counts(engine) == before  # not even an annotator or an event

    summary = import_paths(
        engine, [path], label_map=parse_label_map(["sharing=data_sharing", "ads=ads_use,Ads=ads_use"])
    )
    assert not summary.refused
    result = summary.annotated[0]
    assert result.decisions_inserted == 3 and result.gold_stored == 1 and result.documents_created == 1
    records = export_lines(engine, tmp_path / "out.jsonl")
    assert records[0]["annotations"][0]["labels"] == ["data_sharing"]
    assert records[1]["annotations"][0]["labels"] == ["ads_use", "retention"]
    assert records[1]["gold"] == {"labels": ["ads_use"], "method": "adjudicated", "by": "x", "agreed": []}


def test_map_target_must_be_in_the_schema_and_combinations_are_checked(sqlite_engine: Engine, tmp_path: Path) -> None:
    schema = active_schema(sqlite_engine)
    path = write_jsonl(tmp_path / "x.jsonl", [record("d1", 0, 0, "We share data.", [ann("amal", ["none", "ads_use"])])])
    with pytest.raises(UserError, match="--map target"):
        import_annotated(sqlite_engine, path, "jsonl", schema, label_map={"x": "nope"})
    with pytest.raises(UserError, match="cannot be combined"):
        import_annotated(sqlite_engine, path, "jsonl", schema)
    assert counts(sqlite_engine)["Document"] == 0


def test_new_documents_are_rebuilt_from_their_sentences(engine: Engine, tmp_path: Path) -> None:
    active_schema(engine)
    records = [
        record("abc", 0, 2, "Zażółć gęślą jaźń.", [ann("łukasz", ["other_privacy"])], lang="pl"),
        record("abc", 1, 21, "Drugie.", []),  # gap of 1
        record("abc", 2, 32, "نشارك بياناتك", [], lang="ar"),  # gap of 4
    ]
    path = write_jsonl(tmp_path / "x.jsonl", records)
    summary = import_paths(engine, [path])
    assert summary.annotated[0].documents_created == 1 and summary.annotated[0].sentences_created == 3
    with engine.connect() as connection:
        doc = connection.execute(select(Document.uid, Document.name, Document.text, Document.meta, Document.lang)).one()
        sentences = connection.execute(select(Sentence.start, Sentence.end, Sentence.text).order_by(Sentence.idx)).all()
    assert doc.uid == "abc" and doc.name == "name-abc" and doc.meta == {"k": "abc"} and doc.lang == "pl"
    assert doc.text == " \nZażółć gęślą jaźń. Drugie.   \nنشارك بياناتك"
    for start, end, text in sentences:
        assert doc.text[start:end] == text
    # importing the same file again changes nothing
    before = counts(engine)
    again = import_paths(engine, [path]).annotated[0]
    assert again.documents_matched == 1 and again.decisions_unchanged == 1 and again.decisions_inserted == 0
    assert counts(engine) == before


def test_rebuild_refuses_overlaps_and_bad_offsets() -> None:
    from annotator.core.annotated_import import _Refused

    good = SentenceRecord.model_validate(record("d", 0, 0, "abc", []))
    overlap = SentenceRecord.model_validate(record("d", 1, 2, "cd", []))
    with pytest.raises(_Refused, match="overlaps"):
        rebuild_text([good, overlap])
    bad = SentenceRecord.model_validate({**record("d", 1, 5, "xy", []), "end": 9})
    with pytest.raises(_Refused, match="do not fit"):
        rebuild_text([good, bad])


def test_importing_the_original_text_after_its_export_does_not_duplicate_it(engine: Engine, tmp_path: Path) -> None:
    source = tmp_path / "src.db"
    first = open_database(str(source))
    import_paths(first, [SEEDS / "004_07191d38325b842d.txt"])
    export_dataset(first, tmp_path / "seed.jsonl", "jsonl")
    first.dispose()
    import_paths(engine, [tmp_path / "seed.jsonl"])
    before = counts(engine)
    summary = import_paths(engine, [SEEDS / "004_07191d38325b842d.txt"])
    assert summary.imported == [] and summary.unchanged == ["004_07191d38325b842d"]
    assert counts(engine) == before


def test_a_document_segmented_differently_is_refused_and_the_others_import(
    sqlite_engine: Engine, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "target.db")
    engine = open_database(db)
    import_paths(engine, [SEEDS / "004_07191d38325b842d.txt"])
    with engine.connect() as connection:
        uid, text = connection.execute(select(Document.uid, Document.text)).one()
    engine.dispose()
    # the same document cut in one piece, and another document
    path = write_jsonl(
        tmp_path / "other.jsonl",
        [
            record(uid, 0, 0, text[:40], [ann("amal", ["data_sharing"])]),
            record("zzz", 0, 0, "Another document.", [ann("amal", ["data_sharing"])]),
        ],
    )
    result = cli("import", str(path), "--db", db)
    assert result.code == 2
    assert f"document {uid}" in result.err and "does not match the stored document" in result.err
    assert "Annotated data" in result.out
    engine = open_database(db)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Annotation)).scalar() == 1  # zzz only
    engine.dispose()


def test_decisions_keep_their_time_and_each_gets_an_import_event(engine: Engine, tmp_path: Path) -> None:
    active_schema(engine)
    path = write_jsonl(
        tmp_path / "x.jsonl",
        [
            record(
                "d1",
                0,
                0,
                "We share data.",
                [
                    ann("amal", ["data_sharing"], "2026-02-03T04:05:06.000007Z", negated=True, flagged=True, note="n"),
                    ann("ola", [], "2026-02-03T04:05:06Z", status="skipped"),
                ],
            ),
        ],
    )
    import_paths(engine, [path])
    with engine.connect() as connection:
        rows = connection.execute(
            select(Annotator.name, Annotation.updated_at, Annotation.label_mask, Annotation.labels, Annotation.status)
            .join(Annotator, Annotator.id == Annotation.annotator_id)
            .order_by(Annotator.name)
        ).all()
        events = connection.execute(
            select(Event.action, Event.annotator_id, Event.before, Event.after).where(Event.sentence_id.is_not(None))
        ).all()
    from annotator.core.repository import as_utc

    assert [r.name for r in rows] == ["amal", "ola"]
    assert as_utc(rows[0].updated_at).isoformat() == "2026-02-03T04:05:06.000007+00:00"
    schema = active_schema(engine)
    assert rows[0].label_mask == schema.mask_of(["data_sharing"]) and rows[1].status == "skipped"
    assert len(events) == 2 and all(e.action == "import" and e.before is None for e in events)
    assert {e.after["source"] for e in events} == {str(path)}


def test_foreign_prodigy_lines_become_one_sentence_documents(engine: Engine, tmp_path: Path) -> None:
    active_schema(engine)
    lines = [
        {
            "text": "We sell nothing.",
            "options": [{"id": "data_sharing", "text": "x"}],
            "accept": ["data_sharing"],
            "answer": "accept",
            "_annotator_id": "ds-amal",
            "_session_id": "ds-amal",
            "_timestamp": 1790000000,
        },
        {
            "text": "We sell nothing.",
            "options": [],
            "accept": [],
            "answer": "ignore",
            "_annotator_id": "ds-ola",
            "_timestamp": 1790000001,
        },
    ]
    path = tmp_path / "prodigy.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    summary = import_paths(engine, [path])
    result = summary.annotated[0]
    assert result.format == "prodigy" and result.documents_created == 1
    assert result.annotators_created == ["ds-amal", "ds-ola"] and result.decisions_inserted == 2
    records = export_lines(engine, tmp_path / "out.jsonl")
    assert len(records) == 1 and records[0]["text"] == "We sell nothing." and records[0]["start"] == 0
    assert [a["status"] for a in records[0]["annotations"]] == ["labelled", "skipped"]


def test_doccano_labelled_without_labels_is_stored_as_open(sqlite_engine: Engine, tmp_path: Path) -> None:
    active_schema(sqlite_engine)
    folder = tmp_path / "doccano"
    folder.mkdir()
    (folder / "amal.jsonl").write_text(
        json.dumps({"id": 7, "text": "A note only.", "label": [], "Comments": ["why?"]}) + "\n"
    )
    (folder / "ola.jsonl").write_text(json.dumps({"id": 7, "text": "A note only.", "label": ["retention"]}) + "\n")
    summary = import_paths(sqlite_engine, [tmp_path])  # the folder is found while walking
    result = summary.annotated[0]
    assert result.format == "doccano" and result.source == str(folder)
    assert result.decisions_made_open == 1 and result.decisions_inserted == 2
    (record_,) = export_lines(sqlite_engine, tmp_path / "out.jsonl")
    assert [(a["annotator"], a["status"], a["note"]) for a in record_["annotations"]] == [
        ("amal", "open", "why?"),
        ("ola", "labelled", None),
    ]


def test_discovery_of_export_files_in_folders(sqlite_engine: Engine, tmp_path: Path) -> None:
    build_project(sqlite_engine)
    folder = tmp_path / "in"
    folder.mkdir()
    export_dataset(sqlite_engine, folder / "ls.json", "labelstudio")
    export_dataset(sqlite_engine, folder / "table.csv", "csv")
    export_dataset(sqlite_engine, folder / "dc.zip", "doccano")
    (folder / "notes.csv").write_text("a,b\n1,2\n")
    (folder / "config.json").write_text('{"x": 1}')
    shutil.copy(SEEDS / "004_07191d38325b842d.txt", folder / "doc.txt")
    other = open_database(str(tmp_path / "other.db"))
    summary = import_paths(other, [folder])
    assert sorted(Path(r.source).name for r in summary.annotated) == ["dc.zip", "ls.json", "table.csv"]
    assert sorted(Path(p).name for p in summary.ignored_files) == ["config.json", "notes.csv"]
    assert [d.name for d in summary.imported] == ["doc"]
    assert summary.annotated[0].decisions_inserted == 14  # the first file brings them
    assert all(r.decisions_unchanged == 14 for r in summary.annotated[1:])  # the others agree
    # a named file that is no export is refused (not ignored)
    named = import_paths(other, [folder / "notes.csv"])
    assert named.refused and "unrecognised format" in named.refused[0].reason
    other.dispose()


def test_gold_conflicts_keep_the_stored_gold(sqlite_engine: Engine, tmp_path: Path) -> None:
    active_schema(sqlite_engine)
    gold = {"labels": ["retention"], "method": "adjudicated", "by": "lead"}
    import_paths(
        sqlite_engine, [write_jsonl(tmp_path / "a.jsonl", [record("d", 0, 0, "Kept 5 years.", [], gold=gold)])]
    )
    other = {"labels": ["security_breach"], "method": "adjudicated", "by": "boss"}
    computed = {"labels": ["user_rights"], "method": "majority", "by": None}
    summary = import_paths(
        sqlite_engine,
        [
            write_jsonl(
                tmp_path / "b.jsonl",
                [
                    record("d", 0, 0, "Kept 5 years.", [], gold=other),
                    record("e", 0, 0, "Other.", [], gold=computed),
                ],
            )
        ],
    ).annotated[0]
    assert len(summary.gold_conflicts) == 1 and summary.gold_conflicts[0].existing["labels"] == ["retention"]
    assert summary.gold_not_stored == 0 and summary.gold_stored == 1  # a rule's gold is stored too
    records = export_lines(sqlite_engine, tmp_path / "out.jsonl", gold="adjudicated")
    assert [r["gold"] for r in records] == [{**gold, "agreed": []}, {**computed, "agreed": []}]
    # a rule's gold never replaces a person's; a person's replaces a rule's
    summary = import_paths(
        sqlite_engine,
        [
            write_jsonl(
                tmp_path / "c.jsonl",
                [
                    record("d", 0, 0, "Kept 5 years.", [], gold={**computed, "labels": ["retention", "ads_use"]}),
                    record("e", 0, 0, "Other.", [], gold=other),
                ],
            )
        ],
    ).annotated[0]
    assert summary.gold_not_stored == 1 and summary.gold_stored == 1 and not summary.gold_conflicts
    records = export_lines(sqlite_engine, tmp_path / "out2.jsonl", gold="adjudicated")
    assert [r["gold"]["labels"] for r in records] == [["retention"], ["security_breach"]]


def test_a_bad_file_is_refused_whole_and_the_rest_imports(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "p.db")
    bad = tmp_path / "bad.json"
    bad.write_text('[\n{"data": {"text": "x"}, "annotations": [{"result": "oops"}]}\n]\n')
    good = write_jsonl(tmp_path / "good.jsonl", [record("d", 0, 0, "Fine.", [ann("amal", ["retention"])])])
    result = cli("import", str(bad), str(good), "--db", db)
    assert result.code == 2 and str(bad) in result.err and result.err.count("\n") == 1
    assert "good.jsonl" in result.out


def test_cli_import_reports_annotated_data_and_json(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "p.db")
    path = write_jsonl(
        tmp_path / "x.jsonl",
        [
            record("d", 0, 0, "We share [bold]data[/bold].", [ann("amal", ["share"]), ann("ola", ["data_sharing"])]),
        ],
    )
    result = cli("import", str(path), "--db", db)
    assert result.code == 2 and "labels not in the project's schema privacy@1: share" in result.err
    result = cli("import", str(path), "--db", db, "--map", "share=data_sharing", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    (annotated,) = data["annotated"]
    assert annotated["format"] == "jsonl" and annotated["decisions_inserted"] == 2
    assert annotated["annotators_created"] == ["amal", "ola"] and annotated["conflicts"] == []
    result = cli("import", str(path), "--db", db, "--map", "share=data_sharing", "--format", "jsonl")
    assert result.code == 0 and "Annotated data" in result.out and "0/1" in result.out  # matched, not created
    result = cli("import", str(path), "--db", db, "--format", "xml")
    assert result.code == 2 and "--format 'xml'" in result.err


def test_two_documents_that_rebuild_to_the_same_text_stay_apart(engine: Engine, tmp_path: Path) -> None:
    active_schema(engine)
    path = write_jsonl(
        tmp_path / "x.jsonl",
        [
            record("aaaa", 0, 0, "We share data.", [ann("amal", ["data_sharing"])]),
            record("bbbb", 0, 0, "We share data.", [ann("amal", ["retention"])]),
        ],
    )
    summary = import_paths(engine, [path]).annotated[0]
    assert summary.documents_created == 2 and summary.decisions_inserted == 2
    with engine.connect() as connection:
        texts = dict(connection.execute(select(Document.uid, Document.text)).all())
    assert texts == {"aaaa": "We share data.", "bbbb": "We share data.\n"}  # content hashes stay unique
    records = export_lines(engine, tmp_path / "out.jsonl")
    assert [(r["doc_id"], r["annotations"][0]["labels"]) for r in records] == [
        ("aaaa", ["data_sharing"]),
        ("bbbb", ["retention"]),
    ]


def test_one_transaction_per_document(sqlite_engine: Engine, tmp_path: Path) -> None:
    from sqlalchemy import event

    active_schema(sqlite_engine)
    path = write_jsonl(
        tmp_path / "x.jsonl",
        [
            record("d1", 0, 0, "First document.", [ann("amal", ["retention"])]),
            record("d2", 0, 0, "Second document.", [ann("amal", ["retention"])]),
        ],
    )
    calls = {"n": 0}

    def fail_on_second_annotations(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO annotation"):
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("disk full (simulated)")

    event.listen(sqlite_engine, "before_cursor_execute", fail_on_second_annotations)
    try:
        with pytest.raises(RuntimeError, match="simulated"):
            import_paths(sqlite_engine, [path])
    finally:
        event.remove(sqlite_engine, "before_cursor_execute", fail_on_second_annotations)
    after = counts(sqlite_engine)
    assert (after["Document"], after["Sentence"], after["Annotation"]) == (1, 1, 1)  # d1 whole, nothing of d2
    assert import_paths(sqlite_engine, [path]).annotated[0].decisions_inserted == 1  # a re-run completes it


def test_format_documents_forces_a_document_import(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "p.db")
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps({"text": "We sell data. We keep it.", "answer": "accept", "accept": []}) + "\n")
    result = cli("import", str(path), "--db", db, "--format", "documents", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["annotated"] == [] and data["imported"][0]["sentences"] == 2
