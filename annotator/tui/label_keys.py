"""The label keys of a screen: one binding per label key, ``h`` + a label key for its
definition, and the digits an Arabic or Persian keyboard layout sends.

Shared by the annotate and the review screen (composition): the screen creates one,
forwards its ``on_key`` and asks ``definition_wanted`` before toggling a label.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.screen import Screen

from annotator.core.labels import LabelSchema
from annotator.core.text import visible
from annotator.tui.keys import LAYOUT_DIGITS, label_bindings
from annotator.tui.widgets.panels import DefinitionPanel, StatusLine


class LabelKeys:
    def __init__(self, screen: Screen[Any], schema: LabelSchema) -> None:
        self.screen = screen
        self.schema = schema
        self.awaiting_definition = False
        # Label keys come from the schema: bind them on this screen instance, each with an id.
        keys = screen._bindings.key_to_bindings
        for binding in label_bindings(schema):
            keys[binding.key] = [*keys.get(binding.key, []), binding]

    def _panel(self) -> DefinitionPanel:
        return self.screen.query_one(DefinitionPanel)

    def ask_definition(self) -> None:
        """``h``: the next label key shows that label's definition instead of toggling it."""
        self.awaiting_definition = True
        self._panel().prompt("Definition of which label? Press its key (escape cancels).")

    def definition_wanted(self, label_id: str) -> bool:
        """True when this label key answers ``h`` (its definition is now shown)."""
        if not self.awaiting_definition:
            return False
        self.awaiting_definition = False
        self._panel().show_label(self.schema.get(label_id))
        return True

    def end_definition(self) -> None:
        if self.awaiting_definition:
            self.awaiting_definition = False
            self._panel().show_label(None)

    def close_panel(self) -> bool:
        """Escape: cancel the ``h`` prompt or hide a definition; False when there was neither."""
        if self.awaiting_definition:
            self.end_definition()
            return True
        panel = self._panel()
        if panel.display:
            panel.show_label(None)
            return True
        return False

    def on_key(self, event: events.Key) -> None:
        char = event.character
        if char and char in LAYOUT_DIGITS:
            # An Arabic or Persian layout sends its own digits: treat them as 0-9.
            event.stop()
            event.prevent_default()
            self.screen.app.simulate_key(LAYOUT_DIGITS[char])
            return
        active = self.screen.active_bindings
        if self.awaiting_definition:
            binding = active.get(event.key)
            if binding is None or not (binding.binding.id or "").startswith("label."):
                # h, then something other than a label key: forget the h
                self.end_definition()
                if event.key == "escape":
                    event.stop()
                    event.prevent_default()
                    return
        if not char:
            return
        if not char.isascii() and char.isprintable() and event.key not in active:
            self.screen.query_one(StatusLine).say(
                f"“{visible(char)}” is not a key here: with a non-Latin keyboard layout use the digit keys for labels "
                "(? lists them)",
                "warning",
            )
