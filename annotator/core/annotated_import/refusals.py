"""What an import refuses: a whole file it cannot read, or one document it cannot store."""

from __future__ import annotations


class _Refused(Exception):
    """A document that cannot be stored; the message says why."""


class FileRefused(Exception):
    """A file that cannot be read as the format it was taken for; the message says why."""
