"""Imported labels: ``--map old=new``, then checked against the project's schema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from annotator.core.errors import UserError
from annotator.core.labels import LabelSchema


def parse_label_map(pairs: Iterable[str]) -> dict[str, str]:
    """``["old=new", "a=b,c=d"]`` -> ``{"old": "new", "a": "b", "c": "d"}``."""
    mapping: dict[str, str] = {}
    for item in pairs:
        for pair in item.split(","):
            if not pair.strip():
                continue
            old, sep, new = pair.partition("=")
            if not sep or not old.strip() or not new.strip():
                raise UserError(f"--map {pair!r}: expected old=new")
            mapping[old.strip()] = new.strip()
    return mapping


class _Labels:
    """Maps and validates label lists against the schema; remembers what was wrong."""

    def __init__(self, schema: LabelSchema, label_map: Mapping[str, str]) -> None:
        self.schema = schema
        self.map = dict(label_map)
        bad_targets = sorted(set(self.map.values()) - set(schema.label_ids))
        if bad_targets:
            raise UserError(f"--map target(s) not in the project's schema {schema.ref}: {', '.join(bad_targets)}")
        self.unknown: set[str] = set()
        self.invalid: list[str] = []

    def mapped(self, labels: Sequence[str]) -> list[str]:
        return sorted({self.map.get(label, label) for label in labels})

    def check(self, labels: Sequence[str], where: str) -> None:
        mapped = self.mapped(labels)
        unknown = set(mapped) - set(self.schema.bit_of)
        if unknown:
            self.unknown |= unknown
            return
        try:
            self.schema.normalise(mapped)
        except ValueError as exc:
            if len(self.invalid) < 3:
                self.invalid.append(f"{where}: {exc}")

    def normalise(self, labels: Sequence[str]) -> list[str]:
        return self.schema.normalise(self.mapped(labels))
