"""Make docs/adjudicate.svg, the README's screenshot of the review screen.

    .venv/bin/python docs/make_adjudicate_svg.py

On the seeds (a temporary database): three annotators on the first Arabic seed, the
review screen opened on their first disagreement, the majority pre-selected.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime
from pathlib import Path

from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.importing import import_paths
from annotator.core.repository import find_document, sentence_page
from annotator.core.schemas import active_schema
from annotator.tui.config import Settings
from annotator.tui.review_app import ReviewApp

ROOT = Path(__file__).resolve().parent.parent
VOTES = {  # sentence index -> (amal, piotr, zofia); a note from piotr on the second
    1: (["data_sharing"], ["data_sharing"], ["first_party_collection", "data_sharing"]),
    2: (["data_sharing", "ads_use"], ["ads_use"], ["data_sharing", "ads_use"]),
}
NOTE = "«لن تستخدم لأغراض إعلانية»: a promise about ads, not sharing"


async def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="adjudicate-svg-"))
    engine = open_database(str(folder / "annotations.db"))
    import_paths(engine, [ROOT / "seeds" / "000_427e261dc324c1f6.txt"])
    schema = active_schema(engine)
    rows = sentence_page(engine, find_document(engine, "000").id, 0, 10)
    people = [ensure_annotator(engine, name) for name in ("amal", "piotr", "zofia")]
    for idx, sets in VOTES.items():
        for who, labels in zip(people, sets, strict=True):
            note = NOTE if (idx, who) == (2, people[1]) else None
            save_decision(engine, schema, who, rows[idx].id, Change(labels=labels, status="labelled", note=note))
    settings = Settings(path=folder / "config.toml")
    app = ReviewApp(engine, adjudicator="lead", settings=settings, clock=lambda: datetime(2026, 11, 24, 10))
    async with app.run_test(size=(120, 34)) as pilot:
        for _ in range(20):
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press("j")
        for _ in range(5):
            await app.workers.wait_for_complete()
            await pilot.pause()
        app.save_screenshot(filename="adjudicate.svg", path=str(ROOT / "docs"))
    print(ROOT / "docs" / "adjudicate.svg")


if __name__ == "__main__":
    asyncio.run(main())
