"""Train/dev/test splits made by document.

Every document goes to exactly one split, so no document's sentences are in two splits.
The order is a sha256 of ``"<seed>:<doc_id>"`` per document: deterministic for a seed,
the same on every Python version and machine, independent of the input order (and of
duplicates), and adding a document does not reshuffle the others' relative order.
Counts are exact: ``ratio * n`` rounded by largest remainder so that they sum to ``n``
(ties go to train, then dev, then test).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence

from .records import SPLITS, Split


def split_counts(n: int, ratios: Sequence[float] = (0.8, 0.1, 0.1)) -> tuple[int, int, int]:
    """How many documents go to train, dev and test (sums to ``n``)."""
    if len(ratios) != 3:
        raise ValueError(f"expected 3 ratios (train, dev, test), got {len(ratios)}")
    if any(r < 0 or not math.isfinite(r) for r in ratios):
        raise ValueError(f"ratios must be finite and non-negative: {tuple(ratios)}")
    total = float(sum(ratios))
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"ratios must sum to 1, got {total:g}")
    if n < 0:
        raise ValueError("n must be >= 0")
    exact = [r * n for r in ratios]
    counts = [math.floor(x) for x in exact]
    rest = n - sum(counts)
    order = sorted(range(3), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[:rest]:
        counts[i] += 1
    return counts[0], counts[1], counts[2]


def parse_ratios(text: str) -> tuple[float, float, float]:
    """``"0.8,0.1,0.1"`` -> ``(0.8, 0.1, 0.1)`` (validated)."""
    try:
        values = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise ValueError(f"split ratios must be three numbers like 0.8,0.1,0.1, got {text!r}") from None
    split_counts(0, values)  # raises unless three finite ratios summing to 1
    train, dev, test = values
    return train, dev, test


def _rank(seed: int | str, doc_id: str) -> bytes:
    return hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()


def assign_splits(
    doc_ids: Iterable[str],
    ratios: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int | str = 0,
) -> dict[str, Split]:
    """Map each document id to ``"train"``, ``"dev"`` or ``"test"``."""
    unique = sorted(set(doc_ids))
    counts = split_counts(len(unique), ratios)
    ordered = sorted(unique, key=lambda d: (_rank(seed, d), d))
    result: dict[str, Split] = {}
    i = 0
    for split, count in zip(SPLITS, counts, strict=True):
        for doc_id in ordered[i : i + count]:
            result[doc_id] = split
        i += count
    return dict(sorted(result.items()))
