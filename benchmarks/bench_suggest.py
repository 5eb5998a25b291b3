"""Suggestions: training and prediction speed, the cold-start threshold, evaluation figures.

    python benchmarks/bench_suggest.py                 # every section below
    python benchmarks/bench_suggest.py train predict   # some of them
    python benchmarks/bench_suggest.py evaluate        # the README's figures on the two labelled sets

Sections:
- ``train``: fitting the model on 10,000 sentences (what ``annotator model train`` does,
  3-fold calibration included), against the textbook scikit-learn pipeline in the same run
  (``OneVsRestClassifier(CalibratedClassifierCV(LinearSVC(), cv=3))`` over the same
  features). The sentences are drawn from the 329 labelled ones (benchmarks/data) with 30%
  of their words replaced by random letter strings, so that the vocabulary grows as in
  real text (117k n-grams).
- ``predict``: suggestions for a page of 50 sentences with the stored model (numpy only),
  p50/p99 over 200 pages, against scikit-learn's own ``transform`` + ``decision_function``
  of the same fitted vectorizer and classifiers.
- ``coldstart``: how many labelled examples a classifier needs to beat the keyword prior:
  for each label with at least 30 examples in the two sets, a learning curve (k positives
  and 3k other sentences for training, the rest for testing, 5 draws) of the label's F1,
  classifier vs prior. Sets ``MIN_POSITIVES``.
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


def section_train(n: int) -> SuggestionModel:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.svm import LinearSVC

    from annotator.core.suggest.normalise import normalise

    texts, truth = synthetic(n)
    print(f"train: {n:,} sentences, {os.cpu_count()} cores")
    started = time.perf_counter()
    fitted = fit_model(texts, truth, SCHEMA)
    ours = time.perf_counter() - started
    model = fitted.model
    assert model.featuriser is not None
    print(f"  fit_model (features, 13 labels x 3-fold calibration + final fit): {ours:.1f} s, "
          f"{model.featuriser.n_features:,} n-grams, {len(model.to_bytes()) / 1e6:.1f} MB stored")
    started = time.perf_counter()
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), preprocessor=normalise, sublinear_tf=True, min_df=2, max_features=200_000
    )
    x = vectorizer.fit_transform(texts)
    features = time.perf_counter() - started
    baseline = OneVsRestClassifier(CalibratedClassifierCV(LinearSVC(), cv=3), n_jobs=2).fit(x, truth)
    took = time.perf_counter() - started
    print(f"  baseline, same features + OneVsRest(CalibratedClassifierCV(LinearSVC, cv=3), n_jobs=2): {took:.1f} s "
          f"(features alone {features:.1f} s); ours / baseline = {ours / took:.2f}")
    del baseline
    return model


def section_predict(model: SuggestionModel | None, n: int, pages: int = 200) -> None:
    if model is None:
        model = fit_model(*synthetic(n), SCHEMA).model
    texts, _ = synthetic(50 * pages, seed=2)
    batches = [texts[i : i + 50] for i in range(0, len(texts), 50)]
    model.predict_proba(batches[0])  # warm caches
    ours = []
    for batch in batches:
        started = time.perf_counter()
        probs = model.predict_proba(batch)
        [decide(row, SCHEMA) for row in probs]
        ours.append(time.perf_counter() - started)
    vectorizer = _fitted_like(model)
    theirs = []
    for batch in batches:
        started = time.perf_counter()
        vectorizer.transform(batch) @ model.coef
        theirs.append(time.perf_counter() - started)
    print(f"predict: a page of 50 sentences, {pages} pages: ours (numpy, prior + calibration + decide) "
          f"p50 {_ms(ours, 50)} p99 {_ms(ours, 99)}; scikit-learn transform + scores alone p50 {_ms(theirs, 50)} "
          f"p99 {_ms(theirs, 99)}")


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


def section_coldstart(draws: int = 5) -> None:
    texts, truth = labelled(SETS["both"])
    prior = KeywordPrior(SCHEMA).predict_proba(texts)
    n = len(texts)
    labels = [j for j in range(truth.shape[1]) if truth[:, j].sum() >= 30 and not SCHEMA.labels[j].exclusive]
    print(f"coldstart: {n} sentences; labels with >= 30 examples: {', '.join(SCHEMA.label_ids[j] for j in labels)}")
    print("  k positives | classifier F1 | prior F1 (mean over labels and draws, held-out sentences)")
    for k in (3, 5, 10, 15, 20):
        model_f1, prior_f1 = [], []
        for j in labels:
            for draw in range(draws):
                rng = np.random.default_rng(1000 * k + 10 * j + draw)
                pos = rng.permutation(np.flatnonzero(truth[:, j]))[:k]
                neg = rng.permutation(np.flatnonzero(~truth[:, j]))[: 3 * k]
                train = np.concatenate([pos, neg])
                test = np.setdiff1d(np.arange(n), train)
                column = np.zeros((train.size, truth.shape[1]), dtype=bool)
                column[:, j] = truth[train, j]
                fitted = fit_model([texts[i] for i in train], column, SCHEMA, min_positives=2)
                probs = fitted.model.predict_proba([texts[i] for i in test])[:, j]
                model_f1.append(label_scores(truth[test][:, [j]], (probs >= 0.5)[:, None])[0].f1 or 0.0)
                prior_f1.append(label_scores(truth[test][:, [j]], (prior[test, j] >= 0.5)[:, None])[0].f1 or 0.0)
        print(f"  {k:11d} | {np.mean(model_f1):13.3f} | {np.mean(prior_f1):.3f}", flush=True)


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
