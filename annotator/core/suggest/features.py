"""Character n-gram TF-IDF features, computed with numpy only (no scikit-learn needed).

Training fits scikit-learn's ``TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
sublinear_tf=True)`` over :func:`~.normalise.normalise` d text; the fitted vocabulary and
idf weights are stored with the model, and :class:`Featuriser` reproduces its
``transform`` exactly (a test compares the two). Character n-grams within word
boundaries cover Arabic clitics (``وال``, ``بال``) and Polish inflection without a
tokeniser, a stemmer or embeddings.

Rows come out as CSR arrays (``indptr``, ``indices``, ``values``): sentence ``r`` has the
features ``indices[indptr[r]:indptr[r+1]]`` with their weights.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.core.suggest.normalise import normalise

NGRAM_RANGE = (2, 5)


def char_wb_ngrams(text: str, low: int = NGRAM_RANGE[0], high: int = NGRAM_RANGE[1]) -> list[str]:
    """scikit-learn's ``char_wb`` analyzer: n-grams of each word padded with one space."""
    grams: list[str] = []
    append = grams.append
    for word in text.split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            if length <= n:  # a word shorter than n gives itself once, then nothing longer
                append(padded)
                break
            for offset in range(length - n + 1):
                append(padded[offset : offset + n])
    return grams


@dataclass(frozen=True)
class SparseRows:
    """Sentences x features in CSR form."""

    indptr: np.ndarray  # (n + 1,) int64
    indices: np.ndarray  # (nnz,) int64
    values: np.ndarray  # (nnz,) float32

    @property
    def n_rows(self) -> int:
        return int(self.indptr.size - 1)

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """``rows @ weights`` for a dense (n_features, k) matrix: (n_rows, k)."""
        out = np.zeros((self.n_rows, weights.shape[1]), dtype=np.float64)
        for row in range(self.n_rows):
            start, end = self.indptr[row], self.indptr[row + 1]
            if end > start:
                out[row] = self.values[start:end] @ weights[self.indices[start:end]]
        return out


class Featuriser:
    """A fitted vocabulary (n-gram -> column) and idf weights: text in, TF-IDF rows out."""

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray) -> None:
        if len(vocabulary) != idf.size:
            raise ValueError(f"{len(vocabulary)} n-grams but {idf.size} idf weights")
        self.vocabulary = list(vocabulary)
        self.column = {gram: index for index, gram in enumerate(self.vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float32)

    @property
    def n_features(self) -> int:
        return len(self.vocabulary)

    def transform(self, texts: Sequence[str]) -> SparseRows:
        """TF-IDF rows (sublinear tf, l2-normalised) of the texts, as the fitted vectorizer gives."""
        column = self.column.get
        indptr = [0]
        all_indices: list[np.ndarray] = []
        all_values: list[np.ndarray] = []
        for text in texts:
            counts = Counter(char_wb_ngrams(normalise(text)))
            known = [(col, n) for gram, n in counts.items() if (col := column(gram)) is not None]
            if known:
                known.sort()
                indices = np.fromiter((col for col, _ in known), dtype=np.int64, count=len(known))
                tf = np.fromiter((n for _, n in known), dtype=np.float32, count=len(known))
                values = (np.log(tf) + 1.0) * self.idf[indices]
                values /= np.sqrt(np.dot(values, values))
                all_indices.append(indices)
                all_values.append(values.astype(np.float32))
            indptr.append(indptr[-1] + len(known))
        return SparseRows(
            np.asarray(indptr, dtype=np.int64),
            np.concatenate(all_indices) if all_indices else np.zeros(0, dtype=np.int64),
            np.concatenate(all_values) if all_values else np.zeros(0, dtype=np.float32),
        )
