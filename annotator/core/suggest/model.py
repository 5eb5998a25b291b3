"""A trained suggestion model: what it stores, how it predicts, how it is (de)serialised.

One linear classifier per label over the TF-IDF character n-grams of
:mod:`~annotator.core.suggest.features`, each with a Platt sigmoid that turns its score
into a calibrated probability; labels with fewer than :data:`MIN_POSITIVES` training
examples have no classifier and use the schema's keyword prior
(:mod:`~annotator.core.suggest.prior`) instead. Predicting needs numpy only: the fitted
vocabulary, idf weights, coefficients and sigmoids are plain arrays, serialised with
``numpy.savez_compressed`` and read back with ``allow_pickle=False`` (a model blob from a
shared database cannot run code, and does not depend on the scikit-learn version that
trained it).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.core.errors import UserError
from annotator.core.labels import LabelSchema
from annotator.core.suggest.features import Featuriser
from annotator.core.suggest.normalise import normalise
from annotator.core.suggest.prior import KeywordPrior, logit

MODEL_FORMAT = 1
"""Version of the blob layout; a blob of another format is refused (retrain)."""

MIN_POSITIVES = 10
"""Labelled examples of a label (and as many without it) before a trained classifier
replaces the prior. Measured with ``benchmarks/bench_suggest.py coldstart``: on the seeds
and the English policy sample the classifier's F1 overtakes the prior's at about 10
positives (README, "Suggestions")."""

THRESHOLD = 0.5
"""A label is suggested when its probability reaches this."""


@dataclass
class SuggestionModel:
    """Probabilities for every label of a schema, from classifiers where trained, else the prior."""

    label_ids: list[str]
    trained: np.ndarray  # (L,) bool: a classifier exists for this label
    featuriser: Featuriser | None  # None when no label is trained
    coef: np.ndarray  # (n_features, L) float32 (zero columns for untrained labels)
    intercept: np.ndarray  # (L,) float64
    calibration: np.ndarray  # (L, 3) float64 (a, c, b): p = 1 / (1 + exp(a * score + c * logit(prior) + b))
    prior: KeywordPrior

    @classmethod
    def prior_only(cls, schema: LabelSchema) -> SuggestionModel:
        n = len(schema.label_ids)
        return cls(
            list(schema.label_ids),
            np.zeros(n, dtype=bool),
            None,
            np.zeros((0, n), dtype=np.float32),
            np.zeros(n),
            np.zeros((n, 3)),
            KeywordPrior(schema),
        )

    @property
    def sources(self) -> dict[str, str]:
        """``model`` or ``prior`` for each label."""
        return {label: "model" if on else "prior" for label, on in zip(self.label_ids, self.trained, strict=True)}

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Raw linear scores (n, L) of the trained classifiers (zeros elsewhere)."""
        return self._scores([normalise(text) for text in texts])

    def _scores(self, normalised: Sequence[str]) -> np.ndarray:
        if self.featuriser is None:
            return np.zeros((len(normalised), len(self.label_ids)))
        return self.featuriser.transform_normalised(normalised).dot(self.coef) + self.intercept

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, L) probabilities: calibrated classifier scores, the prior for untrained labels.

        A trained label's calibration takes the prior as a second input (stacking): where the
        hints are right the classifier needs fewer examples to agree with them.
        """
        normalised = [normalise(text) for text in texts]
        probs = self.prior.predict_normalised(normalised)
        if self.trained.any():
            a, c, b = self.calibration[:, 0], self.calibration[:, 1], self.calibration[:, 2]
            z = a * self._scores(normalised) + c * logit(probs) + b
            calibrated = 1.0 / (1.0 + np.exp(np.clip(z, -500, 500)))
            probs[:, self.trained] = calibrated[:, self.trained]
            # an untrained "none" follows the trained labels, not the prior's guesses of them
            probs = self.prior.fill_residual(probs, self.trained)
        return probs

    # -- serialisation -----------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        featuriser = self.featuriser
        np.savez_compressed(
            buffer,
            format=np.array([MODEL_FORMAT]),
            label_ids=np.array(self.label_ids, dtype="<U64"),
            trained=self.trained,
            vocabulary=np.array(featuriser.vocabulary if featuriser else [], dtype="<U5"),
            idf=featuriser.idf if featuriser else np.zeros(0, dtype=np.float32),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept,
            calibration=self.calibration,
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, schema: LabelSchema) -> SuggestionModel:
        """Read a stored model; its labels must be the schema's (else retrain)."""
        try:
            arrays = np.load(io.BytesIO(data), allow_pickle=False)
            found = int(arrays["format"][0])
        except (ValueError, KeyError, OSError) as exc:
            raise UserError(f"the stored suggestion model is unreadable ({exc}); run `annotator model train`") from exc
        if found != MODEL_FORMAT:
            raise UserError(
                f"the stored suggestion model has format {found}, this annotator reads {MODEL_FORMAT}; "
                "run `annotator model train`"
            )
        label_ids = [str(label) for label in arrays["label_ids"]]
        if label_ids != list(schema.label_ids):
            raise UserError(
                f"the stored suggestion model was trained for other labels than schema {schema.ref}; "
                "run `annotator model train`"
            )
        vocabulary = [str(gram) for gram in arrays["vocabulary"]]
        return cls(
            label_ids,
            arrays["trained"].astype(bool),
            Featuriser(vocabulary, arrays["idf"]) if vocabulary else None,
            arrays["coef"],
            arrays["intercept"],
            arrays["calibration"],
            KeywordPrior(schema),
        )


def decide(probs: np.ndarray, schema: LabelSchema, threshold: float = THRESHOLD) -> list[str]:
    """The label set suggested for one sentence's probabilities (schema order).

    Labels at or above the threshold; the schema's rules hold: in single mode only the most
    probable, and an exclusive label (``none``) is never suggested with others (the more
    probable side wins).
    """
    ids = schema.label_ids
    chosen = [i for i in range(len(ids)) if probs[i] >= threshold]
    if not chosen:
        return []
    if schema.mode == "single":
        return [ids[max(chosen, key=lambda i: probs[i])]]
    exclusive = [i for i in chosen if ids[i] in schema.exclusive_ids]
    others = [i for i in chosen if ids[i] not in schema.exclusive_ids]
    if exclusive and others:
        best_exclusive = max(exclusive, key=lambda i: probs[i])
        if probs[best_exclusive] > max(probs[i] for i in others):
            return [ids[best_exclusive]]
        return [ids[i] for i in others]
    if len(exclusive) > 1:
        return [ids[max(exclusive, key=lambda i: probs[i])]]
    return [ids[i] for i in chosen]


def uncertainty(probs: np.ndarray) -> np.ndarray:
    """Per sentence, how close its least certain label is to 0.5 (0 = a coin toss, 0.5 = sure).

    The margin of Prodigy's ``prefer_uncertain`` for a multi-label sentence: the sentence is
    as uncertain as its most uncertain label. Sort ascending: most uncertain first.
    """
    if probs.size == 0:
        return np.zeros(probs.shape[0])
    return np.abs(probs - 0.5).min(axis=1)
