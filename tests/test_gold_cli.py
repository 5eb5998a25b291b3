"""The gold commands as a user types them: gold --auto, gold, agreement --vs-gold/--confusion."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from annotator.core.db import open_database
from annotator.core.decisions import ensure_annotator
from annotator.core.gold.store import read_gold, save_gold
from annotator.core.schemas import active_schema
from tests.gold_helpers import build_votes


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, dict[int, int]]:
    path = str(tmp_path / "p.db")
    engine = open_database(path)
    ids = build_votes(engine, tmp_path)
    engine.dispose()
    return path, ids


def _digest(path: str) -> str:
    files = sorted(Path(path).parent.glob(Path(path).name + "*"))  # the database, and a WAL if any
    return hashlib.sha256(b"".join(f.name.encode() + f.read_bytes() for f in files)).hexdigest()


def _content(path: str) -> tuple[bytes, str]:
    """The database file's bytes and every row (read through SQLite: a WAL included). The
    -wal/-shm files themselves come and go with the connections an in-process export leaves
    open; their pages are in the dump."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        dump = "\n".join(connection.iterdump())
    finally:
        connection.close()
    return Path(path).read_bytes(), dump


def test_gold_auto_dry_run_changes_no_byte_then_fills_and_is_idempotent(cli, db) -> None:  # type: ignore[no-untyped-def]
    path, _ = db
    before = _digest(path)
    result = cli("gold", "--auto", "majority", "--dry-run", "--db", path, "--json")
    assert result.code == 0, result.err
    planned = json.loads(result.out)
    assert planned == {
        "policy": "majority",
        "min_annotators": 2,
        "dry_run": True,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "removed": 0,
        "adjudicated": 0,
        "imported": 0,
        "left_for_review": 2,
        "too_few": 1,
    }
    assert _digest(path) == before  # byte-identical
    result = cli("gold", "--auto", "majority", "--db", path)
    assert result.code == 0 and "created" in result.out and "left for review" in result.out
    assert "adjudicate" in result.out
    again = json.loads(cli("gold", "--auto", "majority", "--db", path, "--json").out)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    shown = cli("gold", "--db", path, "--json")
    assert json.loads(shown.out) == {"gold": {"adjudicated": 0, "unanimous": 2, "majority": 1}, "total": 3}


def test_gold_auto_never_overwrites_a_persons_gold(cli, db) -> None:  # type: ignore[no-untyped-def]
    path, ids = db
    engine = open_database(path)
    schema = active_schema(engine)
    save_gold(engine, schema, ensure_annotator(engine, "lead"), ids[0], ["retention"], by="lead", note="read it again")
    engine.dispose()
    summary = json.loads(cli("gold", "--auto", "unanimous", "--db", path, "--json").out)
    assert summary["adjudicated"] == 1 and summary["created"] == 1  # #4 only: #1 is the lead's
    engine = open_database(path)
    gold = read_gold(engine, [ids[0]])[ids[0]]
    engine.dispose()
    assert (gold.labels, gold.method, gold.by, gold.note) == (("retention",), "adjudicated", "lead", "read it again")


def test_agreement_vs_gold_json_shape(cli, db) -> None:  # type: ignore[no-untyped-def]
    path, _ = db
    assert cli("gold", "--auto", "majority", "--db", path).code == 0
    result = cli("agreement", "--vs-gold", "--json", "--db", path)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert set(data) == {"n_gold", "annotators", "sample"} and data["n_gold"] == 3
    assert data["sample"] == {"kind": "all", "units": None, "sentences": None, "documents": None}
    assert set(data["annotators"]) == {"amal", "ola", "piotr"}
    for scores in data["annotators"].values():
        assert set(scores) == {"n_items", "exact_match", "macro_f1", "per_label"}
        for figures in scores["per_label"].values():
            assert set(figures) == {"precision", "recall", "f1", "support"}
    # amal matches all three gold sets; piotr chose sharing on #2, where the gold (2 of 3) says first party
    assert data["annotators"]["amal"]["exact_match"] == 1.0
    assert data["annotators"]["piotr"]["exact_match"] == pytest.approx(2 / 3)
    assert data["annotators"]["piotr"]["per_label"]["first_party_collection"] == {
        "precision": None,
        "recall": 0.0,
        "f1": 0.0,
        "support": 1,
    }
    assert data["annotators"]["ola"]["n_items"] == 2  # she skipped #4
    table = cli("agreement", "--vs-gold", "--db", path)
    assert "exact match" in table.out and "macro-F1" in table.out and "Per label: piotr" in table.out


def test_agreement_confusion_json_and_table(cli, db) -> None:  # type: ignore[no-untyped-def]
    path, _ = db
    result = cli("agreement", "--confusion", "--json", "--db", path)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    labels = data["labels"]
    assert labels[0] == "first_party_collection" and len(data["matrix"]) == len(labels) == 13
    assert all(len(row) == 13 and row[i] is None for i, row in enumerate(data["matrix"]))
    sharing, ads = labels.index("data_sharing"), labels.index("ads_use")
    assert data["counts"][sharing][ads] == data["counts"][ads][sharing] > 0
    assert set(data["prevalence"]) == {"amal", "ola", "piotr"}
    assert set(data["prevalence"]["amal"]["ads_use"]) == {"annotator", "others_mean"}
    table = cli("agreement", "--confusion", "--top", "3", "--db", path)
    assert "label a" in table.out and "Prevalence" in table.out and "% of a's disputes" in table.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gold", "--auto", "plurality"], "--auto 'plurality'"),
        (["gold", "--auto", "majority", "--min-annotators", "1"], "at least 2"),
        (["gold", "--dry-run"], "--dry-run goes with --auto"),
        (["gold", "--auto", "majority", "--docs", "nope"], "no document named 'nope'"),
        (["adjudicate"], "adjudicate needs --as NAME"),
        (["adjudicate", "--as", "lead", "--label", "sharing"], "--label 'sharing': not a label"),
        (["agreement", "--vs-gold", "--confusion"], "one at a time"),
        (["agreement", "--vs-gold", "--labels", "ads_use"], "drop --labels"),
    ],
)
def test_errors_are_one_line(cli, db, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    path, _ = db
    result = cli(*args, "--db", path)
    assert result.code == 2 and message in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1


def test_gold_docs_without_auto_counts_those_documents_only(cli, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, ids = db
    engine = open_database(path)
    schema = active_schema(engine)
    lead = ensure_annotator(engine, "lead")
    ar_first = max(ids.values()) + 1  # ar_news was imported after pl_news
    save_gold(engine, schema, lead, ar_first, ["retention"], by="lead")
    engine.dispose()
    assert cli("gold", "--auto", "majority", "--db", path).code == 0
    everything = json.loads(cli("gold", "--db", path, "--json").out)
    assert everything == {"gold": {"adjudicated": 1, "unanimous": 2, "majority": 1}, "total": 4}
    arabic = cli("gold", "--docs", "ar_news", "--db", path, "--json")
    assert arabic.code == 0, arabic.err
    assert json.loads(arabic.out) == {"gold": {"adjudicated": 1, "unanimous": 0, "majority": 0}, "total": 1}
    table = cli("gold", "--docs", "pl_news", "--db", path)
    assert table.code == 0 and "Stored gold in 1 document(s)" in table.out
    missing = cli("gold", "--docs", "nope", "--db", path)
    assert missing.code == 2 and "no document named 'nope'" in missing.err and len(missing.err.splitlines()) == 1


def test_export_gold_help_says_what_the_option_does(cli) -> None:  # type: ignore[no-untyped-def]
    shown = " ".join(cli("export", "--help").out.replace("│", " ").split())
    assert "Gold for the sentences without a stored one" in shown
    assert "A stored gold (adjudicated, from gold --auto or imported) always wins" in shown
    assert "An adjudicated gold always wins" not in shown  # it was not only an adjudicated one


def test_vs_gold_without_gold_says_how_to_make_one(cli, db) -> None:  # type: ignore[no-untyped-def]
    path, _ = db
    shown = cli("agreement", "--vs-gold", "--db", path)
    assert shown.code == 0
    assert "No sentence has a gold yet: run `annotator gold --auto majority`" in shown.out
    assert "annotator adjudicate" in shown.out and "┃" not in shown.out  # a hint, no empty table
    as_json = cli("agreement", "--vs-gold", "--db", path, "--json")
    assert json.loads(as_json.out)["n_gold"] == 0 and "gold --auto" in as_json.err  # the shape scripts read


@pytest.mark.parametrize("policy", ["majority", "unanimous"])
def test_gold_auto_twice_changes_no_byte_and_exports_the_same_bytes(cli, db, tmp_path: Path, policy: str) -> None:  # type: ignore[no-untyped-def]
    path, ids = db
    engine = open_database(path)
    save_gold(engine, active_schema(engine), ensure_annotator(engine, "lead"), ids[2], ["user_rights"], by="lead")
    engine.dispose()
    first = json.loads(cli("gold", "--auto", policy, "--db", path, "--json").out)
    assert first["created"] > 0
    assert cli("export", "--db", path, "-o", str(tmp_path / "one.jsonl")).code == 0
    assert cli("export", "--db", path, "--format", "csv", "-o", str(tmp_path / "one.csv")).code == 0
    after_first = _content(path)
    second = json.loads(cli("gold", "--auto", policy, "--db", path, "--json").out)
    assert (second["created"], second["updated"], second["removed"]) == (0, 0, 0)
    assert second["unchanged"] == first["created"] + first["unchanged"]
    assert _content(path) == after_first  # the database: not one byte changed, not one row
    assert cli("export", "--db", path, "-o", str(tmp_path / "two.jsonl")).code == 0
    assert cli("export", "--db", path, "--format", "csv", "-o", str(tmp_path / "two.csv")).code == 0
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
