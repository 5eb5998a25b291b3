"""Deciding on the annotate screen's sentence: labels, save, skip, flag, negate, note, undo.

Every decision goes to the app's save queue (``annotator.tui.saving``); the screen shows
it as pending until the queue reports the commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core.decisions import Change
from annotator.core.entities import AnnotationState, DocumentInfo, SentenceRow
from annotator.core.labels import LabelSchema
from annotator.core.text import visible
from annotator.tui.screens.dialogs import TextPrompt
from annotator.tui.widgets.panels import DefinitionPanel

if TYPE_CHECKING:
    from textual.screen import Screen

    from annotator.tui.app import AnnotatorApp

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


def saved_labels(state: AnnotationState) -> tuple[str, ...]:
    """The labels a decision holds: none unless it is labelled."""
    return state.labels if state.status == "labelled" else ()


class DecisionsMixin(_ScreenBase):
    """Deciding keys of ``AnnotateScreen``."""

    if TYPE_CHECKING:  # provided by AnnotateScreen (and NavigationMixin)
        document: DocumentInfo
        schema: LabelSchema
        idx: int
        draft: list[str] | None
        awaiting_definition: bool

        @property
        def annotator_app(self) -> AnnotatorApp: ...

        def row_at(self, idx: int) -> SentenceRow | None: ...

        def effective_state(self, row: SentenceRow) -> AnnotationState: ...

        def say(self, message: str, severity: str = "info") -> None: ...

        def refresh_all(self) -> None: ...

        def _end_definition(self) -> None: ...

        def _advance(self) -> None: ...

    def _submit(self, row: SentenceRow, change: Change, describe: str) -> None:
        self.annotator_app.submit_save(row, change, describe)

    def action_label(self, label_id: str) -> None:
        label = self.schema.get(label_id)
        if self.awaiting_definition:
            self.awaiting_definition = False
            self.query_one(DefinitionPanel).show_label(label)
            return
        row = self.row_at(self.idx)
        if row is None:
            return
        state = self.effective_state(row)
        base = self.draft if self.draft is not None else list(saved_labels(state))
        selection = self.schema.toggle(base, label_id)
        if label_id in selection and (label.exclusive or self.schema.mode == "single"):
            self.draft = None
            self._submit(row, Change(labels=selection, status="labelled"), ", ".join(selection))
            self._advance()
            return
        self.draft = selection
        self._end_definition()
        self.refresh_all()

    def action_save(self) -> None:
        row = self.row_at(self.idx)
        if row is None:
            return
        state = self.effective_state(row)
        saved = list(saved_labels(state))
        selection = self.draft if self.draft is not None else saved
        if not selection:
            if state.decided:
                self._advance()
            else:
                none = [lab for lab in self.schema.labels if lab.exclusive]
                hint = f", {none[0].key} = {none[0].name}" if none else ""
                self.say(f"Nothing selected: press label keys, then Enter{hint}, x = skip", "warning")
            return
        if selection != saved or state.status != "labelled":
            self.draft = None
            self._submit(row, Change(labels=selection, status="labelled"), ", ".join(selection))
        self._advance()

    def action_skip(self) -> None:
        row = self.row_at(self.idx)
        if row is None:
            return
        self.draft = None
        self._submit(row, Change(status="skipped"), "skipped")
        self._advance()

    def _toggle(self, field: str, on: str, off: str) -> None:
        """Flip a yes/no field of the sentence's decision (``on``/``off`` describe the result)."""
        row = self.row_at(self.idx)
        if row is not None:
            value = not getattr(self.effective_state(row), field)
            self._submit(row, Change(**{field: value}), on if value else off)
            self.refresh_all()

    def action_flag(self) -> None:
        self._toggle("flagged", "flagged", "unflagged")

    def action_negated(self) -> None:
        self._toggle("negated", "negated", "not negated")

    def action_note(self) -> None:
        row = self.row_at(self.idx)
        if row is None:
            return
        note = self.effective_state(row).note or ""

        def write(value: str | None) -> None:
            if value is None:
                self.say("Note not changed", "info")
                return
            text = value.strip() or None
            if text != (note or None):
                self._submit(row, Change(note=text), "note" if text else "note removed")
                self.refresh_all()

        self.app.push_screen(
            TextPrompt(
                f"Note on sentence #{row.idx + 1:,}",
                visible(note),
                "a note for the reviewers (empty removes it)",
                "Enter saves, Escape cancels",
            ),
            write,
        )

    def action_undo(self) -> None:
        self.draft = None
        self.annotator_app.submit_undo(self.document.id, self.idx)
        self.say("Undoing…", "info")

    def action_retry(self) -> None:
        self.annotator_app.retry_now()
