"""The hidden temporaries a killed export left: found by age and removed."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

STALE_TEMPORARY_SECONDS = 600
"""A hidden temporary export file untouched for this long was left by a killed export."""


def _age_seconds(path: Path) -> float:
    newest = path.stat().st_mtime
    if path.is_dir():
        for child in path.iterdir():
            with contextlib.suppress(OSError):
                newest = max(newest, child.stat().st_mtime)
    return time.time() - newest


def remove_stale_temporaries(folder: Path, pattern: str, min_age: float = STALE_TEMPORARY_SECONDS) -> list[str]:
    """Delete hidden temporaries (``.<name>.<random>.tmp``) that a killed export left.

    Only those untouched for ``min_age`` seconds: a running export writes its temporary
    all the time, so a concurrent export's file is never taken for a stale one.
    """
    import shutil

    removed: list[str] = []
    if not folder.is_dir():
        return removed
    for candidate in sorted(folder.glob(pattern)):
        try:
            if _age_seconds(candidate) < min_age:
                continue
            if candidate.is_dir():
                shutil.rmtree(candidate)
            else:
                candidate.unlink()
        except OSError:
            continue
        removed.append(str(candidate))
    return removed
