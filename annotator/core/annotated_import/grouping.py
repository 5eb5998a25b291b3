"""A checked file's records, document by document: grouped, duplicates merged, the text rebuilt.

A new document gets a text *rebuilt* from its sentences at their offsets: the original
text between sentences is not in the export, so a gap of one character becomes a space
and a longer gap becomes spaces ending with a newline; nothing follows the last sentence
(a newline is added there if another document already has the same text). Offsets
therefore hold (``text[start:end] == sentence``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from annotator.core.formats import SentenceRecord, read_records

from .check import _FilePlan
from .refusals import _Refused


def _groups(plan: _FilePlan) -> Iterator[list[SentenceRecord]]:
    """The records of each document together (streamed when the file keeps them together)."""
    records = read_records(plan.path, plan.fmt)
    if plan.consecutive:
        current: list[SentenceRecord] = []
        for record in records:
            if current and record.doc_id != current[0].doc_id:
                yield current
                current = []
            current.append(record)
        if current:
            yield current
        return
    groups: dict[str, list[SentenceRecord]] = {}
    for record in records:
        groups.setdefault(record.doc_id, []).append(record)
    yield from groups.values()


def _merge_duplicates(records: list[SentenceRecord]) -> list[SentenceRecord]:
    """One record per sentence index (a file may repeat a sentence: most recent decision wins)."""
    by_idx: dict[int, SentenceRecord] = {}
    for record in records:
        old = by_idx.get(record.sent_idx)
        if old is None:
            by_idx[record.sent_idx] = record
            continue
        if (old.text, old.start, old.end) != (record.text, record.start, record.end):
            raise _Refused(f"sentence {record.id} appears twice with different text or offsets")
        if old.gold is not None and record.gold is not None and old.gold != record.gold:
            raise _Refused(f"sentence {record.id} appears twice with different gold")
        anns = {a.annotator: a for a in old.annotations}
        for ann in record.annotations:
            mine = anns.get(ann.annotator)
            if mine is None or ann.updated_dt > mine.updated_dt:
                anns[ann.annotator] = ann
        by_idx[record.sent_idx] = old.model_copy(
            update={
                "annotations": sorted(anns.values(), key=lambda a: a.annotator),
                "gold": old.gold or record.gold,
            }
        )
    return [by_idx[i] for i in sorted(by_idx)]


def rebuild_text(records: Sequence[SentenceRecord]) -> str:
    """The document text from its sentences at their offsets (see the module docstring)."""
    parts: list[str] = []
    position = 0
    previous: SentenceRecord | None = None
    for record in sorted(records, key=lambda r: (r.start, r.end, r.sent_idx)):
        if record.end - record.start != len(record.text):
            raise _Refused(
                f"sentence {record.id}: offsets {record.start}-{record.end} do not fit its "
                f"{len(record.text)} characters"
            )
        if record.start < position:
            raise _Refused(f"sentence {record.id} overlaps sentence {previous.id if previous else '?'}")
        if previous is not None and record.sent_idx < previous.sent_idx:
            raise _Refused(f"sentence {record.id} starts after sentence {previous.id}")
        gap = record.start - position
        if gap == 1:
            parts.append(" ")
        elif gap > 1:
            parts.append(" " * (gap - 1) + "\n")
        parts.append(record.text)
        position = record.end
        previous = record
    return "".join(parts)
