"""Active time on a sentence: how long it was on screen before a decision, pauses capped.

The annotate screen tells an :class:`ActiveTimer` which sentence is shown (``show``) and
that the person did something (``activity``: a key, a click); a decision ``take`` s the
sentence's time. Between two such moments the time goes to the sentence on screen, but a
gap longer than ``cap`` (2 minutes) counts as ``cap``: a lunch break is not a slow
sentence, and a sentence read slowly still counts as read. A sentence left and visited
again adds up its visits; time spent on no sentence (the document list) counts for none.

The clock is injected (monotonic seconds), so tests drive time by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

PAUSE_CAP_SECONDS = 120.0


class ActiveTimer:
    def __init__(self, clock: Callable[[], float] = time.monotonic, cap: float = PAUSE_CAP_SECONDS) -> None:
        self._clock = clock
        self.cap = cap
        self._current: Hashable | None = None
        self._last = clock()
        self._spent: dict[Hashable, float] = {}

    def _credit(self) -> None:
        now = self._clock()
        gap = min(max(now - self._last, 0.0), self.cap)
        self._last = now
        if self._current is not None and gap:
            self._spent[self._current] = self._spent.get(self._current, 0.0) + gap

    def show(self, key: Hashable | None) -> None:
        """``key`` is on screen from now on (None: no sentence is)."""
        self._credit()
        self._current = key

    def activity(self) -> None:
        """The person did something: the time since the last moment was active (up to the cap)."""
        self._credit()

    def take(self, key: Hashable) -> float:
        """The active seconds ``key`` was on screen until now; its count starts again from 0."""
        self._credit()
        return self._spent.pop(key, 0.0)

    def peek(self, key: Hashable) -> float:
        return self._spent.get(key, 0.0)
