"""Pass 1 over one file: read it whole, check its labels and annotator names, learn its layout.

Nothing is stored; the problems found are collected (see the package docstring).
"""

from __future__ import annotations

from pathlib import Path

from annotator.core.formats import FormatError, ReadReport, read_records

from .labels import _Labels
from .refusals import FileRefused


class _FilePlan:
    """What the check pass learned about one file."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.fmt = fmt
        self.records = 0
        self.annotators: set[str] = set()
        self.schemas: set[str] = set()
        self.consecutive = True
        self.duplicates = 0


def _check_name(name: str) -> str | None:
    if not name.strip() or len(name) > 128 or not name.isprintable():
        return f"annotator name {name!r} must be 1-128 printable characters"
    return None


def check_file(path: Path, fmt: str, labels: _Labels) -> _FilePlan:
    """Pass 1: read the whole file, check labels and names, learn its layout."""
    plan = _FilePlan(path, fmt)
    report = ReadReport()
    finished: set[str] = set()
    current: str | None = None
    bad_names: list[str] = []
    try:
        for record in read_records(path, fmt, report=report):
            plan.records += 1
            plan.schemas.add(record.schema_name)
            if record.doc_id != current:
                if current is not None:
                    finished.add(current)
                if record.doc_id in finished:
                    plan.consecutive = False
                current = record.doc_id
            for ann in record.annotations:
                if ann.annotator not in plan.annotators:
                    plan.annotators.add(ann.annotator)
                    problem = _check_name(ann.annotator)
                    if problem:
                        bad_names.append(problem)
                labels.check(ann.labels, f"{path}: {record.id} ({ann.annotator})")
            if record.gold is not None:
                labels.check(record.gold.labels, f"{path}: {record.id} (gold)")
    except FormatError as exc:
        raise FileRefused(str(exc)) from exc
    except OSError as exc:
        raise FileRefused(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if bad_names:
        raise FileRefused(f"{path}: {bad_names[0]}")
    plan.duplicates = report.duplicate_decisions
    return plan
