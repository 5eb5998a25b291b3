"""The hand-labelled evaluation sets (benchmarks/data) as texts and label matrices, for tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from annotator.core.labels import LabelSchema

ROOT = Path(__file__).resolve().parent.parent
SEEDS_LABELS = ROOT / "benchmarks" / "data" / "seeds_labels.jsonl"
POLICY_LABELS = ROOT / "benchmarks" / "data" / "automattic_privacy" / "labels.jsonl"
POLICY_TEXT = ROOT / "benchmarks" / "data" / "automattic_privacy" / "Privacy-Policy.md"


def labelled(schema: LabelSchema, *paths: Path) -> tuple[list[str], np.ndarray]:
    texts: list[str] = []
    rows: list[list[bool]] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            (decision,) = record["annotations"]
            texts.append(record["text"])
            rows.append([label in decision["labels"] for label in schema.label_ids])
    return texts, np.array(rows, dtype=bool)
