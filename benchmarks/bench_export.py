"""Export benchmark: our JSONL export against the ``sqlite3 -json`` CLI, in the same run.

    python benchmarks/bench_export.py                    # 1,000,000 sentences x 3 annotators
    python benchmarks/bench_export.py --sentences 100000 --keep /tmp/bench.db

1. Builds a database fast: ``open_database`` creates the schema, then raw ``sqlite3``
   ``executemany`` fills it (200 sentences a document, Arabic/Polish/English templates;
   3 annotators on every sentence: ~88% labelled, 7% skipped, 5% open; 10% negated,
   4% flagged, 3% with a note; 5% of sentences with an adjudicated gold). Random but seeded.
2. Ours: ``export_dataset(..., "jsonl")`` in a child process (the CLI's code path without
   the progress bar), gold policy majority: rows (sentences) a second, MB/s, peak RSS.
   Run twice: on a tenth of the documents (``--docs``) and on all of them; the same peak
   RSS for both shows that memory does not grow with the size of the export.
3. Baselines, on the same file, the equivalent query written by the ``sqlite3`` CLI with
   ``-json`` (``/usr/bin/sqlite3``; Python ``sqlite3`` + ``json`` if the CLI is missing):
   ``nested``: one row per sentence, its annotations a ``json_group_array`` (our shape);
   ``flat``: one row per sentence x annotator (a plain join, the CLI's best case).
Goal: at least half the baseline's throughput (MB/s and rows/s), flat memory. Both
elapsed (wall) and CPU (user+sys of each child) rates are printed: on a shared machine
the elapsed times move with the load; CPU time is steadier. Figures: docs/formats.md.
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

CHILD_OURS = """
import json, resource, sys, time
from annotator.core.db import open_database
from annotator.core.exporting import export_dataset
engine = open_database(sys.argv[1], create=False)
docs = json.loads(sys.argv[3]) or None
t, c = time.perf_counter(), time.process_time()
summary = export_dataset(engine, sys.argv[2], "jsonl", gold="majority", documents=docs)
elapsed, cpu = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"seconds": elapsed, "cpu": cpu, "sentences": summary.sentences, "bytes": summary.bytes,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CHILD_RUN = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
with open(sys.argv[1], "wb") as out:
    code = subprocess.run(sys.argv[2:], stdout=out).returncode
elapsed = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": elapsed, "cpu": usage.ru_utime + usage.ru_stime, "code": code,
                  "rss_mb": usage.ru_maxrss / 1024}))
"""

CHILD_PYTHON = """
import json, resource, sqlite3, sys, time
t = time.perf_counter()
con = sqlite3.connect(sys.argv[1])
cur = con.execute(sys.argv[3])
names = [c[0] for c in cur.description]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write("[")
    first = True
    for row in cur:
        out.write(("" if first else ",\\n") + json.dumps(dict(zip(names, row)), ensure_ascii=False))
        first = False
    out.write("]\\n")
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time(), "code": 0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(code: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _drop(path: Path) -> None:
    if path.exists():
        path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the database at this path")
    parser.add_argument(
        "--python-baseline", action="store_true", help="use Python sqlite3 + json even if the CLI exists"
    )
    args = parser.parse_args()

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
        out = tmp / "out.jsonl"
        results = []

        tenth = doc_names[: max(1, len(doc_names) // 10)]
        small = _child(CHILD_OURS, str(db), str(out), json.dumps(tenth))
        _drop(out)
        ours = _child(CHILD_OURS, str(db), str(out), "[]")
        _drop(out)
        results.append(("ours: annotator export (jsonl)", ours["sentences"], ours))

        cli = shutil.which("sqlite3") or ("/usr/bin/sqlite3" if Path("/usr/bin/sqlite3").exists() else None)
        for label, sql in (("nested", NESTED_SQL), ("flat", FLAT_SQL)):
            if cli and not args.python_baseline:
                run = _child(CHILD_RUN, str(out), cli, "-json", "-readonly", str(db), sql)
                name = f"sqlite3 -json CLI, {label}"
            else:
                run = _child(CHILD_PYTHON, str(db), str(out), sql)
                name = f"python sqlite3 + json, {label}"
            run["bytes"] = out.stat().st_size
            rows = n_sentences if label == "nested" else n_annotations
            run["sentences"] = n_sentences
            results.append((name, rows, run))
            _drop(out)

        print(
            f"\n{n_sentences:,} sentences, {n_annotations:,} annotations "
            f"(wall: elapsed time; cpu: user+sys of the process, steadier on a busy machine)"
        )
        print(
            f"{'writer':34} {'wall s':>7} {'cpu s':>6} {'MB':>6} {'MB/s':>6} {'sent/s':>9} {'rows/s':>9} "
            f"{'MB/cpu-s':>8} {'sent/cpu-s':>10} {'RSS MB':>7}"
        )
        for name, rows, r in results:
            mb = r["bytes"] / 1e6
            print(
                f"{name:34} {r['seconds']:7.1f} {r['cpu']:6.1f} {mb:6.0f} {mb / r['seconds']:6.1f} "
                f"{r['sentences'] / r['seconds']:9,.0f} {rows / r['seconds']:9,.0f} "
                f"{mb / r['cpu']:8.1f} {r['sentences'] / r['cpu']:10,.0f} {r['rss_mb']:7.0f}"
            )
        for metric, key in (("wall", "seconds"), ("cpu", "cpu")):
            ours_mbs = ours["bytes"] / ours[key]
            ours_sps = ours["sentences"] / ours[key]
            best_mbs = max(r[2]["bytes"] / r[2][key] for r in results[1:])
            best_sps = max(r[2]["sentences"] / r[2][key] for r in results[1:])
            print(
                f"ours / fastest baseline ({metric}): {ours_mbs / best_mbs:.2f}x MB/s, "
                f"{ours_sps / best_sps:.2f}x sentences/s (goal >= 0.5)"
            )
        print(
            f"peak RSS of our export: {small['rss_mb']:.0f} MB for {small['sentences']:,} sentences, "
            f"{ours['rss_mb']:.0f} MB for {ours['sentences']:,}"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
