"""Suggestions: training and prediction speed, the cold-start threshold, evaluation figures.

    python benchmarks/bench_suggest.py                 # every section below
    python benchmarks/bench_suggest.py train predict   # some of them
    python benchmarks/bench_suggest.py evaluate        # the README's figures on the two labelled sets

Sections:
- ``train``: fitting the model on 10,000 sentences (what ``annotator model train`` does,
  3-fold calibration included), wall and CPU time (the machine is shared: CPU time is what
  the work costs), against the textbook scikit-learn pipeline in the same run
  (``OneVsRestClassifier(CalibratedClassifierCV(LinearSVC(), cv=3))`` over the same
  features). The sentences are drawn from the 329 labelled ones (benchmarks/data) with 30%
  of their words replaced by random letter strings, so that the vocabulary grows as in
  real text (117k n-grams).
- ``predict``: suggestions for a page of 50 sentences with the model of ``train`` (numpy
  only), p50 and p99 of the wall time, in three cases: (1) sentences never seen, cold: each
  of the 6 full pages of the labelled sentences on a model just loaded (nothing cached; the
  load itself is timed apart), 10 times; (2) sentences never seen, on a model in use: 60
  new pages (labelled sentences with 30% of the words replaced by random letters, another
  seed than ``train``'s) one after the other on one loaded model, as an annotator moves
  through a project; (3) a page seen before (its words cached by the prior). Against
  scikit-learn's ``transform`` + the linear scores of the same features on the pages of (1).
- ``coldstart``: how many labelled examples a classifier needs to beat the keyword prior:
  train on 20 to 240 random sentences of the two sets (6 draws each), test on the rest, and
  compare every label's F1 with a classifier and with the prior, grouped by how many
  positives the label had in training. Sets ``MIN_POSITIVES``.
- ``evaluate``: 5-fold figures on the seeds, the English policy sample and both
  (what ``annotator model evaluate --from annotator:reference`` prints).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from annotator.core.labels import load_schema
from annotator.core.suggest.evaluation import evaluate_model
from annotator.core.suggest.metrics import label_scores
from annotator.core.suggest.model import SuggestionModel, decide
from annotator.core.suggest.prior import KeywordPrior
from annotator.core.suggest.training import fit_model

DATA = Path(__file__).resolve().parent / "data"
SETS = {"seeds": [DATA / "seeds_labels.jsonl"], "policy": [DATA / "automattic_privacy" / "labels.jsonl"]}
SETS["both"] = SETS["seeds"] + SETS["policy"]
SCHEMA = load_schema()


def labelled(paths: list[Path]) -> tuple[list[str], np.ndarray]:
    texts, rows = [], []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            texts.append(record["text"])
            rows.append([label in record["annotations"][0]["labels"] for label in SCHEMA.label_ids])
    return texts, np.array(rows, dtype=bool)


def synthetic(n: int, seed: int = 1) -> tuple[list[str], np.ndarray]:
    texts, truth = labelled(SETS["both"])
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzążźćęłńóśابتثجحخدذرسشصضطظعغفقكلمنهوي"
    out, rows = [], []
    for _ in range(n):
        i = rng.randrange(len(texts))
        words = [
            w if rng.random() > 0.3 else "".join(rng.choice(letters) for _ in range(len(w))) for w in texts[i].split()
        ]
        out.append(" ".join(words))
        rows.append(truth[i])
    return out, np.array(rows)


class Clock:
    """Wall and process CPU time (CPU time: what the work costs when other jobs share the cores)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:.1f} s wall, {self.cpu:.1f} s CPU"


def section_train(n: int) -> SuggestionModel:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.svm import LinearSVC

    from annotator.core.suggest.normalise import normalise

    texts, truth = synthetic(n)
    print(f"train: {n:,} sentences, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with Clock() as ours:
        fitted = fit_model(texts, truth, SCHEMA)
    model = fitted.model
    assert model.featuriser is not None
    print(
        f"  fit_model (features, 13 labels x (3-fold calibration + final fit), 2 threads): {ours}; "
        f"{model.featuriser.n_features:,} n-grams, {len(model.to_bytes()) / 1e6:.1f} MB stored"
    )
    with Clock() as features:
        vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            preprocessor=normalise,
            sublinear_tf=True,
            min_df=2,
            max_features=200_000,
        )
        x = vectorizer.fit_transform(texts)
    with Clock() as classifiers:
        OneVsRestClassifier(CalibratedClassifierCV(LinearSVC(), cv=3), n_jobs=2).fit(x, truth)
    print(
        f"  baseline: scikit-learn TfidfVectorizer ({features}) + OneVsRest(CalibratedClassifierCV(LinearSVC, cv=3), "
        f"n_jobs=2) ({classifiers}); ours / baseline wall {ours.wall / (features.wall + classifiers.wall):.2f}"
    )
    return model


def section_predict(model: SuggestionModel | None, n: int) -> None:
    if model is None:
        model = fit_model(*synthetic(n), SCHEMA).model
    real, _ = labelled(SETS["both"])
    pages = [real[i : i + 50] for i in range(0, len(real) - 49, 50)]
    unseen, _ = synthetic(50 * 60, seed=7)
    new_pages = [unseen[i : i + 50] for i in range(0, len(unseen), 50)]
    blob = model.to_bytes()

    def timed(page: list[str], used: SuggestionModel) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        [decide(row, SCHEMA) for row in used.predict_proba(page)]
        return time.perf_counter() - wall, time.process_time() - cpu

    loads, cold = [], []
    for page in pages * 10:
        wall = time.perf_counter()
        fresh = SuggestionModel.from_bytes(blob, SCHEMA)
        loads.append(time.perf_counter() - wall)
        cold.append(timed(page, fresh))
    in_use = SuggestionModel.from_bytes(blob, SCHEMA)
    for page in pages:  # the model has been used before
        timed(page, in_use)
    moving = [timed(page, in_use) for page in new_pages]
    seen = [timed(page, in_use) for page in pages for _ in range(10)]
    vectorizer = _fitted_like(model)
    theirs = []
    for page in pages * 10:
        wall = time.perf_counter()
        vectorizer.transform(page) @ model.coef
        theirs.append(time.perf_counter() - wall)

    def line(samples: list[tuple[float, float]]) -> str:
        walls = [w for w, _ in samples]
        return f"p50 {_ms(walls, 50)}, p99 {_ms(walls, 99)} wall; p50 {_ms([c for _, c in samples], 50)} CPU"

    print(
        f"predict: a page of 50 sentences, probabilities of 13 labels + suggested sets, "
        f"load average {os.getloadavg()[0]:.1f}:\n"
        f"  never seen, model just loaded (cold, {len(cold)} pages): {line(cold)}\n"
        f"  never seen, model in use ({len(moving)} new pages):      {line(moving)}\n"
        f"  a page seen before ({len(seen)}):                       {line(seen)}\n"
        f"  loading the model from its blob: p50 {_ms(loads, 50)}\n"
        f"  baseline, scikit-learn transform + linear scores only (no prior, no calibration), pages of the first "
        f"line: p50 {_ms(theirs, 50)}, p99 {_ms(theirs, 99)} wall"
    )


def _fitted_like(model: SuggestionModel):  # type: ignore[no-untyped-def]
    """A scikit-learn vectorizer carrying the model's own vocabulary and idf (the same features)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from annotator.core.suggest.normalise import normalise

    assert model.featuriser is not None
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        preprocessor=normalise,
        sublinear_tf=True,
        vocabulary={gram: i for i, gram in enumerate(model.featuriser.vocabulary)},
    )
    vectorizer.fit(["a"])  # sets the fixed vocabulary; idf replaced below
    vectorizer.idf_ = model.featuriser.idf.astype(np.float64)
    return vectorizer


def _ms(samples: list[float], q: int) -> str:
    cut = statistics.quantiles(samples, n=100, method="inclusive")[q - 1]
    return f"{cut * 1000:.2f} ms"


COLDSTART_BINS = ((2, 4), (5, 9), (10, 14), (15, 24), (25, 39), (40, 10_000))


def section_coldstart(draws: int = 6) -> None:
    """Learning curves: train on N random labelled sentences, test on the rest; for every label,
    its F1 with a trained classifier and with the prior alone, grouped by the positives the
    label had among the N (the quantity ``MIN_POSITIVES`` is about)."""
    texts, truth = labelled(SETS["both"])
    prior = KeywordPrior(SCHEMA).predict_proba(texts)
    n = len(texts)
    results: list[tuple[int, float, float]] = []  # (positives in training, classifier F1, prior F1)
    for size in (20, 40, 80, 160, 240):
        for draw in range(draws):
            order = np.random.default_rng(100 * size + draw).permutation(n)
            train, test = order[:size], order[size:]
            fitted = fit_model([texts[i] for i in train], truth[train], SCHEMA, min_positives=2)
            probs = fitted.model.predict_proba([texts[i] for i in test])
            for j in np.flatnonzero(fitted.model.trained):
                if truth[test, j].sum() < 3:
                    continue
                ours = label_scores(truth[test][:, [j]], (probs[:, j] >= 0.5)[:, None])[0].f1 or 0.0
                base = label_scores(truth[test][:, [j]], (prior[test, j] >= 0.5)[:, None])[0].f1 or 0.0
                results.append((int(truth[train, j].sum()), ours, base))
    print(f"coldstart: {n} labelled sentences; train on 20-240 of them ({draws} draws), test on the rest")
    print("  positives in training | label-draws | classifier F1 | prior F1")
    for low, high in COLDSTART_BINS:
        chosen = [(m, p) for k, m, p in results if low <= k <= high]
        if chosen:
            model_f1, prior_f1 = np.mean([m for m, _ in chosen]), np.mean([p for _, p in chosen])
            label = f"{low}-{high}" if high < 10_000 else f"{low}+"
            mark = "  classifier better" if model_f1 > prior_f1 else ""
            print(f"  {label:>21} | {len(chosen):11d} | {model_f1:13.3f} | {prior_f1:.3f}{mark}", flush=True)


def section_evaluate() -> None:
    print("evaluate: 5-fold cross-validation, macro F1 / exact match (keyword prior alone in brackets)")
    for name, paths in SETS.items():
        texts, truth = labelled(paths)
        report = evaluate_model(texts, truth, SCHEMA, folds=5).as_dict()
        print(
            f"  {name:7s} {len(texts):4d} sentences: macro P {report['macro']['precision']:.3f} "
            f"R {report['macro']['recall']:.3f} F1 {report['macro']['f1']:.3f}, exact {report['exact_match']:.3f} "
            f"(prior F1 {report['prior']['macro']['f1']:.3f}, exact {report['prior']['exact_match']:.3f})",
            flush=True,
        )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sections", nargs="*", default=["train", "predict", "coldstart", "evaluate"])
    parser.add_argument("--sentences", type=int, default=10_000)
    args = parser.parse_args(argv)
    model = None
    for section in args.sections:
        if section == "train":
            model = section_train(args.sentences)
        elif section == "predict":
            section_predict(model, args.sentences)
        elif section == "coldstart":
            section_coldstart()
        elif section == "evaluate":
            section_evaluate()
        else:
            parser.error(f"unknown section {section!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
