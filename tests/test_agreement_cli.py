"""`annotator agreement` driven as a user would, on projects built through the core.

Every number in the JSON is checked against an independent computation on a matrix
written by hand from the plan of decisions (tests/test_agreement_db.py: PLAN): the
``krippendorff`` package, scikit-learn's ``cohen_kappa_score``, NLTK's MASI alpha, and
plain-Python loops for percent agreement, Fleiss (Gwet's missing-data form) and AC1.
"""

from __future__ import annotations

import json
import re
import warnings
from itertools import combinations
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import pytest
from nltk.metrics import masi_distance
from nltk.metrics.agreement import AnnotationTask
from sklearn.metrics import cohen_kappa_score
from sqlalchemy import Engine

from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.importing import import_paths
from annotator.core.labels import parse_schema
from annotator.core.repository import find_document, sentence_page
from annotator.core.schemas import active_schema, set_schema
from tests.test_agreement_db import ORDER, PLAN, UNUSED_LABEL, Project, build_project, expected_masks

ANNOTATORS = ["amal", "bartek", "chloe"]  # dora only skipped: not in the report


# -- independent reference computations -----------------------------------------------------------


def kripp(codes: np.ndarray) -> float | None:
    """krippendorff.alpha, nominal; None where it refuses (a single value)."""
    data = np.where(codes >= 0, codes, np.nan).T.astype(float)
    try:
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except ValueError:
        return None


def binary(masks: np.ndarray, bit: int) -> np.ndarray:
    return np.where(masks < 0, -1, (masks >> bit) & 1)


def set_codes(masks: np.ndarray) -> np.ndarray:
    values = sorted({int(v) for v in masks.ravel() if v >= 0})
    return np.vectorize(lambda v: values.index(v) if v >= 0 else -1)(masks)


def sk_cohen(x: np.ndarray, y: np.ndarray) -> float | None:
    both = (x >= 0) & (y >= 0)
    if not both.any():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = cohen_kappa_score(x[both], y[both])
    return None if np.isnan(value) else float(value)


def loops(codes: np.ndarray, q: int | None) -> dict[str, float | None]:
    """Percent agreement, Fleiss' kappa (Gwet 2014 missing-data form) and AC1, item by item."""
    items = [[int(v) for v in row if v >= 0] for row in codes]
    rated = [r for r in items if r]
    pairable = [r for r in items if len(r) >= 2]
    if not pairable:
        return {"percent_agreement": None, "fleiss_kappa": None, "gwet_ac1": None}
    cats = sorted({v for r in rated for v in r})
    p_a = sum(sum(r.count(c) * (r.count(c) - 1) for c in cats) / (len(r) * (len(r) - 1)) for r in pairable) / len(
        pairable
    )
    pi = [sum(r.count(c) / len(r) for r in rated) / len(rated) for c in cats]
    pe_fleiss = sum(p * p for p in pi)
    fleiss = None if len(cats) < 2 else (p_a - pe_fleiss) / (1 - pe_fleiss)
    ac1 = None
    if q is not None:
        pe_gwet = sum(p * (1 - p) for p in pi) / (q - 1)
        ac1 = (p_a - pe_gwet) / (1 - pe_gwet)
    return {"percent_agreement": p_a, "fleiss_kappa": fleiss, "gwet_ac1": ac1}


def nltk_masi_alpha(masks: np.ndarray, label_ids: list[str]) -> float:
    triples = [
        (f"c{a}", f"i{i}", frozenset(lab for b, lab in enumerate(label_ids) if masks[i, a] >> b & 1))
        for i in range(masks.shape[0])
        for a in range(masks.shape[1])
        if masks[i, a] >= 0
    ]
    return AnnotationTask(triples, masi_distance).alpha()


def approx(value: float | None) -> Any:
    return None if value is None else pytest.approx(value, abs=1e-12)


def check_metric_set(got: dict[str, Any], codes: np.ndarray, q: int | None, names: list[str]) -> None:
    """One MetricSet of the JSON against the references on the same codes."""
    assert got["n_items"] == int(((codes >= 0).sum(axis=1) >= 1).sum())
    assert got["n_pairable_items"] == int(((codes >= 0).sum(axis=1) >= 2).sum())
    assert got["krippendorff_alpha"] == approx(kripp(codes))
    for key, value in loops(codes, q).items():
        assert got[key] == approx(value), key
    kappas = [sk_cohen(codes[:, a], codes[:, b]) for a, b in combinations(range(len(names)), 2)]
    defined = [k for k in kappas if k is not None]
    assert got["cohen_kappa_mean"] == approx(sum(defined) / len(defined) if defined else None)


def check_report(
    out: dict[str, Any],
    masks: np.ndarray,
    names: list[str],
    label_ids: list[str],
    labels: list[str],
    mode: str = "multi",
) -> None:
    assert out["annotators"] == names
    assert out["n_items"] == masks.shape[0]
    overall_codes = set_codes(masks)
    check_metric_set(out["overall"], overall_codes, len(label_ids) if mode == "single" else None, names)
    assert out["overall"]["krippendorff_alpha_masi"] == approx(nltk_masi_alpha(masks, label_ids))
    assert list(out["per_label"]) == labels
    present = masks[masks >= 0]
    for lab in labels:
        bit = label_ids.index(lab)
        entry = out["per_label"][lab]
        check_metric_set(entry, binary(masks, bit), 2, names)
        assert entry["prevalence"] == approx(float(((present >> bit) & 1).mean()))
    assert list(out["pairwise"]) == [f"{a}|{b}" for a, b in combinations(sorted(names), 2)]
    for a, b in combinations(range(len(names)), 2):
        pair = out["pairwise"][f"{names[a]}|{names[b]}"]
        assert pair["n_items"] == int(((masks[:, a] >= 0) & (masks[:, b] >= 0)).sum())
        assert pair["cohen_kappa"] == approx(sk_cohen(overall_codes[:, a], overall_codes[:, b]))
        assert list(pair["per_label"]) == labels
        for lab in labels:
            bit = label_ids.index(lab)
            assert pair["per_label"][lab] == approx(sk_cohen(binary(masks[:, a], bit), binary(masks[:, b], bit)))


def run_json(cli: Any, *args: str) -> dict[str, Any]:
    result = cli("agreement", *args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def project(engine: Engine, tmp_path: Path) -> Project:
    return build_project(engine, tmp_path)


@pytest.fixture
def sqlite_project(db_path: str, tmp_path: Path) -> tuple[str, Project]:
    engine = open_database(db_path)
    project = build_project(engine, tmp_path)
    engine.dispose()
    return db_path, project


# -- the numbers --------------------------------------------------------------------------------------


def test_json_numbers_match_independent_implementations(cli: Any, any_db: str, project: Project) -> None:
    label_ids = active_schema(project.engine).label_ids
    out = run_json(cli, "--db", any_db)
    masks = expected_masks(label_ids, ANNOTATORS, ORDER)
    check_report(out, masks, ANNOTATORS, label_ids, label_ids)
    # a few values by hand, so that a shared mistake in the references cannot hide
    assert out["n_items"] == 10 and out["n_pairable_items"] == 8
    assert out["per_label"]["first_party_collection"]["krippendorff_alpha"] == 1.0  # unanimous, both values used
    assert out["pairwise"]["amal|chloe"]["n_items"] == 3  # amal skipped a3, chloe saw only a0-a3
    assert out["overall"]["gwet_ac1"] is None  # multi-label: no fixed q
    assert out["overall"]["alpha_ci"] is None and out["overall"]["alpha_masi_ci"] is None  # no bootstrap asked


def test_unused_label_is_null_never_one_or_zero(cli: Any, sqlite_project: tuple[str, Project]) -> None:
    db, _ = sqlite_project
    out = run_json(cli, "--db", db, "--bootstrap", "200", "--seed", "1")
    unused = out["per_label"][UNUSED_LABEL]
    assert unused["prevalence"] == 0.0
    for key in ("cohen_kappa_mean", "fleiss_kappa", "krippendorff_alpha", "alpha_ci"):
        assert unused[key] is None, key
    # not 0/0: every pair agrees and p_e < 1 (documented), so these are defined
    assert unused["percent_agreement"] == 1.0 and unused["gwet_ac1"] == 1.0
    assert all(pair["per_label"][UNUSED_LABEL] is None for pair in out["pairwise"].values())
    assert "NaN" not in json.dumps(out) and "Infinity" not in json.dumps(out)


def test_tables_show_na_for_undefined_and_the_same_numbers(cli: Any, sqlite_project: tuple[str, Project]) -> None:
    db, _ = sqlite_project
    data = run_json(cli, "--db", db)
    result = cli("agreement", "--db", db)
    assert result.code == 0, result.err
    text = result.out
    lines = text.splitlines()
    row = next(line for line in lines if line.startswith(UNUSED_LABEL))
    assert row.split()[1:] == ["0.0%", "100.0%", "n/a", "n/a", "n/a", "1.000", "—", "10", "8"]
    gwet = next(line for line in lines if "Gwet's AC1" in line)
    assert "n/a" in gwet
    alpha = next(line for line in lines if "Krippendorff's α (nominal)" in line)
    assert f"{data['overall']['krippendorff_alpha']:.3f}" in alpha
    sharing = next(line for line in lines if line.startswith("data_sharing "))
    assert f"{data['per_label']['data_sharing']['krippendorff_alpha']:.3f}" in sharing
    assert f"{100 * data['per_label']['data_sharing']['prevalence']:.1f}%" in sharing
    kappa = data["pairwise"]["amal|bartek"]["cohen_kappa"]
    matrix_row = next(line for line in lines if re.match(r"^\W*amal\W", line) and f"{kappa:.3f}" in line)
    assert "—" in matrix_row
    assert not re.search(r"\bnan\b", text, re.IGNORECASE)
    assert "--bootstrap" in text  # the hint when no CI was asked for


def test_narrow_terminal_never_truncates_a_number(
    cli: Any, sqlite_project: tuple[str, Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.cli import output

    db, _ = sqlite_project
    monkeypatch.setattr(output.console, "_width", 80)  # Rich fixed it from COLUMNS at import
    result = cli("agreement", "--db", db, "--bootstrap", "100", "--seed", "2")
    assert result.code == 0, result.err
    assert "…" not in result.out
    assert max(len(line) for line in result.out.splitlines()) <= 80, result.out


# -- bootstrap --------------------------------------------------------------------------------------


def test_bootstrap_ci_present_and_reproducible_with_seed(cli: Any, sqlite_project: tuple[str, Project]) -> None:
    db, _ = sqlite_project
    first = run_json(cli, "--db", db, "--bootstrap", "400", "--seed", "11")
    again = run_json(cli, "--db", db, "--bootstrap", "400", "--seed", "11")
    other = run_json(cli, "--db", db, "--bootstrap", "400", "--seed", "12")
    assert first == again
    cis = [
        first["overall"]["alpha_ci"],
        first["overall"]["alpha_masi_ci"],
        first["per_label"]["data_sharing"]["alpha_ci"],
    ]
    for ci in cis:
        assert ci is not None and len(ci) == 2 and -1.0 <= ci[0] <= ci[1] <= 1.0
    assert first["overall"]["alpha_ci"] != other["overall"]["alpha_ci"]
    # the point estimates do not depend on the bootstrap
    plain = run_json(cli, "--db", db)
    assert first["overall"]["krippendorff_alpha"] == plain["overall"]["krippendorff_alpha"]
    table = cli("agreement", "--db", db, "--bootstrap", "400", "--seed", "11")
    low, high = first["overall"]["alpha_ci"]
    assert f"[{low:.3f}, {high:.3f}]" in table.out
    assert "--bootstrap 2000" not in table.out


def test_bootstrap_ci_matches_resampling_by_hand(cli: Any, sqlite_project: tuple[str, Project]) -> None:
    """The documented procedure: resample the pairable items with replacement
    (numpy default_rng(seed); drawn as multinomial counts of the distinct item
    patterns, the sorted rows), recompute alpha, 2.5th/97.5th percentiles."""
    db, _ = sqlite_project
    label_ids = active_schema(open_database(db, create=False)).label_ids
    out = run_json(cli, "--db", db, "--bootstrap", "300", "--seed", "5", "--labels", "none")
    masks = expected_masks(label_ids, ANNOTATORS, ORDER)
    codes = binary(masks, label_ids.index("none"))
    pairable = codes[(codes >= 0).sum(axis=1) >= 2]
    patterns, counts = np.unique(np.sort(pairable, axis=1), axis=0, return_counts=True)
    draws = np.random.default_rng(5).multinomial(len(pairable), counts / len(pairable), size=300)
    values = [kripp(np.repeat(patterns, draw, axis=0)) for draw in draws]
    defined = np.array([v for v in values if v is not None])
    want = np.percentile(defined, [2.5, 97.5])
    assert out["per_label"]["none"]["alpha_ci"] == pytest.approx(want.tolist(), abs=1e-9)


# -- filters ----------------------------------------------------------------------------------------


def test_label_filter(cli: Any, sqlite_project: tuple[str, Project]) -> None:
    db, _ = sqlite_project
    label_ids = active_schema(open_database(db, create=False)).label_ids
    out = run_json(cli, "--db", db, "--labels", "none,data_sharing", "--labels", UNUSED_LABEL)
    check_report(
        out,
        expected_masks(label_ids, ANNOTATORS, ORDER),
        ANNOTATORS,
        label_ids,
        ["none", "data_sharing", UNUSED_LABEL],
    )
    full = run_json(cli, "--db", db)
    assert out["overall"] == full["overall"]  # overall always uses the full label sets


def test_annotator_filter(cli: Any, sqlite_project: tuple[str, Project]) -> None:
    db, _ = sqlite_project
    label_ids = active_schema(open_database(db, create=False)).label_ids
    out = run_json(cli, "--db", db, "--annotators", "chloe,amal")
    names = ["amal", "chloe"]
    items = [key for key in ORDER if any(isinstance(PLAN[n].get(key), frozenset) for n in names)]
    check_report(out, expected_masks(label_ids, names, items), names, label_ids, label_ids)
    assert list(out["pairwise"]) == ["amal|chloe"]


def test_document_filter(cli: Any, sqlite_project: tuple[str, Project]) -> None:
    db, _ = sqlite_project
    label_ids = active_schema(open_database(db, create=False)).label_ids
    out = run_json(cli, "--db", db, "--docs", "policy_b")
    names = ["amal", "bartek"]  # chloe saw nothing of policy_b
    items = [key for key in ORDER if key[0] == "policy_b"]
    check_report(out, expected_masks(label_ids, names, items), names, label_ids, label_ids)
    assert out["sample"]["documents"] == ["policy_b"]
    both = run_json(cli, "--db", db, "--docs", "policy_a,policy_b")
    assert both["sample"]["documents"] == ["policy_a", "policy_b"]
    every = run_json(cli, "--db", db)
    assert every.pop("sample")["documents"] is None
    both.pop("sample")
    assert both == every


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--labels", "data_sharing,made_up"], "unknown label(s) for schema privacy@1: made_up"),
        (["--annotators", "amal,zed"], "unknown annotator(s): zed"),
        (["--docs", "policy_a,no_such_doc"], "no document named 'no_such_doc'"),
        (["--labels", " , "], "--labels: give at least one name"),
        (["--bootstrap", "-5"], "--bootstrap -5"),
    ],
)
def test_unknown_names_are_one_line_errors(
    cli: Any, sqlite_project: tuple[str, Project], args: list[str], message: str
) -> None:
    db, _ = sqlite_project
    for extra in ([], ["--json"]):
        result = cli("agreement", "--db", db, *args, *extra)
        assert result.code == 2
        assert result.out == ""
        lines = result.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.err


def test_missing_database_is_an_error(cli: Any, tmp_path: Path) -> None:
    result = cli("agreement", "--db", str(tmp_path / "nothing.db"))
    assert result.code == 2 and "no database here yet" in result.err
    assert not (tmp_path / "nothing.db").exists()


# -- fewer than two annotators ----------------------------------------------------------------------


def test_one_annotator_gives_a_clear_message_and_valid_json(cli: Any, sqlite_project: tuple[str, Project]) -> None:
    db, _ = sqlite_project
    result = cli("agreement", "--db", db, "--annotators", "amal", "--json")
    assert result.code == 0
    out = json.loads(result.out)
    assert out["annotators"] == ["amal"] and out["pairwise"] == {}
    assert out["n_items"] == 8 and out["n_pairable_items"] == 0
    assert out["overall"]["krippendorff_alpha"] is None and out["overall"]["percent_agreement"] is None
    assert all(entry["krippendorff_alpha"] is None for entry in out["per_label"].values())
    assert "at least two annotators" in result.err
    table = cli("agreement", "--db", db, "--annotators", "amal,dora")  # dora labelled nothing
    assert table.code == 0
    assert "at least two annotators" in table.err and "dora (0)" in table.err
    assert "n/a" in table.out


def test_annotators_who_never_overlap(cli: Any, tmp_path: Path, db_path: str) -> None:
    engine = open_database(db_path)
    schema = active_schema(engine)
    doc = tmp_path / "d.txt"
    doc.write_text("One.\nTwo.\n", encoding="utf-8")
    import_paths(engine, [doc], lang="en")
    ids = [row.id for row in sentence_page(engine, find_document(engine, "d").id, 0, 10)]
    for name, sid in (("amal", ids[0]), ("bartek", ids[1])):
        save_decision(engine, schema, ensure_annotator(engine, name), sid, Change(labels=["none"], status="labelled"))
    engine.dispose()
    result = cli("agreement", "--db", db_path, "--json")
    out = json.loads(result.out)
    assert out["n_pairable_items"] == 0 and out["pairwise"]["amal|bartek"] == {
        "n_items": 0,
        "cohen_kappa": None,
        "per_label": dict.fromkeys(schema.label_ids),
    }
    assert "no sentence was labelled by two annotators" in result.err


def test_empty_project(cli: Any, db_path: str) -> None:
    assert cli("init", "--db", db_path).code == 0
    result = cli("agreement", "--db", db_path, "--json", "--bootstrap", "50")
    assert result.code == 0
    out = json.loads(result.out)
    assert out["n_items"] == 0 and out["annotators"] == [] and out["overall"]["alpha_ci"] is None
    assert cli("agreement", "--db", db_path).code == 0


# -- a single-label schema ----------------------------------------------------------------------------

SINGLE = """
name = "tone"
version = 1
mode = "single"
[[labels]]
id = "praise"
name = "Praise"
key = "p"
description = "Says something good."
[[labels]]
id = "complaint"
name = "Complaint"
key = "c"
description = "Says something bad."
[[labels]]
id = "neutral"
name = "Neutral"
key = "e"
description = "Neither."
"""
SINGLE_PLAN = {  # sentence index -> label, None = unseen, "skip" = skipped
    "amal": ["praise", "complaint", "neutral", "praise", "skip", "complaint"],
    "bartek": ["praise", "neutral", "neutral", "complaint", "praise", None],
    "chloe": ["praise", "complaint", None, "praise", "praise", "complaint"],
}


def test_single_label_schema_uses_nominal_statistics_with_q_labels(cli: Any, tmp_path: Path, db_path: str) -> None:
    engine = open_database(db_path)
    schema = set_schema(engine, parse_schema(SINGLE)).schema
    doc = tmp_path / "reviews.txt"
    doc.write_text("\n".join(f"Review number {i}." for i in range(6)) + "\n", encoding="utf-8")
    import_paths(engine, [doc], lang="en")
    ids = [row.id for row in sentence_page(engine, find_document(engine, "reviews").id, 0, 10)]
    masks = np.full((6, 3), -1, dtype=np.int64)
    for a, (name, plan) in enumerate(SINGLE_PLAN.items()):
        who = ensure_annotator(engine, name)
        for i, label in enumerate(plan):
            if label == "skip":
                save_decision(engine, schema, who, ids[i], Change(status="skipped"))
            elif label is not None:
                save_decision(engine, schema, who, ids[i], Change(labels=[label], status="labelled"))
                masks[i, a] = 1 << schema.label_ids.index(label)
    engine.dispose()
    out = run_json(cli, "--db", db_path)
    check_report(out, masks, list(SINGLE_PLAN), schema.label_ids, schema.label_ids, mode="single")
    label_codes = np.where(masks >= 0, np.log2(np.maximum(masks, 1)).astype(int), -1)
    assert out["overall"]["gwet_ac1"] == approx(loops(label_codes, 3)["gwet_ac1"])
    assert out["overall"]["krippendorff_alpha_masi"] == approx(kripp(label_codes))  # MASI = nominal here
    table = cli("agreement", "--db", db_path)
    gwet = next(line for line in table.out.splitlines() if "Gwet's AC1" in line)
    assert f"{out['overall']['gwet_ac1']:.3f}" in gwet and "n/a" not in gwet


# -- rendering many annotators (no database needed) ---------------------------------------------------


@pytest.mark.parametrize("n_annotators", [4, 5])
def test_pair_tables_for_many_annotators(n_annotators: int) -> None:
    from rich.console import Console

    from annotator.cli.agreement_tables import MAX_PAIR_COLUMNS, render_report
    from annotator.core.agreement import compute_agreement

    rng = np.random.default_rng(n_annotators)
    masks = rng.integers(1, 8, size=(60, n_annotators))
    masks[rng.random(masks.shape) < 0.2] = -1
    names = [f"[red]r{i}" for i in range(n_annotators)]  # markup in a name stays literal
    report = compute_agreement(masks, names, ["a", "b", "c"])
    console = Console(width=200, record=True, color_system=None)
    console.print(render_report(report, "multi", "test@1", asked_ci=False))
    text = console.export_text()
    pairs = n_annotators * (n_annotators - 1) // 2
    assert text.count("[red]r0") >= (n_annotators - 1 if pairs > MAX_PAIR_COLUMNS else 1)
    for key, pair in report.pairwise.items():
        assert key in text
        row = next(line for line in text.splitlines() if key in line) if pairs > MAX_PAIR_COLUMNS else None
        if row is not None:  # pairs as rows: the row holds each label's kappa
            for lab in ("a", "b", "c"):
                value = pair.per_label[lab]
                assert (f"{value:.3f}" if value is not None else "n/a") in row


def test_seed_without_bootstrap_warns(cli: Any, sqlite_project: tuple[str, Project]) -> None:
    db, _ = sqlite_project
    result = cli("agreement", "--db", db, "--seed", "3", "--json")
    assert result.code == 0 and "--seed has no effect" in result.err
    assert json.loads(result.out)["overall"]["alpha_ci"] is None
