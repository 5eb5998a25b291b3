"""Keys per decision with and without suggestions: a labelled set replayed through the annotate screen.

    python benchmarks/bench_suggest_session.py            # the policy sample and the seeds
    python benchmarks/bench_suggest_session.py --set seeds --retrain-every 10

The real app runs headless (Textual's Pilot) on a fresh project holding a labelled set
(benchmarks/data, the decisions of "reference"). A simulated annotator, "sim", goes
through every document in order and, for each sentence, reads the label panel (the
labels marked ◆) and presses the fewest keys that save the reference labels:

- without suggestions: each label's key, then Enter (k + 1 keys); ``n`` alone for "none";
- with suggestions (marked, not selected): the cheaper of that and Tab (select the
  suggestion), the keys that fix it, Enter: 2 keys when the suggestion is right;
- with ``suggest_preselect = true``: the suggestion is already selected: the keys that
  fix it, then Enter (1 key when right).

Suggestions start cold (no stored model: the schema's hints) and the model is retrained
in the background every N decisions (default 20, the TUI's default) on what "sim" saved
so far, as in a real session (in a worker thread here rather than a process, so that the
run does not depend on process start-up; the keys are the same). Every saved decision is
checked against the reference, and the screen's own per-decision key count (stored as
provenance) against the simulation's.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from annotator.core.db import open_database
from annotator.core.decisions import ensure_annotator
from annotator.core.importing import import_paths
from annotator.core.labels import LabelSchema
from annotator.core.models import ANNOTATION as A
from annotator.core.models import ANNOTATOR as AN
from annotator.core.repository import list_documents
from annotator.core.schemas import active_schema
from annotator.core.suggest.model import SuggestionModel
from annotator.tui.app import AnnotatorApp
from annotator.tui.config import Settings
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.suggestions import Suggester, ThreadRunner
from annotator.tui.widgets.panels import LabelPanel

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SETS = {
    "policy": [DATA / "automattic_privacy" / "labels.jsonl"],
    "seeds": [ROOT / "seeds", DATA / "seeds_labels.jsonl"],
}


def toggles(schema: LabelSchema, start: list[str], truth: list[str]) -> list[str]:
    """Label keys that turn the selection ``start`` into ``truth`` (a category clears "none" by itself)."""
    keys: list[str] = []
    selection = list(start)
    for label in truth:
        if label not in selection:
            selection = schema.toggle(selection, label)
            keys.append(schema.get(label).key)
    for label in list(selection):
        if label not in truth and label in selection:
            selection = schema.toggle(selection, label)
            keys.append(schema.get(label).key)
    assert sorted(selection) == sorted(truth), (selection, truth)
    return keys


def plan(schema: LabelSchema, truth: list[str], suggested: list[str], selected: list[str]) -> list[str]:
    """The fewest keys that save ``truth`` from the ``selected`` labels, ``suggested`` marked."""
    if len(truth) == 1 and schema.get(truth[0]).exclusive:
        if selected == truth:
            return ["enter"]  # already selected (its key would unselect it)
        return [schema.get(truth[0]).key]  # "none" saves in one key, whatever else is selected
    own = [*toggles(schema, selected, truth), "enter"]
    if not suggested or suggested == selected:
        return own
    return min(own, ["tab", *toggles(schema, suggested, truth), "enter"], key=len)


def panel(app: AnnotatorApp, schema: LabelSchema) -> tuple[list[str], list[str]]:
    """(labels marked suggested ◆, labels selected ■), read from what the label panel draws."""
    suggested, selected = [], []
    for line in str(app.screen.query_one(LabelPanel).content).splitlines():
        if line[:1] and line[:1] in "■□":
            label = schema.by_key[line[2:].split()[0].split("/")[0]].id
            if "◆" in line:
                suggested.append(label)
            if line.startswith("■"):
                selected.append(label)
    return suggested, selected


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    for _ in range(2000):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.jobs and not any(worker.is_running for worker in app.workers):
            return
    raise RuntimeError("the app never settled")


async def replay(paths: list[Path], mode: str, retrain_every: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-session-"))
    engine = open_database(str(folder / "project.db"), synchronous="OFF")
    import_paths(engine, paths)
    schema = active_schema(engine)
    ensure_annotator(engine, "sim")
    with engine.connect() as connection:
        reference = connection.execute(select(AN.c.id).where(AN.c.name == "reference")).scalar_one()
        truth = {
            sid: [label for label in schema.label_ids if label in labels]
            for sid, labels in connection.execute(
                select(A.c.sentence_id, A.c.labels).where(A.c.annotator_id == reference)
            )
        }
    suggester = None
    if mode != "off":
        suggester = Suggester(
            schema,
            SuggestionModel.prior_only(schema),
            "schema hints",
            retrain_every=retrain_every,
            preselect=mode == "preselect",
            executor=ThreadRunner,
        )
    settings = Settings(path=folder / "config.toml")
    documents = list_documents(engine)
    app = AnnotatorApp(engine, annotator="sim", document=documents[0], settings=settings, suggester=suggester)
    keys_total, decisions, right = 0, 0, 0
    started = time.perf_counter()
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        for document in documents:
            if app.annotate_screen is None or app.annotate_screen.document.id != document.id:
                app.open_document(document.id, 0)
                await settle(pilot)
            screen = app.screen
            assert isinstance(screen, AnnotateScreen)
            for idx in range(document.n_sentences):
                assert screen.idx == idx, (screen.idx, idx)
                row = screen.row_at(idx)
                assert row is not None
                want = truth[row.id]
                suggested, selected = panel(app, schema)
                keys = plan(schema, want, suggested, selected)
                right += suggested == want
                await pilot.press(*keys)
                await settle(pilot)
                assert screen.idx == idx + 1 or idx == document.n_sentences - 1, (document.name, idx, keys, want)
                keys_total += len(keys)
                decisions += 1
                if idx == document.n_sentences - 1:
                    break
    with engine.connect() as connection:
        sim = connection.execute(select(AN.c.id).where(AN.c.name == "sim")).scalar_one()
        saved = {
            sid: (labels, keys)
            for sid, labels, keys in connection.execute(
                select(A.c.sentence_id, A.c.labels, A.c.keys_pressed).where(A.c.annotator_id == sim)
            )
        }
    assert {sid: labels for sid, (labels, _) in saved.items()} == truth, "a replayed decision was saved wrong"
    screen_keys = sum(keys for _labels, keys in saved.values())
    assert screen_keys == keys_total, (screen_keys, keys_total)
    engine.dispose()
    return {
        "decisions": decisions,
        "keys_per_decision": keys_total / decisions,
        "suggestion_right": right / decisions if suggester is not None else float("nan"),
        "retrained": float(suggester.retrained_count if suggester is not None else 0),
        "seconds": time.perf_counter() - started,
        "median": statistics.median([k for _l, k in saved.values()]),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    parser.add_argument("--retrain-every", type=int, default=20)
    args = parser.parse_args(argv)
    names = list(SETS) if args.set == "all" else [args.set]
    print("keys per decision, a labelled set replayed through the annotate screen (cold start: schema hints,")
    print(f"retrained every {args.retrain_every} decisions); suggestion right = the marked set was the reference set")
    for name in names:
        baseline = None
        for mode in ("off", "marked", "preselect"):
            result = asyncio.run(replay(SETS[name], mode, args.retrain_every))
            kpd = result["keys_per_decision"]
            baseline = kpd if mode == "off" else baseline
            assert baseline is not None
            fewer = 1 - kpd / baseline
            extra = (
                ""
                if mode == "off"
                else (
                    f", suggestion right {result['suggestion_right']:.0%}, retrained {result['retrained']:.0f} times: "
                    f"{abs(fewer):.0%} {'fewer' if fewer >= 0 else 'more'} keys than without"
                )
            )
            print(
                f"  {name:7s} {mode:9s} {result['decisions']:4.0f} decisions: {kpd:.2f} keys per decision{extra} "
                f"({result['seconds']:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
