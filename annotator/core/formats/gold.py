"""Gold labels of a record's sentence, by policy (the rules: :mod:`annotator.core.gold.rules`).

- ``adjudicated``: only the stored adjudicated gold.
- An adjudicated gold, when present, wins under every policy.
- Computed gold has ``by=None``; the method records the rule that produced it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from annotator.core.gold.rules import GOLD_POLICIES, MIN_ANNOTATORS, GoldPolicy, check_policy, rule_gold

from .records import Gold

__all__ = ["GOLD_POLICIES", "MIN_ANNOTATORS", "GoldPolicy", "choose_gold"]


class _Decision(Protocol):
    @property
    def labels(self) -> list[str]: ...

    @property
    def status(self) -> str: ...


def choose_gold(
    annotations: Iterable[_Decision],
    policy: GoldPolicy,
    adjudicated: Gold | None = None,
) -> Gold | None:
    """The gold of one sentence under ``policy`` (see the module docstring)."""
    check_policy(policy)
    if adjudicated is not None:
        if adjudicated.method != "adjudicated":
            raise ValueError(f"adjudicated gold has method {adjudicated.method!r}")
        return adjudicated
    sets = [sorted(set(a.labels)) for a in annotations if a.status == "labelled"]
    found = rule_gold(sets, policy)
    if found is None:
        return None
    labels, method = found
    return Gold(labels=labels, method=method, by=None)  # type: ignore[arg-type]
