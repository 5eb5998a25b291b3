"""Which format is this file? Decided from the first record(s), not the file name.

Returns one of ``jsonl``, ``jsonl-annotations``, ``prodigy``, ``doccano``, ``labelstudio``,
``csv`` (our CSV header), or ``plain-jsonl`` (a JSONL of documents with a ``text`` field
and no annotation: a normal document import, handled elsewhere). Anything else raises
:class:`FormatError` (plain ``.txt``/``.md`` documents are the caller's business).
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import jsonio
from .csv_format import HEADERS
from .errors import FormatError

SAMPLE_LINES = 5
_SAMPLE_BYTES = 1 << 20


ANNOTATION_FIELDS: tuple[str, ...] = ("annotations", "label", "labels", "accept", "answer", "result")
"""Fields that carry decisions (ours, doccano's, Prodigy's, Label Studio's). A record with
one of them is never a plain document: it is read as annotated data or refused."""

_PRODIGY_FIELDS = {"_input_hash", "_task_hash", "answer", "accept", "_annotator_id", "_session_id"}


def _classify(obj: Mapping[str, Any]) -> str | None:
    """The format one record is in; ``None`` when none (a record with annotation fields in no
    known shape is ``None`` too: never ``plain-jsonl``)."""
    keys = set(obj)
    if "annotations" in keys:
        # Label Studio keeps the text in "data"; ours has it at the top (missing schema,
        # offsets or times get documented defaults when read)
        return "labelstudio" if isinstance(obj.get("data"), Mapping) else "jsonl"
    if {"doc_id", "sent_idx", "annotator"} <= keys or ({"annotator", "labels"} <= keys and "label" not in keys):
        return "jsonl-annotations"
    if keys & _PRODIGY_FIELDS or ("options" in keys and "text" in keys):
        return "prodigy"
    if isinstance(obj.get("label"), list) and ("text" in keys or "data" in keys):
        return "doccano"
    if isinstance(obj.get("data"), Mapping) and (
        "completions" in keys or "predictions" in keys or "text" in obj["data"]
    ):
        return "labelstudio"
    if keys & set(ANNOTATION_FIELDS):
        return None
    if isinstance(obj.get("text"), str):
        return "plain-jsonl"
    return None


def _jsonl_kind(lines: list[bytes], path: Path) -> str | None:
    kinds = []
    for raw in lines[:SAMPLE_LINES]:
        try:
            obj = jsonio.loads(raw)
        except ValueError:
            obj = None
        if not isinstance(obj, Mapping):
            # A broken line ends the sample: the lines before it say what the file is, and its
            # reader then names the broken line (else our export with a bad fourth line would be
            # read as documents and refused for its first line's annotations).
            break
        kind = _classify(obj)
        if kind is None:
            return None
        kinds.append(kind)
    if not kinds:
        return None
    # a stronger signal on any sampled line wins over "plain-jsonl"
    for kind in kinds:
        if kind != "plain-jsonl":
            return kind
    return "plain-jsonl"


def _first_lines(data: bytes) -> list[bytes]:
    lines = [ln for ln in data.split(b"\n") if ln.strip()]
    if not data.endswith(b"\n") and len(data) >= _SAMPLE_BYTES and lines:
        lines = lines[:-1]  # possibly cut
    return lines


def _detect_bytes(data: bytes, path: Path) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    head = data.lstrip()
    if head.startswith(b"["):
        return _json_array_kind(path)
    if head.startswith(b"{"):
        return _jsonl_kind(_first_lines(head), path)
    try:
        first = next(csv.reader(io.StringIO(data.decode("utf-8", errors="replace"))), None)
    except csv.Error:
        return None
    if first is not None and tuple(first) in HEADERS:
        return "csv"
    return None


def _json_array_kind(path: Path) -> str | None:
    # our Label Studio layout: "[" then one task per line
    with open(path, "rb") as f:
        f.readline()
        second = f.readline().strip().rstrip(b",")
    candidates: list[Any] = []
    try:
        candidates = [jsonio.loads(second)] if second not in (b"", b"]") else []
    except ValueError:
        try:
            with open(path, "rb") as f:
                whole = jsonio.loads(f.read())
            candidates = whole[:SAMPLE_LINES] if isinstance(whole, list) else []
        except ValueError:
            return None
    if not candidates and second == b"]":
        return "labelstudio"  # an empty array: nothing to import in any case
    for obj in candidates:
        if isinstance(obj, Mapping) and isinstance(obj.get("data"), Mapping):
            return "labelstudio"
    return None


def detect_format(path: str | os.PathLike[str]) -> str:
    """The format of an export file, folder (doccano) or zip (doccano)."""
    p = Path(path)
    if p.is_dir():
        files = sorted(x for x in p.iterdir() if x.suffix == ".jsonl" and not x.name.startswith(".") and x.is_file())
        if files and all(_jsonl_member_is_doccano(_sample(x), x) for x in files[:3]):
            return "doccano"
        raise FormatError(
            p,
            None,
            "a folder that is not a doccano export (no .jsonl with a label list)",
        )
    if not p.exists():
        raise FormatError(p, None, "no such file")
    if zipfile.is_zipfile(p):
        with zipfile.ZipFile(p) as zf:
            names = sorted(n for n in zf.namelist() if n.endswith(".jsonl"))
            if names:
                with zf.open(names[0]) as f:
                    sample = f.read(_SAMPLE_BYTES)
                if _jsonl_member_is_doccano(sample, p):
                    return "doccano"
        raise FormatError(p, None, "a zip that is not a doccano export")
    with open(p, "rb") as f:
        data = f.read(_SAMPLE_BYTES)
    kind = _detect_bytes(data, p)
    if kind is None:
        raise FormatError(
            p,
            None,
            "unrecognised format (expected our JSONL or CSV, Prodigy JSONL, doccano JSONL, "
            "Label Studio JSON, or a JSONL of documents with a text field)",
        )
    return kind


def _sample(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(_SAMPLE_BYTES)


def _jsonl_member_is_doccano(data: bytes, path: Path) -> bool:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return _jsonl_kind(_first_lines(data), path) == "doccano"
