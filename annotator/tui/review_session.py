"""The adjudicator's session: the queue, its items, where each stands, and the gold writes.

Owned by the review app and handed to the review screen (which never imports the app).
The queue and its items are read by workers (``load_queue``, ``load_items``: plain
functions of the database the screen runs in threads); gold is written through the
app's ordered save queue, the same one annotations use (``submit_gold``,
``submit_undo``): a gold shows as saved only after its commit, and ``apply`` records the
committed gold here, on the UI thread, before the screen hears of it.
"""

from __future__ import annotations

import dataclasses
from functools import partial

from sqlalchemy import Engine
from textual.message_pump import MessagePump

from annotator.core.decisions import ensure_annotator
from annotator.core.entities import DocumentInfo, SentenceRow
from annotator.core.gold.review import ReviewItem, ReviewQueue, Vote, review_items, review_queue
from annotator.core.gold.store import GoldSaved, GoldState, GoldUndone, GoldUndoRefused, save_gold, undo_gold
from annotator.core.labels import LabelSchema
from annotator.core.repository import list_documents, sentence_page
from annotator.tui.context import AppContext
from annotator.tui.keys import column_letter
from annotator.tui.pages import PageCache
from annotator.tui.saving import Job, SaveQueue

CHUNK = 64  # queue items read at a time


def _save(
    engine: Engine,
    schema: LabelSchema,
    adjudicator: int,
    sentence_id: int,
    labels: list[str],
    by: str,
    note: str | None,
) -> GoldSaved:
    return save_gold(engine, schema, adjudicator, sentence_id, labels, by=by, note=note)


def _undo(engine: Engine, schema: LabelSchema, adjudicator: int) -> GoldUndone | GoldUndoRefused | None:
    return undo_gold(engine, schema, adjudicator)


class ReviewSession:
    def __init__(
        self,
        context: AppContext,
        *,
        adjudicator: str,
        label: str | None = None,
        documents: list[int] | None = None,
        min_annotators: int = 2,
        blind: bool = False,
        include_gold: bool = False,
        page_size: int = 64,
    ) -> None:
        self.context = context
        self.adjudicator = adjudicator
        self.adjudicator_id: int | None = None
        self.label = label
        self.documents_filter = documents
        self.min_annotators = min_annotators
        self.blind = blind
        self.include_gold = include_gold
        self.queue: ReviewQueue | None = None
        self.items: dict[int, ReviewItem] = {}  # queue position -> item, as read so far
        self.positions: dict[int, int] = {}  # sentence id -> queue position
        self.gold_ids: set[int] = set()  # sentences of the queue that have a gold now
        self.saved_events: set[int] = set()  # this session's gold events not undone since
        self.documents: dict[int, DocumentInfo] = {}
        self.pages = PageCache(self._read_page, page_size=page_size)

    @property
    def saves(self) -> SaveQueue:
        return self.context.saves

    @property
    def size(self) -> int:
        return len(self.queue.disputes) if self.queue is not None else 0

    # -- reads (worker threads) ------------------------------------------------------------------

    def load_queue(self) -> ReviewQueue:
        context = self.context
        self.adjudicator_id = ensure_annotator(context.engine, self.adjudicator)
        self.documents = {doc.id: doc for doc in list_documents(context.engine)}
        return review_queue(
            context.engine,
            context.schema,
            label=self.label,
            documents=self.documents_filter,
            min_annotators=self.min_annotators,
            include_gold=self.include_gold,
        )

    def load_items(self, first: int) -> list[ReviewItem]:
        assert self.queue is not None
        return review_items(self.context.engine, self.context.schema, self.queue.disputes[first : first + CHUNK])

    def _read_page(self, document_id: int, first_idx: int, limit: int) -> list[SentenceRow]:
        return sentence_page(self.context.engine, document_id, first_idx, limit, None)

    # -- what the worker read, on the UI thread ---------------------------------------------------

    def queue_loaded(self, queue: ReviewQueue) -> None:
        self.queue = queue
        self.positions = {d.sentence_id: pos for pos, d in enumerate(queue.disputes)}
        self.gold_ids = set(queue.with_gold)

    def items_loaded(self, first: int, items: list[ReviewItem]) -> None:
        for item in items:
            pos = self.positions.get(item.sentence_id)
            if pos is not None and pos not in self.items:
                self.items[pos] = item

    def chunk_start(self, pos: int) -> int:
        return pos - pos % CHUNK

    # -- where each sentence stands ---------------------------------------------------------------

    def item(self, pos: int) -> ReviewItem | None:
        return self.items.get(pos)

    def is_open(self, pos: int) -> bool:
        """No gold yet, and none on its way to the database."""
        assert self.queue is not None
        sentence_id = self.queue.disputes[pos].sentence_id
        return sentence_id not in self.gold_ids and not self.saves.pending(sentence_id)

    @property
    def net_saved(self) -> int:
        """Golds saved this session, less those undone since (what the status line counts)."""
        return len(self.saved_events)

    def decided(self) -> int:
        """Sentences of the queue whose gold is committed (a gold still being saved is not)."""
        return len(self.gold_ids)

    def columns(self, item: ReviewItem) -> list[tuple[str, Vote]]:
        """(column letter, vote) of every annotator on the sentence: A, B, C… in name order
        (after Z: AA, AB…)."""
        return [(column_letter(n), vote) for n, vote in enumerate(item.votes, start=1)]

    def shown_name(self, letter: str, vote: Vote) -> str:
        return letter if self.blind else f"{letter} {vote.annotator}"

    def agreed_letters(self, item: ReviewItem, gold: GoldState) -> str:
        """Who agreed with a gold, as the screen may show them (letters when blind)."""
        by_name = {vote.annotator: letter for letter, vote in self.columns(item)}
        if self.blind:
            return " ".join(by_name.get(name, "?") for name in gold.agreed)
        return ", ".join(f"{by_name[name]} {name}" if name in by_name else name for name in gold.agreed)

    # -- writes ----------------------------------------------------------------------------------

    def submit_gold(self, pos: int, labels: list[str], note: str | None, origin: MessagePump) -> Job:
        assert self.adjudicator_id is not None
        item = self.items[pos]
        context = self.context
        job = Job(
            "gold",
            partial(
                _save,
                context.engine,
                context.schema,
                self.adjudicator_id,
                item.sentence_id,
                labels,
                self.adjudicator,
                note,
            ),
            describe=", ".join(labels),
            where=f"{item.document_name} #{item.idx + 1:,}",
            document_id=item.document_id,
            idx=item.idx,
            sentence_id=item.sentence_id,
            payload=pos,
            origin=origin,
        )
        job.apply = self._saved
        return self.saves.submit(job)

    def submit_undo(self, origin: MessagePump) -> Job:
        assert self.adjudicator_id is not None
        context = self.context
        job = Job(
            "gold_undo",
            partial(_undo, context.engine, context.schema, self.adjudicator_id),
            where="undo",
            origin=origin,
        )
        job.apply = self._undone
        return self.saves.submit(job)

    def _set_gold(self, sentence_id: int, gold: GoldState | None) -> None:
        if gold is None:
            self.gold_ids.discard(sentence_id)
        else:
            self.gold_ids.add(sentence_id)
        pos = self.positions.get(sentence_id)
        if pos is not None and pos in self.items:
            self.items[pos] = dataclasses.replace(self.items[pos], gold=gold)

    def _saved(self, result: GoldSaved) -> None:
        self.saved_events.add(result.event_id)
        self._set_gold(result.sentence_id, result.gold)

    def _undone(self, result: GoldUndone | GoldUndoRefused | None) -> None:
        if isinstance(result, GoldUndone):
            self.saved_events.discard(result.undone_event_id)  # an earlier session's gold was not counted
            self._set_gold(result.sentence_id, result.gold)
        elif isinstance(result, GoldUndoRefused):
            self._set_gold(result.sentence_id, result.current)  # show the gold that was kept
