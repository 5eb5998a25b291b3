"""What the provenance of decisions says: how often suggestions were taken, and what they saved.

Over the decided sentences (labelled or skipped): how many were decided with suggestions
shown and how many without, the mean keys pressed per decision in each group (decisions
saved by the annotate screen record their keys; imported ones do not and are left out of
the means), the share of decisions that kept the suggested set unchanged, and per label
the acceptance rate: of the decisions where the label was suggested, the share that kept
it. Counting and averaging is SQL; only the suggested decisions' label lists are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the figures' classes load without SQLAlchemy (annotator.core.quick_stats)
    from sqlalchemy import Engine

    from annotator.core.labels import LabelSchema

DECIDED = ("labelled", "skipped")


@dataclass
class LabelAcceptance:
    suggested: int = 0
    accepted: int = 0

    @property
    def rate(self) -> float | None:
        return self.accepted / self.suggested if self.suggested else None


@dataclass
class SuggestionStats:
    decisions_with: int = 0  # decided with suggestions shown
    decisions_without: int = 0
    keys_with: float | None = None  # mean keys per decision, where recorded
    keys_without: float | None = None
    keyed_with: int = 0  # decisions whose keys were recorded
    keyed_without: int = 0
    unchanged: int = 0  # decisions whose labels are exactly the suggested set
    per_label: dict[str, LabelAcceptance] = field(default_factory=dict)

    @property
    def unchanged_share(self) -> float | None:
        return self.unchanged / self.decisions_with if self.decisions_with else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "decisions_with_suggestions": self.decisions_with,
            "decisions_without_suggestions": self.decisions_without,
            "keys_per_decision": {
                "with_suggestions": self.keys_with,
                "without_suggestions": self.keys_without,
                "decisions_with_keys_recorded": {"with": self.keyed_with, "without": self.keyed_without},
            },
            "accepted_unchanged": self.unchanged_share,
            "per_label": {
                label: {"suggested": a.suggested, "accepted": a.accepted, "acceptance_rate": a.rate}
                for label, a in self.per_label.items()
            },
        }


def add_groups(stats: SuggestionStats, rows: Iterable[Sequence[Any]]) -> None:
    """Rows of (suggestions shown 0/1, decisions, decisions with keys, mean keys)."""
    for with_suggestions, decisions, keyed, keys in rows:
        mean = float(keys) if keys is not None else None
        if with_suggestions:
            stats.decisions_with, stats.keyed_with, stats.keys_with = int(decisions), int(keyed), mean
        else:
            stats.decisions_without, stats.keyed_without, stats.keys_without = int(decisions), int(keyed), mean


def add_suggested(stats: SuggestionStats, rows: Iterable[Sequence[Any]]) -> None:
    """Rows of (labels, status, suggested, accepted) of the decisions made with suggestions."""
    for labels, status, suggested, accepted in rows:
        saved = set(labels or []) if status == "labelled" else set()
        if saved == set(suggested or []):
            stats.unchanged += 1
        for label in suggested or []:
            if label in stats.per_label:
                stats.per_label[label].suggested += 1
                stats.per_label[label].accepted += label in set(accepted or [])


def suggestion_stats(engine: Engine, schema: LabelSchema) -> SuggestionStats:
    from sqlalchemy import case, func, select

    from annotator.core.models import ANNOTATION as A

    shown = case((A.c.suggested.is_(None), 0), else_=1)
    stats = SuggestionStats(per_label={label: LabelAcceptance() for label in schema.label_ids})
    with engine.connect() as connection:
        add_groups(
            stats,
            connection.execute(
                select(shown, func.count(), func.count(A.c.keys_pressed), func.avg(A.c.keys_pressed))
                .where(A.c.status.in_(DECIDED))
                .group_by(shown)
            ),
        )
        add_suggested(
            stats,
            connection.execute(
                select(A.c.labels, A.c.status, A.c.suggested, A.c.accepted).where(
                    A.c.status.in_(DECIDED), A.c.suggested.is_not(None)
                )
            ),
        )
    return stats
