"""Gold labels from the annotators' decisions, by policy.

Rules (documented in the export help):

- Only *labelled* annotations count; skipped ones are missing data.
- ``unanimous`` and ``majority`` need at least :data:`MIN_ANNOTATORS` (2) labelled
  annotations: one annotator agreeing with themself is not agreement.
- ``unanimous``: every labelled annotation has the identical label *set*.
- ``majority``: one label set chosen by strictly more than half of the labelled annotators
  (2 of 2, 2 of 3, 3 of 4, ...); a tie, or no set above half, gives no gold.
- A winning set that is empty (labelled with no label) gives no gold.
- ``adjudicated``: only the stored adjudicated gold.
- An adjudicated gold, when present, wins under every policy.
- Computed gold has ``by=None``; the method records the policy that produced it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Literal, Protocol

from .records import Gold

GoldPolicy = Literal["unanimous", "majority", "adjudicated"]
GOLD_POLICIES: tuple[GoldPolicy, ...] = ("unanimous", "majority", "adjudicated")
MIN_ANNOTATORS = 2


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
    if policy not in GOLD_POLICIES:
        raise ValueError(f"unknown gold policy {policy!r}; expected one of {', '.join(GOLD_POLICIES)}")
    if adjudicated is not None:
        if adjudicated.method != "adjudicated":
            raise ValueError(f"adjudicated gold has method {adjudicated.method!r}")
        return adjudicated
    if policy == "adjudicated":
        return None
    sets = [frozenset(a.labels) for a in annotations if a.status == "labelled"]
    if len(sets) < MIN_ANNOTATORS:
        return None
    top, count = Counter(sets).most_common(1)[0]
    if policy == "unanimous":
        won = count == len(sets)
    else:
        won = 2 * count > len(sets)
    if not won or not top:
        return None
    return Gold(labels=sorted(top), method=policy, by=None)
