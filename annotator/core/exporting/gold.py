"""The gold of an exported sentence, by policy, from its record annotations.

A stored gold whose method is ``adjudicated`` wins under every policy; otherwise the
policy (``unanimous``/``majority``) computes one from the *exported* annotators' labelled
decisions with the one rule (:func:`annotator.core.gold.rule_gold`); policy
``adjudicated`` gives ``null``. Stored gold rows with another method are ignored (gold by
policy is recomputed at export, never trusted from storage).
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
    return {"labels": list(labels), "method": method, "by": None}
