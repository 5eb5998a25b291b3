"""Loading saved decisions for agreement (``annotator.core.ratings``), SQLite and PostgreSQL.

The project is built the way the TUI builds it: documents imported, every decision saved
through ``save_decision`` (re-saves, an undo, a flag-only decision, skips, an annotator
who saw only some sentences, one who only skipped). ``PLAN`` is the ground truth the
tests (here and in test_agreement_cli.py) rebuild matrices from by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

import annotator.core.ratings as ratings_module
from annotator.core.agreement import compute_agreement
from annotator.core.decisions import Change, ensure_annotator, save_decision, undo_last
from annotator.core.errors import UserError
from annotator.core.importing import import_paths
from annotator.core.ratings import _dense_rank, _pivot, load_ratings
from annotator.core.repository import find_document, sentence_page
from annotator.core.schemas import active_schema

DOCS = {
    "policy_a": [
        "We collect your email address when you register.",
        "We share it with advertisers who show you ads.",
        "The weather was nice yesterday.",
        "Nothing to see here, really.",
        "We keep your data for five years.",
        "We collect and share your location with partners.",
    ],
    "policy_b": [
        "Thank you for reading this policy.",
        "Partners may receive your purchase history.",
        "Ads are personalised from your browsing.",
        "Contact us by post.",
    ],
}
SKIP = "skip"  # saved as skipped: missing for agreement
FLAG = "flag"  # only flagged (status open): missing
# PLAN[annotator][(doc, idx)] = final decision; absent = never seen (missing)
PLAN: dict[str, dict[tuple[str, int], frozenset[str] | str]] = {
    "amal": {
        ("policy_a", 0): frozenset({"first_party_collection"}),
        ("policy_a", 1): frozenset({"data_sharing", "ads_use"}),
        ("policy_a", 2): frozenset({"none"}),
        ("policy_a", 3): SKIP,
        ("policy_a", 4): frozenset({"retention"}),
        ("policy_a", 5): frozenset({"first_party_collection", "data_sharing"}),
        ("policy_b", 0): frozenset({"none"}),
        ("policy_b", 1): frozenset({"data_sharing"}),
        ("policy_b", 2): frozenset({"ads_use"}),
    },
    "bartek": {
        ("policy_a", 0): frozenset({"first_party_collection"}),
        ("policy_a", 1): frozenset({"data_sharing"}),
        ("policy_a", 2): frozenset({"none"}),
        ("policy_a", 3): frozenset({"none"}),
        ("policy_a", 4): frozenset({"retention"}),
        ("policy_a", 5): frozenset({"first_party_collection"}),
        ("policy_b", 0): frozenset({"none"}),
        ("policy_b", 1): frozenset({"ads_use"}),
        ("policy_b", 2): FLAG,
        ("policy_b", 3): frozenset({"none"}),
    },
    "chloe": {  # saw only the first four sentences of policy_a
        ("policy_a", 0): frozenset({"first_party_collection", "data_sharing"}),
        ("policy_a", 1): frozenset({"data_sharing", "ads_use"}),
        ("policy_a", 2): frozenset({"retention"}),
        ("policy_a", 3): frozenset({"none"}),
    },
    "dora": {("policy_a", 0): SKIP, ("policy_b", 1): SKIP},  # never labelled anything
}
ORDER = [("policy_a", i) for i in range(6)] + [("policy_b", i) for i in range(4)]
UNUSED_LABEL = "children_audiences"  # in the schema, used by nobody


@dataclass
class Project:
    engine: Engine
    sentence_of: dict[tuple[str, int], int]  # (doc, idx) -> sentence id
    doc_id: dict[str, int]


def write_docs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, lines in DOCS.items():
        path = folder / f"{name}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def build_project(engine: Engine, tmp_path: Path) -> Project:
    """Import DOCS and save PLAN's decisions through the core, with detours the TUI makes."""
    schema = active_schema(engine)
    import_paths(engine, write_docs(tmp_path / "docs"), lang="en")
    sentence_of: dict[tuple[str, int], int] = {}
    doc_id: dict[str, int] = {}
    for name, lines in DOCS.items():
        doc = find_document(engine, name)
        doc_id[name] = doc.id
        rows = sentence_page(engine, doc.id, 0, 100)
        assert [row.text for row in rows] == lines  # one sentence per line
        sentence_of.update({(name, row.idx): row.id for row in rows})
    ids = {name: ensure_annotator(engine, name) for name in PLAN}
    # Detours first: a re-save, and a save that is undone before the final decision.
    save_decision(engine, schema, ids["amal"], sentence_of[("policy_a", 4)], Change(labels=["none"], status="labelled"))
    save_decision(
        engine, schema, ids["bartek"], sentence_of[("policy_b", 2)], Change(labels=["ads_use"], status="labelled")
    )
    assert undo_last(engine, schema, ids["bartek"]) is not None
    for name, plan in PLAN.items():
        for key, decision in plan.items():
            sid = sentence_of[key]
            if decision == SKIP:
                change = Change(status="skipped")
            elif decision == FLAG:
                change = Change(flagged=True)
            else:
                change = Change(labels=sorted(decision), status="labelled")
            save_decision(engine, schema, ids[name], sid, change)
    # amal flags a labelled sentence: still a rating
    save_decision(engine, schema, ids["amal"], sentence_of[("policy_a", 1)], Change(flagged=True, note="check"))
    return Project(engine, sentence_of, doc_id)


def expected_masks(
    label_ids: list[str],
    annotators: list[str],
    items: list[tuple[str, int]],
) -> np.ndarray:
    """The mask matrix written by hand from PLAN (bit i = label_ids[i], -1 missing)."""
    out = np.full((len(items), len(annotators)), -1, dtype=np.int64)
    for i, key in enumerate(items):
        for a, name in enumerate(annotators):
            decision = PLAN[name].get(key)
            if isinstance(decision, frozenset):
                out[i, a] = sum(1 << label_ids.index(lab) for lab in decision)
    return out


@pytest.fixture
def project(engine: Engine, tmp_path: Path) -> Project:
    return build_project(engine, tmp_path)


def test_matrix_is_the_saved_label_sets_with_skips_and_unseen_missing(project: Project) -> None:
    label_ids = active_schema(project.engine).label_ids
    loaded = load_ratings(project.engine)
    # dora only skipped: not a column; every sentence has a labelled decision
    assert loaded.annotators == ["amal", "bartek", "chloe"]
    assert loaded.sentence_ids.tolist() == [project.sentence_of[key] for key in ORDER]
    assert loaded.masks.dtype == np.int64
    np.testing.assert_array_equal(loaded.masks, expected_masks(label_ids, loaded.annotators, ORDER))
    # spot checks against the plan, independent of the helper above
    a3 = ORDER.index(("policy_a", 3))
    assert loaded.masks[a3].tolist() == [-1, 1 << label_ids.index("none"), 1 << label_ids.index("none")]
    b2 = ORDER.index(("policy_b", 2))  # amal ads_use; bartek's save was undone, then only flagged
    assert loaded.masks[b2].tolist() == [1 << label_ids.index("ads_use"), -1, -1]
    a4 = ORDER.index(("policy_a", 4))  # the re-save wins
    assert loaded.masks[a4, 0] == 1 << label_ids.index("retention")


def test_annotator_filter(project: Project) -> None:
    label_ids = active_schema(project.engine).label_ids
    loaded = load_ratings(project.engine, annotators=["chloe", "amal"])
    assert loaded.annotators == ["amal", "chloe"]  # name order, whatever the order asked
    items = [key for key in ORDER if any(isinstance(PLAN[n].get(key), frozenset) for n in ("amal", "chloe"))]
    assert loaded.sentence_ids.tolist() == [project.sentence_of[key] for key in items]
    np.testing.assert_array_equal(loaded.masks, expected_masks(label_ids, ["amal", "chloe"], items))


def test_named_annotator_without_labels_is_an_all_missing_column(project: Project) -> None:
    loaded = load_ratings(project.engine, annotators=["dora", "amal"])
    assert loaded.annotators == ["amal", "dora"]
    assert (loaded.masks[:, 1] == -1).all()
    assert (loaded.masks[:, 0] >= 0).all()


def test_unknown_annotator_is_a_user_error(project: Project) -> None:
    with pytest.raises(UserError, match=r"unknown annotator.*zed"):
        load_ratings(project.engine, annotators=["amal", "zed"])


def test_document_filter(project: Project) -> None:
    label_ids = active_schema(project.engine).label_ids
    loaded = load_ratings(project.engine, documents=[project.doc_id["policy_b"]])
    items = [key for key in ORDER if key[0] == "policy_b"]
    assert loaded.annotators == ["amal", "bartek"]  # chloe saw nothing of policy_b
    assert loaded.sentence_ids.tolist() == [project.sentence_of[key] for key in items]
    np.testing.assert_array_equal(loaded.masks, expected_masks(label_ids, loaded.annotators, items))
    both = load_ratings(project.engine, documents=list(project.doc_id.values()), annotators=["bartek"])
    assert both.annotators == ["bartek"] and both.masks.shape == (9, 1)


def test_streams_in_chunks(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = load_ratings(project.engine)
    monkeypatch.setattr(ratings_module, "_CHUNK", 2)
    chunked = load_ratings(project.engine)
    np.testing.assert_array_equal(chunked.masks, whole.masks)
    np.testing.assert_array_equal(chunked.sentence_ids, whole.sentence_ids)


def test_empty_project(engine: Engine) -> None:
    active_schema(engine)
    loaded = load_ratings(engine)
    assert loaded.masks.shape == (0, 0) and loaded.annotators == []
    ensure_annotator(engine, "amal")
    named = load_ratings(engine, annotators=["amal"])
    assert named.masks.shape == (0, 1) and named.annotators == ["amal"]
    assert load_ratings(engine, annotators=[]).masks.shape == (0, 0)


def test_report_from_the_database(project: Project) -> None:
    """The loaded matrix feeds compute_agreement; the unused label is undefined, not 1 or 0."""
    schema = active_schema(project.engine)
    loaded = load_ratings(project.engine)
    report = compute_agreement(loaded.masks, loaded.annotators, schema.label_ids, schema.mode)
    assert report.n_items == 10
    assert report.n_pairable_items == 8  # all but b2 (amal only) and b3 (bartek only)
    unused = report.per_label[UNUSED_LABEL]
    assert unused.krippendorff_alpha is None and unused.fleiss_kappa is None and unused.cohen_kappa_mean is None
    assert unused.prevalence == 0.0
    assert report.pairwise["amal|chloe"].n_items == 3  # a0, a1, a2 (amal skipped a3)


# -- the pivot alone, against a dictionary built row by row ------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 10**12), st.integers(1, 40), st.integers(0, (1 << 62) - 1)),
        max_size=60,
        unique_by=lambda row: (row[0], row[1]),
    ),
    st.booleans(),
)
def test_pivot_matches_a_naive_pivot(rows: list[tuple[int, int, int]], dense: bool) -> None:
    if dense:  # squeeze the sentence ids into a dense range (the lookup-table path)
        rows = list({(s % 50 + 7, a): (s % 50 + 7, a, m) for s, a, m in rows}.values())
    data = np.array(rows, dtype=np.int64).reshape(-1, 3)
    columns = sorted({a for _, a, _ in rows} | {41})  # plus an annotator with no row
    names = [f"n{a}" for a in columns]
    got = _pivot(data, columns, names)
    sentences = sorted({s for s, _, _ in rows})
    want = np.full((len(sentences), len(columns)), -1, dtype=np.int64)
    for s, a, m in rows:
        want[sentences.index(s), columns.index(a)] = m
    assert got.sentence_ids.tolist() == sentences
    np.testing.assert_array_equal(got.masks, want)
    assert got.annotators == names


def test_dense_rank_both_paths() -> None:
    values = np.array([5, 3, 5, 10**15, 3, 7], dtype=np.int64)
    rank, uniq = _dense_rank(values)  # sparse: sorting
    assert uniq.tolist() == [3, 5, 7, 10**15] and rank.tolist() == [1, 0, 1, 3, 0, 2]
    rank, uniq = _dense_rank(values[values < 100])  # dense: lookup table
    assert uniq.tolist() == [3, 5, 7] and rank.tolist() == [1, 0, 1, 0, 2]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 3000), st.integers(1, 6), st.integers(0, (1 << 62) - 1)),
        max_size=80,
        unique_by=lambda row: (row[0], row[1]),
    ),
    st.integers(1, 9),
    st.sampled_from(["seen", "named", "spread"]),
    st.sampled_from([0, 1 << 16]),
)
def test_scatter_in_chunks_matches_a_naive_pivot(
    rows: list[tuple[int, int, int]], chunk: int, case: str, slack: int
) -> None:
    """The loader's chunk-by-chunk scatter (ratings._Scatter): whatever the chunk size, the
    order of the rows, ids that grow the matrix downwards or upwards, or ids spread so far
    apart that it falls back to keeping rows (and back), the matrix of a naive pivot."""
    if case == "spread":  # a few ids far apart: the sparse path, then the dense one
        rows = [(s * 10**9 if s % 7 == 0 else s, a, m) for s, a, m in rows]
    wanted = sorted({a for _, a, _ in rows} | {7}) if case == "named" else None
    scatter = ratings_module._Scatter(wanted)
    saved = ratings_module._DENSE_SLACK
    ratings_module._DENSE_SLACK = slack  # 0: switches between rows and matrix as the ids come
    modes = set()
    try:
        for start in range(0, len(rows), chunk):
            scatter.add(np.array(rows[start : start + chunk], dtype=np.int64).reshape(-1, 3))
            modes.add(scatter.matrix is None)
    finally:
        ratings_module._DENSE_SLACK = saved
    if case != "spread" and rows and slack:
        assert False in modes  # a matrix was used
    columns = sorted(scatter.annotator_ids, reverse=True)  # any column order asked
    got = scatter.finish(columns, [f"n{a}" for a in columns])
    sentences = sorted({s for s, _, _ in rows})
    want = np.full((len(sentences), len(columns)), -1, dtype=np.int64)
    for s, a, m in rows:
        want[sentences.index(s), columns.index(a)] = m
    assert got.sentence_ids.tolist() == sentences
    np.testing.assert_array_equal(got.masks, want)
    assert got.annotators == [f"n{a}" for a in columns]
    assert set(columns) == ({a for _, a, _ in rows} | ({7} if wanted else set()))


@pytest.mark.parametrize("mask_bits", [None, 2])
def test_packed_and_plain_rows_give_the_same_matrix(
    project: Project, monkeypatch: pytest.MonkeyPatch, mask_bits: int | None
) -> None:
    """The rows come as one integer ((sentence_id << a | annotator_id) << m | mask) when
    the ids leave room, else as three columns, and start again as three columns at a mask
    too wide for the packing (``mask_bits`` 2: most of the seeds' masks): the same matrix
    either way (on SQLite and PostgreSQL)."""
    with project.engine.connect() as connection:
        layout = ratings_module._packing(connection, ratings_module._annotator_ids(connection))
    assert layout is not None and layout[1] >= 40  # small ids: packed, room for wide masks
    if mask_bits is not None:
        real = ratings_module._packing
        monkeypatch.setattr(ratings_module, "_MIN_MASK_BITS", 0)
        monkeypatch.setattr(ratings_module, "_packing", lambda c, ids: (real(c, ids) or (0, 0))[:1] + (mask_bits,))
    packed = load_ratings(project.engine, documents=[project.doc_id["policy_b"]], annotators=["amal", "bartek"])
    np.testing.assert_array_equal(load_ratings(project.engine).masks, expected_masks_all(project))
    monkeypatch.setattr(ratings_module, "_packing", lambda connection, ids_of: None)
    plain = load_ratings(project.engine, documents=[project.doc_id["policy_b"]], annotators=["amal", "bartek"])
    np.testing.assert_array_equal(packed.masks, plain.masks)
    np.testing.assert_array_equal(packed.sentence_ids, plain.sentence_ids)


def expected_masks_all(project: Project) -> np.ndarray:
    label_ids = active_schema(project.engine).label_ids
    return expected_masks(label_ids, ["amal", "bartek", "chloe"], ORDER)
