"""Training data from the project database: which sentences, with which labels.

A source is ``gold`` (the gold table: adjudicated or automatic gold, whatever its
method), ``majority`` (the label set chosen by more than half of the labelled decisions on
a sentence; a single decision is its own majority; ties give nothing) or
``annotator:NAME`` (that annotator's labelled decisions). Sources join with ``+``
(``gold+annotator:amal``): a sentence takes its labels from the first source that has it.
Skipped and undecided sentences are never training data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, select

from annotator.core.errors import UserError
from annotator.core.labels import LabelSchema
from annotator.core.models import ANNOTATION as A
from annotator.core.models import ANNOTATOR as AN
from annotator.core.models import GOLD as G
from annotator.core.models import SENTENCE as S
from annotator.core.ratings import MISSING, load_ratings

SOURCE_HELP = "gold, majority or annotator:NAME (join several with +: gold+annotator:amal)"


@dataclass(frozen=True)
class TrainingSet:
    source: str
    sentence_ids: np.ndarray  # (n,) int64
    texts: list[str]
    truth: np.ndarray  # (n, L) bool, schema order


def parse_source(source: str) -> list[str]:
    """The parts of a source expression, checked (a UserError names the bad part)."""
    parts = [part.strip() for part in source.split("+")]
    for part in parts:
        if part in ("gold", "majority"):
            continue
        if part.startswith("annotator:") and part.removeprefix("annotator:").strip():
            continue
        raise UserError(f"--from {source!r}: {part!r} is not a training source ({SOURCE_HELP})")
    return parts


def _masks_of(engine: Engine, part: str) -> dict[int, int]:
    """sentence id -> label mask of one source."""
    with engine.connect() as connection:
        if part == "gold":
            return {int(s): int(m) for s, m in connection.execute(select(G.c.sentence_id, G.c.label_mask))}
        if part.startswith("annotator:"):
            name = part.removeprefix("annotator:").strip()
            found = connection.execute(select(AN.c.id).where(AN.c.name == name)).scalar()
            if found is None:
                raise UserError(f"--from {part}: no annotator named {name!r}")
            rows = connection.execute(
                select(A.c.sentence_id, A.c.label_mask).where(A.c.annotator_id == found, A.c.status == "labelled")
            )
            return {int(s): int(m) for s, m in rows}
    ratings = load_ratings(engine)
    out: dict[int, int] = {}
    for sentence_id, row in zip(ratings.sentence_ids, ratings.masks, strict=True):
        votes = row[row != MISSING]
        values, counts = np.unique(votes, return_counts=True)
        best = counts.argmax()
        if counts[best] * 2 > votes.size:
            out[int(sentence_id)] = int(values[best])
    return out


def training_set(engine: Engine, schema: LabelSchema, source: str) -> TrainingSet:
    """The labelled sentences of a source (sentence-id order), as texts and a label matrix."""
    masks: dict[int, int] = {}
    for part in parse_source(source):
        for sentence_id, mask in _masks_of(engine, part).items():
            masks.setdefault(sentence_id, mask)
    masks = {s: m for s, m in masks.items() if m}  # a labelled decision always has a label; be safe
    ids = sorted(masks)
    texts: dict[int, str] = {}
    with engine.connect() as connection:
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            texts.update((int(i), t) for i, t in connection.execute(select(S.c.id, S.c.text).where(S.c.id.in_(chunk))))
    ids = [s for s in ids if s in texts]
    n_labels = len(schema.label_ids)
    mask_array = np.array([masks[s] for s in ids], dtype=np.int64)
    truth = ((mask_array[:, None] >> np.arange(n_labels)) & 1).astype(bool) if ids else np.zeros((0, n_labels), bool)
    return TrainingSet(source, np.array(ids, dtype=np.int64), [texts[s] for s in ids], truth)
