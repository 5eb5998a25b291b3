"""Teams benchmark: planning an assignment, the dynamic queue late in a project, copying a project.

    python benchmarks/bench_teams.py                        # 200,000 sentences (2,000 documents)
    python benchmarks/bench_teams.py --sentences 1000000 --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

1. ``plan_assignment`` (pure) over 1,000,000 sentence units, 5 annotators, overlap 0.2 x 2.
2. ``assign`` in the database: document units, then (on a copy) one unit per sentence.
3. The dynamic queue: ``take_next`` latency (p50/p99 of 300 takes) at the start and when 90%
   of the units already have their annotators. Baseline in the same run, same state: the
   query the ``work_unit.holders`` column replaces, counting every unit's claims.
4. With ``--pg URL`` (a server where it may create and drop scratch databases): ``copy``
   SQLite -> PostgreSQL (3 annotators' decisions on every sentence), rows a second, with
   and without its verification; baseline: every table read with plain ``sqlite3`` and
   written with psycopg ``COPY FROM STDIN`` into the same migrated schema, no conversion.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _corpus import insert_document, insert_sentences, sentence_rows  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from annotator.core.assignment.assigning import assign  # noqa: E402
from annotator.core.assignment.plan import Unit, plan_assignment  # noqa: E402
from annotator.core.assignment.queue import take_next  # noqa: E402
from annotator.core.db import open_database  # noqa: E402
from annotator.core.decisions import ensure_annotator  # noqa: E402
from annotator.core.labels import load_schema  # noqa: E402
from annotator.core.models import ASSIGNMENT, WORK_UNIT  # noqa: E402
from annotator.core.schemas import set_schema  # noqa: E402

PER_DOC = 100
TEAM = ["amal", "ola", "piotr", "zofia", "karim"]


def build(path: Path, n_sentences: int, decisions: bool) -> None:
    engine = open_database(str(path), synchronous="NORMAL")
    schema = load_schema()
    set_schema(engine, schema)
    engine.dispose()
    rng = random.Random(1)
    con = sqlite3.connect(path)
    n_docs = n_sentences // PER_DOC
    sentence_id = 1
    for d in range(n_docs):
        texts = [f"Sentence {d}.{i}: we share data with {rng.randint(1, 99)} partners." for i in range(PER_DOC)]
        doc = insert_document(
            con,
            name=f"doc{d:07d}",
            uid=f"{d:016x}",
            content_hash=f"{d:064x}",
            text=" ".join(texts),
            n_sentences=PER_DOC,
        )
        insert_sentences(con, sentence_rows(doc, texts, "en", first_id=sentence_id))
        sentence_id += PER_DOC
    if decisions:
        for a, name in enumerate(("amal", "ola", "piotr"), start=1):
            con.execute("INSERT INTO annotator (id, name, created_at) VALUES (?, ?, '2026-01-01 00:00:00')", (a, name))
            con.executemany(
                "INSERT INTO annotation (sentence_id, annotator_id, labels, label_mask, status, negated, flagged, "
                "attributes, created_at, updated_at, seconds) VALUES (?, ?, '[\"none\"]', 4096, 'labelled', 0, 0, '{}', "
                "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', ?)",
                ((s, a, round(rng.uniform(1, 30), 3)) for s in range(1, sentence_id)),
            )
    con.commit()
    con.close()


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - started:.2f} s")
    return result


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"p50 {statistics.median(ordered) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"


def naive_next(engine, annotator: int) -> float:  # type: ignore[no-untyped-def]
    """The next unit found by counting every unit's active claims (what `holders` replaces)."""
    claims = (
        select(func.count())
        .where(ASSIGNMENT.c.unit_id == WORK_UNIT.c.id, ASSIGNMENT.c.released_at.is_(None))
        .scalar_subquery()
    )
    target = text("CASE WHEN work_unit.overlap THEN 2 ELSE 1 END")
    mine = select(ASSIGNMENT.c.unit_id).where(ASSIGNMENT.c.annotator_id == annotator)
    query = (
        select(WORK_UNIT.c.id)
        .where(claims < target, WORK_UNIT.c.id.not_in(mine))
        .order_by(claims.desc(), WORK_UNIT.c.id)
        .limit(1)
    )
    started = time.perf_counter()
    with engine.connect() as connection:
        connection.execute(query).all()
    return time.perf_counter() - started


def queue_bench(path: Path) -> None:
    engine = open_database(str(path), synchronous="NORMAL")
    timed(
        "assign --dynamic --unit sentence",
        lambda: assign(engine, mode="dynamic", unit="sentence", per_item=2, overlap=0.2, seed=1),
    )
    people = [ensure_annotator(engine, name) for name in TEAM]
    with engine.connect() as connection:
        n_units = connection.execute(select(func.count()).select_from(WORK_UNIT)).scalar()
    start = [0.0] * 300
    for i in range(300):
        t = time.perf_counter()
        take_next(engine, people[i % len(people)])
        start[i] = time.perf_counter() - t
    print(f"take_next, start of the project ({n_units:,} units): {percentiles(start)}")
    # 90% of the units get their annotators, in bulk
    con = sqlite3.connect(path)
    rows = con.execute("SELECT id, overlap FROM work_unit WHERE holders = 0 ORDER BY id").fetchall()
    cut = int(len(rows) * 0.9)
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())  # recent claims: nobody is idle
    con.executemany(
        f"INSERT INTO assignment (unit_id, annotator_id, source, created_at) VALUES (?, ?, 'dynamic', '{now}')",
        ((uid, people[(uid + k) % 4]) for uid, overlap in rows[:cut] for k in range(2 if overlap else 1)),
    )
    con.execute(
        "UPDATE work_unit SET holders = (SELECT count(*) FROM assignment a WHERE a.unit_id = work_unit.id "
        "AND a.released_at IS NULL)"
    )
    con.commit()
    con.close()
    late = [0.0] * 300
    for i in range(300):
        t = time.perf_counter()
        take_next(engine, people[4 - i % 2])
        late[i] = time.perf_counter() - t
    print(f"take_next, 90% of the units taken: {percentiles(late)}")
    baseline = [naive_next(engine, people[4]) for _ in range(5)]
    print(f"baseline, counting every unit's claims, same state: p50 {statistics.median(baseline) * 1000:.1f} ms")
    engine.dispose()


def copy_bench(path: Path, admin_url: str) -> None:
    from annotator.core.copying import copy_project

    name = f"bench_copy_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}_raw"'))
        connection.execute(text(f'CREATE DATABASE "{name}_base"'))
    base = admin_url.rsplit("/", 1)[0]
    try:
        source = open_database(str(path))
        target = open_database(f"{base}/{name}")
        result = timed("copy SQLite -> PostgreSQL, verified", lambda: copy_project(source, target))
        print(
            f"  {result.rows:,} rows, {result.rows / result.seconds:,.0f} rows/s (with both exports), verified {result.verified}"
        )
        unverified = open_database(f"{base}/{name}_raw")
        fast = copy_project(source, unverified, verify=False)
        print(f"copy without verification: {fast.seconds:.2f} s, {fast.rows / fast.seconds:,.0f} rows/s")
        unverified.dispose()
        # baseline: the same tables read with plain sqlite3 and written with psycopg COPY
        # into the same migrated schema (indexes and constraints included), no conversion
        import psycopg

        from annotator.core.copying import project_tables

        baseline = open_database(f"{base}/{name}_base")  # migrated, empty
        baseline.dispose()
        con = sqlite3.connect(path)
        started = time.perf_counter()
        n = 0
        with psycopg.connect(f"{admin_url.replace('+psycopg', '').rsplit('/', 1)[0]}/{name}_base") as pg:
            with pg.cursor() as cursor:
                for table in project_tables():
                    names = [c.name for c in table.columns]
                    quoted = ", ".join(f'"{c}"' for c in names)
                    rows = con.execute(f'SELECT {quoted} FROM "{table.name}"')
                    bools = [i for i, c in enumerate(table.columns) if c.type.python_type is bool]
                    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                        for row in rows:
                            if bools:
                                row = list(row)
                                for i in bools:
                                    row[i] = bool(row[i])
                            copy.write_row(row)
                            n += 1
            pg.commit()
        elapsed = time.perf_counter() - started
        con.close()
        print(
            f"baseline, sqlite3 rows straight into psycopg COPY, same schema: {elapsed:.2f} s, {n / elapsed:,.0f} rows/s"
        )
        source.dispose()
        target.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}_raw" WITH (FORCE)'))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}_base" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=200_000)
    parser.add_argument("--pg", help="admin URL of a PostgreSQL server for the copy benchmark")
    args = parser.parse_args()
    units = [Unit(i, 1) for i in range(1_000_000)]
    timed(
        "plan_assignment, 1,000,000 sentence units, 5 annotators, overlap 0.2 x 2",
        lambda: plan_assignment(units, TEAM, per_item=2, overlap=0.2, seed=1),
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-teams-"))
    try:
        path = folder / "project.db"
        timed(f"building {args.sentences:,} sentences", lambda: build(path, args.sentences, decisions=bool(args.pg)))
        for unit in ("document", "sentence"):
            copy = folder / f"{unit}.db"
            shutil.copy(path, copy)
            engine = open_database(str(copy), synchronous="NORMAL")
            timed(
                f"assign --unit {unit} --annotators (5) --overlap 0.2 --per-item 2",
                lambda engine=engine, unit=unit: assign(
                    engine, mode="static", unit=unit, annotators=TEAM, per_item=2, overlap=0.2, seed=1
                ),
            )
            engine.dispose()
        shutil.copy(path, folder / "queue.db")
        queue_bench(folder / "queue.db")
        if args.pg:
            copy_bench(path, args.pg)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
