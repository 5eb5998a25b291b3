"""Turning worker exceptions into one visible line, and deciding what is worth retrying."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

from annotator.core.errors import UserError
from annotator.core.redact import redact
from annotator.core.storage_errors import storage_problem
from annotator.core.text import visible


def describe_error(error: BaseException | None) -> str:
    """One line a reviewer can act on, from a database or OS error: what happened and what to do."""
    if error is None:
        return "unknown error"
    problem = storage_problem(error)
    if problem is not None:
        return problem.short()
    if isinstance(error, DBAPIError) and error.orig is not None:
        text = str(error.orig)
    else:
        text = str(error) or type(error).__name__
    return visible(redact(text.splitlines()[0]) if text else type(error).__name__)


def retryable(error: BaseException | None) -> bool:
    """Database locked, disk full, I/O errors: the same write may succeed later."""
    return isinstance(error, OperationalError | DBAPIError | OSError) and not isinstance(error, UserError)
