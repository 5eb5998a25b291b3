"""What every screen of an app shares, owned by the app and handed to its screens.

Screens get this object (and the session built on it) when they are created, instead of
reaching for the app and casting it to its class: no screen imports the app.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from textual.app import App
from textual.worker import Worker, WorkerState

from annotator.core.labels import LabelSchema
from annotator.core.text import visible
from annotator.tui.config import Settings, save_settings
from annotator.tui.errors import describe_error
from annotator.tui.messages import Notice
from annotator.tui.saving import SaveQueue


class AppContext:
    """The database, the label schema, the user's settings, the clocks and the save queue."""

    def __init__(
        self,
        app: App[Any],
        engine: Engine,
        schema: LabelSchema,
        settings: Settings,
        *,
        bidi: bool | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.app = app
        self.engine = engine
        self.schema = schema
        self.settings = settings
        self.reorder = settings.bidi if bidi is None else bidi
        self.clock = clock or datetime.now
        # Durations (the active time of a sentence) from a monotonic clock: the wall clock can
        # jump (NTP, a laptop waking up). A clock a test injects drives both.
        self.ticks: Callable[[], float] = (lambda: clock().timestamp()) if clock is not None else time.monotonic
        self.saves = SaveQueue(app)

    # -- settings ------------------------------------------------------------------------------

    def save_settings(self) -> None:
        try:
            save_settings(self.settings)
        except OSError as exc:
            self.app.notify(visible(f"Could not write settings: {exc}"), severity="warning", markup=False)

    def set_reorder(self, on: bool) -> None:
        self.reorder = on
        self.settings.bidi = on
        self.save_settings()

    # -- worker errors -------------------------------------------------------------------------

    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where worker errors end up (screens forward their workers' events here)."""
        if event.state != WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error
        reason = describe_error(error)
        if worker.group != "save":
            message = f"Could not read the database ({worker.group}): {reason}"
            self.app.notify(message, title="Read failed", severity="error", timeout=8, markup=False)
            self.app.screen.post_message(Notice(message, "error"))
            return
        self.saves.job_failed(error, reason)
