"""JSON encoding: orjson when importable, else the standard library (UTF-8, never ``\\uXXXX``)."""

from __future__ import annotations

import json
from typing import Any

try:  # pragma: no cover - exercised whichever is installed
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None  # type: ignore[assignment]


def dumps(obj: Any) -> bytes:
    """Compact JSON as UTF-8 bytes; non-ASCII text stays readable (Arabic is not escaped)."""
    if _orjson is not None:
        return _orjson.dumps(obj)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> Any:
    if _orjson is not None:
        return _orjson.loads(data)
    return json.loads(data)


JSONDecodeError = _orjson.JSONDecodeError if _orjson is not None else json.JSONDecodeError
