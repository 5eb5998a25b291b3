"""The first screen when no annotator name is known: ask for it (and remember it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from annotator.core.errors import UserError


class NameScreen(Screen[str]):
    """Every decision belongs to a named annotator: ask once, then remember it in config.toml."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.quit", "Quit", id="name.quit")]

    def __init__(self, use_name: Callable[[str], None]) -> None:
        super().__init__()
        self.use_name = use_name  # registers the name; raises UserError for an unusable one

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Who is annotating?", style="bold"), classes="dialog-title")
            yield Input(placeholder="your name, e.g. amal", id="name-input")
            yield Static(
                Text("Each annotator sees only their own decisions. Remembered in config.toml.", style="dim"),
                id="name-hint",
                classes="dialog-hint",
            )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        try:
            self.use_name(name)
        except UserError as exc:
            self.query_one("#name-hint", Static).update(Text(str(exc), style="bold red"))
            return
        self.dismiss(name)
