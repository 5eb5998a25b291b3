"""Provenance in the reports: agreement --independent-only and the suggestion figures of stats."""

from __future__ import annotations

import json
from pathlib import Path

from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.gold.store import load_gold
from annotator.core.importing import import_paths
from annotator.core.repository import find_document, sentence_page
from annotator.core.schemas import active_schema


def _project(db_path: str, tmp_path: Path) -> None:
    doc = tmp_path / "policy.txt"
    doc.write_text("\n".join(f"Sentence number {i} about data." for i in range(6)) + "\n")
    engine = open_database(db_path)
    import_paths(engine, [doc], lang="en")
    schema = active_schema(engine)
    ids = [row.id for row in sentence_page(engine, find_document(engine, "policy").id, 0, 10)]
    amal, ola = ensure_annotator(engine, "amal"), ensure_annotator(engine, "ola")

    def save(who: int, i: int, labels: list[str], suggested: list[str] | None, keys: int | None) -> None:
        change = Change(labels=labels, status="labelled", suggested=suggested, keys_pressed=keys)
        save_decision(engine, schema, who, ids[i], change)

    # amal: three with suggestions shown (keys 2, 2, 3), three without (keys 2, 3, 4)
    save(amal, 0, ["data_sharing"], ["data_sharing"], 2)  # kept unchanged
    save(amal, 1, ["data_sharing", "ads_use"], ["data_sharing", "ads_use"], 2)  # kept unchanged
    save(amal, 2, ["retention"], ["data_sharing"], 3)  # data_sharing suggested, not kept
    save(amal, 3, ["retention"], None, 2)
    save(amal, 4, ["none"], None, 3)
    save(amal, 5, ["ads_use"], None, 4)
    for i, labels in enumerate((["data_sharing"], ["ads_use"], ["retention"], ["retention"], ["none"], ["none"])):
        save(ola, i, labels, None, None)  # imported-like: no keys recorded
    engine.dispose()


def test_stats_reports_acceptance_and_keys_with_and_without(cli, db_path: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _project(db_path, tmp_path)
    result = cli("stats", "--db", db_path, "--json")
    assert result.code == 0, result.err
    figures = json.loads(result.out)["suggestions"]
    assert figures["decisions_with_suggestions"] == 3 and figures["decisions_without_suggestions"] == 9
    assert figures["keys_per_decision"]["with_suggestions"] == 7 / 3
    assert figures["keys_per_decision"]["without_suggestions"] == 3.0  # amal's 2, 3, 4; ola's not recorded
    assert figures["keys_per_decision"]["decisions_with_keys_recorded"] == {"with": 3, "without": 3}
    assert figures["accepted_unchanged"] == 2 / 3
    assert figures["per_label"]["data_sharing"] == {"suggested": 3, "accepted": 2, "acceptance_rate": 2 / 3}
    assert figures["per_label"]["ads_use"] == {"suggested": 1, "accepted": 1, "acceptance_rate": 1.0}
    assert figures["per_label"]["retention"]["acceptance_rate"] is None  # never suggested: undefined
    table = cli("stats", "--db", db_path)
    assert "Suggestions" in table.out and "keys per decision" in table.out and "2/3 (67%)" in table.out


def test_agreement_independent_only_leaves_out_suggested_decisions(cli, db_path: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _project(db_path, tmp_path)
    everything = json.loads(cli("agreement", "--db", db_path, "--json").out)
    independent = cli("agreement", "--independent-only", "--db", db_path, "--json")
    assert independent.code == 0, independent.err
    report = json.loads(independent.out)
    assert everything["n_pairable_items"] == 6
    assert report["n_pairable_items"] == 3  # amal's three suggested decisions are missing now
    assert report["independent_only"] == {"left_out": 3}
    assert "independent_only" not in everything
    table = cli("agreement", "--independent-only", "--db", db_path)
    assert "3 decision(s) made with suggestions shown left out" in table.out


def test_independent_only_applies_to_vs_gold_and_confusion(cli, db_path: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _project(db_path, tmp_path)
    assert cli("gold", "--auto", "majority", "--db", db_path).code == 0  # gold on sentences 0, 2, 3, 4 (all decisions)
    everything = json.loads(cli("agreement", "--vs-gold", "--db", db_path, "--json").out)
    result = cli("agreement", "--vs-gold", "--independent-only", "--db", db_path, "--json")
    assert result.code == 0, result.err
    independent = json.loads(result.out)
    assert everything["annotators"]["amal"]["n_items"] == 4 and "independent_only" not in everything
    assert independent["annotators"]["amal"]["n_items"] == 2  # her decisions on 0 and 2 were made with suggestions
    assert independent["annotators"]["ola"] == everything["annotators"]["ola"]
    assert independent["independent_only"] == {"left_out": 3}
    table = cli("agreement", "--vs-gold", "--independent-only", "--db", db_path)
    assert table.code == 0 and "3 decision(s) made with suggestions shown left out" in table.out

    everything = json.loads(cli("agreement", "--confusion", "--db", db_path, "--json").out)
    result = cli("agreement", "--confusion", "--independent-only", "--db", db_path, "--json")
    assert result.code == 0, result.err
    independent = json.loads(result.out)
    assert (everything["n_items"], independent["n_items"]) == (6, 3)
    assert independent["independent_only"] == {"left_out": 3} and "independent_only" not in everything
    table = cli("agreement", "--confusion", "--independent-only", "--db", db_path)
    assert table.code == 0 and "3 decision(s) made with suggestions shown left out" in table.out


def test_gold_auto_independent_only_builds_gold_from_independent_decisions(cli, db_path: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _project(db_path, tmp_path)
    planned = json.loads(cli("gold", "--auto", "majority", "--dry-run", "--db", db_path, "--json").out)
    assert (planned["created"], planned["left_for_review"], planned["too_few"]) == (4, 2, 0)
    assert "independent_only" not in planned
    result = cli("gold", "--auto", "majority", "--independent-only", "--db", db_path, "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    # amal's suggested decisions on 0-2 do not count: ola alone there is too few; 3 and 4 agree; 5 is a tie
    assert (summary["created"], summary["left_for_review"], summary["too_few"]) == (2, 1, 3)
    assert summary["independent_only"] == {"left_out": 3}
    engine = open_database(db_path, create=False)
    try:
        ids = [row.id for row in sentence_page(engine, find_document(engine, "policy").id, 0, 10)]
        assert sorted(load_gold(engine).sentence_ids.tolist()) == [ids[3], ids[4]]
    finally:
        engine.dispose()
    table = cli("gold", "--auto", "majority", "--independent-only", "--dry-run", "--db", db_path)
    assert table.code == 0 and "3 decision(s) made with suggestions shown not counted" in table.out
    wrong = cli("gold", "--independent-only", "--db", db_path)
    assert wrong.code == 2 and wrong.err.strip() == "error: --independent-only goes with --auto unanimous|majority"
