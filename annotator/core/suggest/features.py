"""Character n-gram TF-IDF features, fitted and computed with numpy only.

The features are those of scikit-learn's ``TfidfVectorizer(analyzer="char_wb",
ngram_range=(2, 5), sublinear_tf=True)`` over :func:`~.normalise.normalise` d text (a
test compares the two): n-grams of 2 to 5 characters inside each word padded with a space,
so that Arabic clitics (``وال``, ``بال``) and Polish inflection are covered without a
tokeniser, a stemmer or embeddings; tf is ``1 + log(count)``, idf ``ln((1 + n) / (1 +
df)) + 1``, rows are l2-normalised.

Why not the vectorizer itself: fitting needs no scikit-learn, and transforming a page is
numpy work. Each n-gram of the vocabulary is an integer key (its letters as digits in base
"letters of the vocabulary + 1", at most 5 digits, so it fits in 64 bits; a letter the
vocabulary lacks is digit 0 and matches nothing); a page's text becomes one array of
digits, the keys of all its n-grams of one length are computed at once, and a binary
search in the sorted keys of the vocabulary gives their columns. So sentences never seen
before cost about what seen ones do (``benchmarks/bench_suggest.py predict``); no cache.
A vocabulary of more than 6,206 distinct letters (no key would fit) falls back to one
dictionary look-up an n-gram. Rows come out as CSR arrays (``indptr``, ``indices``,
``values``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from annotator.core.suggest.normalise import normalise

NGRAM_RANGE = (2, 5)
_EMPTY = np.zeros(0, dtype=np.int64)
_MAX_BASE = 6207  # 6207 ** 5 < 2 ** 63: a 5-letter key fits in an int64


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
        self.idf = np.asarray(idf, dtype=np.float32)
        self._index = _GramIndex(self.vocabulary)

    @cached_property
    def column(self) -> dict[str, int]:
        """n-gram -> column."""
        return {gram: index for index, gram in enumerate(self.vocabulary)}

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

    def transform(self, texts: Sequence[str]) -> SparseRows:
        """TF-IDF rows (sublinear tf, l2-normalised) of the texts."""
        return self.transform_normalised([normalise(text) for text in texts])

    def transform_normalised(self, texts: Sequence[str]) -> SparseRows:
        """:meth:`transform` of texts already through :func:`~.normalise.normalise`."""
        n = len(texts)
        split = [text.split() for text in texts]
        words = [word for row in split for word in row]
        if not words or not self.n_features:
            return _empty_rows(n)
        word_row = np.repeat(np.arange(n, dtype=np.int64), [len(row) for row in split])
        if self._index.base > _MAX_BASE:
            row_of, columns = self._lookup_by_gram(words, word_row)
        else:
            row_of, columns = self._index.lookup(words, word_row)
        if not columns.size:
            return _empty_rows(n)
        # one np.unique for the whole batch: key = row * n_features + column; 32-bit keys
        # when they fit (a page: 50 x 200,000 < 2**31): they sort about 1.5x faster
        dtype = np.int32 if n * self.n_features < 2**31 else np.int64
        keys, counts = np.unique(row_of.astype(dtype) * self.n_features + columns.astype(dtype), return_counts=True)
        row_of, indices = np.divmod(keys.astype(np.int64), self.n_features)
        return _rows(n, row_of, indices, counts, self.idf)

    def _lookup_by_gram(self, words: list[str], word_row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every n-gram of the words in the vocabulary, one look-up each."""
        get = self.column.get
        rows: list[int] = []
        columns: list[int] = []
        for word, row in zip(words, word_row.tolist(), strict=True):
            for gram in word_ngrams(word):
                if (col := get(gram)) is not None:
                    rows.append(row)
                    columns.append(col)
        return np.array(rows, dtype=np.int64), np.array(columns, dtype=np.int64)


class _GramIndex:
    """The vocabulary as sorted integer keys, one array per n-gram length (see the module doc)."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        joined = "".join(vocabulary)
        self.alphabet = np.array(sorted(map(ord, set(joined))), dtype=np.int64)
        self.base = int(self.alphabet.size) + 1
        self.keys: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        if self.base > _MAX_BASE:
            return
        digits = self.digits(joined)
        lengths = np.fromiter(map(len, vocabulary), dtype=np.int64, count=len(vocabulary))
        starts = np.cumsum(lengths) - lengths
        for length in np.unique(lengths).tolist():
            columns = np.flatnonzero(lengths == length)
            grams = digits[starts[columns][:, None] + np.arange(length)]
            keys = grams @ (self.base ** np.arange(length - 1, -1, -1, dtype=np.int64))
            order = np.argsort(keys, kind="stable")
            self.keys[length] = (keys[order], columns[order])

    def digits(self, text: str) -> np.ndarray:
        """Each character's digit: 1 + its place in the alphabet, 0 if the vocabulary lacks it."""
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        if not self.alphabet.size:
            return np.zeros(points.size, dtype=np.int64)
        place = np.searchsorted(self.alphabet, points)
        known = self.alphabet[np.minimum(place, self.alphabet.size - 1)] == points
        return np.where(known, place + 1, 0)

    def lookup(self, words: list[str], word_row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every ``char_wb`` n-gram of the words found in the vocabulary."""
        digits = self.digits("".join(f" {word} " for word in words))  # each word padded with a space
        word_of = np.repeat(np.arange(len(words), dtype=np.int64), [len(word) + 2 for word in words])
        keys = digits
        rows: list[np.ndarray] = []
        columns: list[np.ndarray] = []
        for length in range(NGRAM_RANGE[0], NGRAM_RANGE[1] + 1):
            # keys of the windows of this length: the previous length's, one digit more
            keys = keys[:-1] * self.base + digits[length - 1 :]
            starts = word_of[: keys.size]
            inside = starts == word_of[length - 1 :]  # the window lies in one padded word
            if not inside.any():
                break
            found = self.keys.get(length)
            if found is None:
                continue
            sorted_keys, sorted_columns = found
            # searched once per distinct n-gram, in sorted order (3-4x faster than unsorted needles)
            wanted, each = np.unique(keys[inside], return_inverse=True)
            place = np.minimum(np.searchsorted(sorted_keys, wanted), sorted_keys.size - 1)
            hit = (sorted_keys[place] == wanted)[each]
            rows.append(word_row[starts[inside][hit]])
            columns.append(sorted_columns[place[each[hit]]])
        if not rows:
            return _EMPTY, _EMPTY
        return np.concatenate(rows), np.concatenate(columns)


def _empty_rows(n: int) -> SparseRows:
    return SparseRows(np.zeros(n + 1, dtype=np.int64), _EMPTY, np.zeros(0, dtype=np.float32))


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
