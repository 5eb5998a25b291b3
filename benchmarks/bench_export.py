"""Export benchmark: ``annotator export --format jsonl`` as a whole process, against baselines.

    python benchmarks/bench_export.py                          # 300,000 sentences x 3 annotators
    python benchmarks/bench_export.py --sentences 1000000      # the 1M figure
    python benchmarks/bench_export.py --keep /tmp/bench.db --before /work/main   # before/after, same run

1. Builds a database fast: ``open_database`` creates the schema, then raw ``sqlite3``
   ``executemany`` fills it (200 sentences a document, Arabic/Polish/English templates;
   3 annotators on every sentence: ~88% labelled, 7% skipped, 5% open; 10% negated,
   4% flagged, 3% with a note; 5% of sentences with an adjudicated gold). Random but seeded.
2. Runs, each as its own process on the same file, ``--runs`` times in turn:
   - ours: ``annotator export --format jsonl -o FILE --json`` (the CLI, imports included;
     gold policy majority); with ``--before DIR`` also the annotator package in DIR (e.g. a
     worktree of main), the same command;
   - ``sqlite3 -json`` (``/usr/bin/sqlite3``) over the equivalent query, nested: one row a
     sentence, its annotations a ``json_group_array`` (our shape; ``--flat`` adds the plain
     join, one row per sentence x annotator);
   - ``benchmarks/export_stdlib.py``: ~75 lines of stdlib ``sqlite3`` + ``json`` that write
     our bytes; the benchmark checks that its file is identical to ours.
   Each process's wall time, CPU (user + sys) and peak RSS (``RUSAGE_CHILDREN`` of a
   runner that starts only it) are printed, with rates and the ratios to the baselines.
   Ours is also run on a tenth of the documents (``--docs``): the same peak RSS for both
   shows that memory does not grow with the size of the export.
3. Floors: our export of one document (the start-up: interpreter and imports), and the
   same rows fetched with Python's ``sqlite3`` and nothing built (what any Python exporter
   pays before writing a byte).
Goal (issue 11): >= 0.7x ``sqlite3 -json`` in sentences/s and MB/s, peak RSS <= 60 MB.
On a shared machine the elapsed times move with the load; CPU time is steadier.
Figures: docs/formats.md ("Speed") and the README table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _corpus import insert_document, insert_sentences, sentence_rows  # noqa: E402

from annotator.core.db import open_database  # noqa: E402
from annotator.core.labels import load_schema  # noqa: E402
from annotator.core.schemas import set_schema  # noqa: E402

TEMPLATES = [
    "طلبت شركة {n} من البنوك الكبرى بيانات مالية عن {k} من عملائها.",
    "هل ستشارك البنوك معلومات المستخدمين مع شركات التكنولوجيا؟",
    "Bank {n} przekazał m.in. dane o transakcjach {k} klientów.",
    "Czy regulator wszczął postępowanie w tej sprawie?",
    "We share your information with {n} partners for advertising purposes.",
    "We keep transaction records for {k} years after you close your account.",
]
ANNOTATORS = ("amal", "ola", "piotr")
PER_DOC = 200


def _lang_of(sentence: str) -> str:
    return "ar" if sentence[0] > "\u0600" else ("pl" if "ł" in sentence or "Czy" in sentence else "en")


def build_database(path: Path, n_sentences: int, seed: int = 11) -> float:
    """Fill a fresh database; returns the seconds taken."""
    started = time.perf_counter()
    schema = load_schema()
    engine = open_database(str(path), synchronous="OFF")
    set_schema(engine, schema)
    engine.dispose()
    labels = [label for label in schema.label_ids if label != "none"]
    rng = random.Random(seed)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO annotator (id, name, created_at) VALUES (?, ?, '2026-01-01 00:00:00.000000')",
        [(i + 1, name) for i, name in enumerate(ANNOTATORS)],
    )
    n_docs = (n_sentences + PER_DOC - 1) // PER_DOC
    sentence_id = 0
    label_sets = []
    for _ in range(64):
        chosen = sorted(rng.sample(labels, rng.choice((1, 1, 1, 2, 2, 3))), key=schema.label_ids.index)
        label_sets.append((json.dumps(chosen), schema.mask_of(chosen)))
    label_sets.append((json.dumps(["none"]), schema.mask_of(["none"])))
    for d in range(n_docs):
        count = min(PER_DOC, n_sentences - d * PER_DOC)
        texts = [rng.choice(TEMPLATES).format(n=rng.randint(1, 99999), k=rng.randint(1, 9999)) for _ in range(count)]
        text = " ".join(texts)
        digest = hashlib.sha256(text.encode()).hexdigest()
        insert_document(
            con,
            document_id=d + 1,
            uid=digest[:16],
            name=f"doc-{d:06d}",
            content_hash=digest,
            text=text,
            meta=json.dumps({"source": "bench", "n": d}),
            n_sentences=count,
            created_at="2026-01-01 00:00:00.000000",
        )
        insert_sentences(con, sentence_rows(d + 1, texts, _lang_of, first_id=sentence_id + 1))
        annotations, gold = [], []
        for _sentence in texts:
            sentence_id += 1
            base = rng.choice(label_sets)
            for a in range(3):
                roll = rng.random()
                status = "labelled" if roll < 0.88 else ("skipped" if roll < 0.95 else "open")
                chosen = (base if rng.random() < 0.7 else rng.choice(label_sets)) if status == "labelled" else ("[]", 0)
                stamp = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.choice((0, rng.randint(1, 999999))):06d}"
                annotations.append(
                    (
                        sentence_id,
                        a + 1,
                        chosen[0],
                        chosen[1],
                        status,
                        rng.random() < 0.1,
                        rng.random() < 0.04,
                        "checked the source" if rng.random() < 0.03 else None,
                        stamp,
                        stamp,
                    )
                )
            if rng.random() < 0.05:
                gold.append((sentence_id, base[0], base[1], "adjudicated", "lead", "2026-12-01 00:00:00.000000"))
        con.executemany(
            "INSERT INTO annotation (sentence_id, annotator_id, labels, label_mask, status, negated, flagged, note, "
            "attributes, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,'{}',?,?)",
            annotations,
        )
        con.executemany(
            "INSERT INTO gold (sentence_id, labels, label_mask, method, by, updated_at) VALUES (?,?,?,?,?,?)", gold
        )
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - started


NESTED_SQL = """
SELECT d.uid || ':' || s.idx AS id, d.uid AS doc_id, d.name AS doc_name, s.idx AS sent_idx, s.start, s."end", s.lang, s.text,
  (SELECT json_group_array(json_object('annotator', an.name, 'labels', json(a.labels), 'status', a.status,
          'negated', json(CASE WHEN a.negated THEN 'true' ELSE 'false' END),
          'flagged', json(CASE WHEN a.flagged THEN 'true' ELSE 'false' END),
          'note', a.note, 'updated_at', a.updated_at))
     FROM annotation a JOIN annotator an ON an.id = a.annotator_id WHERE a.sentence_id = s.id) AS annotations,
  g.labels AS gold_labels, g.method AS gold_method, g.by AS gold_by, 'privacy@1' AS schema, NULL AS split, d.meta
FROM document d JOIN sentence s ON s.document_id = d.id LEFT JOIN gold g ON g.sentence_id = s.id
ORDER BY d.name, s.idx;
"""
FLAT_SQL = """
SELECT d.uid AS doc_id, d.name AS doc_name, s.idx AS sent_idx, s.start, s."end", s.lang, s.text,
  an.name AS annotator, a.labels, a.status, a.negated, a.flagged, a.note, a.updated_at,
  g.labels AS gold_labels, g.method AS gold_method, g.by AS gold_by, d.meta
FROM document d JOIN sentence s ON s.document_id = d.id
  LEFT JOIN annotation a ON a.sentence_id = s.id LEFT JOIN annotator an ON an.id = a.annotator_id
  LEFT JOIN gold g ON g.sentence_id = s.id
ORDER BY d.name, s.idx, an.name;
"""

RUNNER = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
code = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "wb") if sys.argv[1] != "-" else subprocess.DEVNULL,
                      stderr=subprocess.PIPE).returncode
elapsed = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": elapsed, "cpu": usage.ru_utime + usage.ru_stime, "code": code,
                  "rss_mb": usage.ru_maxrss / 1024}))
"""
OURS = "import sys; sys.path.insert(0, sys.argv.pop(1)); from annotator.cli import main; main()"
# The floor of any Python exporter: the same rows fetched with the stdlib sqlite3 module, nothing built.
FETCH_ONLY = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for sql in ('SELECT s.id, s.document_id, s.idx, s.start, s."end", s.lang, s.text, g.labels, g.method, g.by '
            'FROM sentence s LEFT JOIN gold g ON g.sentence_id = s.id',
            'SELECT sentence_id, annotator_id, labels, status, negated, flagged, note, updated_at, seconds, '
            'suggested, accepted FROM annotation'):
    cursor = con.execute(sql)
    while cursor.fetchmany(1000):
        pass
"""


def _run(out: str, *command: str) -> dict:
    """One process, measured by a runner that starts only it (its peak RSS is the child's)."""
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, out, *command], capture_output=True, text=True, cwd=ROOT, check=True
    )
    run = json.loads(result.stdout.strip().splitlines()[-1])
    if run["code"] != 0:
        raise SystemExit(f"{' '.join(command[:4])}...: exit {run['code']}")
    return run


def _ours(code: Path, db: Path, out: Path, docs: list[str] | None = None) -> dict:
    command = [sys.executable, "-c", OURS, str(code), "export", "--db", str(db), "--format", "jsonl"]
    command += ["-o", str(out), "--json"] + (["--docs", ",".join(docs)] if docs else [])
    run = _run("-", *command)
    run["bytes"] = out.stat().st_size
    return run


def _drop(path: Path) -> None:
    if path.exists():
        path.unlink()


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=300_000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the database at this path")
    parser.add_argument("--runs", type=int, default=3, help="runs of each writer, in turn (default 3)")
    parser.add_argument("--before", type=Path, help="also measure the annotator package of this folder (e.g. main)")
    parser.add_argument("--flat", action="store_true", help="also the flat sqlite3 -json query")
    args = parser.parse_args()

    cli = shutil.which("sqlite3") or ("/usr/bin/sqlite3" if Path("/usr/bin/sqlite3").exists() else None)
    if cli is None:
        raise SystemExit("the sqlite3 command-line program is needed (apt-get install sqlite3)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        db = args.keep or tmp / "bench.db"
        if not db.exists():
            seconds = build_database(db, args.sentences)
            print(
                f"database: {args.sentences:,} sentences x {len(ANNOTATORS)} annotators built in {seconds:.1f} s "
                f"({db.stat().st_size / 1e6:.0f} MB)"
            )
        con = sqlite3.connect(db)
        n_sentences = con.execute("SELECT count(*) FROM sentence").fetchone()[0]
        n_annotations = con.execute("SELECT count(*) FROM annotation").fetchone()[0]
        doc_names = [r[0] for r in con.execute("SELECT name FROM document ORDER BY name")]
        con.close()
        tenth = doc_names[: max(1, len(doc_names) // 10)]
        out, theirs = tmp / "out.jsonl", tmp / "theirs.json"

        writers: dict[str, Any] = {"ours: annotator export": lambda: _ours(ROOT, db, out)}
        if args.before:
            writers["before: annotator export"] = lambda: _ours(args.before.resolve(), db, out)
        writers["sqlite3 -json, nested"] = lambda: _run(str(theirs), cli, "-json", "-readonly", str(db), NESTED_SQL)
        if args.flat:
            writers["sqlite3 -json, flat"] = lambda: _run(str(theirs), cli, "-json", "-readonly", str(db), FLAT_SQL)
        stdlib = str(ROOT / "benchmarks" / "export_stdlib.py")
        writers["stdlib script (export_stdlib.py)"] = lambda: _run("-", sys.executable, stdlib, str(db), str(theirs))

        runs: dict[str, list[dict]] = {name: [] for name in writers}
        identical: dict[str, bool] = {}
        for _ in range(args.runs):
            for name, write in writers.items():
                run = write()
                if "bytes" not in run:
                    run["bytes"] = theirs.stat().st_size
                runs[name].append(run)
                if name.startswith("ours"):
                    ours_digest = hashlib.sha256(out.read_bytes()).hexdigest()
                elif not name.startswith("sqlite3"):
                    target = out if name.startswith("before") else theirs
                    identical[name] = hashlib.sha256(target.read_bytes()).hexdigest() == ours_digest
                _drop(out)
                _drop(theirs)
        small = _ours(ROOT, db, out, tenth)
        small_sentences = sum(1 for _ in out.open("rb"))
        _drop(out)
        start = _ours(ROOT, db, out, doc_names[:1])  # one document: start-up and imports
        _drop(out)
        fetch = _run("-", sys.executable, "-c", FETCH_ONLY, str(db))

        print(
            f"\n{n_sentences:,} sentences, {n_annotations:,} annotations; {args.runs} run(s) each, in turn: "
            "the median run (by wall time), the range of the ratios over the runs"
        )
        print(
            f"{'writer':34} {'wall s':>7} {'cpu s':>6} {'MB':>6} {'MB/s':>6} {'sent/s':>9} "
            f"{'MB/cpu-s':>8} {'sent/cpu-s':>10} {'peak RSS MB':>11}"
        )
        for name, measured in runs.items():
            r = sorted(measured, key=lambda m: m["seconds"])[len(measured) // 2]
            mb = r["bytes"] / 1e6
            rss = max(m["rss_mb"] for m in measured)
            print(
                f"{name:34} {r['seconds']:7.2f} {r['cpu']:6.2f} {mb:6.0f} {mb / r['seconds']:6.1f} "
                f"{n_sentences / r['seconds']:9,.0f} {mb / r['cpu']:8.1f} {n_sentences / r['cpu']:10,.0f} {rss:11.0f}"
            )
        ours_runs = runs["ours: annotator export"]
        for base in [name for name in runs if not name.startswith("ours")]:
            for metric, key in (("wall", "seconds"), ("cpu", "cpu")):
                # ratio of rates = inverse ratio of times (same sentences); MB/s also weighs the bytes written
                sps = [b[key] / o[key] for o, b in zip(ours_runs, runs[base], strict=True)]
                mbs = [
                    (o["bytes"] / o[key]) / (b["bytes"] / b[key]) for o, b in zip(ours_runs, runs[base], strict=True)
                ]
                print(
                    f"ours / {base} ({metric}): sentences/s {_median(sps):.2f}x ({min(sps):.2f}-{max(sps):.2f}), "
                    f"MB/s {_median(mbs):.2f}x ({min(mbs):.2f}-{max(mbs):.2f})"
                )
        for name, same in identical.items():
            print(f"{name}: output {'byte-identical to ours' if same else 'DIFFERS from ours'}")
        print(
            f"floor: our export of one document (start-up, imports): {start['cpu']:.2f} s CPU, {start['rss_mb']:.0f} MB; "
            f"the same rows fetched by Python's sqlite3, nothing built: {fetch['cpu']:.2f} s CPU "
            f"({fetch['seconds']:.2f} s wall)"
        )
        print(
            f"peak RSS of our export: {small['rss_mb']:.0f} MB for {small_sentences:,} sentences (a tenth of the "
            f"documents), {max(m['rss_mb'] for m in ours_runs):.0f} MB for {n_sentences:,}; goal: >= 0.7x sqlite3 -json, "
            "<= 60 MB"
        )
        if not all(identical.values()):
            raise SystemExit("an output differs from ours: the comparison is not of the same bytes")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
