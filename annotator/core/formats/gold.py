"""Gold labels of a record's sentence, by policy (the rules: :mod:`annotator.core.gold.rules`).

- A stored gold (adjudicated by a person, or made by ``gold --auto``), when present, wins
  under every policy; the policy only fills sentences without one.
- ``adjudicated``: no gold is computed (only a stored one).
- Computed gold has ``by=None``; its method says how it was reached.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from annotator.core.gold.rules import GOLD_POLICIES, MIN_ANNOTATORS, GoldPolicy, check_policy, rule_gold

from .records import Gold, agreed_with

__all__ = ["GOLD_POLICIES", "MIN_ANNOTATORS", "GoldPolicy", "choose_gold"]


class _Decision(Protocol):
    @property
    def labels(self) -> list[str]: ...

    @property
    def status(self) -> str: ...


def choose_gold(
    annotations: Iterable[_Decision],
    policy: GoldPolicy,
    stored: Gold | None = None,
) -> Gold | None:
    """The gold of one sentence under ``policy`` (see the module docstring); ``agreed``
    names the annotators whose labelled set equals it."""
    check_policy(policy)
    annotations = list(annotations)
    if stored is not None:
        return stored.model_copy(update={"agreed": agreed_with(stored.labels, annotations)})
    sets = [sorted(set(a.labels)) for a in annotations if a.status == "labelled"]
    found = rule_gold(sets, policy)
    if found is None:
        return None
    labels, method = found
    return Gold(labels=labels, method=method, by=None, agreed=agreed_with(labels, annotations))
