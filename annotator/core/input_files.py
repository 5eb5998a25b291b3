"""Which input paths can be read, and reading them without hanging or running out of memory.

Only *regular* files are read. A named pipe (FIFO) blocks the reader until a writer comes,
which may be never; a device such as ``/dev/zero`` (often reached through a symbolic
link) never ends. Both are told apart by ``stat`` before anything opens them, and a file
is opened with ``O_NONBLOCK`` and checked again with ``fstat`` (it may have been replaced
in between). Every file is also held to a size limit (``--max-file-size``), because a
document is read whole into memory.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path

DEFAULT_MAX_FILE_SIZE = 1 << 30  # 1G: far above any real document, far below a machine's memory

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?", re.IGNORECASE)


class InputError(Exception):
    """A file or line that cannot be imported; the message names it."""


def parse_size(text: str) -> int:
    """``"1G"``, ``"500M"``, ``"64KB"``, ``"1.5GiB"`` or plain bytes -> bytes (K = 1024)."""
    match = _SIZE.fullmatch(text.strip())
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r}: expected a size such as 1G, 500M, 64K or a number of bytes")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def format_size(size: int) -> str:
    """Bytes as the shortest exact-enough unit: ``1G``, ``1.5M``, ``800K``, ``12 bytes``."""
    for unit in ("T", "G", "M", "K"):
        scale = _UNITS[unit]
        if size >= scale:
            value = size / scale
            return f"{value:.0f}{unit}" if value == int(value) or value >= 100 else f"{value:.1f}{unit}"
    return f"{size} bytes"


def not_regular(mode: int) -> str | None:
    """What a non-regular file is (``None`` for a regular file): the reason it is not read."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def unreadable_reason(path: Path, max_size: int) -> str | None:
    """Why ``path`` (a file met in a folder or named by the user) is not read, or ``None``.

    Follows symbolic links, as reading would: a link to ``/dev/zero`` is a character
    device; a link to nowhere is broken.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            return f"{path}: a broken symbolic link (to {os.readlink(path)})"
        return f"{path}: no such file or directory"
    except OSError as exc:  # a link loop, a permission denied on the way
        return f"{path}: cannot read: {exc.strerror or exc}"
    kind = not_regular(info.st_mode)
    if kind is not None:
        return f"{path}: {kind}, not a regular file; only regular files are imported"
    if info.st_size > max_size:
        return oversize(path, info.st_size, max_size)
    return None


def oversize(path: Path, size: int, max_size: int) -> str:
    return (
        f"{path}: {format_size(size)} is over the --max-file-size limit of {format_size(max_size)} "
        f"(raise it if the file is meant: --max-file-size {_round_up(size)})"
    )


def oversized_content(path: Path, max_size: int) -> str | None:
    """Why an export made of several files is not read: one too big once unpacked, or ``None``.

    The size limit holds for what is read, not only for what is on disk: a doccano zip of
    300 KB can unpack to a 300 MB line (a zip bomb). A zip's members declare their
    unpacked size, which :mod:`zipfile` enforces as it reads, so their sum is checked
    before anything is unpacked; each ``.jsonl`` file of a doccano folder is held to the
    limit as a file named on the command line is.
    """
    try:
        if path.is_dir():
            for member in sorted(path.iterdir()):
                if member.suffix.lower() == ".jsonl" and not member.name.startswith(".") and member.is_file():
                    size = member.stat().st_size
                    if size > max_size:
                        return oversize(member, size, max_size)
            return None
        if not zipfile.is_zipfile(path):
            return None
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist() if not info.is_dir())
    except (OSError, zipfile.BadZipFile):
        return None  # the reader says what is wrong with it
    if unpacked > max_size:
        return (
            f"{path}: {format_size(unpacked)} once unpacked is over the --max-file-size limit of "
            f"{format_size(max_size)} (raise it if the file is meant: --max-file-size {_round_up(unpacked)})"
        )
    return None


def _round_up(size: int) -> str:
    """A limit that admits ``size``, in whole units: 1.3G -> 2G."""
    for unit in ("T", "G", "M", "K"):
        scale = _UNITS[unit]
        if size >= scale:
            return f"{-(-size // scale)}{unit}"
    return str(size)


def read_regular_file(path: Path, max_size: int) -> bytes:
    """The bytes of a regular file of at most ``max_size`` bytes; InputError otherwise.

    Never blocks on a FIFO (``O_NONBLOCK``, then ``fstat``) and never reads more than
    ``max_size + 1`` bytes, even from a file that grows while it is read.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb", closefd=True) as file:
        info = os.fstat(fd)
        kind = not_regular(info.st_mode)
        if kind is not None:
            raise InputError(f"{path}: {kind}, not a regular file; only regular files are imported")
        if info.st_size > max_size:
            raise InputError(oversize(path, info.st_size, max_size))
        os.set_blocking(fd, True)
        try:
            data = file.read(max_size + 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_size:
        raise InputError(oversize(path, len(data), max_size))
    return data
