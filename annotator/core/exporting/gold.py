"""The gold of an exported sentence from its record annotations.

A stored gold (whatever its method: adjudicated by a person, or made by ``gold --auto``)
wins under every policy; the policy (``unanimous``/``majority``) only fills sentences
without one, from the *exported* annotators' labelled decisions, with the one rule
(:func:`annotator.core.gold.rule_gold`); policy ``adjudicated`` computes none. ``agreed``
is always derived from the record's annotations, as
:func:`annotator.core.formats.records.agreed_with` does (a test checks that they agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from annotator.core.gold.rules import rule_gold


def computed_gold(annotations: Sequence[dict[str, Any]], policy: str) -> dict[str, Any] | None:
    """The gold by ``policy`` from record annotation dicts (their labels sorted and unique)."""
    if policy == "adjudicated":
        return None
    found = rule_gold([a["labels"] for a in annotations if a["status"] == "labelled"], policy)
    if found is None:
        return None
    labels, method = found
    return {"labels": list(labels), "method": method, "by": None, "agreed": _agreed(labels, annotations)}


def stored_gold(
    labels: list[str], method: str, by: str | None, annotations: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The record gold of a stored gold (labels sorted)."""
    return {"labels": labels, "method": method, "by": by or None, "agreed": _agreed(labels, annotations)}


def _agreed(labels: list[str], annotations: Sequence[dict[str, Any]]) -> list[str]:
    # Export dicts hold sorted, unique label lists and come sorted by annotator: comparing
    # the lists is the set comparison, without building sets (this runs once a sentence).
    return [a["annotator"] for a in annotations if a["status"] == "labelled" and a["labels"] == labels]
