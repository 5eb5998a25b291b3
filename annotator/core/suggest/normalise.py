"""Text normalisation before featurising: one spelling for what readers treat as one word.

Arabic is written with optional vowel marks and several spellings of the same letters, and
one word ends in ``ة`` in one article and ``ه`` in the next; character n-grams only see
the same word when the spelling is the same. So, in this order:

- Unicode NFKC (presentation forms such as ``ﻻ`` become their letters);
- Arabic harakat and Quranic marks removed (``U+0610–061A``, ``U+064B–065F``, ``U+0670``,
  ``U+06D6–06ED``), and the tatweel ``ـ`` (a stretching stroke, not a letter);
- direction marks removed (``U+200E`` LRM, ``U+200F`` RLM, ``U+061C`` ALM, the embeddings
  and isolates ``U+202A–202E``, ``U+2066–2069``): invisible, and a copy from a web page or
  a word processor carries them inside words;
- alef variants ``أ إ آ ٱ`` → ``ا``; taa marbuta ``ة`` → ``ه``; alef maqsura ``ى`` → ``ي``;
  the Persian (and Urdu) letters that look like Arabic ones: ``ی`` → ``ي``, ``ک`` → ``ك``
  (keyboards with a Persian layout type them in Arabic text);
- Arabic-Indic and Persian digits → ``0–9``;
- case folded (Latin, Polish ``Ż`` → ``ż``; Polish diacritics are kept: ``ż`` and ``z`` are
  different letters), runs of white space → one space.

Used for features and keyword hints only: what is stored and shown is never normalised.
"""

from __future__ import annotations

import re
import unicodedata

_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_LETTERS = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ة": "ه",
    "ى": "ي",
    "ی": "ي",  # U+06CC Farsi yeh
    "ک": "ك",  # U+06A9 keheh
    **{chr(0x0660 + n): str(n) for n in range(10)},
    **{chr(0x06F0 + n): str(n) for n in range(10)},
}
# str.translate with a dict is slow on non-ASCII text (~70 us a sentence); one regex finds
# the few characters to replace (none at all in most Latin text)
_REPLACED = re.compile("[" + "".join(_LETTERS) + "]")


def _replace(match: re.Match[str]) -> str:
    return _LETTERS[match.group()]


def normalise(text: str) -> str:
    """The spelling the model sees (idempotent: normalising twice changes nothing more)."""
    # NFKC again after case folding, which can leave decomposed letters (Unicode's NFKC_Casefold)
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    text = _REPLACED.sub(_replace, _MARKS.sub("", text))
    # the same as _SPACES.sub(" ", text).strip() (str.split, re's \s and strip share one idea of
    # white space), 3x faster on a sentence
    return " ".join(text.split())
