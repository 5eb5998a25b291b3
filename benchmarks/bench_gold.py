"""Benchmark of the gold figures (pure, no database, no UI), with baselines in the same run.

    python benchmarks/bench_gold.py [--items 1000000] [--annotators 3] [--repeat 3]

On ``--items`` x ``--annotators`` privacy-like label sets (10% missing), best of
``--repeat`` runs each:

1. the adjudication queue order (``gold.queue.disputes``);
2. the rule gold of every row (``gold.rules.rule_gold_rows``: what ``gold --auto`` computes);
3. every annotator against a gold (``gold.scores.vs_gold``), against scikit-learn's
   ``precision_recall_fscore_support`` per annotator on the same rows (indicator
   matrices prepared outside its timing);
4. the confusion report (``agreement.confusion.confusion``), against scikit-learn's
   ``multilabel_confusion_matrix`` over the ordered annotator pairs (which gives only the
   per-label disputes, not the label pairs).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_agreement_metrics import label_masks

from annotator.core.agreement.confusion import confusion
from annotator.core.gold.queue import disputes
from annotator.core.gold.rules import rule_gold_rows
from annotator.core.gold.scores import vs_gold

N_LABELS = 13


def best(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def indicators(masks: np.ndarray) -> np.ndarray:
    return ((masks[:, None] >> np.arange(N_LABELS)) & 1).astype(np.int8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from sklearn.metrics import multilabel_confusion_matrix, precision_recall_fscore_support

    n, r = args.items, args.annotators
    masks = label_masks(n, r, N_LABELS, 0.1, seed=1)
    ids = np.arange(n, dtype=np.int64)
    names = [f"a{i}" for i in range(r)]
    labels = [f"l{i}" for i in range(N_LABELS)]
    gold_rows = rule_gold_rows(masks, "majority")
    has = np.array([g is not None for g in gold_rows])
    gold_ids = ids[has]
    gold_masks = np.array([g[0] for g in gold_rows if g is not None], dtype=np.int64)
    print(f"python {platform.python_version()}, {n:,} items x {r} annotators, {N_LABELS} labels, 10% missing")
    print(f"{int(has.sum()):,} items with a majority gold\n")
    rows = []
    rows.append(("queue order (disputes)", best(args.repeat, lambda: disputes(masks, ids)), None, ""))
    rows.append(("rule gold of every row", best(args.repeat, lambda: rule_gold_rows(masks, "majority")), None, ""))

    prepared = []
    for a in range(r):
        used = has & (masks[:, a] >= 0)
        prepared.append((indicators(gold_masks[np.searchsorted(gold_ids, ids[used])]), indicators(masks[used, a])))

    def sklearn_scores() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for y_true, y_pred in prepared:
                precision_recall_fscore_support(y_true, y_pred, zero_division=np.nan)

    ours = best(args.repeat, lambda: vs_gold(masks, names, ids, gold_ids, gold_masks, labels))
    theirs = best(args.repeat, sklearn_scores)
    rows.append(("vs gold (every annotator)", ours, theirs, "sklearn precision_recall_fscore_support"))

    pairs = []
    present = masks >= 0
    pairable = present.sum(axis=1) >= 2
    for i in range(r):
        for j in range(r):
            if i != j:
                both = pairable & present[:, i] & present[:, j]
                pairs.append((indicators(masks[both, i]), indicators(masks[both, j])))

    def sklearn_mcm() -> None:
        for y_i, y_j in pairs:
            multilabel_confusion_matrix(y_i, y_j)

    ours = best(args.repeat, lambda: confusion(masks, names, labels))
    theirs = best(args.repeat, sklearn_mcm)
    rows.append(("confusion (pairs + prevalence)", ours, theirs, "sklearn multilabel_confusion_matrix, per pair"))
    print(f"{'figure':34} {'ours s':>8} {'baseline s':>11}  baseline")
    for name, mine, base, what in rows:
        shown = f"{base:11.3f}" if base is not None else f"{'—':>11}"
        print(f"{name:34} {mine:8.3f} {shown}  {what}")


if __name__ == "__main__":
    main()
