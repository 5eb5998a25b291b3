"""Bulk statements of an import, in batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

INSERT_BATCH = 5000


def execute_batched(connection: Connection, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """``statement`` once per :data:`INSERT_BATCH` rows (an executemany each; none for no rows)."""
    for offset in range(0, len(rows), INSERT_BATCH):
        connection.execute(statement, rows[offset : offset + INSERT_BATCH])
