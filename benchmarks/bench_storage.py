"""Save latency by SQLite ``synchronous`` level: the measurement behind the default (docs/storage.md).

    python benchmarks/bench_storage.py                # 1,000 saves per level on the seeds
    python benchmarks/bench_storage.py --saves 3000

For FULL and NORMAL, on a fresh database holding the five seed documents:
- ``save_decision``: one decision per transaction, event log included (what the TUI calls);
- baseline in the same run: raw ``sqlite3``, the same pragmas, one ``UPDATE`` of an
  annotation row per transaction (the least a save can cost).
Prints p50 / p90 / p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from annotator.core.db import open_database
from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.importing import import_paths
from annotator.core.schemas import active_schema

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return f"p50 {cut[49] * 1000:6.2f} ms   p90 {cut[89] * 1000:6.2f} ms   p99 {cut[98] * 1000:6.2f} ms"


def through_the_core(db: Path, level: str, saves: int) -> list[float]:
    engine = open_database(str(db), synchronous=level)
    schema = active_schema(engine)
    import_paths(engine, [SEEDS])
    me = ensure_annotator(engine, "bench")
    with engine.connect() as connection:
        ids = [row[0] for row in connection.execute(text("SELECT id FROM sentence ORDER BY id"))]
    labels = [label.id for label in schema.labels if not label.exclusive]
    samples = []
    for i in range(saves):
        change = Change(labels=[labels[i % len(labels)]], status="labelled")
        started = time.perf_counter()
        save_decision(engine, schema, me, ids[i % len(ids)], change)
        samples.append(time.perf_counter() - started)
    engine.dispose()
    return samples


def raw_sqlite(db: Path, level: str, saves: int) -> list[float]:
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={level}")
    ids = [row[0] for row in connection.execute("SELECT id FROM annotation ORDER BY id")]
    samples = []
    for i in range(saves):
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "UPDATE annotation SET label_mask = ?, note = ? WHERE id = ?", (i % 13, str(i), ids[i % len(ids)])
        )
        connection.execute("COMMIT")
        samples.append(time.perf_counter() - started)
    connection.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--saves", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for level in ("FULL", "NORMAL"):
            db = Path(tmp) / f"{level}.db"
            core = through_the_core(db, level, args.saves)
            raw = raw_sqlite(db, level, args.saves)
            print(f"synchronous={level:<6}  save_decision: {percentiles(core)}")
            print(f"synchronous={level:<6}  raw sqlite3:   {percentiles(raw)}")


if __name__ == "__main__":
    main()
