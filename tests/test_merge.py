"""Merging two databases (annotators who worked on separate machines): one's export is
imported into the other; documents and sentences match by content hash; the same
annotator on the same sentence keeps the most recent decision; every conflict is reported;
merging both ways converges."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, select

from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.exporting import export_dataset
from annotator.core.importing import import_paths
from annotator.core.models import Event
from annotator.core.schemas import active_schema
from tests.conftest import SEEDS
from tests.test_export import export_lines, sentence_ids

SEED = SEEDS / "004_07191d38325b842d.txt"


def _save(engine: Engine, name: str, key: int, **change: object) -> None:
    ids = sentence_ids(engine)
    doc = SEED.stem
    save_decision(engine, active_schema(engine), ensure_annotator(engine, name), ids[(doc, key)], Change(**change))
    time.sleep(0.002)  # distinct, ordered timestamps across the two databases


def test_merging_two_databases_keeps_the_most_recent_decision_and_reports_conflicts(
    engine: Engine, tmp_path: Path
) -> None:
    laptop = open_database(str(tmp_path / "laptop.db"))
    server = engine
    for db in (laptop, server):
        import_paths(db, [SEED])  # the same document, segmented the same way on both machines
    # amal works on both machines; ola only on the laptop; piotr only on the server
    _save(server, "amal", 1, labels=["retention"], status="labelled")  # older than the laptop's
    _save(laptop, "amal", 1, labels=["data_sharing"], status="labelled", note="checked")
    _save(laptop, "amal", 2, labels=["user_rights"], status="labelled")  # older than the server's
    _save(server, "amal", 2, status="skipped")
    _save(laptop, "amal", 3, labels=["consent_choice"], status="labelled")  # the same on both
    _save(server, "amal", 3, labels=["consent_choice"], status="labelled")
    _save(laptop, "ola", 1, labels=["data_sharing"], status="labelled", flagged=True)
    _save(server, "piotr", 4, labels=["security_breach"], status="labelled", negated=True)

    export_dataset(server, tmp_path / "server.jsonl", "jsonl")
    summary = import_paths(laptop, [tmp_path / "server.jsonl"])
    (result,) = summary.annotated
    assert not summary.refused
    assert result.documents_matched == 1 and result.documents_created == 0 and result.sentences_created == 0
    assert result.annotators_created == ["piotr"]
    assert result.decisions_inserted == 1  # piotr's
    assert result.decisions_updated == 1  # amal on sentence 2: the server's skip is newer
    assert result.decisions_unchanged == 2  # amal on 1 (laptop newer) and on 3 (identical)
    conflicts = {(c.sentence.split(":")[1], c.annotator): c for c in result.conflicts}
    assert set(conflicts) == {("1", "amal"), ("2", "amal")}
    assert conflicts[("1", "amal")].kept == "existing"
    assert conflicts[("1", "amal")].existing["labels"] == ["data_sharing"]
    assert conflicts[("1", "amal")].imported["labels"] == ["retention"]
    assert conflicts[("2", "amal")].kept == "imported" and conflicts[("2", "amal")].imported["status"] == "skipped"
    ids = sentence_ids(laptop)
    assert conflicts[("2", "amal")].sentence_id == ids[(SEED.stem, 2)]

    merged = {r["sent_idx"]: r for r in export_lines(laptop, tmp_path / "merged.jsonl")}
    by = {idx: {a["annotator"]: a for a in r["annotations"]} for idx, r in merged.items()}
    assert by[1]["amal"]["labels"] == ["data_sharing"] and by[1]["amal"]["note"] == "checked"
    assert by[1]["ola"]["flagged"] is True
    assert by[2]["amal"]["status"] == "skipped"
    assert by[4]["piotr"]["negated"] is True
    with laptop.connect() as connection:
        actions = connection.execute(select(Event.action, Event.before).where(Event.action == "import")).all()
    assert len([a for a in actions if a.before is not None]) == 1  # the updated decision, with its old state

    # the other way round: the server imports the merged laptop, and both now agree
    export_dataset(laptop, tmp_path / "laptop.jsonl", "jsonl")
    back = import_paths(server, [tmp_path / "laptop.jsonl"]).annotated[0]
    assert {(c.annotator, c.kept) for c in back.conflicts} == {("amal", "imported")}  # sentence 1, laptop newer
    assert export_lines(server, tmp_path / "server-after.jsonl") == export_lines(
        laptop, tmp_path / "laptop-after.jsonl"
    )
    laptop.dispose()


def test_on_a_tie_the_database_keeps_its_own_decision(engine: Engine, tmp_path: Path) -> None:
    """docs/formats.md: the most recent ``updated_at`` wins, "the database's own on a tie"."""
    import json

    laptop = open_database(str(tmp_path / "laptop.db"))
    server = engine
    for db in (laptop, server):
        import_paths(db, [SEED])
    _save(laptop, "amal", 1, labels=["data_sharing"], status="labelled")
    _save(server, "amal", 1, labels=["retention"], status="labelled", note="server")
    laptop_lines = export_lines(laptop, tmp_path / "laptop.jsonl")
    (laptop_amal,) = [a for r in laptop_lines if r["sent_idx"] == 1 for a in r["annotations"]]

    # the server's decision, stamped with exactly the laptop's time
    export_dataset(server, tmp_path / "server.jsonl", "jsonl")
    tied = []
    for line in (tmp_path / "server.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for annotation in record["annotations"]:
            annotation["updated_at"] = laptop_amal["updated_at"]
        tied.append(json.dumps(record, ensure_ascii=False))
    (tmp_path / "tied.jsonl").write_text("\n".join(tied) + "\n", encoding="utf-8")

    result = import_paths(laptop, [tmp_path / "tied.jsonl"]).annotated[0]
    (conflict,) = result.conflicts
    assert conflict.kept == "existing"
    assert conflict.existing["updated_at"] == conflict.imported["updated_at"] == laptop_amal["updated_at"]
    assert result.decisions_updated == 0 and result.decisions_unchanged == 1
    after = [a for r in export_lines(laptop, tmp_path / "after.jsonl") if r["sent_idx"] == 1 for a in r["annotations"]]
    assert after == [laptop_amal]  # labels, note and time as they were
    laptop.dispose()
