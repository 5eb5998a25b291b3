"""Progress bookkeeping for the header and the picker (plain Python, no Textual here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from annotator.core.entities import AnnotationState, DocumentProgress


@dataclass
class ProgressState:
    """Decided sentences per document for this annotator, kept current as saves commit."""

    documents: list[DocumentProgress] | None = None
    by_doc: dict[int, int] = field(default_factory=dict)
    sizes: dict[int, int] = field(default_factory=dict)
    shares: bool = False  # sizes are the annotator's share of each document (their queue), not its length

    def load(self, documents: list[DocumentProgress], shares: dict[int, int] | None = None) -> None:
        """Every document's progress; with ``shares`` (document id -> sentences that are the
        annotator's) the counts are of their share only, and ``documents`` are theirs."""
        self.documents = documents
        self.by_doc = {item.document.id: item.decided for item in documents}
        self.shares = shares is not None
        if shares is not None:
            self.sizes = {item.document.id: shares.get(item.document.id, 0) for item in documents}
        else:
            self.sizes = {item.document.id: item.document.n_sentences for item in documents}

    def size(self, document_id: int, default: int) -> int:
        """The sentences counted for a document (its share in a queue), else ``default``."""
        return self.sizes.get(document_id, default)

    def decided(self, document_id: int) -> int | None:
        return self.by_doc.get(document_id) if self.documents is not None else None

    @property
    def total_decided(self) -> int | None:
        return sum(self.by_doc.values()) if self.documents is not None else None

    @property
    def total_sentences(self) -> int:
        return sum(self.sizes.values())

    def adjust(self, document_id: int, before: AnnotationState | None, after: AnnotationState | None) -> None:
        if self.documents is None or (self.shares and document_id not in self.sizes):
            return
        delta = int(bool(after and after.decided)) - int(bool(before and before.decided))
        self.by_doc[document_id] = self.by_doc.get(document_id, 0) + delta
