"""The help screen (``?``): every key (after the user's keymap) and every label's definition."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.core.labels import LabelSchema
from annotator.tui.keys import ANNOTATE_BINDINGS, APP_BINDINGS, PICKER_BINDINGS, binding_rows


def keys_table(keymap: dict[str, str], bindings: list[BindingType] | None = None) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    table.add_column("key", no_wrap=True, style="bold cyan")
    table.add_column("does")
    table.add_column(Text("binding id (config [keymap])"), style="dim", no_wrap=True)
    for keys, text, ident in binding_rows(
        [*ANNOTATE_BINDINGS, *APP_BINDINGS] if bindings is None else bindings, keymap
    ):
        table.add_row(Text(keys), Text(text), Text(ident))
    return table


def labels_table(schema: LabelSchema, keymap: dict[str, str]) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True, show_lines=True)
    table.add_column("key", no_wrap=True, style="bold cyan")
    table.add_column("label", no_wrap=True)
    table.add_column("definition and example", ratio=1)
    for label in schema.labels:
        keys = keymap.get(f"label.{label.id}", label.key)
        if label.alt_key:
            keys += " " + keymap.get(f"label.{label.id}.alt", label.alt_key)
        body = Text(label.description)
        if label.exclusive:
            body.append(" Saves at once and clears the other labels.", style="italic")
        if label.example:
            body.append("\ne.g. ", style="dim")
            body.append(label.example, style="italic dim")
        table.add_row(Text(keys), Text(label.name, style="bold"), body)
    return table


ANNOTATE_INTRO = (
    "A label key toggles the label; Enter saves the selection and moves on (k labels: k+1 keys). "
    "The 'none' key saves at once. Every decision is saved to the database when the status line "
    "says so. Digits always work, whatever the keyboard layout."
)


class HelpScreen(ModalScreen[None]):
    """Every key (after the user's keymap) and every label's definition and example.

    ``sections``: (heading, bindings, widget id) of the keys to list; by default the annotate
    screen's keys and the document list's.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close"),
    ]

    def __init__(
        self,
        schema: LabelSchema,
        keymap: dict[str, str],
        config: Path | None,
        *,
        intro: str = ANNOTATE_INTRO,
        sections: list[tuple[str, list[BindingType], str]] | None = None,
    ) -> None:
        super().__init__()
        self.schema = schema
        self.keymap = keymap
        self.config = config
        self.intro = intro
        self.sections = sections or [
            ("Keys", [*ANNOTATE_BINDINGS, *APP_BINDINGS], "help-keys"),
            ("Document list keys", PICKER_BINDINGS, "help-picker-keys"),
        ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(Text("annotator: keys and labels   (Escape closes)", style="bold"), id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(Text(self.intro), classes="help-text")
                for heading, bindings, ident in self.sections:
                    yield Static(Text(heading, style="bold underline"), classes="help-heading")
                    yield Static(keys_table(self.keymap, bindings), id=ident)
                yield Static(
                    Text(f"Labels ({self.schema.ref}, {self.schema.mode}-label)", style="bold underline"),
                    classes="help-heading",
                )
                yield Static(labels_table(self.schema, self.keymap))
                where = str(self.config) if self.config else "$XDG_CONFIG_HOME/annotator/config.toml"
                yield Static(Text("Settings file (one line, shortened if long):", style="dim"), classes="help-heading")
                yield Static(Text(where, style="dim"), id="help-config-path")
                yield Static(
                    Text(
                        "Remap any key there by its binding id; label keys are label.<id> and "
                        'label.<id>.alt, e.g.\n[keymap]\n"annotate.skip" = "x,z"\n"label.none.alt" = "0"',
                        style="dim",
                    ),
                    classes="help-text",
                )

    def action_close(self) -> None:
        self.dismiss(None)
