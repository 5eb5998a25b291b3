"""`annotator assign` and `annotator assignments` as a user types them (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.importing import import_paths
from annotator.core.models import ANNOTATION, ANNOTATOR, ASSIGNMENT, WORK_UNIT
from annotator.core.repository import sentence_page
from annotator.core.schemas import active_schema
from tests.conftest import SEEDS

TEAM = "amal,piotr,zofia"


FOUR_SEEDS = sorted(SEEDS.glob("*.txt"))[:4]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four seeds imported once into an SQLite file that each SQLite test copies (segmenting is slow)."""
    path = tmp_path_factory.mktemp("template") / "seeded.db"
    engine = open_database(str(path))
    active_schema(engine)  # as `annotator import` does: the default schema
    import_paths(engine, FOUR_SEEDS)
    engine.dispose()
    return path


@pytest.fixture
def seeded(any_db: str, template: Path) -> str:
    if "://" in any_db:
        engine = open_database(any_db)
        active_schema(engine)
        import_paths(engine, FOUR_SEEDS)
        engine.dispose()
    else:
        shutil.copy(template, any_db)
    return any_db


@pytest.fixture
def seeded_sqlite(db_path: str, template: Path) -> str:
    shutil.copy(template, db_path)
    return db_path


def _holders(db: str) -> dict[int, set[str]]:
    engine = open_database(db)
    with engine.connect() as connection:
        rows = connection.execute(
            select(ASSIGNMENT.c.unit_id, ANNOTATOR.c.name).join(ANNOTATOR, ANNOTATOR.c.id == ASSIGNMENT.c.annotator_id)
        ).all()
    engine.dispose()
    out: dict[int, set[str]] = {}
    for unit_id, name in rows:
        out.setdefault(unit_id, set()).add(name)
    return out


def _decisions(db: str) -> list[tuple]:  # type: ignore[type-arg]
    engine = open_database(db)
    with engine.connect() as connection:
        rows = connection.execute(select(ANNOTATION).order_by(ANNOTATION.c.id)).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def _decide(db: str, name: str, document_id: int, n: int) -> None:
    engine = open_database(db)
    schema = active_schema(engine)
    who = ensure_annotator(engine, name)
    for row in sentence_page(engine, document_id, 0, n):
        save_decision(engine, schema, who, row.id, Change(labels=["data_sharing"], status="labelled"))
    engine.dispose()


def test_assignments_json_has_the_documented_shape(seeded: str, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("assign", "--annotators", TEAM, "--overlap", "0.2", "--per-item", "2", "--seed", "7", "--db", seeded)
    assert result.code == 0, result.err
    assert "overlap sample" in result.out
    report = json.loads(cli("assignments", "--json", "--db", seeded).out)
    assert set(report) == {"annotators", "unassigned_sentences", "per_item", "overlap"}
    assert report["per_item"] == 2 and report["overlap"] == 0.2 and report["unassigned_sentences"] == 0
    assert set(report["annotators"]) == {"amal", "piotr", "zofia"}
    for share in report["annotators"].values():
        assert set(share) == {"units", "sentences", "decided", "overlap_sentences"}
        assert all(isinstance(value, int) for value in share.values())
        assert share["decided"] == 0 and share["units"] >= 1
    holders = _holders(seeded)
    assert len(holders) == 4  # every document is a unit, and every unit is someone's
    overlap_units = [u for u, names in holders.items() if len(names) == 2]
    assert overlap_units and all(len(names) in (1, 2) for names in holders.values())
    # the overlap sentences of the report are those of the units two people hold
    engine = open_database(seeded)
    with engine.connect() as connection:
        sizes = dict(connection.execute(select(WORK_UNIT.c.id, WORK_UNIT.c.n_sentences)).all())
    engine.dispose()
    shared = sum(sizes[u] for u in overlap_units)
    assert sum(s["overlap_sentences"] for s in report["annotators"].values()) == 2 * shared
    assert sum(s["sentences"] for s in report["annotators"].values()) == sum(sizes.values()) + shared


def test_decided_counts_only_the_annotators_own_units(seeded: str, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("assign", "--annotators", "amal,piotr", "--seed", "1", "--db", seeded).code == 0
    engine = open_database(seeded)
    with engine.connect() as connection:
        amal_doc = connection.execute(
            select(WORK_UNIT.c.document_id)
            .join(ASSIGNMENT, ASSIGNMENT.c.unit_id == WORK_UNIT.c.id)
            .join(ANNOTATOR, ANNOTATOR.c.id == ASSIGNMENT.c.annotator_id)
            .where(ANNOTATOR.c.name == "piotr")
        ).first()[0]
    engine.dispose()
    _decide(seeded, "amal", amal_doc, 3)  # amal works on one of piotr's documents: not her share
    _decide(seeded, "piotr", amal_doc, 2)
    report = json.loads(cli("assignments", "--json", "--db", seeded).out)
    assert report["annotators"]["amal"]["decided"] == 0
    assert report["annotators"]["piotr"]["decided"] == 2
    only = json.loads(cli("assignments", "--annotator", "piotr", "--json", "--db", seeded).out)
    assert list(only["annotators"]) == ["piotr"] and only["annotators"]["piotr"]["decided"] == 2
    table = cli("assignments", "--db", seeded)
    assert table.code == 0 and "piotr" in table.out and "not assigned to anyone" in table.out


def test_rerunning_assigns_only_new_documents(seeded: str, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("assign", "--annotators", TEAM, "--per-item", "2", "--overlap", "0.5", "--db", seeded).code == 0
    before = _holders(seeded)
    assert cli("import", str(sorted(SEEDS.glob("*.txt"))[4]), "--db", seeded).code == 0
    report = json.loads(cli("assignments", "--json", "--db", seeded).out)
    assert report["unassigned_sentences"] > 0  # the new document is nobody's yet
    again = cli("assign", "--json", "--db", seeded)  # the stored team and options
    assert again.code == 0, again.err
    summary = json.loads(again.out)
    assert summary["units_created"] == 1 and summary["assignments_removed"] == 0
    after = _holders(seeded)
    assert {u: after[u] for u in before} == before
    assert len(after) == len(before) + 1
    assert json.loads(cli("assignments", "--json", "--db", seeded).out)["unassigned_sentences"] == 0


def test_reassign_keeps_started_units_and_never_touches_decisions(seeded: str, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("assign", "--annotators", TEAM, "--seed", "3", "--db", seeded).code == 0
    engine = open_database(seeded)
    with engine.connect() as connection:
        zofia_units = connection.execute(
            select(WORK_UNIT.c.id, WORK_UNIT.c.document_id)
            .join(ASSIGNMENT, ASSIGNMENT.c.unit_id == WORK_UNIT.c.id)
            .join(ANNOTATOR, ANNOTATOR.c.id == ASSIGNMENT.c.annotator_id)
            .where(ANNOTATOR.c.name == "zofia")
        ).all()
    engine.dispose()
    _decide(seeded, "zofia", zofia_units[0].document_id, 2)
    decisions = _decisions(seeded)
    # without --reassign a change of plan is refused
    refused = cli("assign", "--dynamic", "--db", seeded)
    assert refused.code == 2 and "--reassign" in refused.err and "Traceback" not in refused.err
    # zofia leaves: her started unit stays hers, the others go to amal and piotr
    result = cli("assign", "--annotators", "amal,piotr", "--reassign", "--json", "--db", seeded)
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["kept_in_progress"] == 0  # zofia is no longer on the team
    holders = _holders(seeded)
    assert all(names <= {"amal", "piotr"} for names in holders.values())
    assert _decisions(seeded) == decisions
    # amal starts a unit; a reassignment to a bigger team keeps it hers
    amal_unit = next(u for u, names in holders.items() if "amal" in names)
    engine = open_database(seeded)
    with engine.connect() as connection:
        doc = connection.execute(select(WORK_UNIT.c.document_id).where(WORK_UNIT.c.id == amal_unit)).scalar()
    engine.dispose()
    _decide(seeded, "amal", doc, 1)
    decisions = _decisions(seeded)
    result = cli("assign", "--annotators", "piotr,ola,ewa,amal", "--reassign", "--seed", "9", "--json", "--db", seeded)
    assert json.loads(result.out)["kept_in_progress"] == 1
    assert "amal" in _holders(seeded)[amal_unit]
    assert _decisions(seeded) == decisions


def test_dry_run_changes_nothing(seeded: str, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("assign", "--annotators", TEAM, "--per-item", "2", "--dry-run", "--db", seeded)
    assert result.code == 0 and "dry run" in result.out
    assert _holders(seeded) == {}
    assert json.loads(cli("assignments", "--json", "--db", seeded).out)["per_item"] == 0


def test_sentence_units_and_weights(seeded: str, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "assign",
        "--annotators",
        TEAM,
        "--unit",
        "sentence",
        "--weights",
        "2,1,1",
        "--seed",
        "5",
        "--json",
        "--db",
        seeded,
    )
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    loads = {name: v["sentences"] for name, v in summary["annotators"].items()}
    assert summary["per_item"] == 1 and summary["overlap_units"] == 0
    assert abs(loads["amal"] - summary["sentences"] / 2) <= 1 and abs(loads["piotr"] - loads["zofia"]) <= 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--annotators", "amal", "--per-item", "2"], "--per-item 2: more than the 1 annotator"),
        (["--annotators", TEAM, "--weights", "1,2"], "--weights: 2 weights for 3 annotators"),
        (["--annotators", TEAM, "--weights", "a,b,c"], "--weights a,b,c: expected numbers"),
        (["--annotators", TEAM, "--overlap", "2"], "--overlap 2: must be a share between 0 and 1"),
        (["--annotators", TEAM, "--unit", "page"], "--unit page: expected document or sentence"),
        (["--per-item", "2"], "--annotators: who shares the work?"),
        (["--dynamic", "--annotators", TEAM], "the dynamic queue has no fixed team"),
        (["--annotators", TEAM, "--docs", "nosuchdoc"], "no document named 'nosuchdoc'"),
    ],
)
def test_bad_options_are_one_line_errors(seeded_sqlite: str, cli, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("assign", *args, "--db", seeded_sqlite)
    assert result.code == 2
    assert message in result.err and len(result.err.strip().splitlines()) == 1
    assert _holders(seeded_sqlite) == {}


def test_assignments_before_any_assign_and_unknown_annotator(seeded: str, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("assignments", "--db", seeded)
    assert result.code == 0 and "nothing is assigned yet" in result.err
    report = json.loads(cli("assignments", "--json", "--db", seeded).out)
    assert report["annotators"] == {} and report["unassigned_sentences"] > 0
    missing = cli("assignments", "--annotator", "nobody", "--db", seeded)
    assert missing.code == 2 and "no such annotator" in missing.err


def test_agreement_reports_over_the_overlap_sample_and_says_so(seeded: str, cli) -> None:  # type: ignore[no-untyped-def]
    assert (
        cli(
            "assign", "--annotators", "amal,piotr", "--per-item", "2", "--overlap", "0.3", "--seed", "2", "--db", seeded
        ).code
        == 0
    )
    engine = open_database(seeded)
    with engine.connect() as connection:
        units = connection.execute(select(WORK_UNIT.c.document_id, WORK_UNIT.c.overlap, WORK_UNIT.c.n_sentences)).all()
    engine.dispose()
    shared = [u for u in units if u.overlap]
    alone = [u for u in units if not u.overlap]
    assert shared and alone
    for name in ("amal", "piotr"):  # both label everything: the sample is only part of it
        for unit in units:
            _decide(seeded, name, unit.document_id, 3)
    report = json.loads(cli("agreement", "--json", "--db", seeded).out)
    assert report["sample"] == {
        "kind": "overlap",
        "units": len(shared),
        "sentences": sum(u.n_sentences for u in shared),
        "documents": None,
    }
    assert report["n_items"] == 3 * len(shared)
    everything = json.loads(cli("agreement", "--all-sentences", "--json", "--db", seeded).out)
    assert everything["sample"]["kind"] == "all" and everything["n_items"] == 3 * len(units)
    table = cli("agreement", "--db", seeded)
    assert "Over the overlap sample of the assignment" in table.out and "--all-sentences" in table.out


def test_agreement_without_assignments_is_over_every_sentence(seeded: str, cli) -> None:  # type: ignore[no-untyped-def]
    engine = open_database(seeded)
    with engine.connect() as connection:
        doc = connection.execute(select(WORK_UNIT.c.id)).first()
    engine.dispose()
    assert doc is None
    report = json.loads(cli("agreement", "--json", "--db", seeded).out)
    assert report["sample"] == {"kind": "all", "units": None, "sentences": None, "documents": None}


@pytest.mark.parametrize(
    ("options", "warned"),
    [
        (["--per-item", "2", "--overlap", "1", "--weights", "3,1,1"], True),  # 3/5 > 1/2 of every unit's copies
        (["--per-item", "3", "--overlap", "1", "--weights", "2,1,1"], True),  # the whole team on every unit
        (["--per-item", "2", "--overlap", "1", "--weights", "2,1,1"], False),  # exactly half: possible
        (["--per-item", "2", "--overlap", "0.2", "--weights", "3,1,1"], False),  # little overlap: possible
    ],
)
def test_impossible_weights_are_warned_in_one_line(template: Path, tmp_path: Path, cli, options, warned) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "a.db")
    shutil.copy(template, db)
    result = cli("assign", "--annotators", TEAM, "--unit", "sentence", *options, "--db", db)
    assert result.code == 0, result.err
    lines = [line for line in result.err.splitlines() if line.strip()]
    if warned:
        assert len(lines) == 1 and lines[0].startswith("warning: --weights")
        assert "no plan can give these shares" in lines[0] and "not guaranteed within one unit" in lines[0]
    else:
        assert lines == []
    data = json.loads(cli("assign", "--dry-run", "--json", "--db", db).out)  # the stored options again
    assert data["shares_reachable"] is not warned


def test_agreement_docs_says_which_sample_it_reports_on(seeded: str, cli) -> None:  # type: ignore[no-untyped-def]
    # --docs narrows the overlap sample: the JSON's "sample" (and the note) count what was
    # reported on, the sample within those documents, and name the documents.
    from annotator.core.models import DOCUMENT

    assign = ["assign", "--annotators", "amal,piotr", "--per-item", "2", "--overlap", "0.5", "--seed", "2"]
    assert cli(*assign, "--db", seeded).code == 0
    engine = open_database(seeded)
    with engine.connect() as connection:
        units = connection.execute(
            select(WORK_UNIT.c.document_id, WORK_UNIT.c.overlap, WORK_UNIT.c.n_sentences, DOCUMENT.c.name).join(
                DOCUMENT, DOCUMENT.c.id == WORK_UNIT.c.document_id
            )
        ).all()
    engine.dispose()
    shared = [u for u in units if u.overlap]
    alone = [u for u in units if not u.overlap]
    assert shared and alone
    for name in ("amal", "piotr"):
        for unit in units:
            _decide(seeded, name, unit.document_id, 3)
    asked = sorted([shared[0].name, alone[0].name])
    report = json.loads(cli("agreement", "--docs", ",".join(asked), "--json", "--db", seeded).out)
    assert report["sample"] == {
        "kind": "overlap",
        "units": 1,
        "sentences": shared[0].n_sentences,
        "documents": asked,
    }
    assert report["n_items"] == 3  # the shared document's three decided sentences
    everything = json.loads(
        cli("agreement", "--docs", ",".join(asked), "--all-sentences", "--json", "--db", seeded).out
    )
    assert everything["sample"] == {"kind": "all", "units": None, "sentences": None, "documents": asked}
    assert everything["n_items"] == 6
    for report_option in ("--confusion", "--vs-gold"):  # every sentence of the documents, and said so
        other = json.loads(cli("agreement", "--docs", ",".join(asked), report_option, "--json", "--db", seeded).out)
        assert other["sample"] == {"kind": "all", "units": None, "sentences": None, "documents": asked}
    table = cli("agreement", "--docs", ",".join(asked), "--db", seeded)
    assert f"{shared[0].n_sentences:,} sentences in 1 unit" in table.out and "--docs" in table.out


def test_counts_of_one_are_singular(seeded_sqlite: str, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = seeded_sqlite
    alone = cli("assign", "--annotators", "amal", "--db", db)
    assert alone.code == 0 and "1 annotator each" in alone.out and "1 annotators" not in alone.out
    listing = cli("assignments", "--db", db)
    assert "1 annotator each" in listing.out and "1 annotators" not in listing.out
    too_many = cli("assign", "--annotators", "amal", "--per-item", "2", "--reassign", "--db", db)
    assert too_many.code == 2 and "more than the 1 annotator" in too_many.err and "1 annotators" not in too_many.err
    _decide(db, "amal", 1, 2)
    exported = cli("export", "-o", str(tmp_path / "x.jsonl"), "--db", db)
    assert "2 by 1 annotator" in exported.out and "1 annotators" not in exported.out
