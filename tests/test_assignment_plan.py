"""The static assignment plan (a pure function): property tests with hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from annotator.core.assignment.plan import FixedUnit, Plan, Unit, plan_assignment, shares_reachable

NAMES = ["amal", "piotr", "zofia", "ola", "karim", "ewa"]

unit_sizes = st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=80)
teams = st.integers(min_value=1, max_value=len(NAMES)).map(lambda n: NAMES[:n])
shares = st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.5, 0.75, 1.0]) | st.floats(min_value=0.0, max_value=1.0)
seeds = st.integers(min_value=0, max_value=2**32)


def make_units(sizes: list[int], start: int = 0) -> list[Unit]:
    return [Unit(("doc", start + i), n) for i, n in enumerate(sizes)]


def as_fixed(plan: Plan) -> dict[object, FixedUnit]:
    return {key: FixedUnit(names, key in plan.overlap) for key, names in plan.annotators_of.items()}


def loads(plan: Plan, units: list[Unit], team: list[str]) -> dict[str, int]:
    size = {u.key: u.sentences for u in units}
    out = dict.fromkeys(team, 0)
    for key, names in plan.annotators_of.items():
        for name in names:
            out[name] += size[key]
    return out


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[Unit], list[str], int, float, list[float] | None, int]:
    team = draw(teams)
    per_item = draw(st.integers(min_value=1, max_value=len(team)))
    weights = draw(st.none() | st.lists(st.integers(1, 4), min_size=len(team), max_size=len(team)))
    return make_units(draw(unit_sizes)), team, per_item, draw(shares), weights, draw(seeds)


@settings(max_examples=300, deadline=None)
@given(problems())
def test_every_unit_is_assigned_to_the_right_number_of_distinct_annotators(problem) -> None:  # type: ignore[no-untyped-def]
    units, team, per_item, overlap, weights, seed = problem
    plan = plan_assignment(units, team, per_item=per_item, overlap=overlap, weights=weights, seed=seed)
    assert set(plan.annotators_of) == {u.key for u in units}
    for unit in units:
        names = plan.annotators_of[unit.key]
        assert len(set(names)) == len(names) and set(names) <= set(team)
        assert len(names) == (per_item if unit.key in plan.overlap else 1)
    if per_item == 1:
        assert not plan.overlap


@settings(max_examples=300, deadline=None)
@given(problems())
def test_overlap_share_is_within_one_unit_of_the_request(problem) -> None:  # type: ignore[no-untyped-def]
    units, team, per_item, overlap, weights, seed = problem
    assume(per_item >= 2)
    plan = plan_assignment(units, team, per_item=per_item, overlap=overlap, weights=weights, seed=seed)
    total = sum(u.sentences for u in units)
    sampled = sum(u.sentences for u in units if u.key in plan.overlap)
    assert abs(sampled - overlap * total) <= max(u.sentences for u in units)


@settings(max_examples=400, deadline=None)
@given(problems())
def test_loads_are_within_one_unit_of_the_weighted_share(problem) -> None:  # type: ignore[no-untyped-def]
    units, team, per_item, overlap, weights, seed = problem
    w = weights or [1] * len(team)
    plan = plan_assignment(units, team, per_item=per_item, overlap=overlap, weights=weights, seed=seed)
    # Some shares no plan can give (one copy of a unit per annotator; with every unit
    # overlapping, a weight above 1/per_item of the total): the plan says so, and the
    # guarantee is for the others. Within 1/per_item, every share is possible.
    if max(w) / sum(w) <= 1 / per_item:
        assert plan.reachable
    assume(plan.reachable)
    got = loads(plan, units, team)
    assert got == plan.loads
    slots = sum(u.sentences * len(plan.annotators_of[u.key]) for u in units)
    largest = max(u.sentences for u in units)
    for name, weight in zip(team, w, strict=True):
        share = slots * weight / sum(w)
        assert abs(got[name] - share) <= largest, (name, got, share)


@settings(max_examples=100, deadline=None)
@given(problems())
def test_same_seed_same_plan(problem) -> None:  # type: ignore[no-untyped-def]
    units, team, per_item, overlap, weights, seed = problem
    first = plan_assignment(units, team, per_item=per_item, overlap=overlap, weights=weights, seed=seed)
    again = plan_assignment(list(units), list(team), per_item=per_item, overlap=overlap, weights=weights, seed=seed)
    assert first == again


def test_another_seed_draws_another_sample() -> None:
    units = make_units([10] * 50)
    plans = {plan_assignment(units, NAMES[:3], per_item=2, overlap=0.2, seed=seed).overlap for seed in range(5)}
    assert len(plans) > 1


@settings(max_examples=200, deadline=None)
@given(problems(), unit_sizes, seeds)
def test_rerunning_adds_only_the_new_units(problem, new_sizes, seed2) -> None:  # type: ignore[no-untyped-def]
    units, team, per_item, overlap, weights, seed = problem
    first = plan_assignment(units, team, per_item=per_item, overlap=overlap, weights=weights, seed=seed)
    more = units + make_units(new_sizes, start=len(units))
    second = plan_assignment(
        more, team, per_item=per_item, overlap=overlap, weights=weights, seed=seed2, fixed=as_fixed(first)
    )
    for key, names in first.annotators_of.items():
        assert second.annotators_of[key] == names
        assert (key in second.overlap) == (key in first.overlap)
    assert set(second.annotators_of) == {u.key for u in more}
    for unit in more:
        names = second.annotators_of[unit.key]
        assert len(names) == (per_item if unit.key in second.overlap else 1)
    if per_item >= 2:
        total = sum(u.sentences for u in more)
        sampled = sum(u.sentences for u in more if u.key in second.overlap)
        assert abs(sampled - overlap * total) <= max(u.sentences for u in more)


def test_a_fixed_unit_short_of_annotators_is_completed_by_someone_else() -> None:
    units = make_units([5, 5, 5])
    fixed = {units[0].key: FixedUnit(("gone",), True)}
    plan = plan_assignment(units, ["amal", "piotr"], per_item=2, overlap=0.0, fixed=fixed, fill_fixed=True, seed=1)
    assert "gone" in plan.annotators_of[units[0].key] and len(plan.annotators_of[units[0].key]) == 2
    assert plan.overlap == {units[0].key}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"per_item": 4}, "--per-item 4: more than the 3 annotators"),
        ({"per_item": 0}, "--per-item 0"),
        ({"overlap": 1.5}, "--overlap 1.5"),
        ({"weights": [1, 2]}, "--weights: 2 weights for 3 annotators"),
        ({"weights": [1, 0, 1]}, "greater than 0"),
    ],
)
def test_impossible_options_are_refused(kwargs, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        plan_assignment(make_units([3]), NAMES[:3], **kwargs)


def test_without_fill_a_fixed_unit_keeps_its_annotators() -> None:
    units = make_units([5, 5])
    fixed = {units[0].key: FixedUnit(("amal",), True)}
    plan = plan_assignment(units, ["amal", "piotr"], per_item=2, overlap=1.0, fixed=fixed, seed=1)
    assert plan.annotators_of[units[0].key] == ("amal",)
    assert plan.annotators_of[units[1].key] == ("amal", "piotr")


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.tuples(st.integers(1, 9), st.integers(1, 4)), min_size=1, max_size=6),
    weights=st.lists(st.integers(1, 6), min_size=1, max_size=4),
)
def test_shares_reachable_agrees_with_a_linear_program(sizes: list[tuple[int, int]], weights: list[int]) -> None:
    # reference: is there x[u][i] in [0, sentences_u] with sum_i x = copies*sentences (each
    # unit's copies, at most one per annotator) and sum_u x = target_i? scipy's linprog decides.
    from scipy.optimize import linprog

    n = len(weights)
    units = [(s, min(c, n)) for s, c in sizes]
    slots = sum(s * c for s, c in units)
    targets = [slots * w / sum(weights) for w in weights]
    variables = len(units) * n
    equalities, values = [], []
    for u, (s, c) in enumerate(units):
        equalities.append([1.0 if v // n == u else 0.0 for v in range(variables)])
        values.append(float(s * c))
    for i in range(n):
        equalities.append([1.0 if v % n == i else 0.0 for v in range(variables)])
        values.append(targets[i])
    bounds = [(0, units[v // n][0]) for v in range(variables)]
    feasible = linprog([0.0] * variables, A_eq=equalities, b_eq=values, bounds=bounds, method="highs").status == 0
    assert shares_reachable(targets, units) == feasible
