"""Small modal dialogs: a one-line text prompt (note, search, jump) and the filter chooser."""

from __future__ import annotations

from typing import ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.core.labels import LabelSchema
from annotator.core.repository import SentenceFilter


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text; Enter answers, Escape cancels (answer None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(
        self, title: str, value: str = "", placeholder: str = "", hint: str = "", name: str | None = None
    ) -> None:
        super().__init__(name=name)
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
            if self.hint:
                yield Static(Text(self.hint, style="dim"), classes="dialog-hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


FilterChoice = tuple[SentenceFilter, str | None]  # (kind, label id)


class FilterDialog(ModalScreen[FilterChoice | None]):
    """Choose which sentences j/k/Enter visit: all, unannotated, flagged, skipped, or a label."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, schema: LabelSchema, current: FilterChoice, *, with_queue: bool = False) -> None:
        super().__init__()
        self.schema = schema
        self.current = current
        self.with_queue = with_queue  # the annotator has sentences assigned: offer "your queue"

    def compose(self) -> ComposeResult:
        options = [
            *([Option("your queue: the sentences assigned to you", id="queue")] if self.with_queue else []),
            Option("all sentences (no filter)", id="all"),
            Option("unannotated: not yet decided", id="unannotated"),
            Option("flagged for review", id="flagged"),
            Option("skipped", id="skipped"),
            Option("labelled (any label)", id="labelled"),
        ]
        for label in self.schema.labels:
            options.append(Option(Text(f"label: {label.name} ({label.key})"), id=f"label:{label.id}"))
        with Vertical(classes="dialog"):
            yield Static(Text("Filter: which sentences to visit", style="bold"), classes="dialog-title")
            yield OptionList(*options, id="filter-options")
            yield Static(Text("Enter chooses, Escape cancels", style="dim"), classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        kind, label = self.current
        wanted = f"label:{label}" if label else kind
        for index in range(options.option_count):
            if options.get_option_at_index(index).id == wanted:
                options.highlighted = index

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        ident = event.option.id or "all"
        if ident.startswith("label:"):
            self.dismiss(("labelled", ident.removeprefix("label:")))
        else:
            self.dismiss((cast(SentenceFilter, ident), None))  # the ids of the options above

    def action_cancel(self) -> None:
        self.dismiss(None)
