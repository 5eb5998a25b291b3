"""The tables an export reads, as plain SQLAlchemy Core handles (``table()``/``column()``).

An export runs no ORM and needs no SQLModel class: these lightweight handles keep
:mod:`annotator.core.models` (SQLModel, its pydantic models: ~7 MB and 0.1 s) out of the
``annotator export`` process. Only the columns an export reads are declared; their names
are checked against the models by tests/test_export_lines.py. Types are given where a
read relies on SQLAlchemy's result processing (the document ``meta`` as a dict) or on a
cast (JSON columns as text on PostgreSQL).
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, Integer, String, Text, column, table

DOCUMENT = table(
    "document",
    column("id", Integer),
    column("uid", String),
    column("name", String),
    column("meta", JSON),
)
SENTENCE = table(
    "sentence",
    column("id", Integer),
    column("document_id", Integer),
    column("idx", Integer),
    column("start", Integer),
    column("end", Integer),
    column("text", Text),
    column("lang", String),
)
ANNOTATOR = table("annotator", column("id", Integer), column("name", String))
ANNOTATION = table(
    "annotation",
    column("sentence_id", Integer),
    column("annotator_id", Integer),
    column("labels", JSON),
    column("label_mask", BigInteger),
    column("status", String),
    column("negated", Boolean),
    column("flagged", Boolean),
    column("note", Text),
    column("updated_at", DateTime),
    column("seconds", Float),
    column("suggested", JSON),
    column("accepted", JSON),
)
GOLD = table(
    "gold",
    column("sentence_id", Integer),
    column("labels", JSON),
    column("method", String),
    column("by", String),
)
