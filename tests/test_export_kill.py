"""A killed export leaves no final file: `annotator export` in a subprocess, SIGKILLed while
it writes. Only its hidden temporary remains, and the next export to the same place
removes it once it is stale."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotator.core.db import open_database
from annotator.core.labels import load_schema
from annotator.core.schemas import set_schema

N_SENTENCES = 300_000
PER_DOC = 500


def _big_database(path: Path) -> None:
    """300k sentences, one annotator on each, written with raw sqlite3 (seconds, not minutes)."""
    engine = open_database(str(path), synchronous="OFF")
    set_schema(engine, load_schema())
    engine.dispose()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    con.execute("INSERT INTO annotator (id, name, created_at) VALUES (1, 'amal', '2026-01-01 00:00:00.000000')")
    sentence_id = 0
    for d in range(N_SENTENCES // PER_DOC):
        texts = [f"Zdanie {d}-{i}: przekazujemy dane partnerom, np. reklamodawcom." for i in range(PER_DOC)]
        text = " ".join(texts)
        digest = hashlib.sha256(text.encode()).hexdigest()
        con.execute(
            "INSERT INTO document (id, uid, name, content_hash, lang, text, meta, n_sentences, created_at) "
            "VALUES (?, ?, ?, ?, 'pl', ?, '{}', ?, '2026-01-01 00:00:00.000000')",
            (d + 1, digest[:16], f"doc-{d:05d}", digest, text, PER_DOC),
        )
        rows, anns, offset = [], [], 0
        for i, sentence in enumerate(texts):
            sentence_id += 1
            rows.append(
                (
                    sentence_id,
                    d + 1,
                    i,
                    offset,
                    offset + len(sentence),
                    sentence,
                    hashlib.sha256(sentence.encode()).hexdigest(),
                )
            )
            offset += len(sentence) + 1
            anns.append((sentence_id, '["data_sharing"]', 2, "2026-05-01 10:00:00.000000"))
        con.executemany(
            'INSERT INTO sentence (id, document_id, idx, start, "end", text, text_hash, lang) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'pl')",
            rows,
        )
        con.executemany(
            "INSERT INTO annotation (sentence_id, annotator_id, labels, label_mask, status, negated, "
            "flagged, note, attributes, created_at, updated_at) VALUES (?, 1, ?, ?, 'labelled', 0, 0, "
            "NULL, '{}', ?, ?)",
            [(a, b, c, t, t) for a, b, c, t in anns],
        )
    con.execute("COMMIT")
    con.close()


def _temporaries(folder: Path, name: str) -> list[Path]:
    return sorted(folder.glob(f".{name}.*.tmp"))


@pytest.mark.timeout(600)  # builds 300k sentences: 20-30 s alone, 86 s seen beside other suites
def test_sigkill_mid_export_leaves_no_final_file(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    _big_database(db)
    out = tmp_path / "exports"
    out.mkdir()
    target = out / "dataset.jsonl"
    env = {**os.environ, "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "annotator", "export", "--db", str(db), "-o", str(target), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    deadline = time.monotonic() + 120
    killed_at = 0
    try:
        while time.monotonic() < deadline:
            temporaries = _temporaries(out, target.name)
            if temporaries and temporaries[0].stat().st_size > 4 << 20:  # well into the writing
                killed_at = temporaries[0].stat().st_size
                process.send_signal(signal.SIGKILL)
                break
            if process.poll() is not None:
                break
            time.sleep(0.01)
    finally:
        process.wait(timeout=60)
    assert killed_at, f"the export finished (or failed) before it could be killed: {process.stderr.read()!r}"
    assert process.returncode == -signal.SIGKILL
    assert not target.exists()  # no half file that looks whole
    (left,) = _temporaries(out, target.name)  # only the hidden temporary
    assert left.name.startswith(".dataset.jsonl.")

    # a fresh temporary is not touched (it may be another export's, still running) ...
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "export", "--db", str(db), "-o", str(out / "other.jsonl"), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert left.exists()
    # ... a stale one is removed by the next export to the same place
    old = time.time() - 3600
    os.utime(left, (old, old))
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "export", "--db", str(db), "-o", str(target), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert not left.exists() and f"removed {left}" in done.stderr
    summary = json.loads(done.stdout)
    assert summary["sentences"] == N_SENTENCES and summary["removed_temporaries"] == [str(left)]
    with target.open("rb") as f:
        lines = sum(1 for _ in f)
    assert lines == N_SENTENCES
    assert _temporaries(out, target.name) == []
