"""What every annotator app does alike: the save queue, quitting, worker errors, keys, help.

``BaseApp`` owns the ``AppContext`` (database, schema, settings, save queue) that its
screens are given. The save worker's ``JobDone`` and every worker error come here and
go to the queue or to the one error handler (``AppContext.worker_state_changed``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Engine
from textual import on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.worker import Worker

from annotator.core.labels import LabelSchema
from annotator.core.schemas import active_schema
from annotator.tui.config import Settings, load_settings
from annotator.tui.context import AppContext
from annotator.tui.keys import APP_BINDINGS
from annotator.tui.saving import Job, JobDone, SaveQueue


class BaseApp(App[int]):
    """An app whose run returns the number of writes left unsaved (0 normally)."""

    CSS_PATH = "app.tcss"
    TITLE = "annotator"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = APP_BINDINGS

    def __init__(
        self,
        engine: Engine,
        *,
        bidi: bool | None = None,
        settings: Settings | None = None,
        schema: LabelSchema | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.context = AppContext(
            self,
            engine,
            schema or active_schema(engine),
            settings if settings is not None else load_settings(),
            bidi=bidi,
            clock=clock,
        )
        self._clash_warnings: set[str] = set()

    @property
    def saves(self) -> SaveQueue:
        return self.context.saves

    @property
    def jobs(self) -> deque[Job]:
        """The writes not committed yet, oldest first."""
        return self.context.saves.jobs

    @property
    def failed(self) -> dict[int, str]:
        return self.context.saves.failed

    @property
    def reorder(self) -> bool:
        return self.context.reorder

    def on_mount(self) -> None:
        self.set_keymap(self.context.settings.keymap)

    @on(JobDone)
    def _job_done(self, message: JobDone) -> None:
        self.context.saves.job_done(message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.context.worker_state_changed(event)

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: DOMNode) -> None:
        """A [keymap] entry took a key that another binding had: say so once."""
        lost = sorted(f"{binding.id or binding.action} ({binding.key})" for binding in clashed_bindings)
        message = "config [keymap] took keys from: " + ", ".join(lost)
        if message not in self._clash_warnings:
            self._clash_warnings.add(message)
            self.notify(message, title="Key clash", severity="warning", timeout=10, markup=False)

    async def action_quit(self) -> None:
        code = self.context.saves.quit()
        if code is not None:
            self.exit(code)

    def run_result(self) -> dict[str, Any]:
        return self.context.saves.run_result()
