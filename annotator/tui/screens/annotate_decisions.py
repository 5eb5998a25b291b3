"""What a deciding key does on the annotate screen, as plain functions of the saved state.

Each function answers with an ``Outcome``: the selection left unsaved (the draft), the
change to save (if any) and whether to move on. The screen applies it: the change goes
to the save queue, and the sentence shows as pending until the queue reports the commit.
No Textual here: the rules are tested without a screen, and the review screen reuses
the label rule (``press_label``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annotator.core.decisions import Change
from annotator.core.entities import AnnotationState
from annotator.core.labels import LabelSchema

KEEP: Any = object()  # the draft stays as it is


def saved_labels(state: AnnotationState) -> tuple[str, ...]:
    """The labels a decision holds: none unless it is labelled."""
    return state.labels if state.status == "labelled" else ()


@dataclass(frozen=True)
class Outcome:
    draft: Any = KEEP  # list[str] | None (nothing toggled) | KEEP
    change: Change | None = None
    describe: str = ""
    advance: bool = False
    say: str | None = None
    severity: str = "info"


def press_label(schema: LabelSchema, base: list[str], label_id: str) -> tuple[list[str], bool]:
    """The selection after a label key, and whether it is final at once (an exclusive
    label such as ``none``, or any label of a single-label schema, saves and moves on)."""
    selection = schema.toggle(base, label_id)
    final = label_id in selection and (schema.get(label_id).exclusive or schema.mode == "single")
    return selection, final


def label_key(schema: LabelSchema, state: AnnotationState, draft: list[str] | None, label_id: str) -> Outcome:
    base = draft if draft is not None else list(saved_labels(state))
    selection, final = press_label(schema, base, label_id)
    if final:
        return Outcome(None, Change(labels=selection, status="labelled"), ", ".join(selection), advance=True)
    return Outcome(selection)


def enter_key(schema: LabelSchema, state: AnnotationState, draft: list[str] | None) -> Outcome:
    saved = list(saved_labels(state))
    selection = draft if draft is not None else saved
    if not selection:
        if state.decided:
            return Outcome(advance=True)
        none = [lab for lab in schema.labels if lab.exclusive]
        hint = f", {none[0].key} = {none[0].name}" if none else ""
        return Outcome(say=f"Nothing selected: press label keys, then Enter{hint}, x = skip", severity="warning")
    if selection != saved or state.status != "labelled":
        return Outcome(None, Change(labels=selection, status="labelled"), ", ".join(selection), advance=True)
    return Outcome(advance=True)


def skip_key() -> Outcome:
    return Outcome(None, Change(status="skipped"), "skipped", advance=True)


def switch_key(state: AnnotationState, field: str, on: str, off: str) -> Outcome:
    """Flip a yes/no field of the decision (``on``/``off`` describe the result)."""
    value = not getattr(state, field)
    return Outcome(change=Change(**{field: value}), describe=on if value else off)


def note_written(old: str | None, value: str | None) -> Outcome:
    """The note prompt answered ``value`` (None: cancelled; empty: remove the note)."""
    if value is None:
        return Outcome(say="Note not changed")
    text = value.strip() or None
    if text == (old or None):
        return Outcome()
    return Outcome(change=Change(note=text), describe="note" if text else "note removed")
