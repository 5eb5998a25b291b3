"""``annotator stats --time``: per annotator, how long decisions take and what they choose.

From each decided annotation (labelled or skipped): its stored active seconds (the sum of
the time on screen before its saves, pauses over 2 minutes capped: ``core.timing``) and,
for labelled ones, its label mask. Decisions without a measured time (imported, made by a
script) count as decisions but not in the time figures.

- median and p90: linear interpolation between order statistics (numpy's default,
  Hyndman & Fan type 7, as R and spreadsheets), over the timed decisions.
- sentences per hour: timed decisions / their total active time.
- labels: for each label of the schema, how many of the annotator's labelled decisions
  chose it, and that as a share of their labelled decisions (several labels a sentence:
  shares need not add up to 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Engine, select

from annotator.core.labels import LabelSchema
from annotator.core.models import ANNOTATION as A
from annotator.core.models import ANNOTATOR as AN


@dataclass(frozen=True)
class LabelUse:
    count: int
    share: float | None  # of the labelled decisions; None when there are none


@dataclass(frozen=True)
class AnnotatorTime:
    decisions: int
    labelled: int
    skipped: int
    timed_decisions: int
    median_seconds: float | None
    p90_seconds: float | None
    sentences_per_hour: float | None
    active_hours: float
    labels: dict[str, LabelUse] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "decisions": self.decisions,
            "labelled": self.labelled,
            "skipped": self.skipped,
            "timed_decisions": self.timed_decisions,
            "median_seconds": self.median_seconds,
            "p90_seconds": self.p90_seconds,
            "sentences_per_hour": self.sentences_per_hour,
            "active_hours": self.active_hours,
            "labels": {label: {"count": use.count, "share": use.share} for label, use in self.labels.items()},
        }


def time_summary(seconds: np.ndarray) -> tuple[float | None, float | None, float | None, float]:
    """(median, p90, sentences per hour, active hours) of per-sentence times; None when empty."""
    if seconds.size == 0:
        return None, None, None, 0.0
    total = float(seconds.sum())
    median, p90 = (float(v) for v in np.percentile(seconds, [50, 90]))
    per_hour = seconds.size * 3600.0 / total if total > 0 else None
    return round(median, 3), round(p90, 3), (round(per_hour, 1) if per_hour else None), round(total / 3600.0, 4)


def time_stats(engine: Engine, schema: LabelSchema) -> dict[str, AnnotatorTime]:
    """Every annotator with at least one decision, by name."""
    query = (
        select(AN.c.name, A.c.status, A.c.label_mask, A.c.seconds)
        .join(AN, AN.c.id == A.c.annotator_id)
        .where(A.c.status.in_(("labelled", "skipped")))
        .order_by(AN.c.name)
    )
    rows: dict[str, list[tuple[str, int, float | None]]] = {}
    with engine.connect() as connection:
        for name, status, mask, seconds in connection.execute(query):
            rows.setdefault(name, []).append((status, int(mask or 0), seconds))
    return {name: _annotator(items, schema) for name, items in rows.items()}


def _annotator(items: list[tuple[str, int, float | None]], schema: LabelSchema) -> AnnotatorTime:
    seconds = np.array([s for _, _, s in items if s is not None], dtype=np.float64)
    masks = np.array([m for status, m, _ in items if status == "labelled"], dtype=np.int64)
    labelled = int(masks.size)
    median, p90, per_hour, hours = time_summary(seconds)
    uses = {}
    for label in schema.label_ids:
        count = int(((masks >> schema.bit_of[label]) & 1).sum()) if labelled else 0
        uses[label] = LabelUse(count, round(count / labelled, 4) if labelled else None)
    return AnnotatorTime(
        decisions=len(items),
        labelled=labelled,
        skipped=len(items) - labelled,
        timed_decisions=int(seconds.size),
        median_seconds=median,
        p90_seconds=p90,
        sentences_per_hour=per_hour,
        active_hours=hours,
        labels=uses,
    )
