"""JSON encoding with orjson (a required dependency): compact UTF-8, Arabic never ``\\uXXXX``."""

from __future__ import annotations

from typing import Any

import orjson

JSONDecodeError = orjson.JSONDecodeError


def dumps(obj: Any) -> bytes:
    """Compact JSON as UTF-8 bytes; non-ASCII text stays readable (Arabic is not escaped)."""
    return orjson.dumps(obj)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)
