"""Benchmark of inter-annotator agreement (issue 5), pure metrics and from a database.

    python benchmarks/bench_agreement.py                      # the issue's sizes
    python benchmarks/bench_agreement.py --db-sentences 100000 --repeat 1   # quicker

1. Nominal Krippendorff's alpha, ``--items`` (1,000,000) items x 5 annotators, 10%
   missing: ours versus ``krippendorff.alpha`` in the same run (goal: at most half its
   time); NLTK ``AnnotationTask.alpha()`` at ``--nltk-items`` (100,000) items. These are
   the sections of ``bench_agreement_metrics.py`` (imported from it, not copied).
2. The full per-label report for the 13 labels of the default privacy schema from a
   database of ``--db-sentences`` (1,000,000) sentences x 3 annotators, *loading
   included*: ``load_ratings`` (one SQL query, numpy pivot) + ``compute_agreement``
   (overall, 13 labels, pairwise; no bootstrap), i.e. what ``annotator agreement --json``
   does after opening the database. Goal: <= 10 s. The database is a real project
   (schema created by ``open_database``), filled fast with raw ``sqlite3`` executemany;
   each annotator labels ~85% of the sentences, skips ~5% and never sees the rest.
   Timed cold (first read after building, pages in the OS cache) and best of ``--repeat``.
   ``--pg URL`` runs the same load on PostgreSQL (rows copied from the SQLite file).
3. The CLI as a whole process (issue 11): ``annotator agreement --json`` and the same with
   ``--bootstrap 2000 --seed 1`` on that database, wall time and peak RSS, against a
   sqlite3 scan of the same rows as a whole process (``python -c``: sqlite3 iterating
   every labelled decision's (sentence_id, annotator_id, label_mask)), and the ``sqlite3``
   CLI writing those rows to /dev/null, interleaved over ``--cli-repeat`` rounds; the ratio
   is best wall against best wall of the same run. ``--before-src DIR`` also runs the CLI
   from another source tree (e.g. a worktree of main) in the same rounds, and compares the
   reports. Goals: <= 2x the scan, peak RSS <= 200 MB (<= 300 MB with the bootstrap).
   Each command is started by a small launcher process that reads the child's
   ``ru_maxrss`` (a child forked from this process would inherit its peak).

    python benchmarks/bench_agreement.py --skip-metrics --repeat 1 --cli-repeat 3 \
        --before-src /path/to/main    # the README's figures
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from annotator.core.agreement import compute_agreement  # noqa: E402
from annotator.core.db import open_database  # noqa: E402
from annotator.core.labels import load_schema  # noqa: E402
from annotator.core.ratings import load_ratings  # noqa: E402
from annotator.core.schemas import active_schema, set_schema  # noqa: E402

ANNOTATORS = ("amal", "bartek", "chloe")
STAMP = "2026-01-15 10:00:00.000000"
PER_DOC = 1000


def _label_sets(n: int, n_labels: int, n_ann: int, rng: np.random.Generator) -> np.ndarray:
    """Privacy-like (n, n_ann) masks: the 'none' label (last, exclusive) alone ~40%,
    else 1-2 of the other labels; each annotator departs from a shared truth 20%."""
    none = 1 << (n_labels - 1)
    first = 1 << rng.integers(0, n_labels - 1, n)
    second = np.where(rng.random(n) < 0.3, 1 << rng.integers(0, n_labels - 1, n), 0)
    truth = np.where(rng.random(n) < 0.4, none, first | second)
    flip = 1 << rng.integers(0, n_labels - 1, (n, n_ann))
    changed = np.where(truth[:, None] == none, flip, truth[:, None] ^ flip)
    changed = np.where(changed == 0, none, changed)
    return np.where(rng.random((n, n_ann)) < 0.2, changed, truth[:, None]).astype(np.int64)


def build_database(path: Path, n_sentences: int, seed: int = 0) -> dict[str, int]:
    """A project database with ``n_sentences`` sentences x 3 annotators' decisions."""
    engine = open_database(str(path), synchronous="OFF")
    set_schema(engine, load_schema())
    schema = active_schema(engine)
    engine.dispose()
    label_ids = schema.label_ids
    rng = np.random.default_rng(seed)
    masks = _label_sets(n_sentences, len(label_ids), len(ANNOTATORS), rng)
    fate = rng.random((n_sentences, len(ANNOTATORS)))  # < 0.05 skipped, > 0.90 unseen
    lists = {}

    def labels_json(mask: int) -> str:
        if mask not in lists:
            lists[mask] = json.dumps([lab for i, lab in enumerate(label_ids) if mask >> i & 1])
        return lists[mask]

    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA journal_mode = WAL")
    counts = {"labelled": 0, "skipped": 0}
    with con:
        con.executemany(
            "INSERT INTO annotator (id, name, created_at) VALUES (?, ?, ?)",
            [(i + 1, name, STAMP) for i, name in enumerate(ANNOTATORS)],
        )
        n_docs = (n_sentences + PER_DOC - 1) // PER_DOC
        con.executemany(
            "INSERT INTO document (id, uid, name, source_path, content_hash, lang, text, meta, "
            "n_sentences, created_at) VALUES (?, ?, ?, NULL, ?, 'en', '', '{}', ?, ?)",
            [
                (d + 1, f"{d:016x}", f"doc{d:05d}", f"{d:064x}", min(PER_DOC, n_sentences - d * PER_DOC), STAMP)
                for d in range(n_docs)
            ],
        )
        text = "We share your information with partners for advertising purposes, number {}."
        step = 100_000
        for start in range(0, n_sentences, step):
            stop = min(n_sentences, start + step)
            con.executemany(
                'INSERT INTO sentence (id, document_id, idx, start, "end", text, text_hash, lang) '
                "VALUES (?, ?, ?, 0, 0, ?, ?, 'en')",
                ((s + 1, s // PER_DOC + 1, s % PER_DOC, text.format(s), f"{s:064x}") for s in range(start, stop)),
            )
            block = fate[start:stop]
            sent, ann = np.nonzero(block <= 0.90)  # seen: labelled or skipped
            skipped = block[sent, ann] < 0.05
            mask = np.where(skipped, 0, masks[start:stop][sent, ann])
            counts["skipped"] += int(skipped.sum())
            counts["labelled"] += int((~skipped).sum())
            rows = [
                (s + start + 1, a + 1, "[]" if k else labels_json(m), m, "skipped" if k else "labelled", STAMP, STAMP)
                for s, a, k, m in zip(sent.tolist(), ann.tolist(), skipped.tolist(), mask.tolist(), strict=True)
            ]
            con.executemany(
                "INSERT INTO annotation (sentence_id, annotator_id, labels, label_mask, status, "
                "negated, flagged, note, attributes, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, 0, 0, NULL, '{}', ?, ?)",
                rows,
            )
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("ANALYZE")
    con.close()
    return counts


def full_report(db: str) -> tuple[dict[str, float], object]:
    """What `annotator agreement --json` computes: open, load, report; seconds of each step."""
    t0 = time.perf_counter()
    engine = open_database(db, create=False)
    schema = active_schema(engine)
    t1 = time.perf_counter()
    ratings = load_ratings(engine)
    t2 = time.perf_counter()
    report = compute_agreement(ratings.masks, ratings.annotators, schema.label_ids, schema.mode)
    t3 = time.perf_counter()
    engine.dispose()
    return {"open": t1 - t0, "load": t2 - t1, "report": t3 - t2, "total": t3 - t0}, report


def best_times(db: str, repeat: int) -> tuple[dict[str, float], dict[str, float], object]:
    """(first run, best of ``repeat`` per step, report)."""
    gc.collect()
    first, report = full_report(db)
    best = dict(first)
    for _ in range(repeat - 1):
        gc.collect()
        times, report = full_report(db)
        best = {key: min(best[key], value) for key, value in times.items()}
    return first, best, report


def show_times(label: str, t: dict[str, float]) -> str:
    return (
        f"    {label:<22} open {t['open']:5.2f} s + load_ratings {t['load']:5.2f} s + "
        f"compute_agreement {t['report']:5.2f} s = {t['total']:5.2f} s"
    )


def copy_to_postgres(sqlite_path: Path, url: str) -> None:
    """Fill an empty PostgreSQL database with the SQLite benchmark rows (COPY)."""
    from sqlalchemy import text

    engine = open_database(url)
    set_schema(engine, load_schema())
    src = sqlite3.connect(sqlite_path)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for table, columns in (
            ("annotator", "id, name, created_at"),
            ("document", "id, uid, name, content_hash, lang, text, meta, n_sentences, created_at"),
            ("sentence", 'id, document_id, idx, start, "end", text, text_hash, lang'),
            (
                "annotation",
                "sentence_id, annotator_id, labels, label_mask, status, negated, flagged, "
                "attributes, created_at, updated_at",
            ),
        ):
            select_cols = columns.replace("negated, flagged", "negated != 0, flagged != 0")
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in src.execute(f"SELECT {select_cols} FROM {table}"):
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as connection:
        for table in ("annotator", "document", "sentence"):
            connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
        connection.execute(text("ANALYZE"))
    engine.dispose()
    src.close()


LAUNCHER = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
with open(sys.argv[1], "wb") as out:
    code = subprocess.run(sys.argv[2:], stdout=out).returncode
elapsed = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": elapsed, "cpu": usage.ru_utime + usage.ru_stime, "code": code,
                  "rss_mb": usage.ru_maxrss / 1024}))
"""

LABELLED_ROWS = "SELECT sentence_id, annotator_id, label_mask FROM annotation WHERE status = 'labelled'"
SCAN = f"""
import sqlite3, sys
n = 0
for row in sqlite3.connect(sys.argv[1]).execute("{LABELLED_ROWS}"):
    n += 1
print(n)
"""


def whole_process(command: list[str], out: str, env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall seconds and peak RSS (MB) of ``command``, its stdout to ``out``; run from the
    folder of ``out`` (``python -m`` puts the working folder first on the import path)."""
    result = subprocess.run(
        [sys.executable, "-c", LAUNCHER, out, *command],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=Path(out).parent,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    if figures["code"] != 0:
        raise SystemExit(f"{' '.join(command)} exited with {figures['code']}")
    return figures


def _float_differences(a: object, b: object) -> tuple[int, float]:
    """(number of differing floats, largest difference) of two JSON values of the same shape;
    raises if anything else differs."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert list(a) == list(b)
        pairs = [(a[k], b[k]) for k in a]
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b)
        pairs = list(zip(a, b, strict=True))
    elif isinstance(a, float) and isinstance(b, float):
        return (0, 0.0) if a == b else (1, abs(a - b))
    else:
        assert a == b, (a, b)
        return 0, 0.0
    count, worst = 0, 0.0
    for x, y in pairs:
        c, w = _float_differences(x, y)
        count, worst = count + c, max(worst, w)
    return count, worst


def section_cli(args: argparse.Namespace, db: str, tmp: str) -> None:
    """The CLI as a whole process against a sqlite3 scan of the same rows, interleaved."""
    agreement = [sys.executable, "-m", "annotator", "agreement", "--json", "--db", db]
    boot = ["--bootstrap", "2000", "--seed", "1"]
    runs: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "sqlite3 scan (python -c)": ([sys.executable, "-c", SCAN, db], None),
    }
    if shutil.which("sqlite3"):
        runs["sqlite3 CLI, rows to /dev/null"] = (["sqlite3", db, LABELLED_ROWS], None)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs["agreement --json"] = (agreement, env)
    runs["agreement --json --bootstrap 2000"] = (agreement + boot, env)
    if args.before_src:
        before = {**os.environ, "PYTHONPATH": str(Path(args.before_src).resolve())}
        runs["BEFORE agreement --json"] = (agreement, before)
        runs["BEFORE agreement --json --bootstrap 2000"] = (agreement + boot, before)
    results: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
    for _ in range(args.cli_repeat):
        for name, (command, run_env) in runs.items():
            out = str(Path(tmp) / (name.replace(" ", "_").replace("/", "") + ".out"))
            results[name].append(whole_process(command, out, run_env))
    scans = results["sqlite3 scan (python -c)"]
    scan, scan_cpu = min(r["seconds"] for r in scans), min(r["cpu"] for r in scans)
    print(
        f"\n[cli] whole processes, best of {args.cli_repeat} interleaved rounds (peak RSS: the largest); "
        "ratios to the scan: wall, CPU, and the range of the per-round wall ratios"
    )
    for name, rounds in results.items():
        best, cpu = min(r["seconds"] for r in rounds), min(r["cpu"] for r in rounds)
        rss = max(r["rss_mb"] for r in rounds)
        ratios = [r["seconds"] / s["seconds"] for r, s in zip(rounds, scans, strict=True)]
        print(
            f"    {name:<42} {best:6.2f} s  CPU {cpu:6.2f} s  {rss:5.0f} MB   {best / scan:5.2f}x wall  "
            f"{cpu / scan_cpu:5.2f}x CPU  (rounds {min(ratios):.2f}-{max(ratios):.2f}x)"
        )
    print("    goals: <= 2x the scan; peak RSS <= 200 MB, <= 300 MB with --bootstrap 2000")
    if args.before_src:
        for suffix in ("", " --bootstrap 2000"):
            name = f"agreement --json{suffix}"
            ours = json.loads((Path(tmp) / (name.replace(" ", "_") + ".out")).read_text())
            theirs = json.loads((Path(tmp) / (("BEFORE " + name).replace(" ", "_") + ".out")).read_text())
            count, worst = _float_differences(theirs, ours)
            print(f"    {name}: report before/after: {count} floats differ, largest difference {worst:.1e}")


def section_db(args: argparse.Namespace) -> None:
    n = args.db_sentences
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        path = Path(tmp) / "bench.db"
        t = time.perf_counter()
        if args.db:
            shutil.copyfile(args.db, path)
            counts = {}
        else:
            counts = build_database(path, n, args.seed)
        t_build = time.perf_counter() - t
        size = path.stat().st_size / 1e6
        if args.db:
            print(f"\n[db] {args.db} (copied), {size:.0f} MB")
        else:
            print(
                f"\n[db] {n:,} sentences x {len(ANNOTATORS)} annotators: {counts['labelled']:,} labelled, "
                f"{counts['skipped']:,} skipped decisions; built in {t_build:.1f} s (raw sqlite3), {size:.0f} MB"
            )
        if args.cli_repeat > 0:
            section_cli(args, str(path), tmp)
        if args.repeat <= 0:
            return
        first, best, report = best_times(str(path), args.repeat)
        print(show_times("SQLite first run", first))
        print(show_times(f"SQLite best of {args.repeat}", best))
        print(f"    goal <= 10 s: {'met' if best['total'] <= 10 else 'NOT met'}")
        print(
            f"    n_items {report.n_items:,}, pairable {report.n_pairable_items:,}; overall alpha "
            f"{report.overall.krippendorff_alpha:.4f}, MASI alpha {report.overall.krippendorff_alpha_masi:.4f}, "
            f"{len(report.per_label)} labels"
        )
        if args.pg:
            from sqlalchemy import create_engine, text

            name = f"annotator_bench_{os.getpid()}"
            admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            url = args.pg.rsplit("/", 1)[0] + "/" + name
            try:
                copy_to_postgres(path, url)
                _, pg_best, pg_report = best_times(url, args.repeat)
                print(show_times(f"PostgreSQL best of {args.repeat}", pg_best))
                print(f"    PostgreSQL report identical to SQLite's: {pg_report.model_dump() == report.model_dump()}")
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--annotators", type=int, default=5)
    ap.add_argument("--missing", type=float, default=0.10)
    ap.add_argument("--nltk-items", type=int, default=100_000, help="0 to skip NLTK")
    ap.add_argument("--db-sentences", type=int, default=1_000_000, help="0 to skip the database section")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-metrics", action="store_true", help="only the database section")
    ap.add_argument("--pg", help="PostgreSQL admin URL: also time the load there")
    ap.add_argument("--tmp", help="folder for the temporary database (default: system temp)")
    ap.add_argument("--db", help="copy this database (built by an earlier run) instead of building one")
    ap.add_argument("--cli-repeat", type=int, default=3, help="rounds of the whole-process section (0: skip)")
    ap.add_argument("--before-src", help="also run the CLI from this source tree (e.g. main) in the same rounds")
    args = ap.parse_args()

    from importlib.metadata import version

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, sqlite {sqlite3.sqlite_version}, "
        f"krippendorff {version('krippendorff')}, nltk {version('nltk')}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )
    if not args.skip_metrics:
        section_metrics(args)
    if args.db_sentences > 0:
        section_db(args)


def section_metrics(args: argparse.Namespace) -> None:
    from bench_agreement_metrics import section_alpha

    section_alpha(args.items, args.annotators, 5, args.missing, args.seed, args.repeat, args.nltk_items)


if __name__ == "__main__":
    main()
