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

Verdict = Literal["agreed", "disputed", "too_few"]


def sentence_verdict(sets: Sequence[Hashable], min_annotators: int = MIN_ANNOTATORS) -> Verdict:
    """The one definition of an *agreed* and a *disputed* sentence, from the label sets of
    its labelled decisions (skipped and open ones are missing, never passed):

    - ``too_few``: fewer than ``min_annotators`` (and always fewer than 2) of them;
    - ``agreed``: otherwise, every set identical (what ``unanimous`` takes as gold);
    - ``disputed``: otherwise (what ``annotator adjudicate`` queues, what ``gold --auto``
      reports as left for review when no gold came of it).

    :func:`verdict_rows` is the same over a ratings matrix (a property test checks both
    against each other, the queue, the rules and ``gold --auto``).
    """
    if len(sets) < max(min_annotators, MIN_ANNOTATORS):
        return "too_few"
    first = sets[0]
    for value in sets:
        if value != first:
            return "disputed"
    return "agreed"


def verdict_rows(masks: Any, min_annotators: int = MIN_ANNOTATORS) -> tuple[Any, Any]:
    """:func:`sentence_verdict` for every row of a ratings matrix (label bitmasks, -1 =
    missing): boolean arrays ``(agreed, disputed)``; a row in neither has too few."""
    import numpy as np

    matrix = np.asarray(masks, dtype=np.int64)
    if matrix.ndim != 2 or matrix.shape[1] == 0:
        empty = np.zeros(matrix.shape[0] if matrix.ndim else 0, dtype=bool)
        return empty, empty.copy()
    present = matrix >= 0
    enough = present.sum(axis=1) >= max(min_annotators, MIN_ANNOTATORS)
    low = np.where(present, matrix, np.iinfo(np.int64).max).min(axis=1)
    high = np.where(present, matrix, -1).max(axis=1)
    return enough & (low == high), enough & (low != high)


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
    verdict = sentence_verdict(cast(Sequence[Hashable], sets), min_annotators)
    if verdict == "too_few":
        return None
    first = sets[0]
    if verdict == "agreed":  # everybody agrees: unanimous, under either policy
        return (first, "unanimous") if first else None
    if policy == "unanimous":
        return None
    n = len(sets)
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
    high = np.where(present, matrix, -1).max(axis=1, initial=-1)
    out: list[tuple[int, int, RuleMethod] | None] = [None] * matrix.shape[0]
    if policy == "adjudicated":
        return out
    agreed, disputed = verdict_rows(matrix, min_annotators)
    agreeing = agreed & (high != 0)  # an agreed empty set gives no gold
    for row, value, n in zip(
        np.flatnonzero(agreeing).tolist(), high[agreeing].tolist(), counts[agreeing].tolist(), strict=True
    ):
        out[row] = (value, n, "unanimous")
    if policy == "majority":
        split = np.flatnonzero(disputed)
        for row, values in zip(split.tolist(), matrix[split].tolist(), strict=True):
            labelled = [value for value in values if value >= 0]
            found = rule_gold(labelled, policy, min_annotators)
            if found is not None:
                out[row] = (found[0], len(labelled), found[1])
    return out
