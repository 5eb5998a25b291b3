"""The agreement screen on its own: a tiny App pushes it; Pilot waits for the worker and reads the DataTables."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, ProgressBar, Static
from textual.worker import WorkerFailed, WorkerState

from annotator.core.agreement import compute_agreement
from annotator.core.db import open_database
from annotator.core.ratings import load_ratings
from annotator.core.schemas import active_schema
from annotator.tui.screens.agreement import AgreementScreen
from tests.test_agreement_cli import ANNOTATORS, binary, kripp, sk_cohen
from tests.test_agreement_db import ORDER, UNUSED_LABEL, build_project, expected_masks

SIZE = (160, 60)


class Host(App[None]):
    """Pushes the screen at start, as the annotator app would from a key binding."""

    def __init__(self, screen: AgreementScreen) -> None:
        super().__init__()
        self.agreement = screen

    def on_mount(self) -> None:
        self.push_screen(self.agreement)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = open_database(str(tmp_path / "project.db"))
    build_project(engine, tmp_path)
    return engine


async def settle(pilot: Pilot[Any]) -> None:
    """Until the computation finished and its result reached the screen (no sleeps)."""
    for _ in range(200):
        # A failed worker is reported by the screen itself (on_worker_state_changed); tests check that.
        with contextlib.suppress(WorkerFailed):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in pilot.app.workers):
            await pilot.pause()
            return
    raise AssertionError("the worker never finished")


def cell(screen: AgreementScreen, table: str, row: str, column: str) -> str:
    value = screen.query_one(f"#{table}", DataTable).get_cell(row, column)
    return value.plain if hasattr(value, "plain") else str(value)


def status(screen: AgreementScreen) -> str:
    return str(screen.query_one("#agreement-status", Static).content)


def expected(engine: Engine, **kwargs: Any) -> Any:
    schema = active_schema(engine)
    ratings = load_ratings(engine)
    return compute_agreement(ratings.masks, ratings.annotators, schema.label_ids, schema.mode, **kwargs)


async def test_shows_the_report_with_na_for_undefined(engine: Engine) -> None:
    label_ids = active_schema(engine).label_ids
    masks = expected_masks(label_ids, ANNOTATORS, ORDER)
    screen = AgreementScreen(engine)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen is screen and screen.error is None
        # overall
        alpha = kripp(np.vectorize(lambda v: -1 if v < 0 else sorted(set(masks[masks >= 0].tolist())).index(v))(masks))
        assert cell(screen, "overall", "krippendorff_alpha", "value") == f"{alpha:.3f}"
        assert cell(screen, "overall", "gwet_ac1", "value").startswith("n/a")  # multi-label
        assert cell(screen, "overall", "alpha_ci", "value") == "—"  # no bootstrap yet
        assert cell(screen, "overall", "n_items", "value") == "10"
        assert cell(screen, "overall", "n_pairable_items", "value") == "8"
        assert cell(screen, "overall", "annotators", "value") == "amal, bartek, chloe"
        # per label: one row per label of the schema, the unused one undefined
        labels = screen.query_one("#labels", DataTable)
        assert labels.row_count == len(label_ids)
        sharing = kripp(binary(masks, label_ids.index("data_sharing")))
        assert cell(screen, "labels", "data_sharing", "Kripp. α") == f"{sharing:.3f}"
        for column in ("Cohen κ mean", "Fleiss κ", "Kripp. α"):
            assert cell(screen, "labels", UNUSED_LABEL, column) == "n/a"
        assert cell(screen, "labels", UNUSED_LABEL, "prevalence") == "0.0%"
        assert cell(screen, "labels", UNUSED_LABEL, "Gwet AC1") == "1.000"
        assert cell(screen, "labels", "first_party_collection", "Kripp. α") == "1.000"
        # the pairwise matrix: kappa above the diagonal, items both rated below
        codes = np.vectorize(lambda v: v)(masks)
        kappa = sk_cohen(codes[:, 0], codes[:, 1])
        assert cell(screen, "matrix", "a0", "a1") == f"{kappa:.3f}"
        assert cell(screen, "matrix", "a1", "a0") == "7"
        assert cell(screen, "matrix", "a0", "a0") == "—"
        # per pair and label
        assert cell(screen, "pairs", "amal|chloe", "n_items") == "3"
        assert cell(screen, "pairs", "amal|chloe", UNUSED_LABEL) == "n/a"
        none = label_ids.index("none")
        k_none = sk_cohen(binary(masks[:, 1], none), binary(masks[:, 2], none))
        assert cell(screen, "pairs", "bartek|chloe", "none") == f"{k_none:.3f}"
        assert "nan" not in " ".join(
            cell(screen, "labels", row, column)
            for row in label_ids
            for column in ("Cohen κ mean", "Fleiss κ", "Kripp. α", "Gwet AC1")
        )
        assert "Press b" in status(screen)


async def test_b_computes_bootstrap_cis_with_progress(engine: Engine) -> None:
    want = expected(engine, bootstrap=2000, seed=0)
    screen = AgreementScreen(engine)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        low, high = want.overall.alpha_ci
        assert cell(screen, "overall", "alpha_ci", "value") == f"[{low:.3f}, {high:.3f}]"
        low, high = want.per_label["none"].alpha_ci
        assert cell(screen, "labels", "none", "α 95% CI") == f"[{low:.3f}, {high:.3f}]"
        assert cell(screen, "labels", UNUSED_LABEL, "α 95% CI") == "n/a"  # asked, but alpha undefined
        bar = screen.query_one("#agreement-progress", ProgressBar)
        assert bar.total == 2000 and bar.progress == 2000  # the worker's progress reached the bar
        assert "--bootstrap 2000 --seed 0" in status(screen)
        # r recomputes with the same bootstrap: the same intervals (seeded)
        await pilot.press("r")
        await settle(pilot)
        assert (
            cell(screen, "overall", "alpha_ci", "value")
            == f"[{want.overall.alpha_ci[0]:.3f}, {want.overall.alpha_ci[1]:.3f}]"
        )


@pytest.mark.parametrize("key", ["escape", "q"])
async def test_escape_and_q_close_the_screen(engine: Engine, key: str) -> None:
    screen = AgreementScreen(engine)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen is screen
        await pilot.press(key)
        await pilot.pause()
        assert app.screen is not screen
        assert app.is_running  # closed the screen, not the app


async def test_closing_while_bootstrapping_stops_the_worker(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import annotator.core.agreement.bootstrap as bootstrap_module

    monkeypatch.setattr(bootstrap_module, "_W_CELLS", 64)  # 8 resamples a chunk: many progress calls
    screen = AgreementScreen(engine, bootstrap=5_000_000)  # minutes if it were not stopped
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        worker = screen._current
        assert worker is not None
        deadline = time.monotonic() + 30  # bounded: a worker that never reports fails here, not hangs
        while screen.query_one("#agreement-progress", ProgressBar).progress == 0:
            assert worker.state in (WorkerState.PENDING, WorkerState.RUNNING), f"stopped first: {worker.state}"
            assert time.monotonic() < deadline, "the bootstrap reported no progress within 30 s"
            await pilot.pause(0.01)  # the bootstrap is under way
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not screen and app.is_running
        assert worker.state in (WorkerState.CANCELLED, WorkerState.ERROR)
        assert worker.result is None


async def test_filters_and_fewer_than_two_annotators(engine: Engine) -> None:
    screen = AgreementScreen(engine, annotators=["amal"], labels=["none", UNUSED_LABEL])
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "at least two annotators" in status(screen)
        assert screen.query_one("#labels", DataTable).row_count == 2
        assert cell(screen, "labels", "none", "Kripp. α") == "n/a"
        assert cell(screen, "overall", "percent_agreement", "value") == "n/a"
        assert screen.query_one("#pairs", DataTable).row_count == 0


async def test_an_error_is_shown_not_raised(tmp_path: Path) -> None:
    engine = open_database(str(tmp_path / "empty.db"))  # no label schema yet
    screen = AgreementScreen(engine)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.is_running and app.screen is screen
        assert "could not compute agreement" in status(screen)
        assert "no label schema" in status(screen)


async def test_hostile_annotator_name_is_literal(engine: Engine, tmp_path: Path) -> None:
    from annotator.core.decisions import Change, ensure_annotator, save_decision
    from annotator.core.repository import find_document, sentence_page

    schema = active_schema(engine)
    hostile = "[bold red]x[/]\x1b]0;pwn"
    who = ensure_annotator(engine, hostile.replace("\x1b", "^"))  # names must be printable
    first = sentence_page(engine, find_document(engine, "policy_a").id, 0, 1)[0].id
    save_decision(engine, schema, who, first, Change(labels=["none"], status="labelled"))
    screen = AgreementScreen(engine)
    app = Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "[bold red]x[/]" in cell(screen, "overall", "annotators", "value")
        matrix = screen.query_one("#matrix", DataTable)
        headers = [column.label.plain for column in matrix.columns.values()]
        assert "[bold red]x[/]^]0;pwn" in headers
