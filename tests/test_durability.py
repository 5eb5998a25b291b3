"""A killed process loses no acknowledged decision (SIGKILL in the middle of saving)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import text

from annotator.core.db import open_database
from tests.conftest import SEEDS

WRITER = textwrap.dedent(
    """
    import sys
    from annotator.core.db import open_database
    from annotator.core.decisions import Change, ensure_annotator, save_decision
    from annotator.core.schemas import active_schema
    from sqlalchemy import text

    engine = open_database(sys.argv[1])
    schema = active_schema(engine)
    me = ensure_annotator(engine, "amal")
    with engine.connect() as c:
        ids = [r[0] for r in c.execute(text("SELECT id FROM sentence ORDER BY id"))]
    labels = [l.id for l in schema.labels if not l.exclusive]
    i = 0
    while True:
        sid = ids[i % len(ids)]
        chosen = [labels[i % len(labels)]]
        save_decision(engine, schema, me, sid, Change(labels=chosen, status="labelled", note=str(i)))
        print(f"{sid} {i}", flush=True)  # the acknowledgement: printed only after the commit
        i += 1
    """
)


def test_sigkill_loses_no_acknowledged_save(tmp_path: Path) -> None:
    db = str(tmp_path / "kill.db")
    from annotator.core.importing import import_paths
    from annotator.core.schemas import active_schema

    engine = open_database(db)
    active_schema(engine)
    import_paths(engine, [SEEDS / "004_07191d38325b842d.txt"])
    engine.dispose()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    for round_ in range(3):
        process = subprocess.Popen([sys.executable, str(script), db], stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        acknowledged: dict[int, int] = {}
        wanted, seen = 20 + 15 * round_, 0
        while seen < wanted and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            sid, i = map(int, line.split())
            acknowledged[sid] = i
            seen += 1
        os.kill(process.pid, signal.SIGKILL)
        # lines already acknowledged but not yet read still count
        for line in process.stdout.read().splitlines():
            sid, i = map(int, line.split())
            acknowledged[sid] = i
        process.wait()
        assert seen == wanted, "the writer stopped acknowledging"
        engine = open_database(db)
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            notes = dict(connection.execute(text("SELECT sentence_id, note FROM annotation")).all())
        engine.dispose()
        for sid, i in acknowledged.items():
            # the stored decision is the acknowledged one or a later one, never an earlier one
            assert int(notes[sid]) >= i
