"""What one annotated file brought in: counts, conflicts, refusals (``annotator import --json``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class DecisionConflict(BaseModel):
    """Two different decisions by the same annotator on the same sentence."""

    sentence: str
    """``<doc_id>:<sent_idx>`` as exported."""
    sentence_id: int
    """The sentence's id in this database."""
    annotator: str
    kept: Literal["existing", "imported"]
    existing: dict[str, Any]
    imported: dict[str, Any]


class GoldConflict(BaseModel):
    sentence: str
    sentence_id: int
    kept: Literal["existing"] = "existing"
    existing: dict[str, Any]
    imported: dict[str, Any]


class RefusedDocument(BaseModel):
    doc_id: str
    doc_name: str
    reason: str


class AnnotatedImportSummary(BaseModel):
    """What one annotated file brought in (``annotator import --json`` prints it)."""

    source: str
    format: str
    records: int = 0
    """Sentence records read."""
    documents_created: int = 0
    documents_matched: int = 0
    sentences_created: int = 0
    sentences_matched: int = 0
    annotators: list[str] = Field(default_factory=list)
    """Every annotator with a decision in the file."""
    annotators_created: list[str] = Field(default_factory=list)
    decisions_inserted: int = 0
    decisions_updated: int = 0
    """Conflicts the imported (more recent) decision won."""
    decisions_unchanged: int = 0
    """Identical to the stored decision, or a conflict the stored decision won."""
    decisions_made_open: int = 0
    """``labelled`` with no label in the file: stored as ``open`` (a note or flag only)."""
    duplicate_decisions_in_file: int = 0
    conflicts: list[DecisionConflict] = Field(default_factory=list)
    gold_stored: int = 0
    gold_unchanged: int = 0
    gold_not_stored: int = 0
    """A rule's gold (unanimous/majority) in the file where a person's gold is stored: the
    person's gold is kept."""
    gold_conflicts: list[GoldConflict] = Field(default_factory=list)
    renamed_documents: dict[str, str] = Field(default_factory=dict)
    """doc_id -> the name it got because its own name was taken."""
    refused: list[RefusedDocument] = Field(default_factory=list)
    schemas: list[str] = Field(default_factory=list)
    """Schema references the records name (the labels were checked against the project's)."""

    @property
    def decisions(self) -> int:
        return self.decisions_inserted + self.decisions_updated
