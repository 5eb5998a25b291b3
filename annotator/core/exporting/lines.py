"""A chunk's rows -> our JSONL lines as bytes, without building the record dicts.

The fast path of ``export --format jsonl`` (:func:`~.write.export_dataset`). It writes the
bytes ``orjson.dumps(record)`` writes for the record dict :mod:`.records` builds, by
construction: every value goes through orjson (or is a JSON integer), and the parts that
repeat are orjson's output cut at a key boundary and cached:

- an annotation's head (annotator, labels, status, negated, flagged) is one of a few
  hundred combinations: cached by its stored values; the note, timestamp and seconds
  are encoded per row; the suggestion provenance is cached by its stored pair;
- a document's tail (schema, split, meta) once per document;
- the gold (labels, method, by, agreed) once per sentence that has one.

Tests compare these bytes with the records written through the pydantic models
(tests/test_export.py), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from itertools import groupby
from operator import itemgetter
from typing import Any

import orjson

from annotator.core.gold.rules import MIN_ANNOTATORS, rule_gold

from .common import _DOCUMENT_ID, ChunkReader, Progress, _gc_paused
from .summary import SplitCount
from .values import _LabelCache, utc_text

_dumps = orjson.dumps
_NULL = b"null"
_BOOL = (False, True)
_PLAIN_END = b'null,"suggested":null,"accepted":null}'
_SEP = "|"  # joins a chunk's timestamps: orjson does not escape it
_PIECE_OPEN, _PIECE_CLOSE = b'"updated_at":"', b'Z","seconds":' + _PLAIN_END
_CUT_PLAIN_END = -len(_PLAIN_END)
_ANNOTATOR_ID, _UPDATED_AT = itemgetter(1), itemgetter(7)

# The cached head of an annotation: (annotator rank by name, its bytes up to '"note":', its
# labels (a shared sorted list), whether it is labelled, the annotator's name, the bytes up
# to '"updated_at":' when the note is null).
Head = tuple[int, bytes, list[str], bool, str, bytes]
# One annotation of a sentence, before sorting: (rank, its bytes, its head).
Entry = tuple[int, bytes, Head]
# A chunk as written: per document, (its split, its lines).
Lines = list[tuple[str | None, list[bytes]]]


def _stamp_pieces(values: list[Any]) -> list[bytes]:
    """Each stored ``updated_at`` as the bytes '"updated_at":"<UTC text>","seconds":' followed
    by the end of a decision without timing nor suggestions (:data:`_PLAIN_END`).

    SQLite gives SQLAlchemy's storage text "YYYY-MM-DD HH:MM:SS.ffffff" (UTC). When every
    value of the chunk has that shape (checked on the joined text with slices and counts:
    26 characters, one space at 10, "." at 19, no separator inside), the chunk is converted
    by a few ``str`` operations over the joined text instead of value by value: " " -> "T",
    a fraction ".000000" dropped (what :func:`~.values.utc_text` does to one value), and
    orjson encodes it once (a length that grew means something needed escaping: then the
    slow way). Anything else (PostgreSQL's datetimes, other text) goes through
    :func:`~.values.utc_text` one value at a time.
    """
    n = len(values)
    try:
        text = _SEP.join(values) + _SEP
    except TypeError:  # not all text: PostgreSQL
        text = ""
    if (
        n
        and len(text) == 27 * n
        and text.count(_SEP) == n
        and text[26::27] == _SEP * n
        and text.count(" ") == n
        and text[10::27] == " " * n
        and text[19::27] == "." * n
    ):
        converted = text.replace(" ", "T").replace(".000000" + _SEP, _SEP)
        encoded = _dumps(converted)
        if len(encoded) == len(converted) + 2:  # ASCII, nothing escaped
            sep = _SEP.encode()
            return (_PIECE_OPEN + encoded[1:-2].replace(sep, _PIECE_CLOSE + sep + _PIECE_OPEN) + _PIECE_CLOSE).split(
                sep
            )
    return [b'"updated_at":%b,"seconds":%b' % (_dumps(utc_text(value)), _PLAIN_END) for value in values]


def _cut(obj: dict[str, Any]) -> bytes:
    """orjson's bytes of ``obj`` without the closing brace: more keys may follow."""
    return _dumps(obj)[:-1]


class ExportLines(ChunkReader):
    """The records of a plan as JSONL bytes (the counts as ``record_chunks`` keeps them).

    A mixin over a reader (:class:`~.query.ExportQueries` with SQLAlchemy,
    :class:`~.sqlite.SqliteExportPlan` with ``sqlite3``) that supplies the primitives
    below and the chunk walk (:class:`~.common.ChunkReader`).
    """

    # the plan (set by the reader's __init__)
    schema_ref: str
    gold_policy: str
    only_gold: bool
    split_of: dict[str, str] | None
    total: int
    annotator_ids: dict[int, str] | None
    # filled while streaming
    annotators_seen: set[str]
    decisions: int
    gold_counts: dict[str, int]
    documents_written: int
    _last_document: int | None
    _chunk_annotators: set[int]
    split_counts: dict[str, SplitCount]

    def _set_plan(
        self,
        *,
        schema_ref: str,
        annotator_ids: dict[int, str] | None,
        document_ids: list[int] | None,
        gold_policy: str,
        only_gold: bool,
        split_of: dict[str, str] | None,
        total: int,
        batch: int,
    ) -> None:
        """The resolved selection, as both readers' ``__init__`` take it; the counts at zero."""
        self.schema_ref = schema_ref
        self.annotator_ids = annotator_ids
        self.document_ids = document_ids
        self.gold_policy = gold_policy
        self.only_gold = only_gold
        self.split_of = split_of
        self.total = total
        self.batch = batch
        self._reset_counts()

    def _reset_counts(self) -> None:
        """The summary's counts, before streaming."""
        self.annotators_seen = set()
        self.decisions = 0
        self.gold_counts = {"adjudicated": 0, "unanimous": 0, "majority": 0, "none": 0}
        self.documents_written = 0
        self._last_document = None
        self._chunk_annotators = set()
        self.split_counts = {s: SplitCount() for s in ("train", "dev", "test")}

    # the reader's primitives (besides ChunkReader's)
    def _connection(self) -> AbstractContextManager[Any]:
        """One read transaction (a snapshot) for the whole export."""
        raise NotImplementedError

    def _annotator_names(self, connection: Any) -> dict[int, str]:
        raise NotImplementedError

    def _annotation_rows(self, connection: Any, condition: Any) -> Sequence[Any]:
        """(sentence id, annotator id, labels, status, negated, flagged, note, updated_at,
        seconds, suggested, accepted) of the chunk's sentences and selected annotators."""
        raise NotImplementedError

    def jsonl_chunks(self, progress: Progress | None = None) -> Iterator[Lines]:
        """Every selected sentence's JSONL line (newline included), in order, per document."""
        labels = _LabelCache()
        with self._connection() as connection:
            names = self._annotator_names(connection)
            ranks = {row_id: rank for rank, row_id in enumerate(sorted(names, key=names.__getitem__))}
            heads: dict[Any, Head] = {}
            tails: dict[Any, bytes] = {}

            for docs, rows, condition in self._pages(connection, progress):
                with _gc_paused():
                    entries = self._annotation_lines(connection, condition, labels, names, ranks, heads, tails)
                    lines = self._chunk_lines(docs, rows, entries, labels)
                    if not self.only_gold:
                        self.annotators_seen.update(names[i] for i in self._chunk_annotators)
                yield lines

    def _annotation_lines(
        self,
        connection: Any,
        condition: Any,
        labels: _LabelCache,
        names: dict[int, str],
        ranks: dict[int, int],
        heads: dict[Any, Head],
        tails: dict[Any, bytes],
    ) -> dict[int, list[Entry]]:
        """A chunk's annotations by sentence id, each as its JSON bytes (unsorted)."""
        found: dict[int, list[Entry]] = {}
        get = found.get
        head_of = heads.get
        tail_of = tails.get
        rows = self._annotation_rows(connection, condition)
        self._chunk_annotators = set(map(_ANNOTATOR_ID, rows))
        pieces = _stamp_pieces(list(map(_UPDATED_AT, rows)))
        for (
            sentence_id,
            annotator_id,
            raw,
            status,
            negated,
            flagged,
            note,
            _stored,
            seconds,
            suggested,
            accepted,
        ), piece in zip(rows, pieces, strict=True):
            key = (annotator_id, raw, status, negated, flagged)
            head = head_of(key)
            if head is None:
                name, chosen = names[annotator_id], labels(raw)
                start = _cut(
                    {
                        "annotator": name,
                        "labels": chosen,
                        "status": status,
                        "negated": _BOOL[negated],
                        "flagged": _BOOL[flagged],
                    }
                )
                start += b',"note":'
                head = heads[key] = (ranks[annotator_id], start, chosen, status == "labelled", name, start + b"null,")
            if note or seconds is not None or suggested is not None or accepted is not None:
                tail = tail_of((suggested, accepted))
                if tail is None:
                    tail = tails[(suggested, accepted)] = _dumps(
                        {
                            "suggested": None if suggested is None else labels(suggested),
                            "accepted": None if accepted is None else labels(accepted),
                        }
                    )[1:]
                data = b"%b%b,%b%b,%b" % (
                    head[1],
                    _dumps(note) if note else _NULL,
                    piece[:_CUT_PLAIN_END],
                    _NULL if seconds is None else _dumps(seconds),
                    tail,
                )
            else:  # most decisions: no note, no timing, no suggestions
                data = head[5] + piece
            entry = (head[0], data, head)
            bucket = get(sentence_id)
            if bucket is None:
                found[sentence_id] = [entry]
            else:
                bucket.append(entry)
        return found

    def _chunk_lines(
        self, docs: list[Any], rows: Sequence[Any], entries: dict[int, list[Entry]], labels: _LabelCache
    ) -> Lines:
        schema_ref, policy, split_of, only_gold = self.schema_ref, self.gold_policy, self.split_of, self.only_gold
        gold_counts = self.gold_counts
        used = self.annotators_seen
        adjudicated_only = policy == "adjudicated"
        langs: dict[Any, bytes] = {}
        by_doc = {doc_id: list(group) for doc_id, group in groupby(rows, key=_DOCUMENT_ID)}
        out: Lines = []
        for doc in docs:
            doc_rows = by_doc.get(doc.id)
            if not doc_rows:
                continue
            uid = doc.uid
            split = split_of.get(uid) if split_of is not None else None
            # '"id":"<uid>:<idx>"': the uid's JSON text and the index (":" and digits need no escape)
            uid_text = _dumps(uid)
            opening = b'{"id":%b:' % uid_text[:-1]
            middle = b'","doc_id":%b,"doc_name":%b,"sent_idx":' % (uid_text, _dumps(doc.name))
            ending = b',"schema":%b,"split":%b,"meta":%b}\n' % (
                _dumps(schema_ref),
                _NULL if split is None else _dumps(split),
                _dumps(dict(doc.meta or {})),
            )
            lines: list[bytes] = []
            append = lines.append
            for sentence_id, _doc, idx, start, end, lang, text, gold_raw, gold_method, gold_by in doc_rows:
                anns = entries.get(sentence_id)
                if anns is None:
                    anns = []
                elif len(anns) > 1:
                    anns.sort()  # by rank: unique within a sentence, so the bytes are never compared
                if gold_raw is not None:  # a stored gold wins, whatever its method
                    gold_labels = labels(gold_raw)
                    gold: bytes | None = _dumps(
                        {
                            "labels": gold_labels,
                            "method": gold_method,
                            "by": gold_by or None,
                            "agreed": [a[2][4] for a in anns if a[2][3] and a[2][2] == gold_labels],
                        }
                    )
                    method = gold_method
                elif len(anns) < MIN_ANNOTATORS or adjudicated_only:
                    gold = None
                else:
                    found = rule_gold([a[2][2] for a in anns if a[2][3]], policy)
                    if found is None:
                        gold = None
                    else:
                        winner, method = found
                        agreed = [a[2][4] for a in anns if a[2][3] and a[2][2] == winner]
                        gold = _dumps({"labels": winner, "method": method, "by": None, "agreed": agreed})
                if gold is None:
                    if only_gold:
                        continue
                    gold_counts["none"] += 1
                else:
                    gold_counts[method] += 1
                if anns:
                    self.decisions += len(anns)
                    if only_gold:
                        used.update([a[2][4] for a in anns])
                lang_text = langs.get(lang)
                if lang_text is None:
                    lang_text = langs[lang] = _dumps(lang or None)
                append(
                    b'%b%d%b%d,"start":%d,"end":%d,"lang":%b,"text":%b,"annotations":[%b],"gold":%b%b'
                    % (
                        opening,
                        idx,
                        middle,
                        idx,
                        start,
                        end,
                        lang_text,
                        _dumps(text),
                        b",".join([a[1] for a in anns]),
                        _NULL if gold is None else gold,
                        ending,
                    )
                )
            if lines:
                out.append((split, lines))
                if doc.id != self._last_document:
                    self._last_document = doc.id
                    self.documents_written += 1
                    if split is not None:
                        self.split_counts[split].documents += 1
                if split is not None:
                    self.split_counts[split].sentences += len(lines)
        return out
