"""Pilot tests of suggestions on the annotate screen: press real keys, read the database and the export."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from textual.pilot import Pilot

from annotator.core.errors import UserError
from annotator.core.exporting import export_dataset
from annotator.core.models import ANNOTATION as A
from annotator.core.repository import annotator_id
from annotator.core.schemas import active_schema
from annotator.core.suggest.model import SuggestionModel, decide
from annotator.core.suggest.session import rank_uncertain, undecided
from annotator.tui.app import AnnotatorApp
from annotator.tui.config import Settings, load_settings, save_settings
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.suggestions import Suggester, ThreadRunner
from annotator.tui.widgets.panels import LabelPanel
from tests.tui_helpers import FIXED_NOW, build_db, doc_named, settle, status_text

SIZE = (120, 34)
POLICY = [
    "We share your data with advertisers and other third parties.",
    "We collect your email address and use cookies.",
    "The weather in Warsaw was sunny yesterday.",
    "You can opt out of marketing emails in your settings.",
]
MORE = ["We keep your logs for 30 days.", "Thank you for reading."]


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return build_db(tmp_path, {"policy": POLICY, "more": MORE})


def _app(engine: Engine, tmp_path: Path, suggester: Suggester | None, **settings: object) -> AnnotatorApp:
    config = Settings(path=tmp_path / "config" / "annotator" / "config.toml", **settings)  # type: ignore[arg-type]
    return AnnotatorApp(
        engine,
        annotator="amal",
        document=doc_named(engine, "policy"),
        settings=config,
        clock=lambda: FIXED_NOW,
        suggester=suggester,
    )


def _prior(engine: Engine, **kwargs: object) -> Suggester:
    schema = active_schema(engine)
    kwargs.setdefault("executor", ThreadRunner)
    return Suggester(schema, SuggestionModel.prior_only(schema), "schema hints (no model trained yet)", **kwargs)  # type: ignore[arg-type]


def _decisions(engine: Engine) -> dict[int, tuple[list[str], str, list[str] | None, list[str] | None, int | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(A.c.sentence_id, A.c.labels, A.c.status, A.c.suggested, A.c.accepted, A.c.keys_pressed).order_by(
                A.c.sentence_id
            )
        )
        return {r.sentence_id: (r.labels, r.status, r.suggested, r.accepted, r.keys_pressed) for r in rows}


def _panel(app: AnnotatorApp) -> str:
    return str(app.screen.query_one(LabelPanel).content)


async def test_suggestions_are_marked_and_tab_enter_saves_exactly_the_suggested_set(
    engine: Engine, tmp_path: Path
) -> None:
    suggester = _prior(engine)
    app = _app(engine, tmp_path, suggester)
    schema = active_schema(engine)
    probs = suggester.model.predict_proba([POLICY[0]])[0]
    expected = decide(probs, schema)
    assert expected == ["data_sharing", "ads_use"]  # the hints of the schema file
    sharing = f"◆{round(100 * probs[schema.bit_of['data_sharing']]):3d}%* Third-party sharing/collection"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen) and screen.idx == 0
        panel = _panel(app)
        assert sharing in panel and "suggest schema hints (no model trained yet)" in panel
        assert "* hints only" in panel and "Tab selects" in panel
        assert screen.draft is None  # marked, not pre-selected
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert screen.idx == 1
        await pilot.press("f", "enter")  # second sentence: my own choice, not the suggestion
        await settle(pilot)
        await pilot.press("n")  # third: "none" in one key
        await settle(pilot)
    saved = list(_decisions(engine).values())
    assert saved[0] == (expected, "labelled", expected, expected, 2)  # a right suggestion cost 2 keys
    second_suggested = decide(suggester.model.predict_proba([POLICY[1]])[0], schema)
    assert saved[1][0] == ["first_party_collection"] and saved[1][2] == second_suggested and saved[1][4] == 2
    assert saved[1][3] == [label for label in second_suggested if label == "first_party_collection"]
    assert saved[2][:2] == (["none"], "labelled") and saved[2][2] == ["none"] and saved[2][4] == 1


async def test_the_config_switch_preselects_the_suggestion(engine: Engine, tmp_path: Path) -> None:
    app = _app(engine, tmp_path, _prior(engine, preselect=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.draft == ["data_sharing", "ads_use"]  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
    (labels, _status, suggested, accepted, keys) = next(iter(_decisions(engine).values()))
    assert labels == suggested == accepted == ["data_sharing", "ads_use"] and keys == 1


async def test_s_hides_suggestions_and_the_decision_says_none_were_shown(engine: Engine, tmp_path: Path) -> None:
    app = _app(engine, tmp_path, _prior(engine))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        assert "◆" not in _panel(app) and "Suggestions off" in status_text(app)
        await pilot.press("tab")
        await settle(pilot)
        assert "Suggestions are off" in status_text(app)
        await pilot.press("s", "enter")
        await settle(pilot)
    (labels, _status, suggested, accepted, keys) = next(iter(_decisions(engine).values()))
    assert labels == ["data_sharing"] and suggested is None and accepted is None and keys == 4  # S, tab, s, enter


async def test_provenance_reaches_the_export(engine: Engine, tmp_path: Path) -> None:
    app = _app(engine, tmp_path, _prior(engine))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("tab", "a", "enter")  # accept, then drop ads_use
        await settle(pilot)
    export_dataset(engine, tmp_path / "out.jsonl", "jsonl")
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    first = next(r for r in records if r["text"] == POLICY[0])
    (annotation,) = first["annotations"]
    assert annotation["labels"] == ["data_sharing"]
    assert annotation["suggested"] == ["ads_use", "data_sharing"] and annotation["accepted"] == ["data_sharing"]
    untouched = next(r for r in records if r["text"] == POLICY[1])
    assert untouched["annotations"] == []


async def test_retraining_runs_in_another_process_every_n_decisions(engine: Engine, tmp_path: Path) -> None:
    suggester = _prior(engine, retrain_every=2, executor=None)  # the real executor: a spawned process
    app = _app(engine, tmp_path, suggester)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert suggester.retrained_count == 0 and not suggester.retraining
        await pilot.press("f", "enter")
        await settle(pilot)  # waits for the worker, which waits for the other process
        assert suggester.retrained_count == 1 and not suggester.retraining
        assert suggester.description == "retrained: 2 sentences of gold+annotator:amal"
        assert "retrained: 2 sentences" in _panel(app)


async def test_order_uncertain_asks_about_the_least_certain_sentences_first(engine: Engine, tmp_path: Path) -> None:
    schema = active_schema(engine)
    model = SuggestionModel.prior_only(schema)
    amal = annotator_id(engine, "amal") or 0
    queue = rank_uncertain(model, undecided(engine, amal))
    suggester = Suggester(schema, model, "hints", order="uncertain", queue=queue, executor=ThreadRunner)
    config = Settings(path=tmp_path / "config.toml")
    app = AnnotatorApp(engine, annotator="amal", settings=config, clock=lambda: FIXED_NOW, suggester=suggester)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        visited = []
        for _ in range(3):
            row = screen.row_at(screen.idx)
            assert row is not None
            visited.append(row.id)
            assert "order: most uncertain first" in str(screen.query_one("#doc-header").content)
            await pilot.press("x")  # skip: a decision; the screen goes to the next most uncertain
            await settle(pilot)
    assert visited == [item.sentence_id for item in queue[:3]]
    margins = [item.margin for item in queue]
    assert margins == sorted(margins)


async def test_s_without_the_extra_says_how_to_install_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import annotator.core.suggest.training as training

    def missing() -> None:
        raise UserError(training.INSTALL_HINT)

    monkeypatch.setattr(training, "require_sklearn", missing)
    app = _app(engine, tmp_path, None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        assert "pip install 'annotator[suggest]'" in status_text(app)
        assert app.session.suggester is None


async def test_s_turns_suggestions_on_from_the_stored_model(engine: Engine, tmp_path: Path) -> None:
    app = _app(engine, tmp_path, None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "◆" not in _panel(app)
        await pilot.press("S")
        await settle(pilot)
        assert app.session.suggester is not None and "◆" in _panel(app)
        assert "Suggestions on: schema hints" in status_text(app)


def test_settings_keep_the_suggestion_switches(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\nsuggest_preselect = true\nsuggest_retrain_every = 50\n")
    loaded = load_settings(path)
    assert loaded.suggest_preselect is True and loaded.suggest_retrain_every == 50
    loaded.bidi = False
    save_settings(loaded)  # the app writes what it changed and keeps the switches as written
    assert path.read_text() == "# mine\nsuggest_preselect = true\nsuggest_retrain_every = 50\nbidi = false\n"
    path.write_text("suggest_retrain_every = 0\n")
    with pytest.raises(UserError, match="suggest_retrain_every"):
        load_settings(path)


def test_snapshot_annotate_with_suggestions(snap_compare, engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The label panel with suggestions: probabilities, ◆ on the suggested labels, * on hints-only ones."""
    app = _app(engine, tmp_path, _prior(engine))
    assert snap_compare(app, press=["tab"], terminal_size=SIZE, run_before=settle)


class _GatedRunner(Executor):
    """Runs the retraining in the worker thread once the test opens the gate: a slow retraining."""

    gate = threading.Event()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        assert self.gate.wait(30), "the test never opened the gate"
        return ThreadRunner().submit(fn, *args, **kwargs)


async def _settle_but_the_retraining(pilot: Pilot[object]) -> None:
    """Wait for the saves and every worker except the (gated) retraining."""
    app = pilot.app
    for _ in range(400):
        await pilot.pause()
        running = [worker for worker in app.workers if worker.is_running and worker.group != "suggest"]
        if not getattr(app, "jobs", None) and not running:
            await pilot.pause()
            return
    raise AssertionError("the saves never settled")


@pytest.mark.parametrize("order", ["document", "uncertain"])
async def test_a_background_retraining_swaps_the_model_without_moving_the_annotator(
    engine: Engine, tmp_path: Path, order: str
) -> None:
    """While a retraining runs, keys move and select as usual; when it lands, the model and
    the queue change but the sentence on screen, its unsaved selection and the keys counted
    on it stay, and the next save carries the new model's suggestion."""
    _GatedRunner.gate = threading.Event()
    schema = active_schema(engine)
    model = SuggestionModel.prior_only(schema)
    amal = annotator_id(engine, "amal") or 0
    queue = rank_uncertain(model, undecided(engine, amal)) if order == "uncertain" else None
    suggester = Suggester(schema, model, "hints", order=order, queue=queue, retrain_every=2, executor=_GatedRunner)
    app = _app(engine, tmp_path, suggester)
    if order == "uncertain":
        app = AnnotatorApp(
            engine,
            annotator="amal",
            settings=Settings(path=tmp_path / "config.toml"),
            clock=lambda: FIXED_NOW,
            suggester=suggester,
        )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        await pilot.press("tab", "enter")
        await _settle_but_the_retraining(pilot)
        await pilot.press("f", "enter")  # the second decision starts the retraining
        await _settle_but_the_retraining(pilot)
        assert suggester.retraining and suggester.retrained_count == 0
        assert "retraining" in _panel(app)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        before = screen.row_at(screen.idx)
        await pilot.press("j")  # keys are not blocked by the retraining
        await _settle_but_the_retraining(pilot)
        moved = screen.row_at(screen.idx)
        assert before is not None and moved is not None and moved.id != before.id
        await pilot.press("c", "d")  # an unsaved selection on the sentence
        await _settle_but_the_retraining(pilot)
        assert screen.draft == ["consent_choice", "retention"]
        position, document, keys = screen.idx, screen.document.id, screen.keys_here
        old_model = suggester.model

        _GatedRunner.gate.set()
        await settle(pilot)  # the retraining lands
        assert suggester.retrained_count == 1 and not suggester.retraining and suggester.model is not old_model
        assert app.screen is screen and (screen.idx, screen.document.id) == (position, document)
        now = screen.row_at(screen.idx)
        assert now is not None and now.id == moved.id and screen.draft == ["consent_choice", "retention"]
        assert screen.keys_here == keys and "retrained: 2 sentences" in _panel(app)
        await pilot.press("enter")
        await settle(pilot)
    saved = _decisions(engine)
    assert saved[moved.id][0] == ["consent_choice", "retention"]
    assert saved[moved.id][2] == decide(suggester.model.predict_proba([moved.text])[0], schema)
    assert saved[moved.id][4] == keys + 1
    assert len(saved) == 3


async def test_preselected_suggestions_are_neither_saved_nor_dropped_silently_when_moving_on(
    engine: Engine, tmp_path: Path
) -> None:
    """suggest_preselect: j on a sentence whose pre-selected suggestion was not saved saves
    nothing and says so; the legend says what the marks mean and that moving on saves nothing."""
    app = _app(engine, tmp_path, _prior(engine, preselect=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        assert screen.draft == ["data_sharing", "ads_use"]
        panel = _panel(app)
        assert "◆ suggested, pre-selected: Enter saves" in panel and "moving on saves nothing" in panel
        assert "% how likely" in panel and "* hints only" in panel
        await pilot.press("j")
        await settle(pilot)
        assert screen.idx == 1
        assert "Pre-selected suggestion on #1 was not saved (Enter saves it)" in status_text(app)
        await pilot.press("k")  # back: the suggestion is pre-selected again, still unsaved
        await settle(pilot)
        assert screen.idx == 0 and screen.draft == ["data_sharing", "ads_use"]
    assert _decisions(engine) == {}  # nothing saved behind the annotator's back


async def test_the_legend_of_marked_suggestions(engine: Engine, tmp_path: Path) -> None:
    app = _app(engine, tmp_path, _prior(engine))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = _panel(app)
        assert "◆ suggested: Tab selects, Enter saves" in panel and "% how likely" in panel
        assert "pre-selected" not in panel
        await pilot.press("f", "j")  # a selection of one's own, not saved: the usual warning
        await settle(pilot)
        assert "Selection on #1 was not saved (Enter saves)" in status_text(app)


async def test_a_failed_retraining_never_shows_the_database_password(engine: Engine, tmp_path: Path) -> None:
    # the retraining runs with the full URL; an error that quotes it is shown masked
    suggester = _prior(engine, retrain_every=1)

    def fails(_job: object) -> None:
        raise RuntimeError("cannot reach postgresql://amal:s3cret@db/ann and postgresql://amal@db/ann?password=s3cret")

    suggester.run = fails  # type: ignore[method-assign,assignment]
    app = _app(engine, tmp_path, suggester)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        shown = [n.message for n in app._notifications]
        assert any("Retraining failed" in message for message in shown), shown
        assert not any("s3cret" in message for message in shown), shown
        assert any("amal:***@db/ann" in message and "password=***" in message for message in shown), shown
