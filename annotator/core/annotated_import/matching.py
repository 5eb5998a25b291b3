"""An imported document's documents and sentences: matched to the stored ones, or created.

- *Documents* are matched by ``doc_id``, which is the content hash of the original
  text (its first 16 hex digits: the ``uid``). Not by the hash of a text rebuilt from
  sentences: two different documents can rebuild to the same text, and merging them
  would put one's decisions on the other's sentences. A new document gets
  ``uid = doc_id``, the record's ``doc_name`` (suffixed ``~2``... if the name is
  taken), ``meta``, the most common sentence language, and a text *rebuilt* from its
  sentences at their offsets (:func:`~annotator.core.annotated_import.grouping.rebuild_text`).
  Importing the original ``.txt`` later is a no-op: its uid is already there.
- *Sentences* of a known document are matched by index and text hash (else by text
  hash alone, when unique in the document). A sentence that matches nothing (the
  document was segmented differently in the other database) refuses the document:
  reported, nothing of it stored, the other documents still import.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from sqlalchemy import Connection, insert, select

from annotator.core.db import inserted_id
from annotator.core.formats import SentenceRecord, sentence_hash
from annotator.core.models import DOCUMENT as D
from annotator.core.models import EVENT as E
from annotator.core.models import SENTENCE as S
from annotator.core.repository import free_document_name

from .refusals import _Refused
from .summary import AnnotatedImportSummary
from .tables import execute_batched

UID_MAX = 64
NAME_MAX = 500


class _DocumentMatching:
    """Finding, creating and matching documents and sentences (the document half of ``_Importer``)."""

    # set by _Importer.__init__
    summary: AnnotatedImportSummary
    source: str

    def _find_document(self, connection: Connection, doc_id: str) -> int | None:
        row = connection.execute(select(D.c.id).where(D.c.uid == doc_id)).first()
        return int(row[0]) if row is not None else None

    def _create_document(self, connection: Connection, records: list[SentenceRecord], text: str) -> int:
        first = records[0]
        if len(first.doc_id) > UID_MAX:
            raise _Refused(f"doc_id longer than {UID_MAX} characters")
        wanted = (first.doc_name or first.doc_id)[:NAME_MAX]
        name = free_document_name(connection, wanted)
        if name != wanted:
            self.summary.renamed_documents[first.doc_id] = name
        # Two documents can rebuild to the same text (they differed only between or after
        # their sentences): the text after the last sentence is unknown anyway, so a
        # newline there keeps content hashes unique without moving any offset.
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        while connection.execute(select(D.c.id).where(D.c.content_hash == digest)).first() is not None:
            text += "\n"
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        langs = Counter(r.lang for r in records if r.lang)
        lang = langs.most_common(1)[0][0] if langs else None
        document_id = inserted_id(
            connection.execute(
                insert(D).values(
                    uid=first.doc_id,
                    name=name,
                    source_path=self.source,
                    content_hash=digest,
                    lang=lang,
                    text=text,
                    meta=dict(first.meta),
                    n_sentences=len(records),
                )
            )
        )
        rows = [
            {
                "document_id": document_id,
                "idx": r.sent_idx,
                "start": r.start,
                "end": r.end,
                "text": r.text,
                "text_hash": sentence_hash(r.text),
                "lang": r.lang,
            }
            for r in records
        ]
        execute_batched(connection, insert(S), rows)
        connection.execute(
            insert(E).values(
                action="import",
                after={
                    "document": name,
                    "uid": first.doc_id,
                    "sentences": len(records),
                    "source": self.source,
                    "rebuilt_text": True,
                },
            )
        )
        self.summary.documents_created += 1
        self.summary.sentences_created += len(records)
        return document_id

    def _match_sentences(
        self, connection: Connection, document_id: int, records: list[SentenceRecord]
    ) -> dict[int, int]:
        """sent_idx (as in the file) -> sentence id in this database."""
        stored = connection.execute(select(S.c.id, S.c.idx, S.c.text_hash).where(S.c.document_id == document_id)).all()
        by_idx = {row.idx: (row.id, row.text_hash) for row in stored}
        by_hash: dict[str, list[int]] = {}
        for row in stored:
            by_hash.setdefault(row.text_hash, []).append(row.id)
        matched: dict[int, int] = {}
        for record in records:
            digest = sentence_hash(record.text)
            found = by_idx.get(record.sent_idx)
            if found is not None and found[1] == digest:
                matched[record.sent_idx] = found[0]
                continue
            candidates = by_hash.get(digest, [])
            if len(candidates) == 1:
                matched[record.sent_idx] = candidates[0]
                continue
            raise _Refused(
                f"sentence {record.id} does not match the stored document "
                "(segmented differently, or merged/split in one database)"
            )
        return matched
