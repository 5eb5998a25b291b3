"""Suggestion models in the project database: each training stores a new version.

The newest version is the project's model (``annotate --suggest`` loads it). Older
versions stay, so that a decision's provenance can be traced to the model of its time;
nothing here deletes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select

from annotator.core.db import write_connection
from annotator.core.labels import LabelSchema
from annotator.core.models import SUGGESTION_MODEL as M
from annotator.core.repository import as_utc
from annotator.core.suggest.model import MODEL_FORMAT, SuggestionModel


@dataclass(frozen=True)
class StoredModel:
    version: int
    schema_ref: str
    source: str
    n_sentences: int
    positives: dict[str, int]
    figures: dict[str, Any] | None
    created_at: datetime | None
    size: int  # bytes of the blob

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "schema": self.schema_ref,
            "source": self.source,
            "n_sentences": self.n_sentences,
            "positives": self.positives,
            "figures": self.figures,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z") if self.created_at else None,
            "bytes": self.size,
        }


_INFO = (M.c.version, M.c.schema_ref, M.c.source, M.c.n_sentences, M.c.positives, M.c.figures, M.c.created_at)


def _info(row: Any, size: int) -> StoredModel:
    return StoredModel(
        int(row.version),
        row.schema_ref,
        row.source,
        int(row.n_sentences),
        dict(row.positives or {}),
        row.figures,
        as_utc(row.created_at),
        size,
    )


def save_model(
    engine: Engine,
    model: SuggestionModel,
    schema: LabelSchema,
    *,
    source: str,
    n_sentences: int,
    positives: dict[str, int],
    figures: dict[str, Any] | None,
) -> StoredModel:
    """Store the model as the next version (one transaction) and return what was stored."""
    blob = model.to_bytes()
    with write_connection(engine) as connection:
        version = int(connection.execute(select(func.coalesce(func.max(M.c.version), 0))).scalar() or 0) + 1
        connection.execute(
            insert(M).values(
                version=version,
                schema_ref=schema.ref,
                source=source,
                n_sentences=n_sentences,
                positives=positives,
                figures=figures,
                format=MODEL_FORMAT,
                blob=blob,
            )
        )
        row = connection.execute(select(*_INFO).where(M.c.version == version)).one()
    return _info(row, len(blob))


def latest_model_info(engine: Engine) -> StoredModel | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(*_INFO, func.length(M.c.blob).label("size")).order_by(M.c.version.desc()).limit(1)
        ).first()
    return _info(row, int(row.size)) if row is not None else None


def load_latest_model(engine: Engine, schema: LabelSchema) -> tuple[StoredModel, SuggestionModel] | None:
    """The newest stored model for this schema's labels, or None when none was trained."""
    with engine.connect() as connection:
        row = connection.execute(select(*_INFO, M.c.blob).order_by(M.c.version.desc()).limit(1)).first()
    if row is None:
        return None
    blob = bytes(row.blob)
    return _info(row, len(blob)), SuggestionModel.from_bytes(blob, schema)
