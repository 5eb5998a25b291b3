"""Which database a command works on (no SQLAlchemy here: ``annotator.core.quick_stats``)."""

from __future__ import annotations

import os

DEFAULT_DB = "annotations.db"
BUSY_TIMEOUT_MS = 5000


def resolve_db(db: str | None) -> str:
    """The database the user asked for: the option, else ANNOTATOR_DB, else ./annotations.db."""
    return db or os.environ.get("ANNOTATOR_DB") or DEFAULT_DB
