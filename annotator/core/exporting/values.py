"""Stored values -> record values: timestamps as our UTC text, label lists parsed once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from annotator.core.formats import format_utc, jsonio, parse_utc


def utc_text(value: Any) -> str:
    """A stored timestamp as our UTC text (``2026-11-24T10:00:00Z``, ``.ffffffZ`` if any).

    SQLite hands back SQLAlchemy's storage string ``2026-11-24 10:00:00.000000`` (UTC);
    converting that string directly is 10x faster than parsing it. PostgreSQL gives
    aware datetimes. Anything else is parsed.
    """
    if type(value) is str and len(value) == 26 and value[10] == " " and value[19] == ".":
        if value.endswith("000000"):
            return value[:10] + "T" + value[11:19] + "Z"
        return value[:10] + "T" + value[11:] + "Z"
    if isinstance(value, datetime):
        return format_utc(value if value.tzinfo else value.replace(tzinfo=UTC))
    return format_utc(parse_utc(value))


class _LabelCache:
    """Stored label lists -> sorted lists, parsed once per distinct stored value.

    A project has few distinct label sets, so this turns millions of JSON parses into dict
    lookups. The lists returned are shared: callers must not mutate them.
    """

    def __init__(self) -> None:
        self.seen: dict[Any, list[str]] = {}  # hot loops look here first

    def __call__(self, raw: Any) -> list[str]:
        if raw is None:
            return []
        if isinstance(raw, str):
            found = self.seen.get(raw)
            if found is None:
                found = self.seen[raw] = sorted(set(jsonio.loads(raw)))
            return found
        return sorted(set(raw))  # PostgreSQL's driver hands back decoded JSON
