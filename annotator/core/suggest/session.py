"""The model in an annotation session: what it starts from, how it is retrained, the queue.

``annotate --suggest`` starts from the project's newest stored model (or the keyword prior
when none was trained) and retrains in the background every N decisions, from the gold,
the annotator's own labels and the stored model's own training source
(``gold+annotator:NAME+<source>``: the first that labels a sentence wins), so that a
retraining adds the session's decisions to what the model knew instead of starting over.
A retrained model lives for the session and is not stored (``annotator model train``
stores versions). With
``--order uncertain`` the annotator's undecided sentences (the first
:data:`QUEUE_LIMIT` in document order) are ranked by the model's margin, most uncertain
first, and re-ranked after every retraining.

:func:`run_session_job` is the background work: a plain function of plain data, so that
the TUI can run it in a separate process (a retraining never holds the UI's GIL) and
tests can run it in-process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Engine, and_, or_, select

from annotator.core.db import create_db_engine
from annotator.core.labels import LabelSchema
from annotator.core.models import ANNOTATION as A
from annotator.core.models import DOCUMENT as D
from annotator.core.models import SENTENCE as S
from annotator.core.schemas import active_schema
from annotator.core.suggest.model import MIN_POSITIVES, SuggestionModel, uncertainty
from annotator.core.suggest.sources import training_set
from annotator.core.suggest.store import load_latest_model

QUEUE_LIMIT = 20_000
"""Undecided sentences ranked for --order uncertain (predicting 20,000 takes ~2 s)."""


def session_source(annotator: str, base: str | None = None) -> str:
    """``gold+annotator:NAME``, then the parts of ``base`` (the stored model's source) not in it."""
    parts = ["gold", f"annotator:{annotator}"]
    for part in (base or "").split("+"):
        if part.strip() and part.strip() not in parts:
            parts.append(part.strip())
    return "+".join(parts)


@dataclass(frozen=True)
class QueueItem:
    sentence_id: int
    document_id: int
    idx: int
    margin: float  # |p - 0.5| of the least certain label: 0 = a coin toss


@dataclass
class StartingModel:
    model: SuggestionModel
    description: str  # what the screen says it suggests from
    source: str | None = None  # the stored model's training source


def starting_model(engine: Engine, schema: LabelSchema) -> StartingModel:
    """The project's newest stored model, else the keyword prior."""
    loaded = load_latest_model(engine, schema)
    if loaded is None:
        return StartingModel(SuggestionModel.prior_only(schema), "schema hints (no model trained yet)")
    info, model = loaded
    return StartingModel(model, f"model v{info.version}: {info.n_sentences:,} sentences of {info.source}", info.source)


def undecided(engine: Engine, annotator_id: int, limit: int = QUEUE_LIMIT) -> list[tuple[int, int, int, str]]:
    """(sentence id, document id, index, text) of sentences the annotator has not decided,
    in document-name then index order, at most ``limit``."""
    joined = S.join(D, D.c.id == S.c.document_id).outerjoin(
        A, and_(A.c.sentence_id == S.c.id, A.c.annotator_id == annotator_id)
    )
    query = (
        select(S.c.id, S.c.document_id, S.c.idx, S.c.text)
        .select_from(joined)
        .where(or_(A.c.status.is_(None), A.c.status == "open"))
        .order_by(D.c.name, S.c.idx)
        .limit(limit)
    )
    with engine.connect() as connection:
        return [(int(a), int(b), int(c), d) for a, b, c, d in connection.execute(query)]


def rank_uncertain(model: SuggestionModel, rows: list[tuple[int, int, int, str]], batch: int = 500) -> list[QueueItem]:
    """The rows ordered by the model's margin, most uncertain first (ties: document order)."""
    margins = np.zeros(len(rows))
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        margins[start : start + len(chunk)] = uncertainty(model.predict_proba([text for *_, text in chunk]))
    order = np.argsort(margins, kind="stable")
    return [QueueItem(rows[i][0], rows[i][1], rows[i][2], float(margins[i])) for i in order]


@dataclass(frozen=True)
class SessionJob:
    db: str  # the database URL (with its password: the job runs in our own process tree)
    annotator_id: int
    annotator: str
    retrain: bool
    rank: bool
    base_source: str | None = None  # the stored model's source, kept in every retraining
    min_positives: int = MIN_POSITIVES


@dataclass
class SessionResult:
    model_blob: bytes | None  # a retrained model, serialised (None: not retrained)
    description: str
    n_sentences: int = 0
    queue: list[QueueItem] = field(default_factory=list)


def run_session_job(job: SessionJob) -> SessionResult:
    """Retrain on ``gold+annotator:NAME`` and/or rank the undecided sentences (background work)."""
    from annotator.core.suggest.training import fit_model

    engine = create_db_engine(job.db)
    try:
        schema = active_schema(engine, install_default=False)
        model: SuggestionModel | None = None
        blob = None
        description = ""
        n = 0
        if job.retrain:
            source = session_source(job.annotator, job.base_source)
            data = training_set(engine, schema, source)
            n = len(data.texts)
            if n:
                model = fit_model(data.texts, data.truth, schema, min_positives=job.min_positives).model
                blob = model.to_bytes()
                description = f"retrained: {n:,} sentences of {source}"
        queue: list[QueueItem] = []
        if job.rank:
            if model is None:
                model = starting_model(engine, schema).model
            queue = rank_uncertain(model, undecided(engine, job.annotator_id))
        return SessionResult(blob, description, n, queue)
    finally:
        engine.dispose()
