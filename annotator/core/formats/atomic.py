"""Atomic file and folder writing.

The data goes to a hidden temporary file (``.<name>.<random>.tmp``) in the destination's
folder, is flushed and fsynced, and is renamed over the destination with ``os.replace``
only when the writer finished without error; the folder is fsynced after the rename. A
writer that fails leaves neither a final file nor its temporary file. A writer that is
killed (SIGKILL, power cut) leaves no final file; at most a hidden ``.tmp`` file remains,
which :func:`annotator.core.exporting.remove_stale_temporaries` clears once they are stale.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

TMP_SUFFIX = ".tmp"


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


class CountingWriter:
    """A binary file wrapper that counts bytes written."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.bytes = 0

    def write(self, data: bytes) -> int:
        # A pipe whose reader leaves takes part of a large write and says so only in the count
        # (the next write raises BrokenPipeError): never drop the rest silently.
        view = memoryview(data)
        while view:
            written = self.raw.write(view)
            view = view[written if written is not None else len(view) :]
        self.bytes += len(data)
        return len(data)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], *, buffering: int = 1 << 20) -> Iterator[CountingWriter]:
    """Open ``path`` for binary writing, atomically (see the module docstring)."""
    dest = Path(path)
    folder = dest.parent if str(dest.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=TMP_SUFFIX, dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb", buffering=buffering) as raw:
            writer = CountingWriter(raw)
            yield writer
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, dest)
        _fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Build a folder atomically: yields a temporary folder, renamed to ``path`` at the end.

    ``path`` must not exist, or be an empty folder (a folder is never merged into).
    Files written into the temporary folder should be fsynced by the caller.
    """
    dest = Path(path)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise FileExistsError(f"{dest} exists and is not an empty folder")
    folder = dest.parent if str(dest.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=TMP_SUFFIX, dir=folder))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        _fsync_dir(tmp)
        if dest.exists():
            dest.rmdir()
        os.replace(tmp, dest)
        _fsync_dir(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once: os.umask is process-wide and racy in threads


def _umask() -> int:
    return _UMASK
