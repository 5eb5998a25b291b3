"""Benchmark of the annotation TUI on a 1,000,000-sentence database (issue 3).

    python benchmarks/bench_tui.py                    # builds the database once, then measures
    python benchmarks/bench_tui.py --sentences 200000 --decisions 300   # quicker

1. Builds a real project (schema by ``open_database``) with ``--sentences`` sentences in two
   documents (Polish 60%, Arabic 40%, text cycled from the seeds), filled with raw
   ``sqlite3`` executemany. Kept in ``--dir`` (default: a temporary folder) for re-runs.
2. In a fresh child process (so that RSS is the TUI's alone):
   - time to first frame: from ``open_database`` to the annotate screen's first laid-out
     frame (headless Textual, 120x40), on the 600,000-sentence document; also the same
     measured from the ``python`` process start (imports included);
   - keypress-to-committed-save latency over ``--decisions`` decisions: a key event is
     posted to the app (``n`` = none, ``x`` = skip, alternately), and the time runs until
     the app handled the worker's ``JobDone``, i.e. after ``save_decision`` committed
     (synchronous=FULL: one fsync per decision, as in real use); ``commit_*`` stops when
     ``save_decision`` returned in the worker, ``save_*`` when the screen says saved. p50/p99, and a
     second run on a copy in /dev/shm (tmpfs: fsync is free) to separate the disk's cost;
   - moving: ``G`` (jump to the last of 600,000 sentences, a keyset read) and ``j``/``k``;
   - peak RSS of the child (``ru_maxrss``).
3. Saves an SVG screenshot of the annotate screen to ``docs/annotate.svg`` (``--screenshot
   PATH`` elsewhere, ``--screenshot ''`` none).
Goals: first frame <= 1 s, p99 <= 10 ms, RSS <= 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

from _corpus import insert_document, insert_sentences, sentence_rows

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
START = time.perf_counter()
DEFAULT_SCREENSHOT = str(ROOT / "docs" / "annotate.svg")


def seed_sentences(prefix: str) -> list[str]:
    """Lines of the seed files (a line is a sentence or a paragraph: good enough as text)."""
    out: list[str] = []
    for path in sorted(SEEDS.glob(f"{prefix}*.txt")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if 20 <= len(line) <= 400:
                out.append(line)
    return out


def build(path: Path, sentences: int) -> None:
    from annotator.core.db import open_database
    from annotator.core.schemas import active_schema

    engine = open_database(str(path), synchronous="NORMAL")
    active_schema(engine)
    engine.dispose()
    polish = seed_sentences("004")
    arabic = [s for prefix in ("000", "001", "002", "003") for s in seed_sentences(prefix)]
    sizes = {"pl_million": int(sentences * 0.6), "ar_million": sentences - int(sentences * 0.6)}
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA synchronous = OFF")
    for number, (name, count) in enumerate(sizes.items()):
        lang, texts = ("pl", polish) if name.startswith("pl") else ("ar", arabic)
        document_id = insert_document(
            raw,
            uid=hashlib.sha256(name.encode()).hexdigest()[:16],
            name=name,
            source_path=f"/bench/{name}.txt",
            content_hash=hashlib.sha256(f"bench{number}".encode()).hexdigest(),
            lang=lang,
            text="(benchmark)",
            n_sentences=count,
        )
        numbered = (f"{base} ({idx + 1})" for idx, base in enumerate(islice(cycle(texts), count)))
        insert_sentences(raw, sentence_rows(document_id, numbered, lang))
        raw.commit()
    raw.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(db: str, decisions: int, screenshot: str | None, config: str) -> dict[str, object]:
    from textual import events

    import annotator.tui.saving as tui_saving
    from annotator.core.db import open_database
    from annotator.core.decisions import ensure_annotator
    from annotator.core.repository import find_document
    from annotator.core.schemas import active_schema
    from annotator.tui.app import AnnotatorApp
    from annotator.tui.config import Settings
    from annotator.tui.screens.annotate import AnnotateScreen
    from annotator.tui.widgets.sentence_view import SentenceView

    committed: list[float] = []
    real_save = tui_saving.save_decision

    def timed_save(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real_save(*args, **kwargs)
        committed.append(time.perf_counter())  # the commit returned (worker thread)
        return result

    tui_saving.save_decision = timed_save  # measurement only: same function, timed
    imported = time.perf_counter()
    t0 = time.perf_counter()
    engine = open_database(db, create=False)
    schema = active_schema(engine)
    name = "amal"
    ensure_annotator(engine, name)
    document = find_document(engine, "pl_million")
    app = AnnotatorApp(engine, annotator=name, document=document, schema=schema, settings=Settings(path=Path(config)))
    result: dict[str, object] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        while True:
            screen = app.screen
            if isinstance(screen, AnnotateScreen) and screen.is_mounted:
                view = screen.query_one(SentenceView)
                if view._lines:  # the first frame is laid out
                    break
            await asyncio.sleep(0.001)
        first_frame = time.perf_counter() - t0
        result["first_frame_s"] = first_frame
        result["first_frame_from_process_start_s"] = time.perf_counter() - START
        result["imports_s"] = imported - START
        await app.workers.wait_for_complete()
        await pilot.pause()

        # Wake up when the app has handled the commit (an event, not a busy loop that
        # would steal the interpreter from the save worker and inflate the figures).
        acknowledged = asyncio.Event()
        saves = app.saves
        job_done = saves.job_done

        def on_saved(message):  # type: ignore[no-untyped-def]
            job_done(message)
            acknowledged.set()

        saves.job_done = on_saved  # type: ignore[method-assign]
        latencies: list[float] = []
        to_commit: list[float] = []
        for n in range(decisions):
            key = "n" if n % 2 == 0 else "x"
            acknowledged.clear()
            start = time.perf_counter()
            app.post_message(events.Key(key, key))
            await acknowledged.wait()
            latencies.append(time.perf_counter() - start)
            to_commit.append(committed[-1] - start)
        result["commit_p50_ms"] = percentile(to_commit, 0.50) * 1000
        result["commit_p99_ms"] = percentile(to_commit, 0.99) * 1000
        result["save_p50_ms"] = percentile(latencies, 0.50) * 1000
        result["save_p99_ms"] = percentile(latencies, 0.99) * 1000
        result["save_max_ms"] = max(latencies) * 1000
        result["save_mean_ms"] = statistics.fmean(latencies) * 1000
        app_side = saves.latencies[-decisions:]
        result["save_p99_from_action_ms"] = percentile(app_side, 0.99) * 1000
        # moving: the last of 600,000 sentences (keyset read), then j/k
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        start = time.perf_counter()
        screen.action_last()
        view = screen.query_one(SentenceView)
        view._layout()
        result["jump_to_last_ms"] = (time.perf_counter() - start) * 1000
        moves = []
        for key in ["k", "j"] * 50:
            start = time.perf_counter()
            (screen.action_previous if key == "k" else screen.action_next)()
            view._layout()
            moves.append(time.perf_counter() - start)
        result["move_p99_ms"] = percentile(moves, 0.99) * 1000
        result["pages_cached"] = len(app.pages)
        if screenshot:
            screen.action_first()
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.save_screenshot(filename=Path(screenshot).name, path=str(Path(screenshot).parent))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def child(args: argparse.Namespace) -> None:
    result = asyncio.run(measure(args.child, args.decisions, args.screenshot, args.config))
    print(json.dumps(result))


def forget_decisions(db: Path) -> None:
    """Start each run from an untouched project (the database is kept between runs)."""
    with sqlite3.connect(db) as raw:
        raw.execute("DELETE FROM event WHERE annotator_id IS NOT NULL")
        raw.execute("DELETE FROM annotation")
        raw.execute("DELETE FROM annotator")


def child_command(db: Path, decisions: int, screenshot: str | None, config: Path) -> list[str]:
    """The child's command line: ``--screenshot`` only when there is one to take."""
    command = [sys.executable, __file__, "--child", str(db), "--decisions", str(decisions), "--config", str(config)]
    if screenshot:
        command += ["--screenshot", screenshot]
    return command


def run_child(db: Path, decisions: int, screenshot: str | None, config: Path) -> dict[str, float]:
    forget_decisions(db)
    out = subprocess.run(
        child_command(db, decisions, screenshot, config), check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """``args.screenshot``: a path, or None for no screenshot (``--screenshot ''``).

    Only the parent has a default path: the child takes a screenshot only when given one,
    so that ``--screenshot ''`` (no ``--screenshot`` passed on) never falls back to it.
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=1_000_000)
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument("--dir", type=Path, default=None, help="where to keep the database (reused if present)")
    parser.add_argument(
        "--screenshot", default=None, help=f"SVG of the annotate screen (default: {DEFAULT_SCREENSHOT}; '' for none)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--config", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.screenshot is None and not args.child:
        args.screenshot = DEFAULT_SCREENSHOT
    args.screenshot = args.screenshot or None
    return args


def main() -> None:
    args = parse_args()
    if args.child:
        child(args)
        return
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench_tui_"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"tui_{args.sentences}.db"
    if not db.exists():
        start = time.perf_counter()
        build(db, args.sentences)
        print(
            f"built {args.sentences:,} sentences in {time.perf_counter() - start:.1f} s ({db.stat().st_size / 1e6:.0f} MB)"
        )
    config = folder / "config.toml"
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, database {db}")
    disk = run_child(db, args.decisions, args.screenshot, config)
    shm = Path("/dev/shm")
    tmpfs = None
    if shm.is_dir() and shutil.disk_usage(shm).free > db.stat().st_size * 2:
        copy = shm / f"bench_tui_{os.getpid()}.db"
        shutil.copy(db, copy)
        try:
            tmpfs = run_child(copy, args.decisions, None, config)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
    goals = {"first_frame_s": 1.0, "commit_p99_ms": 10.0, "save_p99_ms": 10.0, "peak_rss_mb": 200.0}
    print(f"load average {os.getloadavg()[0]:.2f} (other processes share the {os.cpu_count()} CPUs)")
    print(f"\n{'measure':<38}{'disk (FULL)':>14}{'tmpfs':>12}   goal")
    for key in (
        "first_frame_s",
        "first_frame_from_process_start_s",
        "imports_s",
        "commit_p50_ms",
        "commit_p99_ms",
        "save_p50_ms",
        "save_p99_ms",
        "save_max_ms",
        "save_p99_from_action_ms",
        "jump_to_last_ms",
        "move_p99_ms",
        "peak_rss_mb",
    ):
        other = f"{tmpfs[key]:>12.2f}" if tmpfs else f"{'-':>12}"
        goal = f"<= {goals[key]:g}" if key in goals else ""
        verdict = ("  ok" if disk[key] <= goals[key] else "  MISSED") if key in goals else ""
        print(f"{key:<38}{disk[key]:>14.2f}{other}   {goal}{verdict}")
    if args.screenshot:
        print(f"\nscreenshot: {args.screenshot}")


if __name__ == "__main__":
    main()
