"""Shared helpers for the TUI tests (fixtures are imported by the test modules that use them)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot

from annotator.core.db import open_database
from annotator.core.decisions import ensure_annotator
from annotator.core.entities import AnnotationState, DocumentInfo
from annotator.core.importing import import_paths
from annotator.core.repository import annotator_id, list_documents, sentence_page
from annotator.tui.app import AnnotatorApp
from annotator.tui.config import Settings

# One sentence per line: line breaks are always sentence boundaries, whatever the segmenter.
POLISH = [
    "Bank przekazał dane klientów firmie Facebook.",
    "Zbieramy Twoje imię, adres e-mail oraz historię transakcji.",
    "Możesz w każdej chwili wycofać zgodę w ustawieniach.",
    "Pogoda w Warszawie była wczoraj słoneczna.",
    "Przechowujemy dane przez pięć lat od zamknięcia konta.",
    "Dziękujemy za skorzystanie z naszej aplikacji.",
]
ARABIC = [
    "طلب فيسبوك من البنوك الكبرى في الولايات المتحدة بيانات مالية عن عملائها.",
    "قالت الشركة إن البيانات لن تستخدم لأغراض إعلانية.",
    "يمكنك سحب موافقتك في أي وقت من الإعدادات.",
]
FIXED_NOW = datetime(2026, 11, 24, 10, 0, 0)


def write_docs(folder: Path, docs: dict[str, list[str]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, lines in docs.items():
        path = folder / f"{name}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def build_db(tmp_path: Path, docs: dict[str, list[str]] | None = None) -> Engine:
    """A database file under tmp_path (never sqlite:// in memory: threads would not share it)."""
    docs = docs if docs is not None else {"pl_news": POLISH, "ar_news": ARABIC}
    engine = open_database(str(tmp_path / "project.db"))
    import_paths(engine, write_docs(tmp_path / "docs", docs))
    return engine


def doc_named(engine: Engine, name: str) -> DocumentInfo:
    return next(doc for doc in list_documents(engine) if doc.name.startswith(name))


def states(engine: Engine, document: DocumentInfo, annotator: str) -> list[AnnotationState | None]:
    """This annotator's saved state of every sentence, read back from the database."""
    ident = annotator_id(engine, annotator)
    rows = sentence_page(engine, document.id, 0, 100_000, ident)
    return [row.state for row in rows]


def labels_of(engine: Engine, document: DocumentInfo, annotator: str) -> list[tuple[str, ...] | str | None]:
    out: list[tuple[str, ...] | str | None] = []
    for state in states(engine, document, annotator):
        if state is None or state.status == "open":
            out.append(None)
        elif state.status == "skipped":
            out.append("skipped")
        else:
            out.append(state.labels)
    return out


def make_app(
    engine: Engine,
    tmp_path: Path,
    annotator: str | None = "amal",
    document: DocumentInfo | None = None,
    bidi: bool | None = None,
    settings: Settings | None = None,
) -> AnnotatorApp:
    if annotator:
        ensure_annotator(engine, annotator)
    settings = settings or Settings(path=tmp_path / "config" / "annotator" / "config.toml")
    return AnnotatorApp(
        engine, annotator=annotator, document=document, bidi=bidi, settings=settings, clock=lambda: FIXED_NOW
    )


async def settle(pilot: Pilot[object]) -> None:
    """Wait until every worker finished and the save queue is empty (no sleeps)."""
    app = pilot.app
    for _ in range(400):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not getattr(app, "jobs", None) and not any(worker.is_running for worker in app.workers):
            await pilot.pause()
            return
    raise AssertionError("the app never settled")


def view_text(app: AnnotatorApp) -> str:
    """The plain text the sentence view draws right now."""
    from annotator.tui.widgets.sentence_view import SentenceView

    view = app.screen.query_one(SentenceView)
    return "\n".join(view.render_line(y).text for y in range(view.size.height))


def status_text(app: AnnotatorApp) -> str:
    from annotator.tui.widgets.panels import StatusLine

    return str(app.screen.query_one(StatusLine).content)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return build_db(tmp_path)
