"""The team's assignment settings (stored as JSON in the ``setting`` table) and the queue lock."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, select, text

from annotator.core.models import SETTING

TEAM_PLAN_KEY = "team_plan"
QUEUE_LOCK = 9_171_210  # pg_advisory_xact_lock key: assignment and queue writes, one at a time
DEFAULT_RELEASE_HOURS = 48.0

UnitKind = Literal["document", "sentence"]
Mode = Literal["static", "dynamic"]


class TeamPlan(BaseModel):
    """How the project's work is shared out: what ``annotator assign`` was last told."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Mode
    unit: UnitKind = "document"
    per_item: int = Field(default=1, ge=1)
    overlap: float = Field(default=1.0, ge=0.0, le=1.0)
    seed: int | None = None
    annotators: list[str] = Field(default_factory=list)  # static: the team; dynamic: empty
    weights: list[float] | None = None
    overlap_first: bool = False
    release_after_hours: float = Field(default=DEFAULT_RELEASE_HOURS, ge=0.0)  # dynamic; 0: never


def read_plan(connection: Connection) -> TeamPlan | None:
    value = connection.execute(select(SETTING.c.value).where(SETTING.c.key == TEAM_PLAN_KEY)).scalar()
    return TeamPlan.model_validate_json(value) if value is not None else None


def write_plan(connection: Connection, plan: TeamPlan) -> None:
    value = plan.model_dump_json()
    updated = connection.execute(SETTING.update().where(SETTING.c.key == TEAM_PLAN_KEY).values(value=value))
    if updated.rowcount == 0:
        connection.execute(SETTING.insert().values(key=TEAM_PLAN_KEY, value=value))


def lock_queue(connection: Connection) -> None:
    """Serialise assignment writes across processes and machines, for this transaction.

    SQLite: the transaction began with BEGIN IMMEDIATE (``db.write_connection``), which
    already holds the database's write lock. PostgreSQL: an advisory lock; statements after
    it see everything committed before it (READ COMMITTED takes a snapshot per statement).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": QUEUE_LOCK})
