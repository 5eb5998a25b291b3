"""Pilot tests of the annotate screen: press real keys, then read the DATABASE."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from textual.pilot import Pilot

import annotator.tui.saving as tui_saving
from annotator.core.repository import annotator_id
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.screens.help import HelpScreen
from annotator.tui.widgets.panels import DefinitionPanel, LabelPanel
from tests.tui_helpers import POLISH, doc_named, engine, labels_of, make_app, settle, states, status_text, view_text

__all__ = ["engine"]  # the fixture, imported for pytest

SIZE = (110, 32)


async def open_pl(engine: Engine, tmp_path: Path, name: str = "amal", **kwargs: object):  # type: ignore[no-untyped-def]
    return make_app(engine, tmp_path, annotator=name, document=doc_named(engine, "pl_news"), **kwargs)  # type: ignore[arg-type]


async def press(pilot: Pilot[object], *keys: str) -> None:
    """Press the keys, then wait until the app settled (saves committed, seeks answered)."""
    await pilot.press(*keys)
    await settle(pilot)


async def test_toggle_then_enter_saves_and_moves_on(engine: Engine, tmp_path: Path) -> None:
    doc = doc_named(engine, "pl_news")
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnnotateScreen) and screen.idx == 0
        await press(pilot, "f", "s")
        assert labels_of(engine, doc, "amal")[0] is None  # toggles alone save nothing
        assert screen.draft == ["first_party_collection", "data_sharing"]
        await press(pilot, "enter")
        assert labels_of(engine, doc, "amal")[0] == ("first_party_collection", "data_sharing")
        assert screen.idx == 1
        assert "Saved #1" in status_text(app) and "10:00:00" in status_text(app)
        # toggling twice unselects; digits are the same labels as letters
        await press(pilot, "1", "1", "2", "3", "enter")
        assert labels_of(engine, doc, "amal")[1] == ("data_sharing", "ads_use")
        assert screen.idx == 2


async def test_none_key_saves_in_one_keystroke_and_is_exclusive(engine: Engine, tmp_path: Path) -> None:
    doc = doc_named(engine, "pl_news")
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        assert labels_of(engine, doc, "amal")[0] == ("none",)
        assert app.screen.idx == 1  # type: ignore[attr-defined]
        await pilot.press("grave_accent")  # the alternative none key
        await settle(pilot)
        assert labels_of(engine, doc, "amal")[1] == ("none",)
        # back on a 'none' sentence, another label replaces it
        await press(pilot, "k", "c", "enter")
        assert labels_of(engine, doc, "amal")[1] == ("consent_choice",)
        # and 'none' clears a selection in progress
        await press(pilot, "f", "s", "n")
        assert labels_of(engine, doc, "amal")[2] == ("none",)


async def test_enter_with_nothing_selected_saves_nothing(engine: Engine, tmp_path: Path) -> None:
    doc = doc_named(engine, "pl_news")
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        assert labels_of(engine, doc, "amal")[0] is None
        assert app.screen.idx == 0  # type: ignore[attr-defined]
        assert "Nothing selected" in status_text(app)


async def test_skip_flag_negated(engine: Engine, tmp_path: Path) -> None:
    doc = doc_named(engine, "pl_news")
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "x")
        saved = states(engine, doc, "amal")
        assert saved[0] is not None and saved[0].status == "skipped" and saved[0].labels == ()
        assert app.screen.idx == 1  # type: ignore[attr-defined]
        await press(pilot, "exclamation_mark", "t")
        saved = states(engine, doc, "amal")
        assert saved[1] is not None and saved[1].flagged and saved[1].negated and saved[1].status == "open"
        assert app.screen.idx == 1  # type: ignore[attr-defined]  # flag and negated do not move on
        await press(pilot, "s", "enter")
        saved = states(engine, doc, "amal")
        assert saved[1] is not None and saved[1].labels == ("data_sharing",) and saved[1].flagged and saved[1].negated
        await press(pilot, "k", "exclamation_mark")
        assert states(engine, doc, "amal")[1].flagged is False  # type: ignore[union-attr]


async def test_note_dialog_saves_a_literal_note(engine: Engine, tmp_path: Path) -> None:
    doc = doc_named(engine, "pl_news")
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await pilot.pause()
        await pilot.press(*"check [b]this[/b]")
        await press(pilot, "enter")
        saved = states(engine, doc, "amal")[0]
        assert saved is not None and saved.note == "check [b]this[/b]"
        panel = app.screen.query_one(LabelPanel)
        assert "check [b]this[/b]" in str(panel.content)
        # escape cancels without a write
        await press(pilot, "w", "x", "escape")
        assert states(engine, doc, "amal")[0].note == "check [b]this[/b]"  # type: ignore[union-attr]


async def test_undo_across_sentences_several_steps(engine: Engine, tmp_path: Path) -> None:
    doc = doc_named(engine, "pl_news")
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "n", "s", "enter", "x")
        assert labels_of(engine, doc, "amal")[:4] == [("none",), ("data_sharing",), "skipped", None]
        screen = app.screen
        assert screen.idx == 3  # type: ignore[attr-defined]
        await press(pilot, "u")
        assert labels_of(engine, doc, "amal")[:3] == [("none",), ("data_sharing",), None]
        assert screen.idx == 2  # type: ignore[attr-defined]  # the screen goes to the restored sentence
        await press(pilot, "ctrl+z", "u")
        assert labels_of(engine, doc, "amal")[:3] == [None, None, None]
        assert screen.idx == 0  # type: ignore[attr-defined]
        await press(pilot, "u")
        assert "Nothing left to undo" in status_text(app)


async def test_navigation_keys(engine: Engine, tmp_path: Path) -> None:
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("j", "j", "down")
        assert screen.idx == 3  # type: ignore[attr-defined]
        await pilot.press("k", "up")
        assert screen.idx == 1  # type: ignore[attr-defined]
        await pilot.press("G")
        assert screen.idx == len(POLISH) - 1  # type: ignore[attr-defined]
        await pilot.press("j")  # past the end stays on the last one
        assert screen.idx == len(POLISH) - 1  # type: ignore[attr-defined]
        await pilot.press("g")
        assert screen.idx == 0  # type: ignore[attr-defined]
        await press(pilot, "colon", "4", "enter")
        assert screen.idx == 3  # type: ignore[attr-defined]
        await press(pilot, "colon", "9", "9", "enter")
        assert screen.idx == 3 and "No sentence #99" in status_text(app)  # type: ignore[attr-defined]
        # . goes to the next sentence not yet decided
        await press(pilot, "g", "n", "n")
        await press(pilot, "g", "full_stop")
        assert screen.idx == 2  # type: ignore[attr-defined]


async def test_search_finds_and_wraps(engine: Engine, tmp_path: Path) -> None:
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await press(pilot, "slash", *"dane", "enter")
        assert screen.idx == 4  # type: ignore[attr-defined]  # "Przechowujemy dane…", after the current one
        await pilot.press("slash", "enter")  # same words again: the next match, wrapping to the top
        await settle(pilot)
        assert screen.idx == 0  # type: ignore[attr-defined]
        assert "wrapped" in status_text(app)
        await press(pilot, "slash", "ctrl+u", *"zzzz", "enter")
        assert screen.idx == 0 and "Not found" in status_text(app)  # type: ignore[attr-defined]


async def test_filters_unannotated_flagged_and_label(engine: Engine, tmp_path: Path) -> None:
    doc = doc_named(engine, "pl_news")
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        # 0: sharing, 1: none, 2: flagged only, 3: sharing
        await press(pilot, "s", "enter", "n", "exclamation_mark", "j", "s", "enter")
        assert labels_of(engine, doc, "amal")[:5] == [("data_sharing",), ("none",), None, ("data_sharing",), None]
        # filter: flagged (third option)
        await press(pilot, "g", "backslash", "down", "down", "enter")
        assert screen.filter == ("flagged", None)  # type: ignore[attr-defined]
        assert screen.idx == 2  # type: ignore[attr-defined]
        await press(pilot, "j")
        assert screen.idx == 2 and "No further match" in status_text(app)  # type: ignore[attr-defined]
        # filter: label data_sharing ("label: …" options follow the five fixed ones)
        await press(pilot, "backslash", "home", *["down"] * 6, "enter")
        assert screen.filter == ("labelled", "data_sharing")  # type: ignore[attr-defined]
        assert screen.idx == 3  # type: ignore[attr-defined]  # next carrying the label, from the current one
        await press(pilot, "k")
        assert screen.idx == 0  # type: ignore[attr-defined]
        # filter: unannotated, and Enter then moves to the next unannotated one
        await press(pilot, "backslash", "home", "down", "enter")
        assert screen.idx == 2  # type: ignore[attr-defined]
        await press(pilot, "r", "enter")
        assert screen.idx == 4  # type: ignore[attr-defined]
        assert labels_of(engine, doc, "amal")[2] == ("user_rights",)


async def test_resume_at_first_unannotated_after_reopening(engine: Engine, tmp_path: Path) -> None:
    doc = doc_named(engine, "pl_news")
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "n", "j", "n")  # decides 0, 1 and 3
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0
    assert labels_of(engine, doc, "amal")[:4] == [("none",), ("none",), None, ("none",)]
    again = await open_pl(engine, tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.screen.idx == 2  # type: ignore[attr-defined]
        assert "Resuming" in status_text(again)


async def test_blindness_second_annotator_sees_nothing_of_the_first(engine: Engine, tmp_path: Path) -> None:
    doc = doc_named(engine, "pl_news")
    app = await open_pl(engine, tmp_path, name="amal")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s", "a", "enter", "exclamation_mark", "w", *"amal's note", "enter")
    bob = await open_pl(engine, tmp_path, name="bob")
    async with bob.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = bob.screen
        assert screen.idx == 0  # type: ignore[attr-defined]  # amal's decision does not count for bob
        panel = str(screen.query_one(LabelPanel).content)
        assert "■" not in panel and "amal's note" not in panel and "flagged no" in panel
        assert "✓" not in view_text(bob) and "⚑" not in view_text(bob)
        row = screen.row_at(1)  # type: ignore[attr-defined]
        assert row.state is None
        await press(pilot, "n")
    assert labels_of(engine, doc, "amal")[0] == ("data_sharing", "ads_use")
    assert labels_of(engine, doc, "bob")[0] == ("none",)
    assert annotator_id(engine, "amal") != annotator_id(engine, "bob")


async def test_worker_error_is_shown_and_the_decision_retried(engine: Engine, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    doc = doc_named(engine, "pl_news")
    real = tui_saving.save_decision
    failures = {"left": 1}

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(tui_saving, "save_decision", flaky)
    monkeypatch.setattr(tui_saving, "RETRY_DELAYS", (60.0,))  # no automatic retry during the test
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("n", "s", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "NOT SAVED #1" in status_text(app) and "database is locked" in status_text(app)
        assert labels_of(engine, doc, "amal")[:2] == [None, None]  # the second waits behind the first
        assert len(app.jobs) == 2
        assert "✗" in view_text(app)  # the sentence is visibly not saved
        await press(pilot, "ctrl+r")
        assert labels_of(engine, doc, "amal")[:2] == [("none",), ("data_sharing",)]
        assert "Saved #2" in status_text(app)
        assert "✗" not in view_text(app)


async def test_quit_waits_for_unsaved_and_reports_them(engine: Engine, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(tui_saving, "save_decision", broken)
    monkeypatch.setattr(tui_saving, "RETRY_DELAYS", (60.0,))
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "disk is full" in status_text(app)
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running and "q again" in status_text(app)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 1


async def test_help_screen_and_one_label_definition(engine: Engine, tmp_path: Path) -> None:
    doc = doc_named(engine, "pl_news")
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AnnotateScreen)
        await pilot.press("h", "s")
        await pilot.pause()
        panel = app.screen.query_one(DefinitionPanel)
        assert panel.display and "Data disclosed, sold or transferred" in str(panel.content)
        await settle(pilot)
        assert labels_of(engine, doc, "amal")[0] is None and app.screen.draft is None  # type: ignore[attr-defined]
        await pilot.press("escape")  # closes the definition, stays on the sentence
        assert isinstance(app.screen, AnnotateScreen) and not panel.display


async def test_layout_digits_and_foreign_letters(engine: Engine, tmp_path: Path) -> None:
    doc = doc_named(engine, "pl_news")
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ف")  # an Arabic layout's letter: not a key here, only a hint
        await pilot.pause()
        assert "digit keys" in status_text(app)
        await pilot.press("٢", "٣", "enter")  # Arabic-Indic two and three
        await settle(pilot)
        assert labels_of(engine, doc, "amal")[0] == ("data_sharing", "ads_use")


async def test_picker_lists_progress_and_opens_documents(engine: Engine, tmp_path: Path) -> None:
    from textual.widgets import OptionList

    from annotator.tui.screens.picker import PickerScreen

    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        options = app.screen.query_one(OptionList)
        assert options.option_count == 2
        await press(pilot, "enter")
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        first = screen.document
        await press(pilot, "n", "n")
        await press(pilot, "escape")
        assert isinstance(app.screen, PickerScreen)
        texts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(first.name in text and f"2/{first.n_sentences}" in text for text in texts)


async def test_name_prompt_and_remembered_settings(engine: Engine, tmp_path: Path) -> None:
    from annotator.tui.config import load_settings
    from annotator.tui.screens.name import NameScreen

    config = tmp_path / "config" / "annotator" / "config.toml"
    app = make_app(engine, tmp_path, annotator=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NameScreen)
        await press(pilot, *"zoe", "enter")
        assert app.annotator_name == "zoe" and annotator_id(engine, "zoe") is not None
    assert load_settings(config).annotator == "zoe"
    # the bidi toggle is remembered too
    app = make_app(
        engine, tmp_path, annotator="zoe", document=doc_named(engine, "ar_news"), settings=load_settings(config)
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.reorder is True
        await pilot.press("v")
        await pilot.pause()
        assert app.reorder is False
    assert load_settings(config).bidi is False


async def test_keymap_from_config_remaps_bindings(engine: Engine, tmp_path: Path) -> None:
    from annotator.tui.config import Settings

    doc = doc_named(engine, "pl_news")
    config = tmp_path / "config.toml"
    settings = Settings(keymap={"annotate.skip": "z", "label.data_sharing.alt": "y"}, path=config)
    app = make_app(engine, tmp_path, document=doc, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")  # no longer skip
        await settle(pilot)
        assert labels_of(engine, doc, "amal")[0] is None
        await press(pilot, "z")
        assert labels_of(engine, doc, "amal")[0] == "skipped"
        await pilot.press("y", "enter")  # y now toggles data_sharing instead of its old alt 2
        await settle(pilot)
        assert labels_of(engine, doc, "amal")[1] == ("data_sharing",)


async def test_undo_returns_to_a_sentence_in_another_document(engine: Engine, tmp_path: Path) -> None:
    polish, arabic = doc_named(engine, "pl_news"), doc_named(engine, "ar_news")
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "n", "escape")
        app.open_document(arabic.id)
        await settle(pilot)
        await press(pilot, "s", "enter")
        assert labels_of(engine, arabic, "amal")[0] == ("data_sharing",)
        await press(pilot, "u", "u")
        assert labels_of(engine, arabic, "amal")[0] is None and labels_of(engine, polish, "amal")[0] is None
        screen = app.screen
        assert isinstance(screen, AnnotateScreen) and screen.document.id == polish.id and screen.idx == 0
        assert app.progress.decided(polish.id) == 0 and app.progress.decided(arabic.id) == 0


async def test_a_failed_read_in_a_worker_is_shown(engine: Engine, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import annotator.tui.screens.annotate_navigation as navigation_module

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT", {}, Exception("disk I/O error"))

    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(navigation_module, "next_matching", broken)
        await press(pilot, "full_stop")
        assert "Could not read the database" in status_text(app) and "disk I/O error" in status_text(app)
        assert app.is_running


async def test_mouse_click_and_wheel_move_between_sentences(engine: Engine, tmp_path: Path) -> None:
    from annotator.tui.widgets.sentence_view import SentenceView

    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        view = screen.query_one(SentenceView)
        await pilot.press("j", "j")
        rows = view._row_index
        target = rows.index(4)  # the first row of sentence #5, below the current one
        await pilot.click(SentenceView, offset=(20, target))
        await pilot.pause()
        assert screen.idx == 4  # type: ignore[attr-defined]
        above = view._row_index.index(3)
        await pilot.click(SentenceView, offset=(20, above))
        await pilot.pause()
        assert screen.idx == 3  # type: ignore[attr-defined]
        # a click on a label in the panel toggles it, like its key
        from annotator.tui.widgets.panels import LabelPanel

        await pilot.click(LabelPanel, offset=(5, 1))  # second label: data_sharing
        await pilot.pause()
        assert screen.draft == ["data_sharing"]  # type: ignore[attr-defined]


async def test_h_then_another_key_cancels_the_definition_prompt(engine: Engine, tmp_path: Path) -> None:
    doc = doc_named(engine, "pl_news")
    app = await open_pl(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("h", "exclamation_mark", "s")  # the flag is set, then s toggles as usual
        await settle(pilot)
        assert app.screen.draft == ["data_sharing"]  # type: ignore[attr-defined]
        assert states(engine, doc, "amal")[0].flagged  # type: ignore[union-attr]
        await pilot.press("h", "escape")  # escape only cancels the prompt
        await pilot.pause()
        assert isinstance(app.screen, AnnotateScreen)
