"""Kill soak: SIGKILL the real TUI, `export` and `import` at random moments, and count what was lost.

    python benchmarks/bench_kill_soak.py                         # 100 rounds of each: TUI, export, import
    python benchmarks/bench_kill_soak.py --tui-rounds 20 --export-rounds 5 --import-rounds 5   # quick look

1. **TUI** (needs tmux): each round a new annotator opens `annotator annotate` on a
   300-sentence document in a tmux pane, types a random burst of 1-12 decisions (none,
   skip, one label + Enter, two labels + Enter) at full speed, waits a random 0-400 ms, reads
   the screen, and SIGKILLs the process. Acknowledged: every sentence the screen showed as
   saved at that moment (the status line's "(N this session)" means the first N, saves
   commit in order; plus the ✓/↷ marks and "Saved #k"). Lost: an acknowledged sentence whose
   stored decision is not the one typed. SQLite's integrity check after every round.
2. **export**: `annotator export -o FILE` of a 200,000-sentence database, SIGKILLed after a
   random moment while it writes. A final file must be complete (every line, each one JSON)
   or absent; what remains is a hidden temporary, which the next export to that name removes
   once it is stale.
3. **import**: `annotator import FOLDER` (60 documents of 100 sentences) into a new
   database, SIGKILLed at a random moment while it stores documents; `annotator check` must
   find nothing wrong (every document whole, or absent), and running the import again must
   complete it.

Prints each part's figures: rounds, decisions acknowledged / lost, partial files, integrity.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _corpus import insert_document, insert_sentences, sentence_rows  # noqa: E402

from annotator.core.db import open_database  # noqa: E402
from annotator.core.importing import import_paths  # noqa: E402
from annotator.core.integrity import check_database  # noqa: E402
from annotator.core.labels import load_schema  # noqa: E402
from annotator.core.schemas import set_schema  # noqa: E402

SENTENCES = 300
ROW = re.compile(r"^[▶ ]\s*(\d+) ([✓↷…✗ ])")
SESSION_COUNT = re.compile(r"\((\d+) this session\)")
LAST_SAVED = re.compile(r"Saved #(\d+)")
# (keys, the decision they make): each one saves and moves to the next sentence
DECISIONS: list[tuple[list[str], tuple[str, ...] | str]] = [
    (["n"], ("none",)),
    (["x"], "skipped"),
    (["s", "Enter"], ("data_sharing",)),
    (["f", "s", "Enter"], ("first_party_collection", "data_sharing")),
    (["d", "Enter"], ("retention",)),
]


def python() -> str:
    return sys.executable


# -- 1. the TUI ---------------------------------------------------------------------------------


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-u", "-L", self.socket, *args], check=True, capture_output=True, text=True, timeout=30
        ).stdout

    def screen(self, session: str) -> str:
        return self.run("capture-pane", "-p", "-t", session)

    def wait_for(self, session: str, needle: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen(session)
            if needle in shown:
                return shown
            time.sleep(0.05)
        raise RuntimeError(f"timed out waiting for {needle!r}; the screen shows:\n{shown}")


def acknowledged_on(shown: str) -> set[int]:
    """Sentence numbers (1-based) the screen says are saved."""
    count = max((int(n) for n in SESSION_COUNT.findall(shown)), default=0)
    saved = set(range(1, count + 1))
    saved |= {int(m.group(1)) for line in shown.splitlines() if (m := ROW.match(line)) and m.group(2) in "✓↷"}
    saved |= {int(n) for n in LAST_SAVED.findall(shown)}
    return saved


def stored_decisions(db: Path, annotator: str) -> dict[int, tuple[str, ...] | str]:
    with sqlite3.connect(db) as raw:
        rows = raw.execute(
            "SELECT s.idx, a.status, a.labels FROM annotation a JOIN sentence s ON s.id = a.sentence_id "
            "JOIN annotator n ON n.id = a.annotator_id WHERE n.name = ?",
            (annotator,),
        ).fetchall()
    return {idx + 1: ("skipped" if status == "skipped" else tuple(json.loads(labels))) for idx, status, labels in rows}


def tui_soak(workdir: Path, rounds: int, rng: random.Random) -> dict[str, object]:
    workdir.mkdir(parents=True)
    db = workdir / "tui.db"
    text = workdir / "soak.txt"
    text.write_text("\n".join(f"Zdanie numer {n} mówi o danych osobowych klientów banku." for n in range(1, 301)))
    engine = open_database(str(db))
    set_schema(engine, load_schema())
    import_paths(engine, [text])
    engine.dispose()
    env = {
        "XDG_CONFIG_HOME": str(workdir / "config"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(workdir),
    }
    tmux = Tmux(f"annotator-soak-{os.getpid()}")
    typed = acknowledged = lost = bad_integrity = in_flight_at_kill = 0
    started = time.monotonic()
    # A session that lives as long as the soak: the tmux server does not exit (and race the
    # next round's new-session) each time a killed round's session closes.
    tmux.run("new-session", "-d", "-s", "keeper", "sleep 86400")
    try:
        for round_ in range(rounds):
            name = f"soak{round_}"
            session = f"r{round_}"
            command = " ".join(
                [
                    "exec env -i",
                    *(f"{key}={value}" for key, value in env.items()),
                    python(),
                    "-m annotator annotate --annotator",
                    name,
                    "--doc soak --db",
                    str(db),
                ]
            )
            tmux.run("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
            tmux.wait_for(session, f"sentence 1 of {SENTENCES}")
            pid = int(tmux.run("display-message", "-p", "-t", session, "#{pane_pid}").strip())
            burst = [rng.choice(DECISIONS) for _ in range(rng.randint(1, 12))]
            keys = [key for keys, _ in burst for key in keys]
            tmux.run("send-keys", "-t", session, *keys)
            time.sleep(rng.uniform(0.0, 0.4))
            shown = tmux.screen(session)
            os.kill(pid, signal.SIGKILL)
            # the pane closes with its process, and the session with it; make sure it is gone
            subprocess.run(["tmux", "-L", tmux.socket, "kill-session", "-t", session], capture_output=True, timeout=30)
            typed += len(burst)
            saved = {n for n in acknowledged_on(shown) if n <= len(burst)}
            in_flight_at_kill += len(burst) > len(saved)
            acknowledged += len(saved)
            stored = stored_decisions(db, name)
            lost += sum(1 for n in saved if stored.get(n) != burst[n - 1][1])
            with sqlite3.connect(db) as raw:
                bad_integrity += raw.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
            if round_ % 10 == 9:
                print(
                    f"  TUI round {round_ + 1}: {acknowledged} acknowledged, {lost} lost", file=sys.stderr, flush=True
                )
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True, timeout=30)
    engine = open_database(str(db))
    report = check_database(engine)
    engine.dispose()
    return {
        "rounds": rounds,
        "decisions typed": typed,
        "acknowledged on screen": acknowledged,
        "rounds killed with saves unacknowledged": in_flight_at_kill,
        "lost": lost,
        "integrity failures": bad_integrity,
        "annotator check": "ok" if report.ok else f"{len(report.problems)} problems",
        "seconds": round(time.monotonic() - started),
    }


# -- 2. export ------------------------------------------------------------------------------------


def export_database(db: Path, sentences: int, per_doc: int = 1000) -> None:
    engine = open_database(str(db), synchronous="OFF")
    set_schema(engine, load_schema())
    engine.dispose()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    for d in range(sentences // per_doc):
        texts = [f"Zdanie {d}-{i}: przekazujemy dane partnerom, np. reklamodawcom." for i in range(per_doc)]
        joined = " ".join(texts)
        document = insert_document(
            con,
            name=f"doc-{d:05d}",
            uid=f"{d:016x}",
            content_hash=f"{d:064x}",
            text=joined,
            n_sentences=per_doc,
            lang="pl",
        )
        insert_sentences(con, sentence_rows(document, texts, "pl"))
    con.execute("COMMIT")
    con.close()


def run_export(db: Path, target: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [python(), "-m", "annotator", "export", "--db", str(db), "-o", str(target), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_until(condition, process: subprocess.Popen[bytes], timeout: float = 300.0) -> bool:  # type: ignore[no-untyped-def]
    """Poll until ``condition()`` holds (True) or the process ended first (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.poll() is not None:
            return bool(condition())
        time.sleep(0.01)
    return False


def export_soak(workdir: Path, rounds: int, sentences: int, rng: random.Random) -> dict[str, object]:
    workdir.mkdir(parents=True)
    db = workdir / "export.db"
    export_database(db, sentences)
    out = workdir / "exports"
    out.mkdir()

    def writing(name: str):  # type: ignore[no-untyped-def]
        return lambda: any(out.glob(f".{name}.*.tmp"))

    reference = run_export(db, out / "reference.jsonl")
    _wait_until(writing("reference.jsonl"), reference)
    began_writing = time.monotonic()
    reference.wait()
    writing_time = time.monotonic() - began_writing
    killed = finished = partial = 0
    begun = time.monotonic()
    for round_ in range(rounds):
        target = out / f"round{round_}.jsonl"
        process = run_export(db, target)
        _wait_until(writing(target.name), process)
        time.sleep(rng.uniform(0.0, 1.1) * writing_time)  # sometimes just after it finished
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()
        if target.exists():
            finished += 1
            with target.open("rb") as handle:
                lines = [json.loads(line) for line in handle]
            partial += len(lines) != sentences
    leftovers = sorted(out.glob(".*.tmp"))
    old = time.time() - 3600
    removed = 0
    for path in leftovers:
        os.utime(path, (old, old))  # as if an hour had passed
        target = out / path.name[1:].rsplit(".", 2)[0]  # .round3.jsonl.abc123.tmp -> round3.jsonl
        again = subprocess.run(
            [python(), "-m", "annotator", "export", "--db", str(db), "-o", str(target), "--json"],
            capture_output=True,
            text=True,
        )
        removed += again.returncode == 0 and str(path) in json.loads(again.stdout)["removed_temporaries"]
    return {
        "rounds": rounds,
        "sentences per export": sentences,
        "writing seconds (full export)": round(writing_time, 1),
        "killed before the process exited": killed,
        "final files present (each complete)": finished - partial,
        "partial final files": partial,
        "no final file, a hidden temporary left": len(leftovers),
        "temporaries removed by the next export there": removed,
        "seconds": round(time.monotonic() - begun),
    }


# -- 3. import ------------------------------------------------------------------------------------


def _documents_in(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as raw:
            return int(raw.execute("SELECT count(*) FROM document").fetchone()[0])
    except sqlite3.Error:
        return 0  # not created yet


def run_import(corpus: Path, db: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [python(), "-m", "annotator", "import", str(corpus), "--db", str(db), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def import_soak(workdir: Path, rounds: int, documents: int, rng: random.Random) -> dict[str, object]:
    workdir.mkdir(parents=True)
    corpus = workdir / "corpus"
    corpus.mkdir()
    for d in range(documents):
        (corpus / f"doc{d:03d}.txt").write_text(
            "\n".join(f"Dokument {d}, zdanie {i}: bank przekazał dane klientów partnerom." for i in range(100))
        )
    probe_db = workdir / "probe.db"
    probe = run_import(corpus, probe_db)
    _wait_until(lambda: _documents_in(probe_db) > 0, probe)
    began_storing = time.monotonic()
    probe.wait()
    storing_time = time.monotonic() - began_storing
    killed = stored_when_killed = problems = incomplete_after_rerun = partial_documents = 0
    begun = time.monotonic()
    for round_ in range(rounds):
        db = workdir / f"import{round_}.db"
        process = run_import(corpus, db)
        _wait_until(lambda db=db: _documents_in(db) > 0, process)  # type: ignore[misc]
        time.sleep(rng.uniform(0.0, 1.1) * storing_time)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()
        engine = open_database(str(db), create=False, upgrade=False)
        report = check_database(engine)
        engine.dispose()
        problems += len(report.problems)
        partial_documents += sum(p.rows for p in report.problems if p.check == "sentences")
        stored_when_killed += report.documents
        rerun = subprocess.run(
            [python(), "-m", "annotator", "import", str(corpus), "--db", str(db), "--json"], capture_output=True
        )
        engine = open_database(str(db), create=False, upgrade=False)
        report = check_database(engine)
        engine.dispose()
        incomplete_after_rerun += rerun.returncode != 0 or report.documents != documents or not report.ok
        for leftover in db.parent.glob(f"{db.name}*"):
            leftover.unlink()
    return {
        "rounds": rounds,
        "documents x sentences": f"{documents} x 100",
        "storing seconds (full import)": round(storing_time, 1),
        "killed while storing": killed,
        "documents stored when killed (each whole)": stored_when_killed,
        "partial documents": partial_documents,
        "check problems after a kill": problems,
        "re-runs that did not complete": incomplete_after_rerun,
        "seconds": round(time.monotonic() - begun),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tui-rounds", type=int, default=100)
    parser.add_argument("--export-rounds", type=int, default=100)
    parser.add_argument("--import-rounds", type=int, default=100)
    parser.add_argument("--export-sentences", type=int, default=200_000)
    parser.add_argument("--import-documents", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        parts = []
        if args.tui_rounds:
            if shutil.which("tmux") is None:
                print("tmux is not installed: skipping the TUI soak", file=sys.stderr)
            else:
                parts.append(("TUI (annotate in tmux, SIGKILL)", tui_soak(workdir / "tui", args.tui_rounds, rng)))
        if args.export_rounds:
            parts.append(
                ("export (SIGKILL)", export_soak(workdir / "export", args.export_rounds, args.export_sentences, rng))
            )
        if args.import_rounds:
            parts.append(
                ("import (SIGKILL)", import_soak(workdir / "import", args.import_rounds, args.import_documents, rng))
            )
        for title, figures in parts:
            print(title)
            for key, value in figures.items():
                print(f"  {key:<42} {value}")


if __name__ == "__main__":
    main()
