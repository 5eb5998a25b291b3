"""An annotator process taking units from the dynamic queue (tests/test_assignment_queue.py).

Its own small module so that each spawned process imports little (not pytest, not the
test module's fixtures): on 2 busy cores start-up is most of the test's time.
"""

from __future__ import annotations

from typing import Any


def take_until_empty(db: str, name: str, start: Any, out: Any) -> None:
    from annotator.core.assignment.queue import take_next
    from annotator.core.db import create_db_engine
    from annotator.core.decisions import ensure_annotator

    engine = create_db_engine(db)  # already at the head revision: no migration check needed
    me = ensure_annotator(engine, name)
    start.wait(120)  # all four are ready: they take at the same moment
    got: list[int] = []
    while taken := take_next(engine, me, count=1):
        got += [unit.unit_id for unit in taken]
    engine.dispose()
    out.put((name, got))
