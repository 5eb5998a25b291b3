"""What an export wrote: the summary the CLI prints (``--json`` too)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SplitCount(BaseModel):
    documents: int = 0
    sentences: int = 0


class ExportSummary(BaseModel):
    """What an export wrote (the CLI's summary; ``--json`` prints it)."""

    format: str
    path: str
    files: list[str]
    sentences: int
    """Records written (one per sentence)."""
    items: int
    """Lines, rows or tasks written (one per sentence x annotator in the flat formats)."""
    bytes: int
    documents: int
    annotators: list[str]
    decisions: int
    """Annotations written (labelled, skipped and open)."""
    gold: dict[str, int]
    """Records per gold method, and ``none``."""
    gold_policy: str
    schema_ref: str = Field(serialization_alias="schema")
    splits: dict[str, SplitCount] | None = None
    removed_temporaries: list[str] = Field(default_factory=list)
    created_folders: list[str] = Field(default_factory=list)
    """Folders that did not exist and were created for the export, outermost first."""
    seconds: float = 0.0
