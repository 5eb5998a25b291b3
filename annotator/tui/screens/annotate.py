"""The annotate screen: one sentence at a time, keyboard only, every decision saved at once.

Keys (ids in ``annotator.tui.keys``): a label key toggles it, Enter saves the selection and
moves on, the exclusive ``none`` key saves in one keystroke, x skips, ! flags, t negates,
w writes a note, u / ctrl+z undo, j k g G . : / \\ move, v toggles bidi, h + a label key
shows its definition. Writes go to the app's save queue (a worker thread, one transaction
each); reads that may scan (filters, search) run in a worker too and post ``SeekDone``.

Built by composition: the screen gets the annotator's session (no import of the app);
what a deciding key does is ``annotate_decisions``, where a moving key goes is
``annotate_navigation``'s ``Navigator``, the label keys are a shared ``LabelKeys``, the
sentence list is the shared ``SentenceView`` (this screen is its ``SentenceSource``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import replace
from functools import partial, update_wrapper
from typing import ClassVar, Concatenate, ParamSpec

from sqlalchemy.exc import SQLAlchemyError
from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from annotator.core.entities import AnnotationState, DocumentInfo, SentenceRow, UndoResult
from annotator.core.errors import UserError
from annotator.core.repository import next_matching
from annotator.core.suggest.session import QueueItem
from annotator.core.text import visible
from annotator.tui.annotation_session import AnnotationSession
from annotator.tui.bidi import sentence_is_rtl
from annotator.tui.errors import describe_error
from annotator.tui.keys import ANNOTATE_BINDINGS, LAYOUT_DIGITS
from annotator.tui.label_keys import LabelKeys
from annotator.tui.messages import Notice, PageLoaded, SeekDone, SuggesterReady
from annotator.tui.saving import SaveQueue
from annotator.tui.screens import annotate_decisions as decide
from annotator.tui.screens.annotate_navigation import Navigator, SeekQuery, find
from annotator.tui.screens.dialogs import FilterChoice, FilterDialog, TextPrompt
from annotator.tui.suggestions import Suggester
from annotator.tui.widgets.panels import DefinitionPanel, DocHeader, LabelPanel, ProgressLine, StatusLine
from annotator.tui.widgets.sentence_view import SentenceView

P = ParamSpec("P")


def in_order(
    action: Callable[Concatenate[AnnotateScreen, P], None],
) -> Callable[Concatenate[AnnotateScreen, P], None]:
    """A key that acts on the current sentence, or moves from it: while a move is still being
    looked up (a seek in a worker), it waits, and runs once the screen is where the keys
    before it lead. Keys typed fast after Enter then act on the next sentence, never on
    the one just saved."""

    def run(self: AnnotateScreen, /, *args: P.args, **kwargs: P.kwargs) -> None:
        if self.seeking is not None:
            self.held_keys.append(partial(run, self, *args, **kwargs))
            return
        action(self, *args, **kwargs)

    update_wrapper(run, action)  # Textual reads the action's parameters from its signature
    return run


class AnnotateScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = ANNOTATE_BINDINGS

    def __init__(self, session: AnnotationSession, document: DocumentInfo, start_idx: int | None = None) -> None:
        super().__init__()
        self.session = session
        self.schema = session.context.schema
        self.document = document
        self.idx = 0
        self._start_idx = start_idx
        self.draft: list[str] | None = None  # labels toggled but not yet saved (Enter saves)
        self.navigator = Navigator(self.schema)
        self.label_keys = LabelKeys(self, self.schema)
        self._loading: set[int] = set()
        self.keys_here = 0  # keys pressed on this sentence since arriving (a decision's cost)
        self.seeking: SeekQuery | None = None  # a move looked up in a worker, not answered yet
        self._seek_worker_running: Worker[None] | None = None
        self.held_keys: deque[Callable[[], None]] = deque()  # keys pressed meanwhile, in order

    @property
    def filter(self) -> FilterChoice:
        return self.navigator.filter

    # -- what the sentence view reads (SentenceSource) -----------------------------------------

    @property
    def document_id(self) -> int:
        return self.document.id

    @property
    def current_idx(self) -> int:
        return self.idx

    @property
    def n_sentences(self) -> int:
        return self.document.n_sentences

    @property
    def reorder(self) -> bool:
        return self.session.context.reorder

    def row_at(self, idx: int) -> SentenceRow | None:
        if idx < 0 or idx >= self.document.n_sentences:
            return None
        try:
            return self.session.pages.get(self.document.id, idx)
        except SQLAlchemyError as exc:  # a read failed while drawing: say so, draw nothing
            self.call_later(self.say, f"Could not read sentence #{idx + 1:,}: {describe_error(exc)}", "error")
            return None

    def effective_state(self, row: SentenceRow) -> AnnotationState:
        return self.session.effective_state(row)

    def marks_of(self, row: SentenceRow) -> tuple[str, str, str]:
        return self.session.marks_of(row)

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield DocHeader(id="doc-header")
        with Horizontal(id="main"):
            yield SentenceView(self, id="sentences")
            with Vertical(id="side"):
                yield LabelPanel(id="labels")
                yield DefinitionPanel(id="definition")
        yield ProgressLine(id="progress")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        session = self.session
        self.query_one(DefinitionPanel).show_label(None)
        if self._sentence_queue():
            # sentence units: j/k and Enter visit the annotator's own sentences (\ shows all)
            self.navigator.filter = ("queue", None)
        if self._start_idx is not None:
            self.idx = self._clamp(self._start_idx)
            self.say(f"{self.document.n_sentences:,} sentences", "info")
        else:
            engine = session.context.engine
            first_open = None
            if self.navigator.filter[0] == "queue":
                first_open = next_matching(engine, self.document.id, session.annotator_id or 0, -1, "queue_open")
            if first_open is None:
                first_open = next_matching(engine, self.document.id, session.annotator_id or 0, -1, "unannotated")
            if first_open is None:
                self.idx = 0
                self.say("Every sentence of this document is decided: review with j/k, or escape for documents", "info")
            else:
                self.idx = first_open
                where = "first sentence" if first_open == 0 else f"your first unannotated sentence, #{first_open + 1:,}"
                self.say(f"Resuming at {where}. ? shows every key.", "info")
        self.session.timer.show((self.document.id, self.idx))
        self._preselect()
        self.refresh_all()
        self._prefetch()

    def on_screen_resume(self) -> None:
        self.session.timer.show((self.document.id, self.idx))

    def _sentence_queue(self) -> bool:
        """The annotator's share is sentences, some of them in this document."""
        session = self.session
        queue = session.queue
        return session.sentence_queue and queue is not None and self.document.id in queue.documents

    def _clamp(self, idx: int) -> int:
        return max(0, min(idx, max(0, self.document.n_sentences - 1)))

    def say(self, message: str, severity: str = "info") -> None:
        self.query_one(StatusLine).say(message, severity)

    def refresh_all(self) -> None:
        """Redraw everything that depends on the position or the saved states."""
        session = self.session
        self.query_one(SentenceView).invalidate()
        row = self.row_at(self.idx)
        state = self.effective_state(row) if row is not None else AnnotationState()
        saved = decide.saved_labels(state)
        selection = tuple(self.draft) if self.draft is not None else saved
        saving = session.saving_text(row) if row is not None else None
        dirty = row is not None and selection != saved  # what _dirty() says, without reading the row again
        suggester = session.suggester
        view = suggester.view(row) if suggester is not None and row is not None else None
        self.query_one("#side").set_class(view is not None, "-suggest")
        self.query_one(LabelPanel).show(self.schema, selection, state, dirty, saving, view)
        rtl = row is not None and sentence_is_rtl(row.text, row.lang)
        self.query_one(DocHeader).show(
            session.annotator_name or "?",
            self.document.name,
            self.document.lang,
            self.idx,
            self.document.n_sentences,
            self.navigator.filter_text(),
            self.reorder,
            rtl,
            self._order_text(),
        )
        self.refresh_progress()

    def _order_text(self) -> str:
        suggester = self.session.suggester
        if suggester is None or suggester.order != "uncertain":
            return ""
        return f"most uncertain first, {suggester.left_in_queue():,} left"

    def refresh_progress(self) -> None:
        progress = self.session.progress
        self.query_one(ProgressLine).show(
            progress.decided(self.document.id),
            progress.size(self.document.id, self.document.n_sentences),  # their share, in a queue
            progress.total_decided,
            progress.total_sentences,
            progress.shares,  # the figures count the annotator's share: the labels say so
        )

    # -- moving --------------------------------------------------------------------------------

    def _dirty(self) -> bool:
        if self.draft is None:
            return False
        row = self.row_at(self.idx)
        if row is None:
            return False
        return tuple(self.draft) != decide.saved_labels(self.effective_state(row))

    def go(self, idx: int) -> None:
        idx = self._clamp(idx)
        if idx != self.idx and self._dirty():
            if self._preselected():
                # suggest_preselect: selected for them, not by them; still not saved, and they should know
                self.say(f"Pre-selected suggestion on #{self.idx + 1:,} was not saved (Enter saves it)", "warning")
            else:
                self.say(f"Selection on #{self.idx + 1:,} was not saved (Enter saves)", "warning")
        self.idx = idx
        self.session.timer.show((self.document.id, idx))  # time on screen goes to this sentence
        self.draft = None
        self.keys_here = 0
        self._preselect()
        self.label_keys.end_definition()
        self.refresh_all()
        self._prefetch()

    def _preselected(self) -> bool:
        """The draft is the pre-selected suggestion (suggest_preselect), untouched."""
        suggester = self.session.suggester
        row = self.row_at(self.idx)
        if suggester is None or not suggester.preselect or not suggester.enabled or row is None:
            return False
        return self.draft == suggester.suggested(row)

    def _preselect(self) -> None:
        """With ``suggest_preselect = true``: an undecided sentence starts with the suggestions selected."""
        suggester = self.session.suggester
        row = self.row_at(self.idx)
        if suggester is None or not suggester.preselect or row is None:
            return
        if not self.effective_state(row).decided:
            suggested = suggester.suggested(row)
            self.draft = list(suggested) if suggested else None

    def switch_document(self, document: DocumentInfo, idx: int) -> None:
        self.document = document
        self.draft = None
        self.navigator.filter = ("queue", None) if self._sentence_queue() else ("all", None)
        self.go(idx)

    def _move(self, target: int | SeekQuery) -> None:
        if isinstance(target, SeekQuery):
            self._seek(target)
        else:
            self.go(target)

    def _go_to(self, item: QueueItem) -> None:
        if item.document_id != self.document.id:
            self.switch_document(self.session.document(item.document_id), item.idx)
        else:
            self.go(item.idx)

    def _queue_step(self, backwards: bool = False) -> int | None:
        """With the queue filter, the annotator's next (previous) sentence in this document from
        the queue in memory: no read, so the next key already acts there. None: ask the database
        (their units here end, or a dynamic queue may have taken more since)."""
        queue = self.session.queue
        if self.navigator.filter[0] != "queue" or queue is None:
            return None
        return queue.next_idx(self.document.id, self.idx, backwards=backwards)

    def _next_uncertain(self) -> bool:
        """--order uncertain: go to the most uncertain sentence left; False when none is left."""
        suggester = self.session.suggester
        if suggester is None or suggester.order != "uncertain" or self.navigator.filtered:
            return False
        row = self.row_at(self.idx)
        item = suggester.next_in_queue(row.id if row is not None else None)
        if item is None:
            self.say("No sentence left in the uncertainty queue: on in document order", "info")
            return False
        self._go_to(item)
        return True

    def _advance(self) -> None:
        if self._next_uncertain():
            return
        mine = self._queue_step()
        if mine is not None:
            self.go(mine)
            return
        target = self.navigator.advance(self.idx, self.document.n_sentences)
        if target is None:
            self.draft = None
            self.refresh_all()
            self.say("That was the last sentence: . finds any left open, escape lists the documents", "info")
            return
        self._move(target)

    def _seek(self, query: SeekQuery) -> None:
        session = self.session
        run = partial(find, session.context.engine, self.document.id, self.document.n_sentences)
        self.seeking = query
        self._seek_worker_running = self.run_worker(
            partial(self._seek_worker, run, session.annotator_id or 0, query),
            group="seek",  # not exclusive: a later request supersedes by its number (Navigator.answer),
            # and the keys held for a move start the next lookup while the last worker is still ending
            thread=True,
            exit_on_error=False,
        )

    def _count_key(self) -> None:
        self.keys_here += 1

    def _seek_worker(self, run: partial[SeekDone], annotator: int, query: SeekQuery) -> None:
        self.post_message(run(annotator, query))

    @on(SeekDone)
    def _seek_done(self, message: SeekDone) -> None:
        idx, text, severity = self.navigator.answer(message)
        if idx is None and text is not None and message.purpose == "advance":
            self.draft = None
            self.refresh_all()
        if idx is not None:
            self.go(idx)
        if text is not None:
            self.say(text, severity)
        if message.request == self.navigator.request:
            self.seeking = None
            self._replay_held_keys()

    def _replay_held_keys(self) -> None:
        """The keys pressed while a move was looked up, in order, until one starts another lookup."""
        while self.held_keys and self.seeking is None:
            self.held_keys.popleft()()

    def _seek_failed(self, error: BaseException | None) -> None:
        """The lookup failed: where the held keys were meant to act is unknown, so they are dropped
        and the status line says so (after the app's own notice of the error)."""
        self.seeking = None
        if self.held_keys:
            dropped = sum(1 for held in self.held_keys if held != self._count_key)  # the keys, not their counts
            self.held_keys.clear()
            text = f"The move failed ({describe_error(error)}): {dropped:,} key(s) typed meanwhile were not applied"
            self.post_message(Notice(text, "error"))

    def _prefetch(self) -> None:
        pages = self.session.pages
        for page in pages.missing_around(self.document.id, self.idx, self.document.n_sentences):
            if page not in self._loading:
                self._loading.add(page)
                self.run_worker(
                    partial(self._load_page, self.document.id, page), group="pages", thread=True, exit_on_error=False
                )

    def _load_page(self, document_id: int, page: int) -> None:
        rows = self.session.pages.load_page(document_id, page)
        self.post_message(PageLoaded(document_id, page, rows))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        self._loading.discard(message.page)
        pages = self.session.pages
        if not pages.has_page(message.document_id, message.page):
            pages.put_page(message.document_id, message.page, message.rows)

    @on(LabelPanel.Clicked)
    def _label_clicked(self, message: LabelPanel.Clicked) -> None:
        self.action_label(message.label_id)

    @on(SentenceView.Picked)
    def _picked(self, message: SentenceView.Picked) -> None:
        self.go(message.idx)

    # -- moving keys -----------------------------------------------------------------------------

    @in_order
    def action_next(self) -> None:
        mine = self._queue_step()
        self._move(mine if mine is not None else self.navigator.step(self.idx, 1))

    @in_order
    def action_previous(self) -> None:
        mine = self._queue_step(backwards=True)
        self._move(mine if mine is not None else self.navigator.step(self.idx, -1))

    @in_order
    def action_page(self, delta: int) -> None:
        self.go(self.idx + delta)

    @in_order
    def action_first(self) -> None:
        self.go(0)

    @in_order
    def action_last(self) -> None:
        self.go(self.document.n_sentences - 1)

    @in_order
    def action_next_open(self) -> None:
        if not self._next_uncertain():
            self._seek(self.navigator.next_open(self.idx))

    @in_order
    def action_jump(self) -> None:
        n = self.document.n_sentences

        def jump(value: str | None) -> None:
            if value is None or not value.strip():
                return
            try:
                number = int(value.strip().replace(",", "").replace("#", ""))
            except ValueError:
                self.say(f"Not a sentence number: {value}", "warning")
                return
            if not 1 <= number <= n:
                self.say(f"No sentence #{number:,}: this document has 1 to {n:,}", "warning")
                return
            self.go(number - 1)

        self.app.push_screen(
            TextPrompt(f"Go to sentence (1 to {n:,})", "", "number", "Enter goes, Escape cancels"), jump
        )

    @in_order
    def action_search(self) -> None:
        def search(value: str | None) -> None:
            if value is not None and value.strip():
                self._seek(self.navigator.search(self.idx, value.strip()))

        self.app.push_screen(
            TextPrompt(
                "Search the text of this document",
                self.navigator.search_text,
                "words to find",
                "Enter finds the next match (/ then Enter again: the one after)",
            ),
            search,
        )

    @in_order
    def action_filter(self) -> None:
        def chosen(choice: FilterChoice | None) -> None:
            if choice is None:
                return
            query = self.navigator.choose_filter(choice, self.idx)
            self.refresh_all()
            if query is None:
                self.say("Showing all sentences", "info")
            else:
                self._seek(query)

        self.app.push_screen(
            FilterDialog(self.schema, self.navigator.filter, with_queue=self._sentence_queue()), chosen
        )

    # -- deciding keys ---------------------------------------------------------------------------

    def _apply(self, row: SentenceRow, outcome: decide.Outcome) -> None:
        if outcome.draft is not decide.KEEP:
            self.draft = outcome.draft
        change = outcome.change
        if change is not None and change.status in ("labelled", "skipped"):
            # provenance: what was suggested on screen (None: nothing shown) and what it cost
            suggester = self.session.suggester
            shown = suggester is not None and suggester.enabled
            suggested = suggester.suggested(row) if shown and suggester is not None else None
            change = replace(change, suggested=suggested, keys_pressed=self.keys_here)
        if change is not None:
            # the active time the sentence was on screen before this change goes with it
            seconds = self.session.timer.take((row.document_id, row.idx))
            self.session.submit_decision(row, replace(change, seconds=seconds), outcome.describe, self)
        if outcome.say:
            self.say(outcome.say, outcome.severity)
        if outcome.advance:
            self._advance()
        else:
            self.refresh_all()

    @in_order
    def action_label(self, label_id: str) -> None:
        if self.label_keys.definition_wanted(label_id):
            return
        row = self.row_at(self.idx)
        if row is None:
            return
        outcome = decide.label_key(self.schema, self.effective_state(row), self.draft, label_id)
        if not outcome.advance:
            self.label_keys.end_definition()
        self._apply(row, outcome)

    @in_order
    def action_save(self) -> None:
        row = self.row_at(self.idx)
        if row is not None:
            outcome = decide.enter_key(self.schema, self.effective_state(row), self.draft)
            if outcome.advance or outcome.change is not None:
                self._apply(row, outcome)
            elif outcome.say:
                self.say(outcome.say, outcome.severity)

    @in_order
    def action_skip(self) -> None:
        row = self.row_at(self.idx)
        if row is not None:
            self._apply(row, decide.skip_key())

    def _switch(self, field: str, on: str, off: str) -> None:
        row = self.row_at(self.idx)
        if row is not None:
            self._apply(row, decide.switch_key(self.effective_state(row), field, on, off))

    @in_order
    def action_flag(self) -> None:
        self._switch("flagged", "flagged", "unflagged")

    @in_order
    def action_negated(self) -> None:
        self._switch("negated", "negated", "not negated")

    @in_order
    def action_note(self) -> None:
        row = self.row_at(self.idx)
        if row is None:
            return
        note = self.effective_state(row).note or ""

        def write(value: str | None) -> None:
            outcome = decide.note_written(note, value)
            if outcome.change is not None:
                self._apply(row, outcome)
            elif outcome.say:
                self.say(outcome.say, outcome.severity)

        self.app.push_screen(
            TextPrompt(
                f"Note on sentence #{row.idx + 1:,}",
                visible(note),
                "a note for the reviewers (empty removes it)",
                "Enter saves, Escape cancels",
            ),
            write,
        )

    @in_order
    def action_undo(self) -> None:
        self.draft = None
        self.session.submit_undo(self.document.id, self.idx, self)
        self.say("Undoing…", "info")

    def action_retry(self) -> None:
        self.session.saves.retry_now()

    # -- suggestions -------------------------------------------------------------------------------

    @in_order
    def action_accept_suggestions(self) -> None:
        """Tab: select exactly the suggested labels (Enter saves them)."""
        suggester = self.session.suggester
        row = self.row_at(self.idx)
        if suggester is None or not suggester.enabled:
            self.say("Suggestions are off: S turns them on", "warning")
            return
        if row is None:
            return
        suggested = suggester.suggested(row)
        if not suggested:
            self.say("Nothing is suggested for this sentence: choose with the label keys", "warning")
            return
        self.draft = list(suggested)
        self.refresh_all()
        self.say(f"Selected the suggestion: {', '.join(suggested)}. Enter saves", "info")

    def action_toggle_suggestions(self) -> None:
        suggester = self.session.suggester
        if suggester is not None:
            suggester.enabled = not suggester.enabled
            self.refresh_all()
            self.say(f"Suggestions {'on' if suggester.enabled else 'off'}", "info")
            return
        from annotator.core.suggest.training import require_sklearn

        try:
            require_sklearn()
        except UserError as exc:
            self.say(str(exc), "error")
            return
        self.say("Loading the suggestion model…", "info")
        self.run_worker(self._load_suggester, group="suggest-load", thread=True, exit_on_error=False)

    def _load_suggester(self) -> None:
        from annotator.core.suggest.session import starting_model

        context = self.session.context
        start = starting_model(context.engine, context.schema)
        self.post_message(SuggesterReady(start.model, start.description, start.source))

    @on(SuggesterReady)
    def _suggester_ready(self, message: SuggesterReady) -> None:
        settings = self.session.context.settings
        self.session.suggester = Suggester(
            self.schema,
            message.model,
            message.description,
            retrain_every=settings.suggest_retrain_every,
            preselect=settings.suggest_preselect,
            base_source=message.source,
        )
        self.refresh_all()
        self.say(f"Suggestions on: {message.description}", "info")

    def suggestions_changed(self, description: str | None) -> None:
        """The session's model was retrained (the app swapped it in)."""
        if self.keys_here == 0:  # nothing pressed here yet: a pre-selection follows the new model
            self.draft = None
            self._preselect()
        self.refresh_all()
        if description:
            self.say(f"Suggestions {description}", "info")

    # -- what the save queue says ------------------------------------------------------------------

    @on(SaveQueue.Committed)
    def _committed(self, message: SaveQueue.Committed) -> None:
        job = message.job
        when = self.session.context.clock().strftime("%H:%M:%S")
        if job.kind == "undo":
            result = message.result
            if not isinstance(result, UndoResult):
                self.say("Nothing left to undo", "warning")
                self.refresh_all()
                return
            if result.document_id != self.document.id:
                self.switch_document(self.session.document(result.document_id), result.idx)
            else:
                self.go(result.idx)
            self.draft = None
            state = result.state
            shown = (
                ", ".join(state.labels)
                if state.status == "labelled"
                else {"skipped": "skipped"}.get(state.status, "not decided")
            )
            self.say(f"↶ Undone on #{result.idx + 1:,}: now {shown} (saved at {when})", "saved")
        else:
            text = f"✓ Saved {job.where}: {job.describe} at {when} ({message.saved} this session)"
            if message.waiting:
                text += f"; {message.waiting} more being saved"
            self.say(text, "saved")
            if job.sentence_id is not None and job.change is not None and job.change.status in ("labelled", "skipped"):
                self.session.decision_committed(job.sentence_id)
        self.refresh_all()

    @on(SaveQueue.Failed)
    def _failed(self, message: SaveQueue.Failed) -> None:
        self.say(message.text, "error")
        self.refresh_all()

    @on(Notice)
    def _notice(self, message: Notice) -> None:
        self.say(message.text, message.severity)
        self.refresh_all()

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

    @in_order
    def action_documents(self) -> None:
        if self.label_keys.close_panel():
            return
        if self._dirty():
            self.say(f"Selection on #{self.idx + 1:,} was not saved", "warning")
        self.session.timer.show(None)  # the document list is no sentence's time
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Worker messages do not bubble: hand them to the app's single error handler.
        if event.worker.group == "pages" and event.state == WorkerState.ERROR:
            self._loading.clear()  # let a later move prefetch again
        self.session.context.worker_state_changed(event)
        if event.worker is self._seek_worker_running and event.state == WorkerState.ERROR:
            self._seek_failed(event.worker.error)

    def on_key(self, event: events.Key) -> None:
        if not (event.character and event.character in LAYOUT_DIGITS):  # those come again as 0-9
            if self.seeking is not None:  # counted where it acts: after the move (see in_order)
                self.held_keys.append(self._count_key)
            else:
                self._count_key()
        self.label_keys.on_key(event)
