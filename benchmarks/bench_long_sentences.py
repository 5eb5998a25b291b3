"""Huge inputs (issue 10, finding 3): import memory and the annotate screen on long sentences.

    python benchmarks/bench_long_sentences.py                  # 20 MB inputs, sentences up to 1,000,000 chars
    python benchmarks/bench_long_sentences.py --mb 50          # the issue's 50 MB text field
    python benchmarks/bench_long_sentences.py --skip-import    # the screen only

1. **Import**: three files of ``--mb`` MB are imported by the CLI's ``main`` (``import
   FILE --lang en``), each in a fresh child process, which reports its peak RSS
   (``VmHWM``): a JSONL line whose ``text`` field is prose on one line (many sentences,
   no line break), a ``.txt`` of one line of words with no sentence end at all (one giant
   sentence), and the same prose as a ``.txt``. Printed: wall time, peak RSS, sentences
   stored and the longest one. Baseline in the same run: the RSS of a child that only reads
   and decodes the file (the floor any importer pays).
2. **Screen**: a database with one document whose sentence 2 has ``L`` characters (a
   sentence of words, no boundary) among short ones is opened in the annotate screen
   (headless Textual, 120x40) in a child process; measured: the first frame, and the
   layout after each move (``j`` onto the long sentence, ``j`` past it, ``k`` back), the
   cost a key pays before the screen answers. Baseline in the same run: the same
   document with a 100-character sentence there.

The script imports the ``annotator`` package that sits beside it: to measure older code,
copy it into a checkout of that code (``git archive <commit> | tar -x -C /tmp/old``) and
run it there. The README's "before" figures were measured so, in the same session.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

VOCABULARY = (
    "we share your personal data with partners for advertising purposes and keep the records "
    "of every transaction until you close the account unless the law requires otherwise"
)
WORDS = VOCABULARY.split()


def prose(n_chars: int, seed: int = 1) -> str:
    """Sentences of 12 words, each ending with a full stop, on one line."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < n_chars:
        sentence = " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + ". "
        parts.append(sentence)
        size += len(sentence)
    return "".join(parts)[:n_chars]


def words_only(n_chars: int, seed: int = 2) -> str:
    """Words and spaces, no sentence end: one sentence as far as any segmenter can tell."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < n_chars:
        word = rng.choice(WORDS)
        parts.append(word)
        size += len(word) + 1
    return " ".join(parts)[:n_chars]


# ----------------------------------------------------------------------------- import


def peak_rss_mb() -> float:
    """This process's peak resident memory, MB.

    ``VmHWM`` from /proc: ``ru_maxrss`` survives ``exec`` on Linux, so a child would report
    the parent's peak when that was higher (here: the parent that built 50 MB strings).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_import(path: str, db: str) -> None:
    from annotator.cli import main

    try:
        main(["import", path, "--db", db, "--lang", "en", "--json"])
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    print(json.dumps({"peak_rss_mb": peak_rss_mb(), "code": code}), file=sys.stderr)


def child_read(path: str) -> None:
    raw = Path(path).read_bytes()
    text = raw.decode("utf-8")
    del raw
    print(json.dumps({"peak_rss_mb": peak_rss_mb(), "chars": len(text), "code": 0}), file=sys.stderr)


def run_child(*args: str) -> tuple[dict[str, float], float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    last = done.stderr.strip().splitlines()[-1]
    return json.loads(last), wall


def stored_sentences(db: str) -> tuple[int, int]:
    import sqlite3

    with sqlite3.connect(db) as con:
        count, longest = con.execute("SELECT count(*), max(length(text)) FROM sentence").fetchone()
    return int(count or 0), int(longest or 0)


def bench_import(mb: float, folder: Path) -> None:
    n = int(mb * 1_000_000)
    files = {
        "jsonl, prose on one line": folder / "field.jsonl",
        "txt, no sentence end": folder / "one_sentence.txt",
        "txt, prose on one line": folder / "one_line.txt",
    }
    files["jsonl, prose on one line"].write_text(json.dumps({"id": "big", "text": prose(n)}) + "\n")
    files["txt, no sentence end"].write_text(words_only(n))
    files["txt, prose on one line"].write_text(prose(n))
    print(f"\nimport of {mb:g} MB inputs (each in a fresh process, --lang en)")
    print(f"{'input':<28}{'wall s':>8}{'peak RSS MB':>13}{'sentences':>11}{'longest':>12}{'read only MB':>14}")
    for label, path in files.items():
        db = str(folder / f"{path.stem}.db")
        result, wall = run_child("--child-import", str(path), db)
        floor, _ = run_child("--child-read", str(path))
        count, longest = stored_sentences(db)
        code = "" if result["code"] == 0 else f"  (exit {result['code']})"
        print(
            f"{label:<28}{wall:>8.1f}{result['peak_rss_mb']:>13.0f}{count:>11,}{longest:>12,}"
            f"{floor['peak_rss_mb']:>14.0f}{code}"
        )


# ----------------------------------------------------------------------------- screen


def build_screen_db(db: str, long_chars: int) -> None:
    import sqlite3

    from _corpus import insert_document, insert_sentences, sentence_rows

    from annotator.core.db import open_database
    from annotator.core.schemas import active_schema

    engine = open_database(db, synchronous="NORMAL")
    active_schema(engine)
    engine.dispose()
    texts = [prose(120, seed=n).strip() for n in range(2)]
    texts.append(words_only(long_chars))
    texts += [prose(120, seed=n).strip() for n in range(3, 40)]
    raw = sqlite3.connect(db)
    document_id = insert_document(
        raw,
        uid=hashlib.sha256(db.encode()).hexdigest()[:16],
        name="long",
        content_hash=hashlib.sha256(db.encode()).hexdigest(),
        text=" ".join(texts),
        n_sentences=len(texts),
        lang="en",
    )
    insert_sentences(raw, sentence_rows(document_id, texts, "en"))
    raw.commit()
    raw.close()


async def measure_screen(db: str, config: str) -> dict[str, float]:
    from annotator.core.db import open_database
    from annotator.core.decisions import ensure_annotator
    from annotator.core.repository import find_document
    from annotator.core.schemas import active_schema
    from annotator.tui.app import AnnotatorApp
    from annotator.tui.config import Settings
    from annotator.tui.screens.annotate import AnnotateScreen
    from annotator.tui.widgets.sentence_view import SentenceView

    start = time.perf_counter()
    engine = open_database(db, create=False)
    schema = active_schema(engine)
    ensure_annotator(engine, "amal")
    document = find_document(engine, "long")
    app = AnnotatorApp(engine, annotator="amal", document=document, schema=schema, settings=Settings(path=Path(config)))
    result: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        while True:
            screen = app.screen
            if isinstance(screen, AnnotateScreen) and screen.is_mounted:
                view = screen.query_one(SentenceView)
                if view._lines:
                    break
            await asyncio.sleep(0.001)
        result["first_frame_s"] = time.perf_counter() - start
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        view = screen.query_one(SentenceView)
        screen.action_first()
        view._layout()
        # onto the long sentence (current), past it (context above), back onto it
        for name, action in (
            ("to_long", screen.action_next),
            ("onto_long_ms", screen.action_next),
            ("past_long_ms", screen.action_next),
            ("back_onto_long_ms", screen.action_previous),
        ):
            begin = time.perf_counter()
            action()
            view._layout()
            result[name] = (time.perf_counter() - begin) * 1000
        del result["to_long"]
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def child_screen(db: str, config: str) -> None:
    print(json.dumps({**asyncio.run(measure_screen(db, config)), "code": 0}), file=sys.stderr)


def bench_screen(lengths: list[int], folder: Path) -> None:
    print("\nannotate screen, 120x40, one long sentence among short ones (each in a fresh process)")
    keys = ("first_frame_s", "onto_long_ms", "past_long_ms", "back_onto_long_ms", "peak_rss_mb")
    print(f"{'sentence chars':>15}" + "".join(f"{k:>19}" for k in keys))
    for length in [100, *lengths]:
        db = str(folder / f"screen_{length}.db")
        if not Path(db).exists():
            build_screen_db(db, length)
        result, _ = run_child("--child-screen", db, str(folder / "config.toml"))
        label = f"{length:,}" + (" (baseline)" if length == 100 else "")
        print(f"{label:>15}" + "".join(f"{result[k]:>19.2f}" for k in keys))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=20.0, help="size of each import input")
    parser.add_argument("--lengths", default="1000,10000,100000,1000000", help="long sentence lengths (chars)")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-screen", action="store_true")
    parser.add_argument("--child-import", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-read", help=argparse.SUPPRESS)
    parser.add_argument("--child-screen", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        child_import(*args.child_import)
        return
    if args.child_read:
        child_read(args.child_read)
        return
    if args.child_screen:
        child_screen(*args.child_screen)
        return
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="bench_long_") as tmp:
        folder = Path(tmp)
        if not args.skip_import:
            bench_import(args.mb, folder)
        if not args.skip_screen:
            bench_screen([int(x) for x in args.lengths.split(",")], folder)


if __name__ == "__main__":
    main()
