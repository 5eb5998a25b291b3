"""Character n-gram TF-IDF features, fitted and computed with numpy only.

The features are those of scikit-learn's ``TfidfVectorizer(analyzer="char_wb",
ngram_range=(2, 5), sublinear_tf=True)`` over :func:`~.normalise.normalise` d text (a
test compares the two): n-grams of 2 to 5 characters inside each word padded with a space,
so that Arabic clitics (``وال``, ``بال``) and Polish inflection are covered without a
tokeniser, a stemmer or embeddings; tf is ``1 + log(count)``, idf ``ln((1 + n) / (1 +
df)) + 1``, rows are l2-normalised.

Why not the vectorizer itself: an n-gram belongs to one word, and words repeat, so a
cache from word to its columns makes a sentence cost a few dictionary look-ups instead of
~500 slices (a page of 50 sentences in well under the 5 ms budget), and fitting needs no
scikit-learn. Rows come out as CSR arrays (``indptr``, ``indices``, ``values``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.core.suggest.normalise import normalise

NGRAM_RANGE = (2, 5)
WORD_CACHE = 200_000  # words remembered (their columns); cleared when full
_EMPTY = np.zeros(0, dtype=np.int64)


def word_ngrams(word: str, low: int = NGRAM_RANGE[0], high: int = NGRAM_RANGE[1]) -> list[str]:
    """The ``char_wb`` n-grams of one word: padded with one space, a short word once whole."""
    padded = f" {word} "
    length = len(padded)
    grams: list[str] = []
    for n in range(low, high + 1):
        if length <= n:
            grams.append(padded)
            break
        grams.extend(padded[offset : offset + n] for offset in range(length - n + 1))
    return grams


def char_wb_ngrams(text: str, low: int = NGRAM_RANGE[0], high: int = NGRAM_RANGE[1]) -> list[str]:
    """scikit-learn's ``char_wb`` analyzer (on text already normalised)."""
    return [gram for word in text.split() for gram in word_ngrams(word, low, high)]


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
        if self.indices.size:
            products = self.values[:, None] * weights[self.indices]
            starts = self.indptr[:-1]
            filled = self.indptr[1:] > starts
            out[filled] = np.add.reduceat(products, starts[filled], axis=0)
        return out


class Featuriser:
    """A fitted vocabulary (n-gram -> column) and idf weights: text in, TF-IDF rows out."""

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray) -> None:
        if len(vocabulary) != idf.size:
            raise ValueError(f"{len(vocabulary)} n-grams but {idf.size} idf weights")
        self.vocabulary = list(vocabulary)
        self.column = {gram: index for index, gram in enumerate(self.vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self._words: dict[str, np.ndarray] = {}

    @property
    def n_features(self) -> int:
        return len(self.vocabulary)

    @classmethod
    def fit(cls, texts: Sequence[str], *, min_df: int = 1, max_features: int | None = None) -> Featuriser:
        """Vocabulary: n-grams in at least ``min_df`` sentences, at most ``max_features`` of the
        most frequent ones; columns in alphabetical order (as scikit-learn's)."""
        return cls.fit_transform(texts, min_df=min_df, max_features=max_features)[0]

    @classmethod
    def fit_transform(
        cls, texts: Sequence[str], *, min_df: int = 1, max_features: int | None = None
    ) -> tuple[Featuriser, SparseRows]:
        """:meth:`fit` and the rows of the same texts, in one pass.

        Every distinct n-gram gets an integer id as words are first seen (a word's ids are
        cached), so counting is numpy work on integers: one ``np.unique`` of (sentence,
        n-gram) keys gives the counts, the document frequencies and the rows.
        """
        gram_id: dict[str, int] = {}
        word_ids: dict[str, np.ndarray] = {}
        parts: list[np.ndarray] = []
        lengths: list[int] = []
        for text in texts:
            size = 0
            for word in normalise(text).split():
                ids = word_ids.get(word)
                if ids is None:
                    ids = np.fromiter((gram_id.setdefault(g, len(gram_id)) for g in word_ngrams(word)), dtype=np.int64)
                    word_ids[word] = ids
                parts.append(ids)
                size += ids.size
            lengths.append(size)
        n, n_grams = len(lengths), len(gram_id)
        if not n_grams:
            return cls([], np.zeros(0)), SparseRows(np.zeros(n + 1, dtype=np.int64), _EMPTY, np.zeros(0, np.float32))
        ids = np.concatenate(parts)
        keys, counts = np.unique(np.repeat(np.arange(n, dtype=np.int64), lengths) * n_grams + ids, return_counts=True)
        row_of, gram_of = np.divmod(keys, n_grams)
        df = np.bincount(gram_of, minlength=n_grams)
        grams = np.empty(n_grams, dtype=object)
        grams[list(gram_id.values())] = list(gram_id)
        kept = np.flatnonzero(df >= min_df)
        if max_features is not None and kept.size > max_features:
            total = np.bincount(ids, minlength=n_grams)
            ranked = sorted(kept.tolist(), key=lambda g: (-int(total[g]), grams[g]))
            kept = np.array(ranked[:max_features], dtype=np.int64)
        kept = kept[np.argsort(grams[kept].astype(str), kind="stable")]  # alphabetical columns
        column = np.full(n_grams, -1, dtype=np.int64)
        column[kept] = np.arange(kept.size)
        idf = np.log((1.0 + n) / (1.0 + df[kept])) + 1.0
        featuriser = cls(grams[kept].tolist(), idf)
        cols = column[gram_of]
        keep = cols >= 0
        row_of, cols, counts = row_of[keep], cols[keep], counts[keep]
        order = np.lexsort((cols, row_of))
        row_of, cols, counts = row_of[order], cols[order], counts[order]
        return featuriser, _rows(n, row_of, cols, counts, featuriser.idf)

    def _columns(self, word: str) -> np.ndarray:
        found = self._words.get(word)
        if found is None:
            get = self.column.get
            found = np.array([col for gram in word_ngrams(word) if (col := get(gram)) is not None], dtype=np.int64)
            if len(self._words) >= WORD_CACHE:
                self._words.clear()
            self._words[word] = found
        return found

    def transform(self, texts: Sequence[str]) -> SparseRows:
        """TF-IDF rows (sublinear tf, l2-normalised) of the texts."""
        return self.transform_normalised([normalise(text) for text in texts])

    def transform_normalised(self, texts: Sequence[str]) -> SparseRows:
        """:meth:`transform` of texts already through :func:`~.normalise.normalise`."""
        get, columns = self._words.get, self._columns
        n = len(texts)
        split = [text.split() for text in texts]
        # the hot loop of prediction: one dictionary look-up a word once it was seen
        parts = [found if (found := get(word)) is not None else columns(word) for words in split for word in words]
        sizes = np.fromiter((part.size for part in parts), dtype=np.int64, count=len(parts))
        if not sizes.any():
            return SparseRows(np.zeros(n + 1, dtype=np.int64), _EMPTY, np.zeros(0, dtype=np.float32))
        # one np.unique for the whole batch: key = row * n_features + column
        words_per_row = np.fromiter((len(words) for words in split), dtype=np.int64, count=n)
        # 32-bit keys when they fit (a page: 50 x 200,000 < 2**31): they sort about 1.5x faster
        dtype = np.int32 if n * self.n_features < 2**31 else np.int64
        rows = np.repeat(np.repeat(np.arange(n, dtype=dtype), words_per_row), sizes)
        keys, counts = np.unique(rows * self.n_features + np.concatenate(parts).astype(dtype), return_counts=True)
        row_of, indices = np.divmod(keys.astype(np.int64), self.n_features)
        return _rows(n, row_of, indices, counts, self.idf)


def _rows(n: int, row_of: np.ndarray, indices: np.ndarray, counts: np.ndarray, idf: np.ndarray) -> SparseRows:
    """CSR rows from (row, column, count) triples sorted by row then column: tf-idf, l2-normalised."""
    if not indices.size:
        return SparseRows(np.zeros(n + 1, dtype=np.int64), _EMPTY, np.zeros(0, dtype=np.float32))
    values = (np.log(counts) + 1.0).astype(np.float32) * idf[indices]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of, minlength=n), out=indptr[1:])
    sizes = np.diff(indptr)
    filled = sizes > 0
    norms = np.sqrt(np.add.reduceat(values * values, indptr[:-1][filled]))
    values /= np.repeat(norms, sizes[filled])
    return SparseRows(indptr, indices, values)
