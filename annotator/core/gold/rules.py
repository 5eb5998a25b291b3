"""The gold rules: one definition for the CLI (``gold --auto``), the TUI and the export.

- Only *labelled* decisions vote; skipped ones (and open ones: only a flag or a note) are
  missing data, never votes. Callers pass the labelled decisions' label sets only.
- ``unanimous`` and ``majority`` need at least ``min_annotators`` (default
  :data:`MIN_ANNOTATORS`, 2) labelled decisions: one annotator agreeing with themself is
  not agreement.
- ``unanimous``: every labelled decision has the identical label *set*.
- ``majority``: one label set chosen by strictly more than half of the labelled decisions
  (2 of 2, 2 of 3, 3 of 4, ...); a tie, or no set above half, gives no gold.
- A winning set that is empty (labelled with no label) gives no gold.
- ``adjudicated``: only a person's decision; no rule computes it.
- The *method* of a computed gold says how it was reached, whatever the policy asked:
  ``unanimous`` when every labelled decision agrees, ``majority`` when only more than half
  do. The policy decides which are accepted: ``unanimous`` accepts the first only,
  ``majority`` both. (So a dataset exported with ``--gold majority`` still tells the
  sentences all annotators agreed on, the ones that train best, from the 2-of-3 ones.)

A label set is passed in any canonical, comparable form: a sorted list or tuple of label
ids, or an integer bitmask over the schema's labels (the ratings matrix). The winning
value is returned in the form it was given.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal, TypeVar, cast

GoldPolicy = Literal["unanimous", "majority", "adjudicated"]
GOLD_POLICIES: tuple[GoldPolicy, ...] = ("unanimous", "majority", "adjudicated")
AUTO_POLICIES: tuple[GoldPolicy, ...] = ("unanimous", "majority")
RuleMethod = Literal["unanimous", "majority"]  # how a rule reached a gold
MIN_ANNOTATORS = 2

V = TypeVar("V")


def check_policy(policy: str) -> None:
    if policy not in GOLD_POLICIES:
        raise ValueError(f"unknown gold policy {policy!r}; expected one of {', '.join(GOLD_POLICIES)}")


def rule_gold(sets: Sequence[V], policy: str, min_annotators: int = MIN_ANNOTATORS) -> tuple[V, RuleMethod] | None:
    """The gold of one sentence by rule: (winning set, method) or None.

    ``sets``: the label sets of its labelled decisions (see the module docstring). Written
    as plain loops: the export calls it once per sentence (a million times).
    """
    if policy not in AUTO_POLICIES:
        check_policy(policy)
        return None  # adjudicated: no rule computes it
    n = len(sets)
    if n < min_annotators or n < MIN_ANNOTATORS:
        return None
    first = sets[0]
    for value in sets:
        if value != first:
            break
    else:  # everybody agrees: unanimous, under either policy
        return (first, "unanimous") if first else None
    if policy == "unanimous":
        return None
    counts: dict[Hashable, int] = {}
    for value in sets:
        key: Hashable = tuple(value) if isinstance(value, list) else value  # a list is counted by its tuple
        counts[key] = counts.get(key, 0) + 1
    top = max(counts, key=counts.__getitem__)
    if 2 * counts[top] <= n or not top:
        return None
    # Given lists, the keys are their tuples: the winner goes back to a list. Typing cannot
    # follow V through the key, hence the casts.
    winner = cast(V, list(cast(tuple[Any, ...], top)) if isinstance(first, list) else top)
    return winner, "majority"


def rule_gold_rows(
    masks: Any, policy: str, min_annotators: int = MIN_ANNOTATORS
) -> list[tuple[int, int, RuleMethod] | None]:
    """:func:`rule_gold` for every row of a ratings matrix (label bitmasks, -1 = missing):
    per row (winning mask, number of labelled decisions, method) or None.

    The rows where every present value is the same (most of them) are found with numpy;
    only the others go through :func:`rule_gold` (a property test checks that both agree).
    """
    import numpy as np

    check_policy(policy)
    matrix = np.asarray(masks, dtype=np.int64)
    if matrix.size == 0:
        return [None] * len(matrix)
    present = matrix >= 0
    counts = present.sum(axis=1)
    low = np.where(present, matrix, np.iinfo(np.int64).max).min(axis=1, initial=np.iinfo(np.int64).max)
    high = np.where(present, matrix, -1).max(axis=1, initial=-1)
    need = max(min_annotators, MIN_ANNOTATORS)
    out: list[tuple[int, int, RuleMethod] | None] = [None] * matrix.shape[0]
    if policy == "adjudicated":
        return out
    agreeing = (counts >= need) & (low == high) & (low != 0)
    for row, value, n in zip(
        np.flatnonzero(agreeing).tolist(), low[agreeing].tolist(), counts[agreeing].tolist(), strict=True
    ):
        out[row] = (value, n, "unanimous")
    if policy == "majority":
        split = np.flatnonzero((counts >= need) & (low != high))
        for row, values in zip(split.tolist(), matrix[split].tolist(), strict=True):
            labelled = [value for value in values if value >= 0]
            found = rule_gold(labelled, policy, min_annotators)
            if found is not None:
                out[row] = (found[0], len(labelled), found[1])
    return out
