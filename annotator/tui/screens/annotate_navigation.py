"""Moving around the annotate screen's document: keys, jump, search, filter, next open.

Moves with a filter on, search and "next unannotated" may scan, so they run in a worker
(``next_matching``) that posts ``SeekDone``; a later key supersedes an earlier seek.
``NavigationMixin`` is a mixin of ``AnnotateScreen``: Textual only collects ``@on``
handlers of its own classes, so the handler here goes by its name (``on_seek_done``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from annotator.core.entities import DocumentInfo
from annotator.core.labels import LabelSchema
from annotator.core.repository import next_matching
from annotator.tui.messages import SeekDone
from annotator.tui.screens.dialogs import FilterChoice, FilterDialog, TextPrompt

if TYPE_CHECKING:
    from textual.screen import Screen

    from annotator.tui.app import AnnotatorApp

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


class NavigationMixin(_ScreenBase):
    """Moving keys and seeks of ``AnnotateScreen``."""

    if TYPE_CHECKING:  # provided by AnnotateScreen
        document: DocumentInfo
        schema: LabelSchema
        idx: int
        draft: list[str] | None
        filter: FilterChoice
        search_text: str
        _seek_request: int

        @property
        def annotator_app(self) -> AnnotatorApp: ...

        def go(self, idx: int) -> None: ...

        def say(self, message: str, severity: str = "info") -> None: ...

        def refresh_all(self) -> None: ...

    # -- moving on after a decision ----------------------------------------------------------------

    def _advance(self) -> None:
        kind, label = self.filter
        if kind != "all":
            self._seek(kind, label, purpose="advance")
        elif self.idx + 1 < self.document.n_sentences:
            self.go(self.idx + 1)
        else:
            self.draft = None
            self.refresh_all()
            self.say("That was the last sentence: . finds any left open, escape lists the documents", "info")

    # -- seeking (worker) ------------------------------------------------------------------------

    def _seek(
        self,
        kind: str,
        label: str | None = None,
        *,
        purpose: str,
        backwards: bool = False,
        text: str | None = None,
        wrap: bool = False,
        after: int | None = None,
    ) -> None:
        self._seek_request += 1
        bit = self.schema.bit_of[label] if label else None
        start = self.idx if after is None else after
        self._run_seek(self._seek_request, kind, bit, start, backwards, text, wrap, purpose)

    @work(thread=True, exit_on_error=False, group="seek", exclusive=True)
    def _run_seek(
        self,
        request: int,
        kind: str,
        bit: int | None,
        after: int,
        backwards: bool,
        text: str | None,
        wrap: bool,
        purpose: str,
    ) -> None:
        app = self.annotator_app
        args = (app.engine, self.document.id, app.annotator_id or 0)
        found = next_matching(*args, after, kind, label_bit=bit, backwards=backwards, text=text)  # type: ignore[arg-type]
        wrapped = False
        if found is None and wrap:
            restart = self.document.n_sentences if backwards else -1
            found = next_matching(*args, restart, kind, label_bit=bit, backwards=backwards, text=text)  # type: ignore[arg-type]
            wrapped = found is not None
        self.post_message(SeekDone(request, found, purpose, wrapped))

    def on_seek_done(self, message: SeekDone) -> None:
        if message.request != self._seek_request:
            return  # superseded by a later key
        purpose = message.purpose
        if message.idx is None:
            texts = {
                "advance": "No more matching sentences after this one (\\ changes the filter)",
                "filter": "No sentence matches this filter",
                "next_open": "No unannotated sentence left in this document",
                "search": f"Not found: {self.search_text}",
                "next": "No further match (\\ changes the filter)",
                "previous": "No earlier match (\\ changes the filter)",
            }
            if purpose == "advance":
                self.draft = None
                self.refresh_all()
            self.say(texts.get(purpose, "Nothing found"), "warning")
            return
        self.go(message.idx)
        if purpose == "search":
            self.say(
                f"Found “{self.search_text}” in #{message.idx + 1:,}"
                + (" (wrapped to the top)" if message.wrapped else ""),
                "info",
            )
        elif purpose == "next_open" and message.wrapped:
            self.say(f"Wrapped to the top: #{message.idx + 1:,} is still open", "info")

    # -- moving keys -----------------------------------------------------------------------------

    def _step(self, delta: int) -> None:
        kind, label = self.filter
        if kind != "all":
            self._seek(kind, label, purpose="next" if delta > 0 else "previous", backwards=delta < 0)
        else:
            self.go(self.idx + delta)

    def action_next(self) -> None:
        self._step(1)

    def action_previous(self) -> None:
        self._step(-1)

    def action_page(self, delta: int) -> None:
        self.go(self.idx + delta)

    def action_first(self) -> None:
        self.go(0)

    def action_last(self) -> None:
        self.go(self.document.n_sentences - 1)

    def action_next_open(self) -> None:
        self._seek("unannotated", purpose="next_open", wrap=True)

    def action_jump(self) -> None:
        def jump(value: str | None) -> None:
            if value is None or not value.strip():
                return
            try:
                number = int(value.strip().replace(",", "").replace("#", ""))
            except ValueError:
                self.say(f"Not a sentence number: {value}", "warning")
                return
            if not 1 <= number <= self.document.n_sentences:
                self.say(f"No sentence #{number:,}: this document has 1 to {self.document.n_sentences:,}", "warning")
                return
            self.go(number - 1)

        self.app.push_screen(
            TextPrompt(
                f"Go to sentence (1 to {self.document.n_sentences:,})", "", "number", "Enter goes, Escape cancels"
            ),
            jump,
        )

    def action_search(self) -> None:
        def search(value: str | None) -> None:
            if value is None or not value.strip():
                return
            self.search_text = value.strip()
            self._seek(self.filter[0], self.filter[1], purpose="search", text=self.search_text, wrap=True)

        self.app.push_screen(
            TextPrompt(
                "Search the text of this document",
                self.search_text,
                "words to find",
                "Enter finds the next match (/ then Enter again: the one after)",
            ),
            search,
        )

    def action_filter(self) -> None:
        def chosen(choice: FilterChoice | None) -> None:
            if choice is None:
                return
            self.filter = choice
            self.refresh_all()
            if choice[0] == "all":
                self.say("Showing all sentences", "info")
                return
            self._seek(choice[0], choice[1], purpose="filter", after=self.idx - 1, wrap=True)

        self.app.push_screen(FilterDialog(self.schema, self.filter), chosen)
