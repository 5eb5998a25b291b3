"""The review app (``annotator adjudicate``): one review screen over the adjudication queue.

Shares with the annotation app everything ``BaseApp`` owns (the ordered save queue,
quitting that waits for it, worker errors, the keymap); its screen is handed a
``ReviewSession``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from annotator.core.labels import LabelSchema
from annotator.tui.base import BaseApp
from annotator.tui.config import Settings
from annotator.tui.keys import APP_BINDINGS, REVIEW_BINDINGS, TAKE_FKEYS, TAKE_LETTERS, take_bindings
from annotator.tui.review_session import ReviewSession
from annotator.tui.screens.help import HelpScreen
from annotator.tui.screens.review import ReviewScreen

REVIEW_INTRO = (
    "The queue holds the sentences whose annotators disagree, the most split first. The majority set is "
    "pre-selected: Enter accepts it as the gold and goes on. A label key toggles a label (the 'none' key saves "
    f"at once). To take one annotator's set press the letter of their column: Shift+{TAKE_LETTERS[0]} for A, "
    f"Shift+{TAKE_LETTERS[1]} for B, … Shift+{TAKE_LETTERS[-1]} (or F1…F{TAKE_FKEYS} for the first {TAKE_FKEYS}), "
    "then Enter; columns past Z have no key. x leaves a sentence for later, w writes why, "
    "u undoes. A gold is saved to the database when the status line says so."
)


class ReviewApp(BaseApp):
    """``annotator adjudicate``: returns the number of gold writes left unsaved (0 normally)."""

    TITLE = "annotator adjudicate"

    def __init__(
        self,
        engine: Engine,
        *,
        adjudicator: str,
        label: str | None = None,
        documents: list[int] | None = None,
        min_annotators: int = 2,
        blind: bool = False,
        include_gold: bool = False,
        bidi: bool | None = None,
        settings: Settings | None = None,
        schema: LabelSchema | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(engine, bidi=bidi, settings=settings, schema=schema, clock=clock)
        self.review = ReviewSession(
            self.context,
            adjudicator=adjudicator,
            label=label,
            documents=documents,
            min_annotators=min_annotators,
            blind=blind,
            include_gold=include_gold,
        )

    def run_result(self) -> dict[str, Any]:
        """``saved``: golds saved this session less those undone (what ``adjudicate`` prints)."""
        return {**super().run_result(), "saved": self.review.net_saved}

    def on_mount(self) -> None:
        super().on_mount()
        self.push_screen(ReviewScreen(self.review))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            context = self.context
            bindings = [*REVIEW_BINDINGS, *take_bindings(context.schema), *APP_BINDINGS]
            self.push_screen(
                HelpScreen(
                    context.schema,
                    context.settings.keymap,
                    context.settings.path,
                    intro=REVIEW_INTRO,
                    sections=[("Review keys", bindings, "help-keys")],
                )
            )
