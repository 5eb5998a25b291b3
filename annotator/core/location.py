"""Which database a command works on (no SQLAlchemy here: ``annotator.core.quick_stats``)."""

from __future__ import annotations

import os

DEFAULT_DB = "annotations.db"
BUSY_TIMEOUT_MS = 5000


def resolve_db(db: str | None) -> str:
    """The database the user asked for: the option, else ANNOTATOR_DB, else ./annotations.db."""
    return db or os.environ.get("ANNOTATOR_DB") or DEFAULT_DB


def is_in_memory(ref: str) -> bool:
    """An SQLite database that lives only as long as the process (``sqlite://``, ``:memory:``,
    ``?mode=memory``): fine to read or check, pointless to write a project into."""
    if ref == ":memory:":
        return True
    if not ref.startswith("sqlite") or "://" not in ref:
        return False
    path = ref.split("://", 1)[1]
    return path in ("", "/", "/:memory:") or "mode=memory" in path


def refuse_in_memory(ref: str | None, what: str) -> None:
    """A one-line error instead of writing into a database that is thrown away at exit."""
    from annotator.core.errors import UserError

    resolved = resolve_db(ref)
    if is_in_memory(resolved):
        raise UserError(
            f"{resolved}: an in-memory database is thrown away when the command ends; "
            f"{what} needs a file path or a server URL"
        )
