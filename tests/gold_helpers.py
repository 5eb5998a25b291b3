"""A small project with three annotators who agree, split and tie: for the gold tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.importing import import_paths
from annotator.core.models import DOCUMENT, SENTENCE
from annotator.core.schemas import active_schema
from tests.tui_helpers import ARABIC, POLISH, write_docs

# pl_news sentence -> each annotator's decision (labels, or "skip"); absent: never decided
VOTES: dict[int, dict[str, tuple[str, ...] | str]] = {
    0: {"amal": ("data_sharing",), "ola": ("data_sharing",), "piotr": ("data_sharing",)},  # unanimous
    1: {"amal": ("first_party_collection",), "ola": ("first_party_collection",), "piotr": ("data_sharing",)},  # 2-1
    2: {"amal": ("consent_choice",), "ola": ("user_rights",)},  # 1-1 tie
    3: {"amal": ("none",), "ola": "skip", "piotr": ("none",)},  # unanimous among the labelled
    4: {"amal": ("retention",)},  # one annotator: too few
    5: {"amal": ("ads_use",), "ola": ("data_sharing",), "piotr": ("ads_use", "data_sharing")},  # all differ
}


def build_votes(engine: Engine, tmp_path: Path) -> dict[int, int]:
    """Import pl_news (6 sentences) and ar_news (3), save VOTES; sentence ids of pl_news by idx."""
    import_paths(engine, write_docs(tmp_path / "docs", {"pl_news": POLISH, "ar_news": ARABIC}))
    schema = active_schema(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            select(SENTENCE.c.idx, SENTENCE.c.id)
            .join(DOCUMENT, DOCUMENT.c.id == SENTENCE.c.document_id)
            .where(DOCUMENT.c.name == "pl_news")
        ).all()
    ids = {int(idx): int(sid) for idx, sid in rows}
    people = {name: ensure_annotator(engine, name) for name in ("amal", "ola", "piotr")}
    for idx, votes in VOTES.items():
        for name, vote in votes.items():
            change = Change(status="skipped") if vote == "skip" else Change(labels=list(vote), status="labelled")
            save_decision(engine, schema, people[name], ids[idx], change)
    return ids
