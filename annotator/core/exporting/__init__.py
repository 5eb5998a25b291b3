"""Export: stream the database out as dataset records (docs/formats.md, "`jsonl` (default)").

Reading is SQLAlchemy Core over plain table handles (:mod:`.tables`: no SQLModel class is
imported), batched and keyset-paginated, never OFFSET and never the ORM (measured before it
was written: the ORM exported at half the speed). Order: document name, then sentence index.
Our JSONL from an SQLite file at the head revision (what ``annotator export`` does most) is
read with the standard library's ``sqlite3`` instead, the same SQL and the same chunks
(:mod:`.sqlite`): SQLAlchemy is not imported, which is most of the process's memory. This
package's names load on first use, so importing it imports neither.

Speed (benchmarks/bench_export.py, docs/formats.md): the rows come straight from the
DBAPI cursor (no ``Row`` objects); our JSONL is written as bytes from the rows
(:mod:`.lines`: no record dicts, orjson's bytes cached for the parts that repeat), a
chunk's timestamps are converted on their joined text, label lists are parsed once per
distinct stored value, and the cyclic garbage collector is paused while building.

Modules, in the order an export runs through them:

- :mod:`.common`: the chunk walk both readers share (no SQLAlchemy), the batch sizes.
- :mod:`.tables`: the columns an export reads, as plain Core handles.
- :mod:`.plan`: resolve the selection (annotators, documents, gold policy, splits) into an
  :class:`ExportPlan`.
- :mod:`.query`: the SQL reads of a plan: keyset pages of documents, chunks of sentences
  and their annotations, in one snapshot.
- :mod:`.records`: a chunk's rows -> record dicts (gold, split, counts): every format but ours.
- :mod:`.lines`: a chunk's rows -> our JSONL lines as bytes (the same records, the same counts).
- :mod:`.sqlite`: the plan and the reads of our JSONL from an SQLite file, with ``sqlite3``.
- :mod:`.gold`: the gold by policy, computed from a record's annotations.
- :mod:`.values`: stored values -> record values (timestamps, label lists).
- :mod:`.write`: :func:`export_dataset`: the plan's records into atomic files, any format;
  :func:`export_sqlite_jsonl`: the same for the :mod:`.sqlite` plan.
- :mod:`.temporaries`: removing the temporaries a killed export left.
- :mod:`.summary`: what an export wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .common import BATCH, DEFAULT_GOLD, Progress
    from .gold import computed_gold
    from .plan import ExportPlan, plan_export
    from .summary import ExportSummary, SplitCount
    from .temporaries import STALE_TEMPORARY_SECONDS, remove_stale_temporaries
    from .values import utc_text
    from .write import export_dataset, export_sqlite_jsonl

# Loaded on first use: an export read with sqlite3 (.sqlite) must not import SQLAlchemy (.plan).
_HOMES = {
    "BATCH": "common",
    "DEFAULT_GOLD": "common",
    "Progress": "common",
    "computed_gold": "gold",
    "ExportPlan": "plan",
    "plan_export": "plan",
    "ExportSummary": "summary",
    "SplitCount": "summary",
    "STALE_TEMPORARY_SECONDS": "temporaries",
    "remove_stale_temporaries": "temporaries",
    "utc_text": "values",
    "export_dataset": "write",
    "export_sqlite_jsonl": "write",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "BATCH",
    "DEFAULT_GOLD",
    "STALE_TEMPORARY_SECONDS",
    "ExportPlan",
    "ExportSummary",
    "Progress",
    "SplitCount",
    "computed_gold",
    "export_dataset",
    "export_sqlite_jsonl",
    "plan_export",
    "remove_stale_temporaries",
    "utc_text",
]
