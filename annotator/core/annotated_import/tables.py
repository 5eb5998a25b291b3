"""The tables an import reads and writes, and its bulk statements in batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from annotator.core.models import Annotation as AnnotationRow
from annotator.core.models import Annotator, Document, Event, Sentence
from annotator.core.models import Gold as GoldRow

D = Document.__table__  # type: ignore[attr-defined]
S = Sentence.__table__  # type: ignore[attr-defined]
A = AnnotationRow.__table__  # type: ignore[attr-defined]
G = GoldRow.__table__  # type: ignore[attr-defined]
E = Event.__table__  # type: ignore[attr-defined]
AN = Annotator.__table__  # type: ignore[attr-defined]

INSERT_BATCH = 5000


def execute_batched(connection: Connection, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """``statement`` once per :data:`INSERT_BATCH` rows (an executemany each; none for no rows)."""
    for offset in range(0, len(rows), INSERT_BATCH):
        connection.execute(statement, rows[offset : offset + INSERT_BATCH])
