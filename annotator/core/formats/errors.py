"""The one exception the format layer raises for bad input files."""

from __future__ import annotations

from os import PathLike

from pydantic import ValidationError


class FormatError(ValueError):
    """A file (or one line of it) is not in the expected format.

    ``str(error)`` is one line: ``path:line: message`` (``path: message`` without a line).
    ``line`` is 1-based; for a CSV it is the line number where the row starts.
    """

    def __init__(self, path: str | PathLike[str] | None, line: int | None, message: str) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"


def describe_validation_error(error: ValidationError) -> str:
    """A pydantic ``ValidationError`` as one line: ``field.path: message; ...``."""
    parts = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(x) for x in item.get("loc", ()) if x != "__root__")
        msg = str(item.get("msg", "invalid")).replace("\n", " ")
        msg = msg.removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid record"


def format_error(path: str | PathLike[str] | None, line: int | None, error: Exception) -> FormatError:
    """Turn a validation or decoding error into a :class:`FormatError`."""
    if isinstance(error, FormatError):
        return error
    if isinstance(error, ValidationError):
        return FormatError(path, line, describe_validation_error(error))
    return FormatError(path, line, str(error).replace("\n", " "))
