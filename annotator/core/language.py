"""Offline language identification of a document (py3langid: its model ships in the wheel)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_SAMPLE_CHARS = 5000  # enough for a stable guess, cheap for a long document


@lru_cache(maxsize=1)
def _identifier() -> Any:
    import py3langid  # loads its model on first use; keep it off the CLI's start-up path

    return py3langid


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when there is too little text to tell."""
    sample = text[:_SAMPLE_CHARS]
    if len(_LETTERS.findall(sample)) < 3:
        return None
    lang, _probability = _identifier().classify(sample)
    return str(lang)


LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
"""A language tag as BCP 47 writes them (``ar``, ``pl``, ``en-GB``, ``zh_Hant``): what the
segmentation rules and the exports' ``lang`` expect."""


def check_language_tag(tag: str, where: str) -> str:
    """``tag`` when it looks like a language tag, else a one-line UserError naming ``where``."""
    from annotator.core.errors import UserError

    if LANGUAGE_TAG.fullmatch(tag) is None:
        raise UserError(f"{where} {tag!r}: not a language code (ISO 639 such as ar, pl, en, or a tag such as en-GB)")
    return tag
