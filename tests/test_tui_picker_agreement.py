"""The document picker opens the agreement screen (``a``); escape comes back to the picker."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine
from textual.widgets import DataTable, Footer, Static
from textual.widgets._footer import FooterKey

from annotator.core.agreement import compute_agreement
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.ratings import load_ratings
from annotator.core.repository import sentence_page
from annotator.core.schemas import active_schema
from annotator.tui.keys import PICKER_BINDINGS
from annotator.tui.screens.agreement import AgreementScreen
from annotator.tui.screens.help import HelpScreen
from annotator.tui.screens.picker import PickerScreen
from tests.tui_helpers import doc_named, engine, make_app, settle

__all__ = ["engine"]  # the fixture, imported for pytest

SIZE = (140, 50)

# Two annotators' labels on the six Polish sentences: they agree on four.
AMAL = [["data_sharing"], ["first_party_collection"], ["none"], ["none"], ["retention"], ["none"]]
BARTEK = [["data_sharing"], ["first_party_collection", "ads_use"], ["none"], ["data_sharing"], ["retention"], ["none"]]


def save_both(engine: Engine) -> None:
    schema = active_schema(engine)
    rows = sentence_page(engine, doc_named(engine, "pl_news").id, 0, 100)
    for name, plan in (("amal", AMAL), ("bartek", BARTEK)):
        ident = ensure_annotator(engine, name)
        for row, labels in zip(rows, plan, strict=True):
            save_decision(engine, schema, ident, row.id, Change(labels=labels, status="labelled"))


def cell(screen: AgreementScreen, table: str, row: str, column: str) -> str:
    value = screen.query_one(f"#{table}", DataTable).get_cell(row, column)
    return value.plain if hasattr(value, "plain") else str(value)


def test_the_agreement_key_is_a_picker_binding() -> None:
    agreement = next(b for b in PICKER_BINDINGS if getattr(b, "id", None) == "picker.agreement")
    assert agreement.key == "a" and agreement.action == "agreement"  # type: ignore[union-attr]
    assert agreement.show and agreement.tooltip  # type: ignore[union-attr]


async def test_a_in_the_picker_shows_agreement_and_escape_returns(engine: Engine, tmp_path: Path) -> None:
    save_both(engine)
    schema = active_schema(engine)
    ratings = load_ratings(engine)
    report = compute_agreement(ratings.masks, ratings.annotators, schema.label_ids, schema.mode)
    assert report.annotators == ["amal", "bartek"] and report.n_items == 6
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        assert any(active.binding.id == "picker.agreement" for active in app.active_bindings.values())
        shown = [key.description for key in picker.query_one(Footer).query(FooterKey)]
        assert "Agreement" in shown
        await pilot.press("a")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AgreementScreen) and screen.error is None
        assert screen.computed is not None and screen.computed.schema.ref == schema.ref
        overall = report.overall
        assert cell(screen, "overall", "annotators", "value") == "amal, bartek"
        assert cell(screen, "overall", "n_items", "value") == "6"
        assert cell(screen, "overall", "n_pairable_items", "value") == "6"
        assert overall.krippendorff_alpha is not None and overall.cohen_kappa_mean is not None
        assert cell(screen, "overall", "krippendorff_alpha", "value") == f"{overall.krippendorff_alpha:.3f}"
        assert cell(screen, "overall", "cohen_kappa_mean", "value") == f"{overall.cohen_kappa_mean:.3f}"
        assert cell(screen, "overall", "percent_agreement", "value") == f"{100 * overall.percent_agreement:.1f}%"  # type: ignore[operator]
        assert cell(screen, "pairs", "amal|bartek", "n_items") == "6"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is picker and app.is_running
        # q closes the agreement screen too, not the app
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AgreementScreen)
        await pilot.press("q")
        await settle(pilot)
        assert app.screen is picker and app.is_running


async def test_help_lists_the_picker_keys(engine: Engine, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=160, record=True)
        console.print(app.screen.query_one("#help-picker-keys", Static).content)
        shown = console.export_text()
        assert "picker.agreement" in shown and "Inter-annotator agreement" in shown
