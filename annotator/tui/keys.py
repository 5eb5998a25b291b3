"""Every key of the TUI as a ``Binding`` with an id (remappable from config.toml's [keymap]).

The annotate screen's keys here must stay in sync with ``annotator.core.labels.RESERVED_KEYS``
(schemas may not use them for labels); ``tests/test_tui_keys.py`` checks it.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from annotator.core.labels import LabelSchema

APP_BINDINGS: list[BindingType] = [
    Binding(
        "question_mark", "help", "Help", key_display="?", id="app.help", tooltip="Every key and each label's definition"
    ),
    Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit (waits for decisions still being saved)"),
]

ANNOTATE_BINDINGS: list[BindingType] = [
    Binding(
        "enter", "save", "Save+next", id="annotate.save", tooltip="Save the selected labels and go to the next sentence"
    ),
    Binding(
        "x", "skip", "Skip", id="annotate.skip", tooltip="Save as skipped (missing for agreement, not 'none') and go on"
    ),
    Binding(
        "exclamation_mark",
        "flag",
        "Flag",
        key_display="!",
        id="annotate.flag",
        tooltip="Flag / unflag the sentence for review",
    ),
    Binding(
        "t", "negated", "Negated", id="annotate.negated", show=False, tooltip="Mark / unmark the statement as negated"
    ),
    Binding("w", "note", "Note", id="annotate.note", tooltip="Write a note on the sentence"),
    Binding(
        "u,ctrl+z", "undo", "Undo", id="annotate.undo", tooltip="Undo the last change, even on an earlier sentence"
    ),
    Binding(
        "j,down", "next", "Next", id="annotate.next", show=False, tooltip="Next sentence (next match when filtered)"
    ),
    Binding(
        "k,up",
        "previous",
        "Previous",
        id="annotate.previous",
        show=False,
        tooltip="Previous sentence (previous match when filtered)",
    ),
    Binding("pagedown", "page(10)", "10 down", id="annotate.page_down", show=False, tooltip="Ten sentences on"),
    Binding("pageup", "page(-10)", "10 up", id="annotate.page_up", show=False, tooltip="Ten sentences back"),
    Binding("g,home", "first", "First", id="annotate.first", show=False, tooltip="First sentence of the document"),
    Binding("G,end", "last", "Last", id="annotate.last", show=False, tooltip="Last sentence of the document"),
    Binding(
        "full_stop",
        "next_open",
        "Next open",
        key_display=".",
        id="annotate.next_open",
        show=False,
        tooltip="Next sentence you have not decided",
    ),
    Binding(
        "colon", "jump", "Go to", key_display=":", id="annotate.jump", show=False, tooltip="Go to a sentence number"
    ),
    Binding(
        "slash",
        "search",
        "Search",
        key_display="/",
        id="annotate.search",
        tooltip="Search the text (again: next match)",
    ),
    Binding(
        "backslash",
        "filter",
        "Filter",
        key_display="\\",
        id="annotate.filter",
        tooltip="Show only unannotated / flagged / skipped / a label",
    ),
    Binding(
        "v",
        "bidi",
        "RTL",
        id="annotate.bidi",
        show=False,
        tooltip="Right-to-left reordering on/off (off for terminals that do bidi)",
    ),
    Binding(
        "h", "define", "Define", id="annotate.define", show=False, tooltip="Then a label key: that label's definition"
    ),
    Binding("ctrl+r", "retry", "Retry", id="annotate.retry", show=False, tooltip="Retry a save that failed now"),
    Binding(
        "tab",
        "accept_suggestions",
        "Accept",
        id="annotate.accept_suggestions",
        show=False,
        tooltip="Select every suggested label (◆); Enter then saves them: a right suggestion costs 2 keys",
    ),
    Binding(
        "S",
        "toggle_suggestions",
        "Suggest",
        id="annotate.suggestions",
        show=False,
        tooltip="Model suggestions on/off (annotate --suggest starts with them on)",
    ),
    Binding("escape", "documents", "Documents", id="annotate.documents", tooltip="Back to the document list"),
]

PICKER_BINDINGS: list[BindingType] = [
    Binding("enter", "open", "Annotate", id="picker.open", show=False, tooltip="Annotate the highlighted document"),
    Binding("r", "reload", "Reload", id="picker.reload", tooltip="Reload progress"),
    Binding(
        "a",
        "agreement",
        "Agreement",
        id="picker.agreement",
        tooltip="Inter-annotator agreement of the project (b: bootstrap CIs)",
    ),
]

REVIEW_BINDINGS: list[BindingType] = [
    Binding(
        "enter",
        "save",
        "Save gold+next",
        id="review.save",
        tooltip="Save the selected labels as the gold and go to the next open sentence",
    ),
    Binding(
        "x", "later", "Later", id="review.later", tooltip="Leave this sentence for later (it comes back at the end)"
    ),
    Binding("w", "note", "Note", id="review.note", tooltip="Write why this gold (saved with the gold by Enter)"),
    Binding("u,ctrl+z", "undo", "Undo", id="review.undo", tooltip="Undo your last gold, even on an earlier sentence"),
    Binding("j,down", "next", "Next", id="review.next", show=False, tooltip="Next sentence of the queue"),
    Binding("k,up", "previous", "Previous", id="review.previous", show=False, tooltip="Previous sentence of the queue"),
    Binding("g,home", "first", "First", id="review.first", show=False, tooltip="First sentence of the queue"),
    Binding("end", "last", "Last", id="review.last", show=False, tooltip="Last sentence of the queue"),
    Binding(
        "full_stop",
        "next_open",
        "Next open",
        key_display=".",
        id="review.next_open",
        show=False,
        tooltip="Next sentence without a gold (those left for later last)",
    ),
    Binding(
        "v",
        "bidi",
        "RTL",
        id="review.bidi",
        show=False,
        tooltip="Right-to-left reordering on/off (off for terminals that do bidi)",
    ),
    Binding(
        "h", "define", "Define", id="review.define", show=False, tooltip="Then a label key: that label's definition"
    ),
    Binding("ctrl+r", "retry", "Retry", id="review.retry", show=False, tooltip="Retry a save that failed now"),
    Binding(
        "pagedown",
        "scroll_votes(1)",
        "Votes down",
        id="review.votes_down",
        show=False,
        tooltip="Scroll the annotators' votes down (when there are more than fit)",
    ),
    Binding(
        "pageup",
        "scroll_votes(-1)",
        "Votes up",
        id="review.votes_up",
        show=False,
        tooltip="Scroll the annotators' votes up",
    ),
    Binding(
        "escape",
        "close",
        "Close",
        id="review.close",
        show=False,
        tooltip="Close a definition, else quit (waits for saves)",
    ),
]

TAKE_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # the annotators' columns on the review screen with a key
TAKE_FKEYS = 12  # F1…F12 take the first twelve columns too (terminals rarely send F13 and beyond)


def column_letter(n: int) -> str:
    """The letter of the ``n``-th annotator column (1-based): A…Z, then AA, AB… (no key past Z)."""
    name = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def take_bindings(schema: LabelSchema) -> list[Binding]:
    """A key per annotator column: Shift+letter (A…Z: the column's letter) and F1…F12.

    A letter that the schema uses as a label key is left out (its F-key, if any, works).
    Columns past Z (a sentence with more than 26 annotators) are shown, with no key: take
    their set with the label keys.
    """
    used = {key for label in schema.labels for key in label.keys}
    bindings: list[Binding] = []
    for n, letter in enumerate(TAKE_LETTERS, start=1):
        fkey = f"f{n}" if n <= TAKE_FKEYS else ""
        keys = ",".join(k for k in (letter if letter not in used else "", fkey) if k)
        if not keys:
            continue
        bindings.append(
            Binding(
                keys,
                f"take({n})",
                f"Take {letter}",
                show=False,
                id=f"review.take.{n}",
                tooltip=f"Take annotator {letter}'s label set as the selection (Enter saves it)",
            )
        )
    return bindings


# Characters some keyboard layouts send on the digit row: Arabic-Indic and Persian digits.
LAYOUT_DIGITS = {chr(0x0660 + n): str(n) for n in range(10)} | {chr(0x06F0 + n): str(n) for n in range(10)}


def label_bindings(schema: LabelSchema) -> list[Binding]:
    """One binding per label key (id ``label.<id>``) and alternative key (``label.<id>.alt``)."""
    bindings: list[Binding] = []
    for label in schema.labels:
        action = f"label({label.id!r})"
        tip = f"Toggle {label.name}" + (" (saves and moves on)" if label.exclusive or schema.mode == "single" else "")
        for key, suffix in ((label.key, ""), (label.alt_key, ".alt")):
            if key is None:
                continue
            bindings.extend(
                Binding.make_bindings(
                    [
                        Binding(
                            key,
                            action,
                            label.name,
                            show=False,
                            key_display=key,
                            id=f"label.{label.id}{suffix}",
                            tooltip=tip,
                        )
                    ]
                )
            )
    return bindings


def binding_rows(bindings: list[BindingType], keymap: dict[str, str]) -> list[tuple[str, str, str]]:
    """(keys as typed, description, id) for the help screen, after the user's keymap."""
    rows: dict[str, tuple[list[str], str]] = {}
    for binding in Binding.make_bindings(bindings):
        ident = binding.id or binding.action
        shown = binding.key_display or _display(binding.key)
        keys, _ = rows.setdefault(ident, ([], binding.tooltip or binding.description))
        keys.append(shown)
    out = []
    for ident, (default_keys, text) in rows.items():
        keys = [_display(key.strip()) for key in keymap[ident].split(",")] if ident in keymap else default_keys
        out.append((" ".join(keys), text, ident))
    return out


_NAMES = {
    "question_mark": "?",
    "exclamation_mark": "!",
    "full_stop": ".",
    "colon": ":",
    "slash": "/",
    "backslash": "\\",
    "grave_accent": "`",
    "minus": "-",
    "equals_sign": "=",
    "space": "space",
}


def _display(key: str) -> str:
    return _NAMES.get(key, key)
