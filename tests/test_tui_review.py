"""Pilot tests of the review screen (``annotator adjudicate``): press real keys, then read
the gold and its provenance from the DATABASE and from the EXPORT."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine, func, select
from textual.pilot import Pilot

from annotator.core.db import open_database
from annotator.core.exporting import export_dataset
from annotator.core.gold.store import read_gold
from annotator.core.models import EVENT, SENTENCE
from annotator.tui.config import Settings
from annotator.tui.review_app import ReviewApp
from annotator.tui.screens.help import HelpScreen
from annotator.tui.screens.review import ReviewScreen
from annotator.tui.widgets.panels import DefinitionPanel, LabelPanel
from annotator.tui.widgets.review_panels import VotesPanel
from tests.gold_helpers import build_votes
from tests.tui_helpers import settle, status_text, view_text

SIZE = (120, 34)
NOW = datetime(2026, 11, 24, 10, 0, 0)


@pytest.fixture
def project(tmp_path: Path) -> tuple[Engine, dict[int, int]]:
    engine = open_database(str(tmp_path / "project.db"))
    return engine, build_votes(engine, tmp_path)


def review_app(engine: Engine, tmp_path: Path, **options: object) -> ReviewApp:
    settings = Settings(path=tmp_path / "config" / "annotator" / "config.toml")
    return ReviewApp(engine, adjudicator="lead", settings=settings, clock=lambda: NOW, **options)  # type: ignore[arg-type]


async def press(pilot: Pilot[object], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def panel_text(app: ReviewApp, widget: type) -> str:
    return str(app.screen.query_one(widget).content)


def selection(app: ReviewApp) -> tuple[str, ...]:
    screen = app.screen
    assert isinstance(screen, ReviewScreen) and screen.item is not None
    return screen.selection(screen.item)


def position(app: ReviewApp) -> int | None:
    screen = app.screen
    assert isinstance(screen, ReviewScreen)
    return screen.pos


async def test_the_queue_driven_to_its_end_with_every_key(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    app = review_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # hardest first: #6 (all three differ), #3 (a 1-1 tie), #2 (2 of 3)
        assert [d.sentence_id for d in app.review.queue.disputes] == [ids[5], ids[2], ids[1]]  # type: ignore[union-attr]
        assert position(app) == 0 and selection(app) == ()  # no majority: nothing suggested
        votes = panel_text(app, VotesPanel)
        assert "A amal" in votes and "C piotr" in votes and "Third-party sharing/collection, Advertising use" in votes
        assert "no set has more than half" in votes
        assert "Dziękujemy za skorzystanie" in view_text(app)
        # x: leave it for later
        await press(pilot, "x")
        assert position(app) == 1 and "for later" in status_text(app)
        # #3: B's set (user_rights), then c toggles consent_choice on; w writes why; Enter saves
        await press(pilot, "B")
        assert selection(app) == ("user_rights",) and "Took B ola's set" in status_text(app)
        await press(pilot, "c")
        assert selection(app) == ("consent_choice", "user_rights")
        await press(pilot, "w")
        await pilot.press(*"both apply", "enter")
        await settle(pilot)
        assert "both apply" in panel_text(app, LabelPanel) and "not saved" in panel_text(app, LabelPanel)
        await press(pilot, "enter")
        assert "Gold saved for pl_news #3" in status_text(app) and "agreed: nobody" in status_text(app)
        # #2: the majority is pre-selected: Enter accepts it
        assert position(app) == 2 and selection(app) == ("first_party_collection",)
        assert "majority, 2 of 3: A B (Enter accepts it)" in panel_text(app, VotesPanel)
        await press(pilot, "enter")
        assert "agreed: A amal, B ola" in status_text(app)
        # back to the one left for later, then u undoes the last gold (#2) and goes there
        assert position(app) == 0
        await press(pilot, "u")
        assert position(app) == 2 and "Undone" in status_text(app) and "no gold" in status_text(app)
        assert ids[1] not in read_gold(engine, [ids[1]])
        await press(pilot, "enter")  # accept the suggestion again
        assert position(app) == 0
        # F3 takes C's set (two labels); then the exclusive none key replaces it and saves at once
        await press(pilot, "f3")
        assert selection(app) == ("data_sharing", "ads_use")
        await press(pilot, "n")
        assert "Queue done" in status_text(app)
        assert "3/3" in str(app.screen.query_one("#progress").content)
    gold = read_gold(engine, ids.values())
    assert set(gold) == {ids[1], ids[2], ids[5]}
    tie = gold[ids[2]]
    assert tie.labels == ("consent_choice", "user_rights") and tie.method == "adjudicated" and tie.by == "lead"
    assert tie.note == "both apply" and tie.agreed == () and tie.updated_at is not None
    assert gold[ids[1]].labels == ("first_party_collection",) and gold[ids[1]].agreed == ("amal", "ola")
    assert gold[ids[5]].labels == ("none",) and gold[ids[5]].agreed == ()
    with engine.connect() as connection:
        actions = [row[0] for row in connection.execute(select(EVENT.c.action).where(EVENT.c.action.like("gold%")))]
    assert actions == ["gold", "gold", "gold_undo", "gold", "gold"]
    # the export carries the gold with its provenance
    export_dataset(engine, tmp_path / "out.jsonl", "jsonl", gold="adjudicated")
    records = {
        r["sent_idx"]: r
        for r in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())
        if r["doc_name"] == "pl_news"
    }
    assert records[2]["gold"] == {
        "labels": ["consent_choice", "user_rights"],
        "method": "adjudicated",
        "by": "lead",
        "agreed": [],
    }
    assert records[1]["gold"] == {
        "labels": ["first_party_collection"],
        "method": "adjudicated",
        "by": "lead",
        "agreed": ["amal", "ola"],
    }
    assert records[0]["gold"] is None  # unanimous, but --gold adjudicated computes none


async def test_blind_hides_names_and_help_says_which_key_takes_a_set(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    app = review_app(engine, tmp_path, blind=True, label="first_party_collection")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.review.size == 1  # only #2 disputes first_party_collection
        votes = panel_text(app, VotesPanel)
        assert " A " in votes and "amal" not in votes and "piotr" not in votes
        assert "only first_party_collection" in str(app.screen.query_one("#doc-header").content)
        await press(pilot, "enter")
        assert "agreed: A B)" in status_text(app)
        await press(pilot, "h", "s")
        assert "Third-party sharing/collection" in str(app.screen.query_one(DefinitionPanel).content)
        await press(pilot, "escape")
        assert app.is_running  # escape closed the definition only
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=200, record=True)
        for widget in app.screen.query("Static"):
            console.print(widget.content)
        text = console.export_text()
        assert "Shift+A for A" in text and "review.take.1" in text and "A f1" in text
        await press(pilot, "escape")
        await press(pilot, "escape")  # nothing left unsaved: escape quits
    assert app.return_value == 0
    assert read_gold(engine, [ids[1]])[ids[1]].agreed == ("amal", "ola")  # names stored, letters shown


async def test_nothing_to_adjudicate_and_all_shows_gold_already_there(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    from annotator.core.gold.auto import auto_gold
    from annotator.core.schemas import active_schema

    auto_gold(engine, active_schema(engine), "majority")
    app = review_app(engine, tmp_path, label="retention")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Nothing to adjudicate" in status_text(app)
        await press(pilot, "enter", "j", "u")  # nothing breaks without a queue
    app = review_app(engine, tmp_path, include_gold=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.review.size == 3 and position(app) == 0  # the first without a gold
        await press(pilot, "end")
        assert position(app) == 2 and "majority (by rule)" in panel_text(app, LabelPanel)
        assert selection(app) == ("first_party_collection",)  # the stored gold is the selection
        await press(pilot, "enter")  # a person confirms the rule's gold: now adjudicated
    assert read_gold(engine, [ids[1]])[ids[1]].method == "adjudicated"


async def test_the_agreement_screen_shows_each_annotator_against_the_gold(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from textual.app import App
    from textual.widgets import DataTable

    from annotator.core.gold.auto import auto_gold
    from annotator.core.schemas import active_schema
    from annotator.tui.screens.agreement import AgreementScreen

    engine, _ = project
    auto_gold(engine, active_schema(engine), "majority")

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(AgreementScreen(engine))

    app = Host()
    async with app.run_test(size=(160, 60)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#vs-gold", DataTable)
        assert table.get_cell("amal", "exact_match").plain == "100.0%"
        assert table.get_cell("piotr", "exact_match").plain == "66.7%"  # the same figures as --vs-gold
        assert table.get_cell("ola", "n_items").plain == "2"
        labels = screen.query_one("#vs-gold-labels", DataTable)
        assert labels.get_cell("piotr|first_party_collection", "precision").plain == "n/a"
        assert labels.get_cell("piotr|first_party_collection", "support").plain == "1"
        assert "3 sentences have a gold" in str(screen.query_one("#gold-caption").content)
        await pilot.press("g")
        await pilot.pause()
        assert table.has_focus


async def test_docs_restrict_the_queue(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from annotator.core.repository import find_document

    engine, _ = project
    app = review_app(engine, tmp_path, documents=[find_document(engine, "ar_news").id])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.review.size == 0 and "Nothing to adjudicate" in status_text(app)
    app = review_app(engine, tmp_path, documents=[find_document(engine, "pl_news").id], min_annotators=3)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.review.size == 2  # the tie has two annotators only


async def test_the_votes_panel_is_never_in_textuals_loading_state(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The panel's "Reading…" message once lived in a method named ``loading``, which hid
    # Textual's ``loading`` reactive: Textual then took the panel for busy all the time
    # (mouse events over it dropped, a "wait" pointer over it, as a disabled widget).
    engine, _ = project
    app = review_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(VotesPanel)
        assert panel.loading is False
        assert "A amal" in panel_text(app, VotesPanel)
        await pilot.hover("#votes")
        await settle(pilot)
        # The pointer shape the screen asks the terminal for (OSC 22) over the panel.
        assert app.screen._pointer_shape == "default"


def gold_events(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        query = select(EVENT.c.action).where(EVENT.c.action.like("gold%")).order_by(EVENT.c.id)
        return [row[0] for row in connection.execute(query)]


async def test_undo_reverts_only_ones_own_gold_if_nobody_changed_it_since(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Two adjudicators, two review sessions on one database, on the same sentence (#6).
    engine, ids = project
    hard = ids[5]
    bea = ReviewApp(engine, adjudicator="bea", settings=Settings(path=tmp_path / "b.toml"), clock=lambda: NOW)
    lead = review_app(engine, tmp_path, include_gold=True)
    async with bea.run_test(size=SIZE) as pilot_b:
        await settle(pilot_b)
        assert bea.review.queue.disputes[0].sentence_id == hard  # type: ignore[union-attr]
        await press(pilot_b, "f3", "enter")  # bea takes C's set for #6
        assert read_gold(engine, [hard])[hard].by == "bea"
        async with lead.run_test(size=SIZE) as pilot_a:
            await settle(pilot_a)
            await press(pilot_a, "home")
            assert position(lead) == 0 and selection(lead) == ("data_sharing", "ads_use")  # bea's gold shown
            await press(pilot_a, "n")  # the lead changes it: none
            assert read_gold(engine, [hard])[hard].labels == ("none",)
            # bea undoes: her last gold is no longer what she left: refused, the lead's gold kept
            await press(pilot_b, "u")
            assert "Not undone" in status_text(bea) and "lead" in status_text(bea)
            kept = read_gold(engine, [hard])[hard]
            assert kept.labels == ("none",) and kept.by == "lead"
            assert gold_events(engine) == ["gold", "gold"]  # nothing written by the refusal
            assert "None" in panel_text(bea, LabelPanel) or "lead" in panel_text(bea, LabelPanel)
            # the lead undoes their own (still as they left it): bea's gold is back, exactly
            await press(pilot_a, "u")
            assert "Undone" in status_text(lead)
            back = read_gold(engine, [hard])[hard]
            assert back.labels == ("data_sharing", "ads_use") and back.by == "bea"
        # now bea's gold is what she left: her undo goes through
        await press(pilot_b, "u")
        assert "Undone" in status_text(bea)
    assert hard not in read_gold(engine, [hard])
    assert gold_events(engine) == ["gold", "gold", "gold_undo", "gold_undo"]


async def test_twelve_annotators_every_column_shown_and_taken_by_key(tmp_path: Path) -> None:
    from textual.containers import VerticalScroll

    from annotator.core.decisions import Change, ensure_annotator, save_decision
    from annotator.core.importing import import_paths
    from annotator.core.schemas import active_schema
    from tests.tui_helpers import POLISH, write_docs

    engine = open_database(str(tmp_path / "project.db"))
    import_paths(engine, write_docs(tmp_path / "docs", {"pl_news": POLISH}))
    schema = active_schema(engine)
    with engine.connect() as connection:
        first = int(connection.execute(select(func.min(SENTENCE.c.id))).scalar_one())
    labels = [label for label in schema.label_ids if label != "none"][:12]
    for n, label in enumerate(labels, start=1):  # twelve annotators, twelve different sets
        save_decision(
            engine, schema, ensure_annotator(engine, f"ann{n:02d}"), first, Change(labels=[label], status="labelled")
        )
    app = review_app(engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        votes = panel_text(app, VotesPanel)
        for n in range(1, len(labels) + 1):
            assert f"{chr(ord('A') + n - 1)} ann{n:02d}" in votes  # every column, none dropped past I
        box = app.screen.query_one("#votes-box", VerticalScroll)
        assert box.max_scroll_y > 0  # more than fits at 80x24: the panel scrolls
        await press(pilot, "pagedown")
        assert box.scroll_y > 0
        await press(pilot, "pageup")
        assert box.scroll_y == 0
        await press(pilot, "K")  # Shift+K: the eleventh column
        assert selection(app) == (labels[10],) and "Took K ann11's set" in status_text(app)
        await press(pilot, "f12")  # F12: the twelfth
        assert selection(app) == (labels[11],) and "Took L ann12's set" in status_text(app)
        await press(pilot, "enter")
    gold = read_gold(engine, [first])[first]
    assert gold.labels == (labels[11],) and gold.agreed == ("ann12",)


async def test_status_counts_golds_net_of_undos_and_u_drops_an_unsaved_selection_first(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    app = review_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f1", "enter")  # #6: A's set
        assert "1 this session" in status_text(app)
        await press(pilot, "enter")  # #3, a tie: nothing suggested, Enter saves nothing
        await press(pilot, "f1", "enter")
        assert "2 this session" in status_text(app)
        # an unsaved selection: u drops it and undoes nothing
        assert position(app) == 2 and selection(app) == ("first_party_collection",)
        await press(pilot, "s")
        assert selection(app) == ("first_party_collection", "data_sharing")
        await press(pilot, "u")
        assert "discarded" in status_text(app) and selection(app) == ("first_party_collection",)
        assert set(read_gold(engine, ids.values())) == {ids[5], ids[2]}  # nothing undone
        await press(pilot, "u")  # now the last gold (#3) is undone: the count goes down
        assert "Undone" in status_text(app) and "1 saved this session" in status_text(app)
        assert set(read_gold(engine, ids.values())) == {ids[5]}
        await press(pilot, "enter")  # #3 again, the tie: Enter with nothing selected saves nothing
        await press(pilot, "f2", "enter")
        assert "2 this session" in status_text(app)
    assert app.run_result()["saved"] == 2  # what `annotator adjudicate` prints at the end


async def test_an_rtl_gold_note_reads_right_to_left(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from annotator.tui.bidi import display_lines

    engine, _ = project
    note = "لا بيع للبيانات هنا"  # "no sale of the data here"
    reordered = display_lines(note, 40, True, True)[0]
    assert reordered != note
    app = review_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "w")
        await pilot.press(*note, "enter")
        await settle(pilot)
        shown = panel_text(app, LabelPanel)
        assert reordered.strip() in shown and note not in shown  # the visual order, as the votes' notes
        await press(pilot, "v")  # reordering off (a terminal that does bidi): the stored order
        shown = panel_text(app, LabelPanel)
        assert note in shown
