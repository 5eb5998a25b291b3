"""Static assignment as a pure function: which annotators get which units.

Units are whole documents (annotators read documents through) or single sentences. A
share ``overlap`` of the units, counted in sentences, goes to ``per_item`` annotators (the
agreement sample); every other unit to one. The overlap units are drawn at random with
``seed``. Loads are balanced in sentences against each annotator's weighted share.

How, and what it guarantees (tests/test_assignment_plan.py checks each with hypothesis):

- **Overlap share within one unit of the request.** Over the units in random order, a
  unit joins the sample when that brings the sample's sentences closer to
  ``overlap * total``; the result is off by at most the largest unit.
- **Balanced loads.** Slots (unit copies) are handed out largest unit first, each to the
  annotator(s) furthest below their target (``weight / sum of weights`` of every slot).
  An annotator is only given work while below target, and at the end nobody can be more
  than one unit below it while everyone is at most one unit above it; so every load is
  within the largest unit of its target, as long as the targets are possible at all
  (nobody can hold more than one copy of each unit: with ``per_item`` 2 and every unit
  overlapping, a weight above half of the total is not possible; nor, when every overlap
  unit needs the whole team, a weight so small that the others cannot fill them).
  ``Plan.reachable`` says whether the shares are possible (:func:`shares_reachable`); when
  they are not, the plan is still made, as balanced as it can be, and ``assign`` warns.
- **Deterministic.** The same units, team, options and seed give the same plan.
- **Re-running adds only new units.** ``fixed`` units keep their annotators and their
  overlap flag; only the units not in ``fixed`` (and fixed units still short of
  annotators) are planned, balanced against the loads the fixed units already give.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from annotator.core.text import count_of

# A unit's key: anything hashable (the work unit's id in the database); a plan's keys are its units'.
UnitKey = TypeVar("UnitKey", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Unit(Generic[UnitKey]):
    key: UnitKey
    sentences: int


@dataclass(frozen=True, slots=True)
class FixedUnit:
    """A unit already assigned: who has it and whether it is in the overlap sample."""

    annotators: tuple[str, ...]
    overlap: bool


@dataclass(frozen=True)
class Plan(Generic[UnitKey]):
    annotators_of: dict[UnitKey, tuple[str, ...]]  # every unit -> its annotators (sorted)
    overlap: frozenset[UnitKey]  # the units in the agreement sample
    loads: dict[str, int] = field(default_factory=dict)  # sentences per team member
    targets: dict[str, float] = field(default_factory=dict)  # their weighted shares
    reachable: bool = True  # False: no plan can give these shares (see shares_reachable)


def check_options(annotators: Sequence[str], weights: Sequence[float] | None, per_item: int, overlap: float) -> None:
    """Raise ValueError (with the option's name) for options no plan can satisfy."""
    if not annotators:
        raise ValueError("--annotators: give at least one name")
    if len(set(annotators)) != len(annotators):
        raise ValueError("--annotators: a name is given twice")
    if per_item < 1:
        raise ValueError(f"--per-item {per_item}: must be 1 or more")
    if per_item > len(annotators):
        raise ValueError(f"--per-item {per_item}: more than the {count_of(len(annotators), 'annotator')}")
    if not 0.0 <= overlap <= 1.0:
        raise ValueError(f"--overlap {overlap:g}: must be a share between 0 and 1")
    if weights is not None:
        if len(weights) != len(annotators):
            raise ValueError(
                f"--weights: {count_of(len(weights), 'weight')} for {count_of(len(annotators), 'annotator')}"
            )
        if any(not w > 0 for w in weights):
            raise ValueError("--weights: every weight must be greater than 0")


def plan_assignment(
    units: Sequence[Unit[UnitKey]],
    annotators: Sequence[str],
    *,
    per_item: int = 1,
    overlap: float = 1.0,
    weights: Sequence[float] | None = None,
    seed: int | None = None,
    fixed: Mapping[UnitKey, FixedUnit] | None = None,
    fill_fixed: bool = False,
) -> Plan[UnitKey]:
    """Assign every unit (see the module docstring). Raises ValueError for impossible options.

    ``fill_fixed``: give a fixed unit with fewer annotators than it needs (an overlap unit
    that lost one, ``--reassign``) the ones it lacks; otherwise fixed units stay as they are.
    """
    check_options(annotators, weights, per_item, overlap)
    fixed = dict(fixed or {})
    rng = random.Random(seed)
    team = list(annotators)
    weight = dict(zip(team, weights if weights is not None else [1.0] * len(team), strict=True))

    sample = draw_overlap(units, {key: f.overlap for key, f in fixed.items()}, per_item, overlap, rng)
    copies = {u.key: (per_item if u.key in sample else 1) for u in units}
    if not fill_fixed:
        copies.update({key: len(f.annotators) for key, f in fixed.items() if key in copies})

    holders: dict[UnitKey, list[str]] = {u.key: list(fixed[u.key].annotators) if u.key in fixed else [] for u in units}
    loads = dict.fromkeys(team, 0)
    total = 0  # the sentences the team will hold: its fixed slots plus every slot still to give
    for unit in units:
        on_team = [name for name in holders[unit.key] if name in weight]
        for name in on_team:
            loads[name] += unit.sentences
        total += unit.sentences * (len(on_team) + max(0, copies[unit.key] - len(holders[unit.key])))
    total_weight = sum(weight.values())
    targets = {name: total * weight[name] / total_weight for name in team}
    reachable = shares_reachable(list(targets.values()), [(u.sentences, copies[u.key]) for u in units])

    # Largest unit first (random order among equals): the last slots handed out are the
    # smallest, which is what keeps every load within one unit of its target.
    pending = [u for u in units if len(holders[u.key]) < copies[u.key]]
    rng.shuffle(pending)
    pending.sort(key=lambda u: -u.sentences)
    rank = {name: i for i, name in enumerate(rng.sample(team, len(team)))}  # tie-break among equal deficits
    # A heap of (load - target, rank, name): the annotator furthest below target on top.
    heap = [(loads[name] - targets[name], rank[name], name) for name in team]
    heapq.heapify(heap)
    for unit in pending:
        have = holders[unit.key]
        need = copies[unit.key] - len(have)
        chosen: list[tuple[float, int, str]] = []
        aside: list[tuple[float, int, str]] = []
        while heap and len(chosen) < need:
            entry = heapq.heappop(heap)
            (aside if entry[2] in have else chosen).append(entry)
        for _, order, name in chosen:
            have.append(name)
            loads[name] += unit.sentences
            heapq.heappush(heap, (loads[name] - targets[name], order, name))
        for entry in aside:
            heapq.heappush(heap, entry)
    return Plan(
        annotators_of={key: tuple(sorted(names)) for key, names in holders.items()},
        overlap=frozenset(sample),
        loads=loads,
        targets=targets,
        reachable=reachable,
    )


def shares_reachable(targets: Sequence[float], units: Sequence[tuple[int, int]]) -> bool:
    """Whether some plan gives every annotator their target (in sentences, fractions allowed),
    when each unit of ``units`` (sentences, copies) goes to that many *distinct* annotators.

    Nobody holds two copies of a unit, so any m annotators together hold at most
    ``sum(sentences * min(copies, m))``; the shares are reachable exactly when the m largest
    targets fit in that for every m (a transportation problem's cut condition). Weights break
    it two ways: one share larger than a copy of everything (``--per-item 2`` with every unit
    overlapping, a weight above half the total), or shares so small that the others cannot
    fill every overlap unit with distinct people (``--per-item`` equal to the team).
    """
    ordered = sorted(targets, reverse=True)
    wanted = 0.0
    for m, target in enumerate(ordered, start=1):
        wanted += target
        room = sum(sentences * min(copies, m) for sentences, copies in units)
        if wanted > room * (1 + 1e-9) + 1e-9:
            return False
    return True


def draw_overlap(
    units: Sequence[Unit[UnitKey]], fixed: Mapping[UnitKey, bool], per_item: int, overlap: float, rng: random.Random
) -> set[UnitKey]:
    """The overlap sample: the ``fixed`` units flagged True, plus free units (not in ``fixed``)
    drawn in random order, each kept when it brings the sample closer to ``overlap`` of all
    the sentences. No sample when ``per_item`` is 1 (nothing overlaps)."""
    sample = {u.key for u in units if fixed.get(u.key)}
    if per_item < 2:
        return sample
    total = sum(u.sentences for u in units)
    goal = overlap * total
    have = sum(u.sentences for u in units if u.key in sample)
    free = [u for u in units if u.key not in fixed]
    rng.shuffle(free)
    for unit in free:
        if abs(have + unit.sentences - goal) < abs(have - goal):
            sample.add(unit.key)
            have += unit.sentences
    return sample
