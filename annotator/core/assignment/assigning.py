"""``annotator assign``: create the units and share them out (static), or set up the queue (dynamic).

One write transaction under the queue lock (``settings.lock_queue``): an assignment and a
queue take never interleave. Saved decisions are never read for writing, never changed.

- Re-running adds only what is new: units for documents that have none, planned against
  the loads the existing assignments already give. Existing assignments stay.
- ``reassign`` plans again from scratch, except that an annotator who is still on the
  team keeps the units they have started (a decision saved in it): their work in progress
  is not handed to someone else. Units of people no longer on the team go to the others.
  Changing the unit kind (document/sentence) needs it, and starts afresh.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from annotator.core.db import inserted_id, write_connection
from annotator.core.errors import UserError
from annotator.core.models import ANNOTATION as A
from annotator.core.models import ANNOTATOR as AN
from annotator.core.models import ASSIGNMENT as AS
from annotator.core.models import SENTENCE as S
from annotator.core.models import WORK_UNIT as U
from annotator.core.models import utcnow
from annotator.core.text import count_of

from .plan import FixedUnit, Unit, check_options, draw_overlap, plan_assignment
from .settings import Mode, TeamPlan, UnitKind, lock_queue, read_plan, write_plan
from .units import INSERT_BATCH, active, create_units, in_unit, recount_holders

DECIDED = ("labelled", "skipped")


@dataclass(frozen=True)
class AssignSummary:
    plan: TeamPlan
    units_created: int
    units: int
    sentences: int  # in units
    overlap_units: int
    overlap_sentences: int
    assignments_added: int
    assignments_removed: int
    kept_in_progress: int
    loads: dict[str, int] = field(default_factory=dict)  # static: sentences per team member
    targets: dict[str, float] = field(default_factory=dict)
    shares_reachable: bool = True  # static: False when no plan can give the weighted shares


def assign(
    engine: Engine,
    *,
    mode: Mode,
    annotators: Sequence[str] | None = None,
    per_item: int | None = None,
    overlap: float | None = None,
    weights: Sequence[float] | None = None,
    unit: UnitKind | None = None,
    seed: int | None = None,
    documents: Sequence[int] | None = None,
    reassign: bool = False,
    overlap_first: bool | None = None,
    release_after_hours: float | None = None,
    dry_run: bool = False,
) -> AssignSummary:
    """Share out the work (see the module docstring). Options left None keep the stored ones.

    ``dry_run``: compute everything, then roll back: the database is left as it was.
    """
    try:
        return _assign(
            engine, mode, annotators, per_item, overlap, weights, unit, seed, documents, reassign,
            overlap_first, release_after_hours, dry_run,
        )  # fmt: skip
    except _RolledBack as done:
        return done.summary


class _RolledBack(Exception):
    def __init__(self, summary: AssignSummary) -> None:
        self.summary = summary


def _assign(
    engine: Engine,
    mode: Mode,
    annotators: Sequence[str] | None,
    per_item: int | None,
    overlap: float | None,
    weights: Sequence[float] | None,
    unit: UnitKind | None,
    seed: int | None,
    documents: Sequence[int] | None,
    reassign: bool,
    overlap_first: bool | None,
    release_after_hours: float | None,
    dry_run: bool,
) -> AssignSummary:
    with write_connection(engine) as connection:
        lock_queue(connection)
        old = read_plan(connection)
        has_units = connection.execute(select(U.c.id).limit(1)).first() is not None
        base = old if has_units else None
        if base is not None and not reassign:
            if base.mode != mode:
                raise UserError(
                    f"the work is shared out {base.mode}ally; switching to {mode} needs --reassign "
                    "(saved decisions are kept)"
                )
            if unit is not None and unit != base.unit:
                raise UserError(
                    f"the units are {base.unit}s; --unit {unit} needs --reassign (saved decisions are kept)"
                )
        plan = _settings(
            mode, base, annotators, per_item, overlap, weights, unit, seed, overlap_first, release_after_hours
        )
        if plan.mode == "static" and plan.per_item > len(plan.annotators):
            raise UserError(f"--per-item {plan.per_item}: more than the {count_of(len(plan.annotators), 'annotator')}")
        team_ids = _annotator_ids(connection, plan.annotators)
        removed = kept = 0
        if reassign and base is not None and base.unit != plan.unit:
            removed = connection.execute(delete(AS).where(active())).rowcount or 0
            connection.execute(delete(U))
        created = create_units(connection, plan.unit, documents)
        units = connection.execute(select(U.c.id, U.c.n_sentences, U.c.overlap).order_by(U.c.id)).all()
        holders = _holders(connection)
        if reassign:
            keep = _in_progress(connection, team_ids.values() if plan.mode == "static" else None)
            removed += _drop_except(connection, keep)
            holders = {uid: [n for n in names if (uid, n) in keep] for uid, names in holders.items()}
            holders = {uid: names for uid, names in holders.items() if names}
            kept = sum(len(names) for names in holders.values())
        # Units that stay where they are keep their place in (or out of) the overlap sample:
        # the held ones, and in the dynamic queue every unit that existed before (unless
        # --reassign draws the sample again).
        new = _new_ids(units, created)
        stays = {
            row.id
            for row in units
            if row.id in holders or (plan.mode == "dynamic" and not reassign and row.id not in new)
        }
        fixed_overlap = {row.id: bool(row.overlap) for row in units if row.id in stays}
        plan_units: list[Unit[int]] = [Unit(row.id, row.n_sentences) for row in units]
        added = 0
        loads: dict[str, int] = {}
        targets: dict[str, float] = {}
        reachable = True
        if plan.mode == "static":
            names_of = {uid: tuple(names) for uid, names in holders.items()}
            try:
                result = plan_assignment(
                    plan_units,
                    plan.annotators,
                    per_item=plan.per_item,
                    overlap=plan.overlap,
                    weights=plan.weights,
                    seed=plan.seed,
                    fixed={uid: FixedUnit(names, fixed_overlap.get(uid, False)) for uid, names in names_of.items()},
                    fill_fixed=reassign,
                )
            except ValueError as exc:
                raise UserError(str(exc)) from exc
            sample = set(result.overlap)
            new_rows = [
                {"unit_id": uid, "annotator_id": team_ids[name], "source": "static", "created_at": utcnow()}
                for uid, names in result.annotators_of.items()
                for name in names
                if name not in names_of.get(uid, ())
            ]
            _insert(connection, new_rows)
            added = len(new_rows)
            loads, targets, reachable = result.loads, result.targets, result.reachable
        else:
            sample = draw_overlap(plan_units, fixed_overlap, plan.per_item, plan.overlap, random.Random(plan.seed))
        _write_overlap(connection, units, sample)
        recount_holders(connection)
        write_plan(connection, plan)
        summary = _summary(plan, units, sample, created, added, removed, kept, loads, targets, reachable)
        if dry_run:
            raise _RolledBack(summary)  # leaves the transaction: rolled back
    return summary


def _summary(
    plan: TeamPlan,
    units: Sequence[Any],
    sample: set[int],
    created: int,
    added: int,
    removed: int,
    kept: int,
    loads: dict[str, int],
    targets: dict[str, float],
    reachable: bool,
) -> AssignSummary:
    return AssignSummary(
        plan=plan,
        units_created=created,
        units=len(units),
        sentences=sum(row.n_sentences for row in units),
        overlap_units=len(sample),
        overlap_sentences=sum(row.n_sentences for row in units if row.id in sample),
        assignments_added=added,
        assignments_removed=removed,
        kept_in_progress=kept,
        loads=loads,
        targets=targets,
        shares_reachable=reachable,
    )


def _settings(
    mode: Mode,
    base: TeamPlan | None,
    annotators: Sequence[str] | None,
    per_item: int | None,
    overlap: float | None,
    weights: Sequence[float] | None,
    unit: UnitKind | None,
    seed: int | None,
    overlap_first: bool | None,
    release_after_hours: float | None,
) -> TeamPlan:
    """The options given, else the stored ones, else the defaults; checked."""
    same = base if base is not None and base.mode == mode else None
    team: list[str] = []
    if mode == "static":
        team = list(annotators) if annotators else list(same.annotators if same else [])
        if not team:
            raise UserError("--annotators: who shares the work? (e.g. --annotators amal,piotr,zofia)")
        if weights is None and same is not None and not annotators:
            weights = same.weights
    elif annotators:
        raise UserError("--annotators: the dynamic queue has no fixed team (anyone who opens it takes work)")
    elif weights:
        raise UserError("--weights: only for a static assignment")
    values: dict[str, Any] = {
        "mode": mode,
        "unit": unit or (base.unit if base else "document"),
        "per_item": per_item if per_item is not None else (same.per_item if same else 1),
        "overlap": overlap if overlap is not None else (same.overlap if same else 1.0),
        "seed": seed if seed is not None else (same.seed if same else None),
        "annotators": team,
        "weights": list(weights) if weights else None,
        "overlap_first": overlap_first if overlap_first is not None else (same.overlap_first if same else False),
    }
    if release_after_hours is not None:
        values["release_after_hours"] = release_after_hours
    elif same is not None:
        values["release_after_hours"] = same.release_after_hours
    try:
        if mode == "static":
            check_options(team, values["weights"], values["per_item"], values["overlap"])
        elif values["per_item"] < 1:
            raise ValueError(f"--per-item {values['per_item']}: must be 1 or more")
        elif not 0.0 <= values["overlap"] <= 1.0:
            raise ValueError(f"--overlap {values['overlap']:g}: must be a share between 0 and 1")
        return TeamPlan(**values)
    except ValueError as exc:
        raise UserError(str(exc).splitlines()[0]) from exc


def _annotator_ids(connection: Connection, names: Sequence[str]) -> dict[str, int]:
    """Ids of the team, registering new names (as ``ensure_annotator`` does, in this transaction)."""
    for name in names:
        if not name.strip() or len(name) > 128 or not name.isprintable() or name != name.strip():
            raise UserError(f"--annotators: name {name!r} must be 1-128 printable characters")
    ids = {row.name: int(row.id) for row in connection.execute(select(AN.c.id, AN.c.name).where(AN.c.name.in_(names)))}
    for name in names:
        if name not in ids:
            ids[name] = inserted_id(connection.execute(insert(AN).values(name=name)))
    return ids


def _holders(connection: Connection) -> dict[int, list[str]]:
    """Unit id -> the names holding it (active assignments)."""
    rows = connection.execute(
        select(AS.c.unit_id, AN.c.name).join(AN, AN.c.id == AS.c.annotator_id).where(active()).order_by(AN.c.name)
    )
    out: dict[int, list[str]] = {}
    for unit_id, name in rows:
        out.setdefault(int(unit_id), []).append(name)
    return out


def _in_progress(connection: Connection, annotator_ids: Any) -> set[tuple[int, str]]:
    """(unit id, name) of the active assignments whose annotator saved a decision in the unit."""
    query = (
        select(AS.c.unit_id, AN.c.name)
        .distinct()
        .join(U, U.c.id == AS.c.unit_id)
        .join(AN, AN.c.id == AS.c.annotator_id)
        .join(S, in_unit())
        .join(A, (A.c.sentence_id == S.c.id) & (A.c.annotator_id == AS.c.annotator_id))
        .where(active(), A.c.status.in_(DECIDED))
    )
    if annotator_ids is not None:
        query = query.where(AS.c.annotator_id.in_(list(annotator_ids)))
    return {(int(unit_id), name) for unit_id, name in connection.execute(query)}


def _drop_except(connection: Connection, keep: set[tuple[int, str]]) -> int:
    """Remove the active assignments not in ``keep`` (the number removed), and the released
    claims: a new plan may give a unit back to someone who once let it go."""
    connection.execute(delete(AS).where(AS.c.released_at.is_not(None)))
    rows = connection.execute(
        select(AS.c.id, AS.c.unit_id, AN.c.name).join(AN, AN.c.id == AS.c.annotator_id).where(active())
    ).all()
    doomed = [row.id for row in rows if (int(row.unit_id), row.name) not in keep]
    for offset in range(0, len(doomed), INSERT_BATCH):
        connection.execute(delete(AS).where(AS.c.id.in_(doomed[offset : offset + INSERT_BATCH])))
    return len(doomed)


def _new_ids(units: Sequence[Any], created: int) -> set[int]:
    """The ids of the units created by this run: the highest ``created`` ids."""
    return {row.id for row in units[len(units) - created :]} if created else set()


def _insert(connection: Connection, rows: list[dict[str, Any]]) -> None:
    for offset in range(0, len(rows), INSERT_BATCH):
        connection.execute(insert(AS), rows[offset : offset + INSERT_BATCH])


def _write_overlap(connection: Connection, units: Sequence[Any], sample: set[int]) -> None:
    changed = [{"uid": row.id, "flag": row.id in sample} for row in units if bool(row.overlap) != (row.id in sample)]
    statement = update(U).where(U.c.id == bindparam("uid")).values(overlap=bindparam("flag"))
    for offset in range(0, len(changed), INSERT_BATCH):
        connection.execute(statement, changed[offset : offset + INSERT_BATCH])
