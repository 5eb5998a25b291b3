"""A chunk of rows -> record dicts: annotations, gold, split; the counts of the summary.

Records are built as plain dicts of exactly the :class:`SentenceRecord` JSON shape (the
fast path: no validation, the database guarantees the values; a test checks that every
dict validates into an equal record).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from annotator.core.formats import MIN_ANNOTATORS, SentenceRecord

from .common import _DOCUMENT_ID, Progress, _gc_paused
from .gold import computed_gold, stored_gold
from .query import ExportQueries
from .summary import SplitCount
from .values import _LabelCache


class ExportRecords(ExportQueries):
    """The records of an :class:`~annotator.core.exporting.plan.ExportPlan` (its record half)."""

    # set by ExportPlan.__init__
    schema_ref: str
    gold_policy: str
    only_gold: bool
    split_of: dict[str, str] | None
    total: int
    # filled while streaming
    annotators_seen: set[str]
    decisions: int
    gold_counts: dict[str, int]
    documents_written: int
    _last_document: int | None
    split_counts: dict[str, SplitCount]

    def record_dicts(self, progress: Progress | None = None) -> Iterator[dict[str, Any]]:
        """Every selected sentence as the JSON dict of a :class:`SentenceRecord`, in order.

        The dicts (and the lists in them) may share objects: do not mutate them.
        """
        for chunk in self.record_chunks(progress):
            yield from chunk

    def record_chunks(self, progress: Progress | None = None) -> Iterator[list[dict[str, Any]]]:
        """The same records, a chunk (about ``batch`` sentences) at a time."""
        labels = _LabelCache()
        with self._connection() as connection:
            names = self._annotator_names(connection)
            for docs, rows, condition in self._pages(connection, progress):
                # A chunk's objects are all acyclic and short-lived: the cyclic garbage
                # collector only slows their creation down (measured: 2x on this loop).
                with _gc_paused():
                    annotations = self._annotations(connection, condition, labels, names)
                    records = self._chunk_records(docs, rows, annotations, labels)
                    if not self.only_gold:
                        self.annotators_seen.update(names[i] for i in self._chunk_annotators)
                yield records

    def _chunk_records(
        self, docs: list[Any], rows: Sequence[Any], annotations: dict[int, list[dict[str, Any]]], labels: _LabelCache
    ) -> list[dict[str, Any]]:
        schema_ref, policy, split_of, only_gold = self.schema_ref, self.gold_policy, self.split_of, self.only_gold
        gold_counts = self.gold_counts
        used = self.annotators_seen
        by_annotator = itemgetter("annotator")
        # rows come ordered by (document id, idx); the documents in name order
        by_doc = {doc_id: list(group) for doc_id, group in groupby(rows, key=_DOCUMENT_ID)}
        out: list[dict[str, Any]] = []
        append = out.append
        for doc in docs:
            doc_rows = by_doc.get(doc.id)
            if not doc_rows:
                continue
            uid, name = doc.uid, doc.name
            meta = dict(doc.meta or {})
            split = split_of.get(uid) if split_of is not None else None
            written = 0
            for sentence_id, _doc, idx, start, end, lang, text, gold_raw, gold_method, gold_by in doc_rows:
                anns = annotations.get(sentence_id)
                if anns is None:
                    anns = []
                elif len(anns) > 1:
                    anns.sort(key=by_annotator)
                if gold_raw is not None:  # a stored gold wins, whatever its method
                    gold = stored_gold(labels(gold_raw), gold_method, gold_by, anns)
                elif len(anns) < MIN_ANNOTATORS or policy == "adjudicated":
                    gold = None
                else:
                    gold = computed_gold(anns, policy)
                if gold is None:
                    if only_gold:
                        continue
                    gold_counts["none"] += 1
                else:
                    gold_counts[gold["method"]] += 1
                written += 1
                if anns:
                    self.decisions += len(anns)
                    if only_gold:
                        used.update([a["annotator"] for a in anns])
                append(
                    {
                        "id": f"{uid}:{idx}",
                        "doc_id": uid,
                        "doc_name": name,
                        "sent_idx": idx,
                        "start": start,
                        "end": end,
                        "lang": lang or None,
                        "text": text,
                        "annotations": anns,
                        "gold": gold,
                        "schema": schema_ref,
                        "split": split,
                        "meta": meta,
                    }
                )
            if written:
                if doc.id != self._last_document:
                    self._last_document = doc.id
                    self.documents_written += 1
                    if split is not None:
                        self.split_counts[split].documents += 1
                if split is not None:
                    self.split_counts[split].sentences += written
        return out

    def records(self, progress: Progress | None = None) -> Iterator[SentenceRecord]:
        """The same stream, validated into :class:`SentenceRecord` s (slower; other formats)."""
        for data in self.record_dicts(progress):
            yield SentenceRecord.model_validate(data)
