"""The TUI with assigned work: an annotator sees their own queue; the time of each decision is stored."""

from __future__ import annotations

import itertools
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from textual.widgets import OptionList, Static

from annotator.core.assignment.assigning import assign
from annotator.core.decisions import ensure_annotator
from annotator.core.models import ANNOTATION, ASSIGNMENT, EVENT, WORK_UNIT
from annotator.core.repository import annotator_id
from annotator.tui.app import AnnotatorApp
from annotator.tui.config import Settings
from tests.tui_helpers import ARABIC, POLISH, build_db, doc_named, settle, states

ENGLISH = ["We collect your email address.", "We share it with advertisers.", "You can opt out."]
DOCS = {"a_pl": POLISH, "b_ar": ARABIC, "c_en": ENGLISH}


class Clock:
    """A clock the test moves by hand (the app reads it for the time on screen)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 10, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return build_db(tmp_path, DOCS)


def make(engine: Engine, tmp_path: Path, name: str = "amal", **kwargs) -> AnnotatorApp:  # type: ignore[no-untyped-def]
    ensure_annotator(engine, name)
    settings = Settings(path=tmp_path / "config" / "annotator" / "config.toml")
    kwargs.setdefault("clock", Clock())
    return AnnotatorApp(engine, annotator=name, settings=settings, **kwargs)


def listed(app: AnnotatorApp) -> list[str]:
    options = app.screen.query_one("#documents", OptionList)
    return [str(options.get_option_at_index(i).prompt).split()[0] for i in range(options.option_count)]


def summary(app: AnnotatorApp) -> str:
    return str(app.screen.query_one("#picker-summary", Static).content)


def holders(engine: Engine) -> dict[str, list[int]]:
    with engine.connect() as connection:
        rows = connection.execute(select(WORK_UNIT.c.document_id, ASSIGNMENT.c.annotator_id).join(ASSIGNMENT)).all()
    out: dict[str, list[int]] = {}
    for doc, who in rows:
        out.setdefault(str(who), []).append(doc)
    return out


async def test_an_annotator_sees_only_their_queue_and_how_much_is_not_theirs(engine: Engine, tmp_path: Path) -> None:
    assign(engine, mode="static", annotators=["amal", "piotr"], seed=3)
    amal = annotator_id(engine, "amal")
    mine = sorted(doc.name for doc in (doc_named(engine, n) for n in DOCS) if doc.id in holders(engine)[str(amal)])
    assert 0 < len(mine) < len(DOCS)
    app = make(engine, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await settle(pilot)
        assert listed(app) == mine
        text = summary(app)
        not_mine = len(DOCS) - len(mine)
        assert f"Your queue: {len(mine)} document" in text
        assert f"{not_mine} document{'s are' if not_mine > 1 else ' is'} not yours" in text
        assert "Your queue" in str(app.screen.query_one("#picker-title", Static).content)
        # deciding in the queue moves the progress on the share
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert "1 of " in summary(app)

    everything = make(engine, tmp_path, show_all=True)
    async with everything.run_test(size=(110, 30)) as pilot:
        await settle(pilot)
        assert listed(everything) == sorted(doc.name for doc in (doc_named(engine, n) for n in DOCS))
        assert "All documents (--all)" in summary(everything)


async def test_sentence_units_count_progress_on_the_share(engine: Engine, tmp_path: Path) -> None:
    assign(engine, mode="static", unit="sentence", annotators=["amal", "piotr", "zofia"], seed=1)
    amal = annotator_id(engine, "amal")
    with engine.connect() as connection:
        share = (
            connection.execute(
                select(WORK_UNIT.c.document_id).join(ASSIGNMENT).where(ASSIGNMENT.c.annotator_id == amal)
            )
            .scalars()
            .all()
        )
    app = make(engine, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await settle(pilot)
        assert f"0 of {len(share)} sentences decided" in summary(app)
        assert "sentences are not yours" in summary(app)
        rows = {doc_id: share.count(doc_id) for doc_id in set(share)}
        assert app.session.progress.sizes == rows


async def test_nothing_assigned_says_so(engine: Engine, tmp_path: Path) -> None:
    assign(engine, mode="static", annotators=["piotr"])
    app = make(engine, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await settle(pilot)
        assert listed(app) == []
        assert "Nothing is assigned to you" in summary(app) and "3 documents are not yours" in summary(app)


async def test_the_dynamic_queue_gives_the_next_document_when_one_is_done(engine: Engine, tmp_path: Path) -> None:
    assign(engine, mode="dynamic", per_item=1, overlap=0.0)
    app = make(engine, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await settle(pilot)
        first = listed(app)
        assert len(first) == 1  # one document taken from the queue
        await pilot.press("enter")
        await settle(pilot)
        for _ in range(doc_named(engine, first[0]).n_sentences):
            await pilot.press("n")  # none: saved and next
            await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        second = listed(app)
        assert len(second) == 2 and first[0] in second  # done, and the next one taken
    piotr = make(engine, tmp_path, "piotr")
    async with piotr.run_test(size=(110, 30)) as pilot:
        await settle(pilot)
        assert len(listed(piotr)) == 1 and set(listed(piotr)).isdisjoint(second)


async def test_each_decision_stores_the_active_time_with_pauses_capped(engine: Engine, tmp_path: Path) -> None:
    clock = Clock()
    app = make(engine, tmp_path, clock=clock, document=doc_named(engine, "a_pl"))
    async with app.run_test(size=(110, 30)) as pilot:
        await settle(pilot)
        clock.wait(5)
        await pilot.press("s")  # toggles a label: activity
        clock.wait(3)
        await pilot.press("enter")  # saves #1 after 8 s, moves to #2
        await settle(pilot)
        clock.wait(30 * 60)  # a long break on #2
        await pilot.press("n")  # none on #2: 30 minutes count as 2
        await settle(pilot)
        clock.wait(4)
        await pilot.press("k")  # back to #2 ... then to #1
        clock.wait(2)
        await pilot.press("k")
        clock.wait(6)
        await pilot.press("w")  # a note on #1: time in the dialog counts for #1
        clock.wait(10)
        await pilot.press("o", "k", "enter")
        await settle(pilot)
    doc = doc_named(engine, "a_pl")
    amal = annotator_id(engine, "amal")
    from annotator.core.models import SENTENCE

    with engine.connect() as connection:
        rows = dict(
            connection.execute(
                select(SENTENCE.c.idx, ANNOTATION.c.seconds)
                .join(SENTENCE, SENTENCE.c.id == ANNOTATION.c.sentence_id)
                .where(ANNOTATION.c.annotator_id == amal, SENTENCE.c.document_id == doc.id)
            ).all()
        )
        events = connection.execute(
            select(EVENT.c.action, EVENT.c.seconds).where(EVENT.c.annotator_id == amal).order_by(EVENT.c.id)
        ).all()
    assert [tuple(e) for e in events] == [("save", 8.0), ("save", 120.0), ("note", 16.0)]
    # #1: 8 s, then 6 s more before the note and 10 s typing it; #2: 120 s capped (later visits: never saved)
    assert rows == {0: 24.0, 1: 120.0}


async def test_the_agreement_screen_is_over_the_overlap_sample(engine: Engine, tmp_path: Path) -> None:
    from annotator.core.decisions import Change, save_decision
    from annotator.core.repository import list_documents, sentence_page
    from annotator.core.schemas import active_schema
    from annotator.tui.screens.agreement import AgreementScreen

    assign(engine, mode="static", annotators=["amal", "piotr"], per_item=2, overlap=0.3, seed=2)
    schema = active_schema(engine)
    with engine.connect() as connection:
        sample = set(connection.execute(select(WORK_UNIT.c.document_id).where(WORK_UNIT.c.overlap.is_(True))).scalars())
    for name in ("amal", "piotr"):  # both label the first sentence of every document
        who = ensure_annotator(engine, name)
        for doc in list_documents(engine):
            row = sentence_page(engine, doc.id, 0, 1)[0]
            save_decision(engine, schema, who, row.id, Change(labels=["none"], status="labelled"))
    app = make(engine, tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AgreementScreen)
        assert screen.computed is not None and screen.computed.report.n_items == len(sample)
        assert "overlap sample of the assignment" in str(screen.query_one("#agreement-title", Static).content)


async def test_with_sentence_units_the_keys_visit_the_annotators_own_sentences(engine: Engine, tmp_path: Path) -> None:
    from annotator.core.models import SENTENCE
    from tests.tui_helpers import view_text

    assign(engine, mode="static", unit="sentence", annotators=["amal", "piotr"], seed=4)
    amal = annotator_id(engine, "amal")
    doc = doc_named(engine, "a_pl")
    with engine.connect() as connection:
        mine = sorted(
            connection.execute(
                select(SENTENCE.c.idx)
                .join(
                    WORK_UNIT,
                    (WORK_UNIT.c.document_id == SENTENCE.c.document_id) & (WORK_UNIT.c.first_idx == SENTENCE.c.idx),
                )
                .join(ASSIGNMENT, ASSIGNMENT.c.unit_id == WORK_UNIT.c.id)
                .where(ASSIGNMENT.c.annotator_id == amal, SENTENCE.c.document_id == doc.id)
            ).scalars()
        )
    assert 1 < len(mine) < doc.n_sentences
    app = make(engine, tmp_path)
    async with app.run_test(size=(120, 32)) as pilot:
        await settle(pilot)
        options = app.screen.query_one("#documents", OptionList)
        options.highlighted = listed(app).index(doc.name)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert screen.idx == mine[0] and screen.navigator.filter_text() == "your queue"
        assert "·" in view_text(app)  # someone else's sentences are marked
        visited = [screen.idx]
        for _ in mine[1:]:
            await pilot.press("n")  # none, saved, and on to the next of hers
            await settle(pilot)
            visited.append(screen.idx)
        assert visited == mine
        await pilot.press("backslash")
        await settle(pilot)
        first = app.screen.query_one("#filter-options", OptionList).get_option_at_index(0)
        assert first.id == "queue"
    with engine.connect() as connection:
        decided = sorted(
            connection.execute(
                select(SENTENCE.c.idx)
                .join(ANNOTATION, ANNOTATION.c.sentence_id == SENTENCE.c.id)
                .where(ANNOTATION.c.annotator_id == amal)
            ).scalars()
        )
    assert decided == mine[:-1]


LONG = [f"Sentence number {n} says we keep your data for {n} days." for n in range(1, 19)]


def slow_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every lookup of where to go next, and every save, takes a while (a busy server)."""
    import annotator.core.repository as repository
    import annotator.tui.saving as saving

    find, save = repository.next_matching, saving.save_decision

    def slow_next_matching(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.15)
        return find(*args, **kwargs)

    def slow_save_decision(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.1)
        return save(*args, **kwargs)

    monkeypatch.setattr("annotator.tui.screens.annotate_navigation.next_matching", slow_next_matching)
    monkeypatch.setattr(saving, "save_decision", slow_save_decision)


def labelled(engine: Engine, who: int | None) -> dict[int, tuple[list[str], int | None]]:
    """Sentence index -> (labels, keys pressed) of this annotator's labelled decisions."""
    from annotator.core.models import SENTENCE

    with engine.connect() as connection:
        rows = connection.execute(
            select(SENTENCE.c.idx, ANNOTATION.c.labels, ANNOTATION.c.keys_pressed)
            .join(ANNOTATION, ANNOTATION.c.sentence_id == SENTENCE.c.id)
            .where(ANNOTATION.c.annotator_id == who, ANNOTATION.c.status == "labelled")
        ).all()
    return {idx: (labels, keys) for idx, labels, keys in rows}


async def test_fast_keys_in_a_sentence_queue_land_on_the_right_sentences(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Label + Enter for each of her sentences, typed in one burst while the database is slow:
    # each decision must land on the sentence it was typed for, never on the one before.
    from annotator.core.models import SENTENCE

    engine = build_db(tmp_path, {"long": LONG})
    assign(engine, mode="static", unit="sentence", annotators=["amal", "piotr"], seed=4)
    amal = annotator_id(engine, "amal")
    with engine.connect() as connection:
        mine = sorted(
            connection.execute(
                select(SENTENCE.c.idx)
                .join(
                    WORK_UNIT,
                    (WORK_UNIT.c.document_id == SENTENCE.c.document_id) & (WORK_UNIT.c.first_idx == SENTENCE.c.idx),
                )
                .join(ASSIGNMENT, ASSIGNMENT.c.unit_id == WORK_UNIT.c.id)
                .where(ASSIGNMENT.c.annotator_id == amal)
            ).scalars()
        )
    assert len(mine) >= 5 and any(b - a > 1 for a, b in itertools.pairwise(mine))  # others' between
    slow_database(monkeypatch)
    app = make(engine, tmp_path)
    keys = [key for n in range(len(mine)) for key in ("1" if n % 2 == 0 else "2", "enter")]
    async with app.run_test(size=(120, 32)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # her one document, from her queue
        await settle(pilot)
        assert app.screen.idx == mine[0]
        await pilot.press(*keys)  # no pause between the keys
        await settle(pilot)
    expected = {idx: (["first_party_collection" if n % 2 == 0 else "data_sharing"], 2) for n, idx in enumerate(mine)}
    assert labelled(engine, amal) == expected  # each on her sentence, as typed, two keys each


async def test_fast_keys_after_a_filtered_move_wait_for_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # With a filter the next sentence is looked up in a worker: keys typed meanwhile wait for it.
    engine = build_db(tmp_path, {"long": LONG})
    amal = ensure_annotator(engine, "amal")
    slow_database(monkeypatch)
    app = make(engine, tmp_path, document=doc_named(engine, "long"))
    async with app.run_test(size=(120, 32)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "n", "g")  # #3 decided (none), back to #1
        await settle(pilot)
        await pilot.press("backslash")
        await settle(pilot)
        options = app.screen.query_one("#filter-options", OptionList)
        options.highlighted = next(
            i for i in range(options.option_count) if options.get_option_at_index(i).id == "unannotated"
        )
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.idx == 0
        await pilot.press("1", "enter", "2", "enter", "1", "2", "enter", "x")  # no pause between the keys
        await settle(pilot)
    assert labelled(engine, amal) == {
        0: (["first_party_collection"], 2),
        1: (["data_sharing"], 2),
        2: (["none"], 1),  # decided before: the filter passes it by
        3: (["first_party_collection", "data_sharing"], 3),
    }
    assert [s.status if s else None for s in states(engine, doc_named(engine, "long"), "amal")][:6] == [
        "labelled",
        "labelled",
        "labelled",
        "labelled",
        "skipped",
        None,
    ]


async def test_keys_held_for_a_move_that_fails_are_dropped_not_applied_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from annotator.tui.screens.annotate import AnnotateScreen
    from tests.tui_helpers import status_text

    engine = build_db(tmp_path, {"long": LONG})
    amal = ensure_annotator(engine, "amal")
    app = make(engine, tmp_path, document=doc_named(engine, "long"))
    async with app.run_test(size=(120, 32)) as pilot:
        await settle(pilot)
        await pilot.press("backslash")
        await settle(pilot)
        options = app.screen.query_one("#filter-options", OptionList)
        options.highlighted = next(
            i for i in range(options.option_count) if options.get_option_at_index(i).id == "unannotated"
        )
        await pilot.press("enter")
        await settle(pilot)

        def broken(*_args: object, **_kwargs: object) -> None:
            time.sleep(0.5)
            raise OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))

        monkeypatch.setattr("annotator.tui.screens.annotate_navigation.next_matching", broken)
        await pilot.press("1", "enter", "2", "enter")  # the move after the first Enter fails
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        for _ in range(200):  # not settle(): it raises the worker's error
            if screen.seeking is None and not app.jobs:
                break
            await pilot.pause(0.02)
        for _ in range(5):
            await pilot.pause()
        assert screen.idx == 0 and not screen.held_keys
        assert "2 key(s) typed meanwhile were not applied" in status_text(app)
    assert labelled(engine, amal) == {0: (["first_party_collection"], 2)}


def _held_documents(engine: Engine, name: str) -> set[str]:
    who = str(annotator_id(engine, name))
    return {doc for doc in DOCS if doc_named(engine, doc).id in holders(engine).get(who, [])}


def test_annotate_doc_outside_the_queue_is_refused_in_one_line(engine: Engine, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    db = str(engine.url.database)
    assign(engine, mode="static", annotators=["amal", "piotr"], seed=3)
    theirs = sorted(set(DOCS) - _held_documents(engine, "amal"))
    assert theirs
    result = cli("annotate", "--annotator", "amal", "--doc", theirs[0], "--db", db)
    assert result.code == 2
    assert result.err.count("\n") == 1 and "no part of it is assigned to amal" in result.err
    assert "--all opens it anyway" in result.err and "your queue:" in result.err


async def test_annotate_doc_opens_on_the_annotators_own_sentences(engine: Engine, tmp_path: Path) -> None:
    assign(engine, mode="static", unit="sentence", annotators=["amal", "piotr"], seed=4)
    app = make(engine, tmp_path, document=doc_named(engine, "a_pl"))
    async with app.run_test(size=(120, 32)) as pilot:
        await settle(pilot)
        queue = app.session.queue
        assert queue is not None
        doc = doc_named(engine, "a_pl")
        first = queue.next_idx(doc.id, -1)
        assert first is not None and first > 0  # her first sentence is not the document's first
        screen = app.screen
        assert screen.navigator.filter_text() == "your queue" and screen.idx == first


async def test_annotate_doc_outside_the_queue_stays_on_the_list_and_says_why(engine: Engine, tmp_path: Path) -> None:
    # the CLI refuses when it knows the name; a name typed in the app is checked there
    assign(engine, mode="static", annotators=["amal", "piotr"], seed=3)
    theirs = sorted(set(DOCS) - _held_documents(engine, "amal"))
    app = make(engine, tmp_path, document=doc_named(engine, theirs[0]))
    async with app.run_test(size=(120, 32)) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "PickerScreen"
        shown = [n.message for n in app._notifications]
        assert any("no part of it is assigned to amal" in m and "--all" in m for m in shown), shown
    with_all = make(engine, tmp_path, document=doc_named(engine, theirs[0]), show_all=True)
    async with with_all.run_test(size=(120, 32)) as pilot:
        await settle(pilot)
        assert type(with_all.screen).__name__ == "AnnotateScreen"
        assert with_all.screen.document.name == doc_named(engine, theirs[0]).name


async def test_the_progress_line_says_it_counts_the_annotators_share(engine: Engine, tmp_path: Path) -> None:
    from annotator.tui.widgets.panels import ProgressLine

    assign(engine, mode="static", unit="sentence", annotators=["amal", "piotr"], seed=4)
    app = make(engine, tmp_path)
    async with app.run_test(size=(120, 32)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        line = str(app.screen.query_one(ProgressLine).content)
        assert "yours in this document" in line and "your queue" in line and "all documents" not in line
        queue = app.session.queue
        assert queue is not None
        mine = sum(doc.sentences for doc in queue.documents.values())
        assert f"0/{mine:,}" in line  # of her sentences, not of every sentence
    everything = make(engine, tmp_path, show_all=True)
    async with everything.run_test(size=(120, 32)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        line = str(everything.screen.query_one(ProgressLine).content)
        assert "all documents" in line and "your queue" not in line


async def test_active_time_ignores_a_jump_of_the_wall_clock(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The wall clock jumps an hour (NTP, a suspended laptop's resync, a DST change read as
    # local time) while a sentence is on screen: the time stored is what passed, not 2 minutes.
    import annotator.tui.context as context

    jump = timedelta()

    class Wall(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def,override]
            return datetime.now(tz) + jump

    monkeypatch.setattr(context, "datetime", Wall)
    ensure_annotator(engine, "amal")
    settings = Settings(path=tmp_path / "config" / "annotator" / "config.toml")
    app = AnnotatorApp(engine, annotator="amal", settings=settings, document=doc_named(engine, "a_pl"))  # no clock
    async with app.run_test(size=(110, 30)) as pilot:
        await settle(pilot)
        jump = timedelta(hours=1)
        await pilot.press("n")
        await settle(pilot)
    with engine.connect() as connection:
        (seconds,) = connection.execute(select(ANNOTATION.c.seconds)).scalars().all()
    assert 0 < seconds < 30, seconds
