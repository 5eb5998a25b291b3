"""The review screen (``annotator adjudicate``): disputed sentences, hardest first, to gold.

For each sentence: the text in its document (the shared ``SentenceView``: right-to-left
aware, exactly as on the annotate screen), every annotator's label set, negated flag and
note side by side (``VotesPanel``; letters only with ``--blind``), the disputed labels,
and the majority set pre-selected as the suggestion in the shared ``LabelPanel``, which
also counts each label's votes and shows the gold's provenance.

Keys, in the habits of the annotate screen (ids in ``annotator.tui.keys``): a label key
toggles it (``none`` saves at once), Enter saves the selection as the gold and goes on
(so Enter alone accepts the suggestion), Shift+A…Z (and F1…F12 for the first twelve)
take annotator A…Z's set, x leaves the sentence for later, w writes why, u undoes, j/k
move, h + a label key or ? shows definitions. The votes panel scrolls when there are
more annotators than it has rows. Gold goes through the app's ordered save queue and shows as saved
only after its commit.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import partial, update_wrapper
from typing import ClassVar, Concatenate, ParamSpec

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from annotator.core.entities import SentenceRow
from annotator.core.gold.review import ReviewItem, disputed_labels, suggestion
from annotator.core.gold.store import GoldSaved, GoldState, GoldUndone, GoldUndoRefused
from annotator.core.text import visible
from annotator.safe_text import safe
from annotator.tui.bidi import sentence_is_rtl
from annotator.tui.errors import describe_error
from annotator.tui.keys import REVIEW_BINDINGS, column_letter, take_bindings
from annotator.tui.label_keys import LabelKeys
from annotator.tui.messages import ItemsLoaded, Notice, PageLoaded, QueueLoaded
from annotator.tui.review_session import CHUNK, ReviewSession
from annotator.tui.saving import Job, SaveQueue
from annotator.tui.screens.annotate_decisions import press_label
from annotator.tui.screens.dialogs import TextPrompt
from annotator.tui.widgets.panels import DefinitionPanel, LabelPanel, StatusLine
from annotator.tui.widgets.review_panels import QueueLine, ReviewHeader, VotesPanel, display_text, label_names
from annotator.tui.widgets.sentence_view import SentenceView

P = ParamSpec("P")


def in_order(
    action: Callable[Concatenate[ReviewScreen, P], None],
) -> Callable[Concatenate[ReviewScreen, P], None]:
    """A key that acts on the current sentence, or moves from it: while the screen waits for
    the database to say where it is (the item of the sentence being read, or the sentence an
    undo goes back to), it waits too, and runs once the screen is where the keys before it
    lead. Keys typed fast then act on the sentence they were typed for (as on the annotate
    screen: ``annotate.in_order``)."""

    def run(self: ReviewScreen, /, *args: P.args, **kwargs: P.kwargs) -> None:
        if self.held_keys or self.waiting():
            self.held_keys.append(partial(action, self, *args, **kwargs))
            return
        action(self, *args, **kwargs)

    update_wrapper(run, action)  # Textual reads the action's parameters from its signature
    return run


class ReviewScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = REVIEW_BINDINGS

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.schema = session.context.schema
        self.pos: int | None = None
        self.draft: list[str] | None = None  # the selection, when it differs from the item's first one
        self.draft_note: str | None = None  # a note written with w, saved with the gold
        self.later: set[int] = set()
        self._quit_warned = False
        self._loading_chunks: set[int] = set()
        self._loading_pages: set[int] = set()
        self.label_keys = LabelKeys(self, self.schema)
        self.undoing: Job | None = None  # an undo not committed yet: where it goes back to is unknown
        self.held_keys: deque[Callable[[], None]] = deque()  # keys pressed while waiting, in order
        keys = self._bindings.key_to_bindings
        for binding in take_bindings(self.schema):
            for one in type(binding).make_bindings([binding]):
                keys[one.key] = [*keys.get(one.key, []), one]

    # -- the current item ------------------------------------------------------------------------

    @property
    def item(self) -> ReviewItem | None:
        return self.session.item(self.pos) if self.pos is not None else None

    def initial(self, item: ReviewItem) -> tuple[str, ...]:
        """What the selection starts as: the stored gold, else the majority suggestion."""
        if item.gold is not None:
            return item.gold.labels
        hint = suggestion(item.votes)
        return hint.labels if hint is not None else ()

    def selection(self, item: ReviewItem) -> tuple[str, ...]:
        if self.draft is not None:
            return tuple(label for label in self.schema.label_ids if label in set(self.draft))
        return self.initial(item)

    def waiting(self) -> bool:
        """Keys wait: the current sentence's item is being read, or an undo is on its way."""
        if self.undoing is not None:
            return True
        pos = self.pos
        return pos is not None and self.item is None and self.session.chunk_start(pos) in self._loading_chunks

    def _replay_held_keys(self) -> None:
        """The keys pressed while waiting, in order, until one makes the screen wait again."""
        while self.held_keys and not self.waiting():
            self.held_keys.popleft()()

    def _drop_held_keys(self, why: str) -> None:
        """Where the held keys were meant to act is unknown: they are dropped, and the status
        line says so."""
        if self.held_keys:
            dropped = len(self.held_keys)
            self.held_keys.clear()
            self.post_message(Notice(f"{why}: {dropped:,} key(s) typed meanwhile were not applied", "error"))

    def _dirty(self) -> bool:
        item = self.item
        if item is None:
            return False
        return set(self.selection(item)) != set(self.initial(item)) or self.draft_note is not None

    # -- what the sentence view reads (SentenceSource) -----------------------------------------

    @property
    def document_id(self) -> int:
        item = self.item
        return item.document_id if item is not None else -1

    @property
    def current_idx(self) -> int:
        item = self.item
        return item.idx if item is not None else 0

    @property
    def n_sentences(self) -> int:
        document = self.session.documents.get(self.document_id)
        return document.n_sentences if document is not None else 0

    @property
    def reorder(self) -> bool:
        return self.session.context.reorder

    def row_at(self, idx: int) -> SentenceRow | None:
        if self.item is None or idx < 0 or idx >= self.n_sentences:
            return None
        try:
            return self.session.pages.get(self.document_id, idx)
        except SQLAlchemyError as exc:
            self.call_later(self.say, f"Could not read sentence #{idx + 1:,}: {describe_error(exc)}", "error")
            return None

    def marks_of(self, row: SentenceRow) -> tuple[str, str, str]:
        item = self.item
        if item is None or row.id != item.sentence_id:
            return " ", " ", "sentence-view--gutter"
        saves = self.session.saves
        if row.id in saves.failed or saves.failing_sentence() == row.id:
            return "✗", " ", "sentence-view--failed"
        if saves.pending(row.id):
            return "…", " ", "sentence-view--pending"
        if row.id in self.session.gold_ids:
            return "✓", " ", "sentence-view--saved"
        return " ", " ", "sentence-view--gutter"

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ReviewHeader(id="doc-header")
        with Horizontal(id="main"):
            with Vertical(id="review-left"):
                yield SentenceView(self, id="sentences")
                with VerticalScroll(id="votes-box", can_focus=False):  # scrolls with many annotators
                    yield VotesPanel(id="votes")
            with Vertical(id="side"):
                yield LabelPanel(id="labels")
                yield DefinitionPanel(id="definition")
        yield QueueLine(id="progress")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DefinitionPanel).show_label(None)
        self.query_one(VotesPanel).show_message("Reading the queue of disputed sentences…")
        self.refresh_all()
        self.run_worker(self._queue_worker, group="review", thread=True, exit_on_error=False)

    def _queue_worker(self) -> None:
        self.post_message(QueueLoaded(self.session.load_queue()))

    @on(QueueLoaded)
    def _queue_loaded(self, message: QueueLoaded) -> None:
        session = self.session
        session.queue_loaded(message.queue)
        if session.size == 0:
            what = f"where {session.label} is disputed " if session.label else ""
            also = "" if session.include_gold else " and no gold yet (--all shows those with a gold too)"
            self.query_one(VotesPanel).show_message(
                f"Nothing to adjudicate: no sentence {what}with {session.min_annotators}+ labelled decisions "
                f"that disagree{also}."
            )
            self.say("Nothing to adjudicate. q quits.", "info")
            self.refresh_all()
            return
        start = self._next_open(-1)
        self.go(start if start is not None else 0)
        opened = sum(1 for pos in range(session.size) if session.is_open(pos))
        plural = "s" if session.size != 1 else ""
        self.say(
            f"{session.size:,} disputed sentence{plural}, {opened:,} without a gold: the most split first. "
            "? shows every key."
        )

    def say(self, message: str, severity: str = "info") -> None:
        self.query_one(StatusLine).say(message, severity)

    def refresh_all(self) -> None:
        session = self.session
        item = self.item
        self.query_one(SentenceView).invalidate()
        rtl = item is not None and sentence_is_rtl(item.text, item.lang)
        self.query_one(ReviewHeader).show(
            session.adjudicator, self.pos, session.size, item, session.label, rtl, self.reorder
        )
        self.query_one(QueueLine).show(session.decided(), len(self.later), session.size)
        panel = self.query_one(LabelPanel)
        if item is None:
            panel.show_labels(self.schema, (), Text(""))
            return
        columns = [(letter, session.shown_name(letter, vote), vote) for letter, vote in session.columns(item)]
        hint = suggestion(item.votes)
        by = " ".join(letter for letter, _, vote in columns if hint is not None and vote.labels == hint.labels)
        self.query_one(VotesPanel).show(
            self.schema, columns, hint, by, disputed_labels(item.votes, self.schema), self.reorder
        )
        panel.show_labels(self.schema, self.selection(item), self._footer(item), self._vote_marks(item))

    def _vote_marks(self, item: ReviewItem) -> dict[str, Text]:
        labelled = item.labelled
        marks = {}
        for label in self.schema.label_ids:
            k = sum(1 for vote in labelled if label in vote.labels)
            style = "dim" if k == 0 else ("green" if k == len(labelled) else "bold yellow")
            marks[label] = Text(f"{k}/{len(labelled)}".rjust(3), style=style)
        return marks

    def _footer(self, item: ReviewItem) -> Text:
        text = Text()
        gold = item.gold
        text.append("gold    ", style="dim")
        if gold is None:
            text.append("none yet", style="dim")
        elif gold.method == "adjudicated":
            text.append("adjudicated", style="green")
            text.append(" by ")
            text.append_text(safe(gold.by or "?", "bold"))
            if gold.updated_at is not None:
                text.append(f", {gold.updated_at:%Y-%m-%d %H:%M} UTC", style="dim")
        else:
            text.append(f"{gold.method} (by rule)", style="green")
        if gold is not None:
            text.append("\nagreed  ", style="dim")
            text.append(self.session.agreed_letters(item, gold) or "nobody", style="" if gold.agreed else "dim")
        note = self.draft_note if self.draft_note is not None else (gold.note if gold else None)
        text.append("\nnote    ", style="dim")
        if note:
            # Right-to-left notes reordered for display, as the votes panel and the sentences are.
            shown = note if len(note) <= 200 else note[:199] + "…"
            width = (self.query_one(LabelPanel).size.width or 48) - 8
            for n, row in enumerate(display_text(shown, width, self.reorder, "italic")):
                text.append("\n        " if n else "")
                text.append_text(row)
        else:
            text.append("—", style="dim")
        if self._dirty():
            text.append("\n(not saved: Enter saves the gold)", style="bold yellow")
        saves = self.session.saves
        if item.sentence_id in saves.failed:
            text.append(f"\nNOT SAVED: {saves.failed[item.sentence_id]}", style="bold red")
        elif saves.failing_sentence() == item.sentence_id:
            text.append("\nNOT SAVED yet: retrying (ctrl+r: now)", style="bold red")
        elif saves.pending(item.sentence_id):
            text.append("\nsaving…", style="yellow")
        return text

    # -- moving ----------------------------------------------------------------------------------

    def go(self, pos: int) -> None:
        session = self.session
        if session.size == 0:
            return
        pos = max(0, min(pos, session.size - 1))
        if pos != self.pos and self._dirty():
            self.say("Selection not saved (Enter saves the gold)", "warning")
        self.pos = pos
        self.draft = None
        self.draft_note = None
        self._quit_warned = False
        self.label_keys.end_definition()
        self._load_items(pos)
        if self.item is None:
            self.query_one(VotesPanel).show_message("Reading the sentence…")
        self.refresh_all()
        self._prefetch_pages()

    def _next_open(self, after: int) -> int | None:
        """The next open position after ``after`` (wrapping); those left for later last."""
        session = self.session
        size = session.size
        order = [(after + step) % size for step in range(1, size + 1)] if size else []
        for pos in order:
            if pos not in self.later and session.is_open(pos):
                return pos
        for pos in order:
            if session.is_open(pos):
                return pos
        return None

    def _advance(self) -> None:
        assert self.pos is not None
        target = self._next_open(self.pos)
        if target is None:
            self.draft = None
            self.refresh_all()
            saved = self.session.net_saved
            self.say(f"Queue done: every sentence has a gold ({saved:,} saved this session). j/k look back, q quits.")
            return
        if target in self.later and target != self.pos:
            self.say(f"Back to the sentences left for later ({len(self.later)})", "info")
        self.go(target)

    def _load_items(self, pos: int) -> None:
        session = self.session
        for start in (session.chunk_start(pos), session.chunk_start(pos) + CHUNK):
            if start >= session.size or start in self._loading_chunks:
                continue
            if start > pos and pos - session.chunk_start(pos) < CHUNK - 8:
                continue  # read the next chunk only when close to it
            if all(p in session.items for p in range(start, min(start + CHUNK, session.size))):
                continue
            self._loading_chunks.add(start)
            self.run_worker(partial(self._items_worker, start), group="review", thread=True, exit_on_error=False)

    def _items_worker(self, start: int) -> None:
        self.post_message(ItemsLoaded(start, self.session.load_items(start)))

    @on(ItemsLoaded)
    def _items_loaded(self, message: ItemsLoaded) -> None:
        self._loading_chunks.discard(message.first)
        self.session.items_loaded(message.first, message.items)
        if self.pos is not None and message.first <= self.pos < message.first + CHUNK:
            self.refresh_all()
            self._prefetch_pages()
        self._replay_held_keys()

    def _prefetch_pages(self) -> None:
        item = self.item
        if item is None:
            return
        pages = self.session.pages
        for page in pages.missing_around(item.document_id, item.idx, self.n_sentences):
            if page not in self._loading_pages:
                self._loading_pages.add(page)
                self.run_worker(
                    partial(self._page_worker, item.document_id, page), group="pages", thread=True, exit_on_error=False
                )

    def _page_worker(self, document_id: int, page: int) -> None:
        self.post_message(PageLoaded(document_id, page, self.session.pages.load_page(document_id, page)))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        self._loading_pages.discard(message.page)
        pages = self.session.pages
        if not pages.has_page(message.document_id, message.page):
            pages.put_page(message.document_id, message.page, message.rows)
            self.query_one(SentenceView).invalidate()

    @in_order
    def action_next(self) -> None:
        if self.pos is not None:
            self.go(self.pos + 1)

    @in_order
    def action_previous(self) -> None:
        if self.pos is not None:
            self.go(self.pos - 1)

    @in_order
    def action_first(self) -> None:
        self.go(0)

    @in_order
    def action_last(self) -> None:
        self.go(self.session.size - 1)

    @in_order
    def action_next_open(self) -> None:
        if self.pos is None:
            return
        target = self._next_open(self.pos)
        if target is None:
            self.say("Every sentence of the queue has a gold", "info")
        else:
            self.go(target)

    # -- deciding keys ---------------------------------------------------------------------------

    @in_order
    def action_label(self, label_id: str) -> None:
        if self.label_keys.definition_wanted(label_id):
            return
        item = self.item
        if item is None:
            return
        selection, final = press_label(self.schema, list(self.selection(item)), label_id)
        self.draft = selection
        if final:
            self.action_save()
            return
        self.label_keys.end_definition()
        self.refresh_all()

    @in_order
    def action_take(self, n: int) -> None:
        item = self.item
        if item is None:
            return
        columns = self.session.columns(item)
        if n > len(columns):
            self.say(f"No annotator {column_letter(n)} on this sentence (A to {columns[-1][0]})", "warning")
            return
        letter, vote = columns[n - 1]
        shown = self.session.shown_name(letter, vote)
        if vote.status != "labelled":
            self.say(f"{shown} did not label this sentence ({vote.status}): nothing to take", "warning")
            return
        self.draft = list(vote.labels)
        self.refresh_all()
        self.say(f"Took {shown}'s set: {label_names(self.schema, vote.labels)} (Enter saves it as the gold)")

    @in_order
    def action_save(self) -> None:
        item, pos = self.item, self.pos
        if item is None or pos is None:
            return
        selection = list(self.selection(item))
        if not selection:
            self.say(
                "Nothing selected: press label keys or take a set (A, B…), then Enter; x leaves it for later", "warning"
            )
            return
        gold = item.gold
        note = self.draft_note if self.draft_note is not None else (gold.note if gold else None)
        unchanged = (
            gold is not None
            and gold.method == "adjudicated"
            and set(gold.labels) == set(selection)
            and (note or None) == (gold.note or None)
        )
        if not unchanged:
            self.session.submit_gold(pos, selection, note, self)
        self.later.discard(pos)
        self.draft = None
        self.draft_note = None
        self._advance()

    @in_order
    def action_later(self) -> None:
        if self.pos is None:
            return
        self.later.add(self.pos)
        self.draft = None
        self.draft_note = None
        here = self.pos
        self._advance()
        if self.pos == here and self.session.is_open(here):
            self.say("Only this sentence is left (left for later): decide it, or q to stop", "warning")
        elif self.pos != here:
            item = self.session.item(here)
            where = f"{item.document_name} #{item.idx + 1:,}" if item else "it"
            self.say(f"Left {where} for later: it comes back when the rest is done", "info")

    @in_order
    def action_note(self) -> None:
        item = self.item
        if item is None:
            return
        current = self.draft_note if self.draft_note is not None else (item.gold.note if item.gold else None) or ""

        def write(value: str | None) -> None:
            if value is None:
                self.say("Note not changed", "info")
                return
            self.draft_note = value.strip()
            self.refresh_all()
            self.say("Note kept: Enter saves it with the gold", "info")

        self.app.push_screen(
            TextPrompt(
                f"Why this gold? ({item.document_name} #{item.idx + 1:,})",
                visible(current),
                "a note stored with the gold (empty removes it)",
                "Enter keeps it (saved with the gold by Enter), Escape cancels",
            ),
            write,
        )

    @in_order
    def action_undo(self) -> None:
        if self._dirty():  # an unsaved selection or note goes first, as on the annotate screen
            self.draft = None
            self.draft_note = None
            self.refresh_all()
            self.say("Unsaved selection discarded (u again undoes your last saved gold)", "info")
            return
        self.draft = None
        self.draft_note = None
        self.undoing = self.session.submit_undo(self)
        self.say("Undoing…", "info")

    def action_scroll_votes(self, direction: int) -> None:
        box = self.query_one("#votes-box", VerticalScroll)
        box.scroll_to(y=box.scroll_y + direction * max(1, box.size.height - 1), animate=False)

    def action_retry(self) -> None:
        self.session.saves.retry_now()

    # -- what the save queue says ------------------------------------------------------------------

    @on(SaveQueue.Committed)
    def _committed(self, message: SaveQueue.Committed) -> None:
        job, result = message.job, message.result
        when = self.session.context.clock().strftime("%H:%M:%S")
        if job.kind == "gold_undo":
            self._undo_committed(job, result, when)
            if job is self.undoing:
                self.undoing = None
                self._replay_held_keys()
            return
        elif isinstance(result, GoldSaved):
            item = self.session.item(job.payload) if isinstance(job.payload, int) else None
            agreed = self._agreed(item, result.gold) if item is not None else ", ".join(result.gold.agreed)
            # the session's count first: a narrow terminal cuts the end of the line
            text = (
                f"✓ {self.session.net_saved:,} this session. Gold saved for {job.where}: "
                f"{label_names(self.schema, result.gold.labels)} at {when} (agreed: {agreed or 'nobody'})"
            )
            if message.waiting:
                text += f"; {message.waiting} more being saved"
            elif self.pos is not None and self._next_open(self.pos) is None:
                text += ". Queue done: every sentence has a gold (q quits)"
            self.say(text, "saved")
        self.refresh_all()

    def _undo_committed(self, job: Job, result: object, when: str) -> None:
        if isinstance(result, GoldUndoRefused):
            self._undo_refused(result)
            self.refresh_all()
            return
        if not isinstance(result, GoldUndone):
            self.say("Nothing left to undo", "warning")
            self.refresh_all()
            return
        pos = self.session.positions.get(result.sentence_id)
        if pos is not None:
            self.go(pos)
        now = label_names(self.schema, result.gold.labels) if result.gold else "no gold"
        saved = self.session.net_saved
        self.say(f"↶ {saved:,} saved this session. Undone at {when}: #{result.idx + 1:,} now has {now}", "saved")
        self.refresh_all()

    def _undo_refused(self, result: GoldUndoRefused) -> None:
        pos = self.session.positions.get(result.sentence_id)
        if pos is not None:
            self.go(pos)
        who = {
            "gold_auto": "gold --auto",
            "gold_import": "an import",
        }.get(result.action, result.changed_by or "someone else")
        kept = label_names(self.schema, result.current.labels) if result.current else "no gold"
        self.say(
            f"Not undone: #{result.idx + 1:,}'s gold was changed since by {who[:40]}; kept theirs ({kept})", "warning"
        )

    def _agreed(self, item: ReviewItem, gold: GoldState) -> str:
        return self.session.agreed_letters(item, gold)

    @on(SaveQueue.Failed)
    def _failed(self, message: SaveQueue.Failed) -> None:
        self.say(message.text, "error")
        if message.job is self.undoing and message.retry_in is None:  # given up: it goes nowhere
            self.undoing = None
            self._drop_held_keys("The undo failed")
        self.refresh_all()

    @on(Notice)
    def _notice(self, message: Notice) -> None:
        self.say(message.text, message.severity)

    # -- view keys -------------------------------------------------------------------------------

    def action_bidi(self) -> None:
        context = self.session.context
        context.set_reorder(not context.reorder)
        self.refresh_all()
        state = "on" if context.reorder else "off (for terminals that reorder by themselves)"
        self.say(f"Right-to-left reordering {state}; remembered", "info")

    @in_order
    def action_define(self) -> None:
        self.label_keys.ask_definition()

    async def action_close(self) -> None:
        if self.label_keys.close_panel():
            return
        if self._dirty() and not self._quit_warned:
            self._quit_warned = True
            self.say("Selection not saved: Enter saves it; escape again quits", "warning")
            return
        await self.app.action_quit()

    @on(LabelPanel.Clicked)
    def _label_clicked(self, message: LabelPanel.Clicked) -> None:
        self.action_label(message.label_id)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            if event.worker.group == "pages":
                self._loading_pages.clear()
            elif event.worker.group == "review":
                self._loading_chunks.clear()
        self.session.context.worker_state_changed(event)
        if event.state == WorkerState.ERROR and event.worker.group == "review" and not self.waiting():
            # after the app's own notice of the error
            self._drop_held_keys(f"Could not read the sentence ({describe_error(event.worker.error)})")

    def on_key(self, event: events.Key) -> None:
        self.label_keys.on_key(event)
