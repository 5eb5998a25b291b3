"""What to import: the files under the paths given, and what each one is (by its content).

- **Only regular files are read** (:mod:`annotator.core.input_files`). In a folder, a named
  pipe, a device, a socket or a broken link is skipped and reported; named on the command
  line it is refused with that reason. A file over the size limit is refused.
- **Content first, the extension a hint.** A file named on the command line is taken
  whatever its name and recognised by its content (:func:`input_kind`): our export saved
  without an extension imports like one. In a folder, ``.txt``/``.md``/``.jsonl`` files
  are taken, and ``.json``/``.csv``/``.zip`` or extension-less files only when their
  content is an annotated export (other files are ignored, like images).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel

from annotator.core.errors import UserError
from annotator.core.formats import FORMATS, FormatError, detect_format
from annotator.core.input_files import InputError, oversized_content, unreadable_reason

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}  # one document each
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
EXPORT_SUFFIXES = {".json", ".csv", ".zip"}  # in a folder: taken only when they are annotated exports
DOCUMENTS = "documents"  # a JSONL of documents (and the --format value that forces a document import)
TEXT = "text"  # a plain text file: one document


class RefusedInput(BaseModel):
    source: str
    reason: str


def _doccano_folder(path: Path) -> bool:
    """A folder holding only ``<annotator>.jsonl`` files of a doccano export."""
    files = [p for p in path.iterdir() if not p.name.startswith(".")]
    if not files or not all(p.is_file() and p.suffix.lower() == ".jsonl" for p in files):
        return False
    try:
        return detect_format(path) == "doccano"
    except (FormatError, OSError):
        return False


def _annotated_export(path: Path) -> bool:
    try:
        return detect_format(path) != "plain-jsonl"
    except (FormatError, OSError):
        return False


def discover(
    paths: Iterable[str | Path],
    max_size: int,
    refused: list[RefusedInput],
    skipped: list[RefusedInput],
    ignored: list[str],
) -> list[Path]:
    """Files (and doccano folders) to import, in order; the others go to the three lists.

    A folder that is a doccano export (only ``.jsonl`` files in doccano's shape) is one
    input, named or met while walking; other folders are walked recursively in sorted
    order (hidden entries skipped; symbolic links to folders not followed).
    """
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            if _doccano_folder(path):
                _take_export(path, max_size, found, refused)
            else:
                found += _walk(path, max_size, refused, skipped, ignored)
            continue
        if not os.path.lexists(path):
            raise UserError(f"{path}: no such file or directory")
        reason = unreadable_reason(path, max_size) or oversized_content(path, max_size)
        if reason is not None:
            refused.append(RefusedInput(source=str(path), reason=reason))
        else:
            found.append(path)
    # a folder walk and a named file may meet the same file twice
    return list(dict.fromkeys(found))


def _take_export(path: Path, max_size: int, found: list[Path], refused: list[RefusedInput]) -> None:
    """A doccano folder goes to ``found``, or to ``refused`` when a file of it is over the limit."""
    reason = oversized_content(path, max_size)
    if reason is None:
        found.append(path)
    else:
        refused.append(RefusedInput(source=str(path), reason=reason))


def _walk(
    top: Path, max_size: int, refused: list[RefusedInput], skipped: list[RefusedInput], ignored: list[str]
) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, files in os.walk(top):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for d in list(dirs):
            if _doccano_folder(here / d):
                _take_export(here / d, max_size, found, refused)
                dirs.remove(d)
        for name in sorted(files):
            if name.startswith("."):
                continue
            child = here / name
            suffix = child.suffix.lower()
            if suffix not in TEXT_SUFFIXES | JSONL_SUFFIXES | EXPORT_SUFFIXES and suffix:
                ignored.append(str(child))
                continue
            reason = unreadable_reason(child, max_size) or oversized_content(child, max_size)
            if reason is not None:
                if "--max-file-size" in reason:
                    refused.append(RefusedInput(source=str(child), reason=reason))
                else:  # not a file at all: a pipe, a device, a broken link
                    skipped.append(RefusedInput(source=str(child), reason=f"skipped {reason}"))
                continue
            if suffix in TEXT_SUFFIXES | JSONL_SUFFIXES or _annotated_export(child):
                found.append(child)
            else:
                ignored.append(str(child))
    return found


def input_kind(path: Path, fmt: str | None = None) -> str:
    """:data:`TEXT`, :data:`DOCUMENTS` (a JSONL of documents) or the annotated format of an input.

    Raises InputError when it is none of them. ``fmt`` forces it (``documents`` or a
    format name). Otherwise the content decides: an annotated export is one whatever its
    name; a ``.txt``/``.md`` file is else a text; a ``.jsonl`` or a file whose first
    lines are JSON objects with a text field is a JSONL of documents (its lines are
    checked as it is read: one with annotation fields refuses the file).
    """
    suffix = path.suffix.lower()
    if fmt is not None:
        if fmt != DOCUMENTS and fmt not in FORMATS:
            raise UserError(f"--format {fmt!r}: expected {DOCUMENTS} or one of {', '.join(FORMATS)}")
        if fmt == DOCUMENTS and suffix not in JSONL_SUFFIXES:
            return TEXT if suffix in TEXT_SUFFIXES or not _starts_like_json(path) else DOCUMENTS
        return fmt
    if path.is_dir():
        return "doccano"
    try:
        kind = detect_format(path)
    except (FormatError, OSError) as exc:
        if suffix in TEXT_SUFFIXES:
            return TEXT
        if suffix in JSONL_SUFFIXES:
            return DOCUMENTS  # not recognised from its first lines: read line by line, errors named
        if suffix in EXPORT_SUFFIXES:
            raise InputError(str(exc)) from exc
        raise InputError(
            f"{path}: unsupported file type {suffix or '(none)'!r}, and its content is not an export or a "
            "JSONL of documents; use .txt or .md for plain text (or --format documents)"
        ) from exc
    if kind == "plain-jsonl":
        return TEXT if suffix in TEXT_SUFFIXES else DOCUMENTS
    return kind


def _starts_like_json(path: Path) -> bool:
    try:
        with open(path, "rb") as file:
            head = file.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return head.startswith(b"{")
