"""The cold-start prior: before a label has enough training examples, its schema hints decide.

Each label of the schema may carry ``hints`` (words or word beginnings, in any language)
and an ``example`` sentence. For a sentence, a label's prior probability is

    p = 1 - 0.5 ** hits * (1 - similarity)

where ``hits`` counts the distinct hints found at the start of a word of the normalised
sentence (an Arabic hint may follow proclitics: و ف, ب ل ك س, ال) and ``similarity`` is the
cosine between the sentence's and the example's 4-5 character n-gram counts. One hint
gives 0.5 (suggested, at the 0.5 threshold), two 0.75; an example alone suggests only a
near-copy of itself. An exclusive label without hints (``none``) gets ``1 - max`` of the
others: a sentence that matches nothing is suggested as "none".

Weak on purpose: ``benchmarks/bench_suggest.py`` measures how many labelled examples a
trained model needs to beat it (:data:`~.model.MIN_POSITIVES`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from annotator.core.labels import DEFAULT_SCHEMA_PATH, Label, LabelSchema, load_schema
from annotator.core.suggest.features import char_wb_ngrams
from annotator.core.suggest.normalise import normalise

_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
# conjunction, preposition or future particle, article: و+ل+ال… as in وللإعلانات, فبالبيانات
_PROCLITICS = "[وف]?[بلكس]?(?:ال|ل)?"
_CAP = 0.95


def _hints_pattern(hints: Sequence[str]) -> re.Pattern[str] | None:
    """One regex for a label's hints, each a named group, each at the start of a word."""
    parts = []
    for index, hint in enumerate(hints):
        text = normalise(hint)
        prefix = _PROCLITICS if _ARABIC_LETTER.match(text) else ""
        parts.append(f"{prefix}(?P<h{index}>{re.escape(text)})")
    if not parts:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(parts) + ")")


def _grams(text: str) -> Counter[str]:
    return Counter(char_wb_ngrams(normalise(text), 4, 5))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(n * b[g] for g, n in a.items() if g in b)
    return dot / (np.sqrt(sum(n * n for n in a.values())) * np.sqrt(sum(n * n for n in b.values())))


def packaged_hints(schema: LabelSchema, path: Path = DEFAULT_SCHEMA_PATH) -> dict[str, list[str]]:
    """Hints for a schema stored before hints existed: the packaged file's, when it is the same schema."""
    if any(label.hints for label in schema.labels):
        return {label.id: list(label.hints) for label in schema.labels}
    try:
        packaged = load_schema(path)
    except Exception:  # the packaged file is not ours to validate here
        return {}
    if packaged.without_hints() != schema.without_hints():
        return {}
    return {label.id: list(label.hints) for label in packaged.labels}


class KeywordPrior:
    """Prior probabilities of every label of a schema, from its hints and examples."""

    def __init__(self, schema: LabelSchema) -> None:
        self.label_ids = list(schema.label_ids)
        hints = packaged_hints(schema)
        self._patterns = [_hints_pattern(hints.get(label.id, [])) for label in schema.labels]
        self._examples = [_grams(label.example) if label.example else Counter() for label in schema.labels]
        self.residual = [self._is_residual(label, hints) for label in schema.labels]

    @staticmethod
    def _is_residual(label: Label, hints: dict[str, list[str]]) -> bool:
        return label.exclusive and not hints.get(label.id)

    def hits(self, text: str) -> list[int]:
        """How many distinct hints of each label the text contains."""
        normal = normalise(text)
        return [len({m.lastgroup for m in p.finditer(normal)}) if p is not None else 0 for p in self._patterns]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), n_labels) prior probabilities."""
        out = np.zeros((len(texts), len(self.label_ids)), dtype=np.float64)
        for row, text in enumerate(texts):
            grams = _grams(text)
            for col, hits in enumerate(self.hits(text)):
                if not self.residual[col]:
                    similarity = _cosine(grams, self._examples[col])
                    out[row, col] = min(_CAP, 1.0 - 0.5**hits * (1.0 - similarity))
        return self.fill_residual(out, ~np.asarray(self.residual, dtype=bool))

    def fill_residual(self, probs: np.ndarray, known: np.ndarray) -> np.ndarray:
        """Set each residual label not in ``known`` to 1 - the highest of the other labels."""
        residual = np.asarray(self.residual, dtype=bool) & ~known
        others = ~np.asarray(self.residual, dtype=bool)
        if residual.any() and others.any() and probs.shape[0]:
            probs[:, residual] = (1.0 - probs[:, others].max(axis=1))[:, None]
        return probs


def logit(probs: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), p clipped to [0.01, 0.99]: the prior as an input of the calibration."""
    p = np.clip(probs, 0.01, 0.99)
    return np.log(p / (1.0 - p))
