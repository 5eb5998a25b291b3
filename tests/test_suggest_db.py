"""Suggestions and the database: training sources, stored model versions, decision provenance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, insert, select

from annotator.core.decisions import Change, ensure_annotator, save_decision, undo_last
from annotator.core.errors import UserError
from annotator.core.importing import import_paths
from annotator.core.labels import load_schema
from annotator.core.models import ANNOTATION as A
from annotator.core.models import EVENT as E
from annotator.core.models import GOLD as G
from annotator.core.repository import find_document, sentence_page
from annotator.core.schemas import active_schema, set_schema
from annotator.core.suggest.project import evaluate_project, train_project_model
from annotator.core.suggest.sources import parse_source, training_set
from annotator.core.suggest.store import latest_model_info, load_latest_model
from tests.suggest_data import SEEDS_LABELS


def _sentences(engine: Engine, tmp_path: Path) -> list[int]:
    doc = tmp_path / "policy.txt"
    doc.write_text("We share data with vendors. We collect your email. Hello world. We keep logs for 30 days.")
    import_paths(engine, [doc], lang="en")
    return [row.id for row in sentence_page(engine, find_document(engine, "policy").id, 0, 10)]


def test_training_sources_gold_majority_annotator_and_joined(engine: Engine, tmp_path: Path) -> None:
    schema = active_schema(engine)
    ids = _sentences(engine, tmp_path)
    amal, piotr, zofia = (ensure_annotator(engine, name) for name in ("amal", "piotr", "zofia"))

    def save(who: int, sentence: int, labels: list[str]) -> None:
        save_decision(engine, schema, who, ids[sentence], Change(labels=labels, status="labelled"))

    save(amal, 0, ["data_sharing"])
    save(piotr, 0, ["data_sharing"])
    save(zofia, 0, ["ads_use"])  # 2 of 3: majority data_sharing
    save(amal, 1, ["first_party_collection"])
    save(piotr, 1, ["none"])  # 1 of 2 each: a tie gives nothing
    save(zofia, 2, ["none"])  # a single decision is its own majority
    save_decision(engine, schema, amal, ids[3], Change(status="skipped"))  # skipped: never data
    with engine.begin() as connection:
        connection.execute(
            insert(G).values(sentence_id=ids[3], labels=["retention"], label_mask=1 << 5, method="adjudicated")
        )

    def labels_of(source: str) -> dict[int, list[str]]:
        data = training_set(engine, schema, source)
        return {
            int(s): [schema.label_ids[j] for j in np.flatnonzero(row)]
            for s, row in zip(data.sentence_ids, data.truth, strict=True)
        }

    assert labels_of("majority") == {ids[0]: ["data_sharing"], ids[2]: ["none"]}
    assert labels_of("annotator:amal") == {ids[0]: ["data_sharing"], ids[1]: ["first_party_collection"]}
    assert labels_of("gold") == {ids[3]: ["retention"]}
    assert labels_of("gold+annotator:zofia") == {ids[3]: ["retention"], ids[0]: ["ads_use"], ids[2]: ["none"]}
    assert labels_of("annotator:zofia+majority")[ids[0]] == ["ads_use"]  # the first source that has it wins
    assert training_set(engine, schema, "gold").texts == ["We keep logs for 30 days."]
    with pytest.raises(UserError, match="no annotator named 'nobody'"):
        training_set(engine, schema, "annotator:nobody")


@pytest.mark.parametrize("bad", ["golden", "annotator:", "gold+", "majority+votes"])
def test_a_bad_source_names_the_bad_part(bad: str) -> None:
    with pytest.raises(UserError, match=r"is not a training source \(gold, majority or annotator:NAME"):
        parse_source(bad)


def _reference_project(engine: Engine) -> None:
    import_paths(engine, [Path("seeds"), SEEDS_LABELS])


def test_train_stores_versions_and_evaluate_stores_nothing(engine: Engine) -> None:
    _reference_project(engine)
    assert latest_model_info(engine) is None
    first = train_project_model(engine, "annotator:reference")
    assert first.stored is not None and first.stored.version == 1
    assert first.stored.n_sentences == 106 and first.stored.source == "annotator:reference"
    assert first.stored.positives["data_sharing"] == 35 and first.stored.schema_ref == "privacy@1"
    assert first.stored.figures is not None and set(first.stored.figures["per_label"]) == set(
        active_schema(engine).label_ids
    )
    assert first.stored.figures["sources"]["data_sharing"] == "model"
    second = train_project_model(engine, "annotator:reference", seed=1)
    assert second.stored is not None and second.stored.version == 2
    info, model = load_latest_model(engine, active_schema(engine))  # type: ignore[misc]
    assert info.version == 2 and info.size > 1000
    texts = training_set(engine, active_schema(engine), "annotator:reference").texts[:10]
    np.testing.assert_allclose(model.predict_proba(texts), second.model.predict_proba(texts), atol=1e-6)
    _, evaluation = evaluate_project(engine, "annotator:reference", folds=2)
    assert evaluation.folds == 2 and evaluation.n_sentences == 106
    assert latest_model_info(engine).version == 2  # type: ignore[union-attr]
    with pytest.raises(UserError, match="no labelled sentences in training source 'gold'"):
        train_project_model(engine, "gold")


def test_provenance_is_saved_derived_kept_and_undone(engine: Engine, tmp_path: Path) -> None:
    schema = active_schema(engine)
    ids = _sentences(engine, tmp_path)
    amal = ensure_annotator(engine, "amal")
    change = Change(
        labels=["data_sharing", "first_party_collection"],
        status="labelled",
        suggested=["ads_use", "data_sharing"],
        keys_pressed=3,
    )
    saved = save_decision(engine, schema, amal, ids[0], change)
    assert saved.state.suggested == ("data_sharing", "ads_use")  # schema order
    assert saved.state.accepted == ("data_sharing",)  # the suggested labels the saved set kept
    save_decision(engine, schema, amal, ids[0], Change(flagged=True))  # not a labelling: provenance stays
    with engine.connect() as connection:
        row = connection.execute(
            select(A.c.suggested, A.c.accepted, A.c.keys_pressed).where(A.c.sentence_id == ids[0])
        ).one()
        assert (row.suggested, row.accepted, row.keys_pressed) == (["data_sharing", "ads_use"], ["data_sharing"], 3)
        event = connection.execute(select(E.c.after).where(E.c.action == "save")).scalar()
        assert event["suggested"] == ["data_sharing", "ads_use"] and event["keys_pressed"] == 3
    save_decision(
        engine, schema, amal, ids[0], Change(labels=["none"], status="labelled", suggested=None, keys_pressed=1)
    )
    with engine.connect() as connection:
        row = connection.execute(select(A.c.suggested, A.c.accepted).where(A.c.sentence_id == ids[0])).one()
        assert (row.suggested, row.accepted) == (None, None)  # SQL NULL: saved without suggestions
        assert connection.execute(select(A.c.id).where(A.c.suggested.is_(None))).all()
    undone = undo_last(engine, schema, amal)
    assert undone is not None and undone.state.suggested == ("data_sharing", "ads_use") and undone.state.flagged
    skipped = save_decision(engine, schema, amal, ids[1], Change(status="skipped", suggested=["none"]))
    assert skipped.state.accepted == ()
    with pytest.raises(UserError, match="keys_pressed"):
        save_decision(engine, schema, amal, ids[2], Change(labels=["none"], status="labelled", keys_pressed=-1))


def test_a_schema_that_differs_only_in_hints_replaces_the_stored_one(engine: Engine) -> None:
    schema = load_schema()
    set_schema(engine, schema.without_hints())
    assert not any(label.hints for label in active_schema(engine).labels)
    set_schema(engine, schema)  # same labels, hints added: no version bump needed
    assert active_schema(engine) == schema
    changed = schema.model_copy(update={"description": "something else"})
    with pytest.raises(UserError, match="bump `version`"):
        set_schema(engine, changed)


def test_session_retraining_keeps_the_stored_models_data_and_ranks_the_queue(engine: Engine) -> None:
    from annotator.core.suggest.model import SuggestionModel
    from annotator.core.suggest.session import SessionJob, run_session_job, session_source, starting_model

    assert session_source("amal") == "gold+annotator:amal"
    assert session_source("amal", "annotator:reference+gold") == "gold+annotator:amal+annotator:reference"
    _reference_project(engine)
    schema = active_schema(engine)
    assert starting_model(engine, schema).description == "schema hints (no model trained yet)"
    train_project_model(engine, "annotator:reference")
    start = starting_model(engine, schema)
    assert start.source == "annotator:reference" and start.description.startswith("model v1: 106 sentences")
    amal = ensure_annotator(engine, "amal")
    first = training_set(engine, schema, "annotator:reference").sentence_ids[0]
    save_decision(engine, schema, amal, int(first), Change(labels=["retention"], status="labelled"))
    url = engine.url.render_as_string(hide_password=False)
    result = run_session_job(SessionJob(url, amal, "amal", retrain=True, rank=True, base_source=start.source))
    assert result.n_sentences == 106 and result.description == (
        "retrained: 106 sentences of gold+annotator:amal+annotator:reference"
    )
    model = SuggestionModel.from_bytes(result.model_blob or b"", schema)
    assert model.trained[schema.bit_of["data_sharing"]]
    assert len(result.queue) == 105  # amal's undecided seed sentences
    assert [q.margin for q in result.queue] == sorted(q.margin for q in result.queue)
