"""The gold of an exported sentence, by policy, from its record annotations.

A stored gold whose method is ``adjudicated`` wins under every policy; otherwise the
policy (``unanimous``/``majority``) computes one from the *exported* annotators' labelled
decisions exactly as :func:`choose_gold` does (a test checks they agree); policy
``adjudicated`` gives ``null``. Stored gold rows with another method are ignored (gold by
policy is recomputed at export, never trusted from storage).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from annotator.core.formats import MIN_ANNOTATORS


def computed_gold(annotations: Sequence[dict[str, Any]], policy: str) -> dict[str, Any] | None:
    """The gold by ``policy`` from record annotation dicts (labels sorted and unique).

    Same rules as :func:`annotator.core.formats.choose_gold` without an adjudicated gold
    (a test checks that they agree); kept separate because it runs once per exported
    sentence and works on the dicts directly, with a fast path for full agreement.
    """
    if policy == "adjudicated":
        return None
    first: list[str] | None = None
    n = agreed = 0
    for annotation in annotations:
        if annotation["status"] == "labelled":
            labels = annotation["labels"]
            n += 1
            if first is None:
                first = labels
                agreed = 1
            elif labels is first or labels == first:
                agreed += 1
    if n < MIN_ANNOTATORS or first is None:
        return None
    if agreed == n:  # everybody agrees: unanimous and majority alike
        return {"labels": list(first), "method": policy, "by": None} if first else None
    if policy == "unanimous":
        return None
    counts: dict[tuple[str, ...], int] = {}
    for annotation in annotations:
        if annotation["status"] == "labelled":
            key = tuple(annotation["labels"])
            counts[key] = counts.get(key, 0) + 1
    top, count = max(counts.items(), key=_second)
    if 2 * count > n and top:
        return {"labels": list(top), "method": "majority", "by": None}
    return None


def _second(item: tuple[Any, int]) -> int:
    return item[1]
