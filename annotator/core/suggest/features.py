"""Character n-gram TF-IDF features, fitted and computed with numpy only.

The features are those of scikit-learn's ``TfidfVectorizer(analyzer="char_wb",
ngram_range=(2, 5), sublinear_tf=True)`` over :func:`~.normalise.normalise` d text (a
test compares the two): n-grams of 2 to 5 characters inside each word padded with a space,
so that Arabic clitics (``وال``, ``بال``) and Polish inflection are covered without a
tokeniser, a stemmer or embeddings; tf is ``1 + log(count)``, idf ``ln((1 + n) / (1 +
df)) + 1``, rows are l2-normalised.

Why not the vectorizer itself: fitting needs no scikit-learn, and transforming a page is
numpy work. Each n-gram of the vocabulary is an integer key (its letters as digits in base
"letters of the vocabulary + 1", at most 5 digits, times 4 plus its length - 2, so it fits
in 63 bits; a letter the vocabulary lacks is digit 0 and matches nothing), stored in an
open-addressing hash table (linear probing, at least 4 slots an n-gram) built when the
model is loaded. A page's distinct words become one string " w1 w2 w3 ", its digits one
array; the keys of all its windows of 2 to 5 characters are computed at once, the windows
with a space inside dropped (a padded word's n-grams are exactly the others), and one
vectorised probe of the table gives their columns: no sort before the look-up. Each word's
columns are then repeated for its occurrences, and one ``np.unique`` of (row, column) gives
the counts. So sentences never seen before cost about what seen ones do
(``benchmarks/bench_suggest.py predict``). A vocabulary of more than 4,095 distinct
letters (no key would fit) falls back to one dictionary look-up an n-gram. Rows come out
as CSR arrays (``indptr``, ``indices``, ``values``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from annotator.core.suggest.normalise import normalise

NGRAM_RANGE = (2, 5)
_EMPTY = np.zeros(0, dtype=np.int64)
_MAX_BASE = 4096  # 4096 ** 5 * 4 < 2 ** 63: a 5-letter key tagged with its length fits in an int64
_LENGTHS = NGRAM_RANGE[1] - NGRAM_RANGE[0] + 1
_SPARSENESS = 4  # hash table slots per n-gram of the vocabulary (at least)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio
_FREE = -1  # an empty slot (tagged keys are >= 0)


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
            # take + in-place product: the same float32 products as values * weights[indices],
            # twice as fast (fancy indexing of rows is slow, and one temporary fewer)
            products = weights.take(self.indices, axis=0).astype(np.result_type(weights, self.values), copy=False)
            products *= self.values[:, None]
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
        if not self.n_features or not any(split):
            return _empty_rows(n)
        if self._index.base > _MAX_BASE:
            words = [word for row in split for word in row]
            word_row = np.repeat(np.arange(n, dtype=np.int64), [len(row) for row in split])
            row_of, columns = self._lookup_by_gram(words, word_row)
        else:
            row_of, columns = self._by_word(split)
        if not columns.size:
            return _empty_rows(n)
        # one np.unique for the whole batch: key = row * n_features + column; 32-bit keys
        # when they fit (a page: 50 x 200,000 < 2**31): they sort about 1.5x faster
        dtype = np.int32 if n * self.n_features < 2**31 else np.int64
        keys, counts = np.unique(row_of.astype(dtype) * self.n_features + columns.astype(dtype), return_counts=True)
        row_of, indices = np.divmod(keys.astype(np.int64), self.n_features)
        return _rows(n, row_of, indices, counts, self.idf)

    def _by_word(self, split: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every n-gram of the rows' words in the vocabulary: each distinct word
        of the batch is looked up once, and its columns repeated for each of its occurrences."""
        distinct: dict[str, int] = {}
        token_word = np.array([distinct.setdefault(word, len(distinct)) for row in split for word in row])
        word_of, word_columns = self._index.lookup(list(distinct))
        per_word = np.bincount(word_of, minlength=len(distinct))
        sizes = per_word[token_word]  # columns of each occurrence
        total = int(sizes.sum())
        if not total:
            return _EMPTY, _EMPTY
        ends = np.cumsum(sizes)
        # where each occurrence's columns start among word_columns, minus where they go in the output
        shift = (np.cumsum(per_word) - per_word)[token_word] - (ends - sizes)
        columns = word_columns.take(np.repeat(shift, sizes) + np.arange(total))
        token_row = np.repeat(np.arange(len(split), dtype=np.int64), [len(row) for row in split])
        return np.repeat(token_row, sizes), columns

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
    """The vocabulary as integer keys in an open-addressing hash table (see the module doc)."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        joined = "".join(vocabulary)
        self.alphabet = np.array(sorted(map(ord, set(joined))), dtype=np.int64)
        self.base = int(self.alphabet.size) + 1
        # code point -> digit (1 + place in the alphabet), 0 for a letter the vocabulary lacks
        self._digit = np.zeros(int(self.alphabet[-1]) + 2 if self.alphabet.size else 1, dtype=np.int64)
        self._digit[self.alphabet] = np.arange(1, self.base)
        bits = max((len(vocabulary) * _SPARSENESS - 1).bit_length(), 1)
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self._keys = np.full(1 << bits, _FREE, dtype=np.int64)  # slot -> tagged key
        self._columns = np.full(1 << bits, -1, dtype=np.int32)  # slot -> column
        if self.base > _MAX_BASE or not vocabulary:
            return
        digits = self.digits(joined)
        lengths = np.fromiter(map(len, vocabulary), dtype=np.int64, count=len(vocabulary))
        starts = np.cumsum(lengths) - lengths
        keys = np.zeros(len(vocabulary), dtype=np.int64)
        for length in np.unique(lengths).tolist():
            columns = np.flatnonzero(lengths == length)
            grams = digits[starts[columns][:, None] + np.arange(length)]
            keys[columns] = grams @ (self.base ** np.arange(length - 1, -1, -1, dtype=np.int64))
        self._insert(keys * _LENGTHS + lengths - NGRAM_RANGE[0], np.arange(keys.size))

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        """Home slot of each key: its top bits after a multiplication by 2**64 / golden ratio."""
        return ((keys.view(np.uint64) * _GOLDEN) >> self._shift).view(np.int64)

    def _insert(self, keys: np.ndarray, columns: np.ndarray) -> None:
        """Linear probing, all keys at once: each round the first key that wants a free slot takes
        it, the others move on to the next slot."""
        slots = self._slots(keys)
        pending = np.arange(keys.size)
        while pending.size:
            wanted = slots[pending]
            free = self._keys[wanted] == _FREE
            taken, first = np.unique(wanted[free], return_index=True)
            winners = pending[free][first]
            self._keys[taken] = keys[winners]
            self._columns[taken] = columns[winners]
            placed = np.zeros(keys.size, dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            slots[pending] = (slots[pending] + 1) & self._mask

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The column of each key (tagged with its length), -1 where the vocabulary lacks it."""
        slots = self._slots(keys)
        stored = self._keys.take(slots)
        out = np.where(stored == keys, self._columns.take(slots), -1)
        # another n-gram took the home slot (about 1 key in 10): try the next slots
        where = np.flatnonzero((out < 0) & (stored != _FREE))
        keys, slots = keys[where], slots[where]
        while where.size:
            slots = (slots + 1) & self._mask
            stored = self._keys[slots]
            hit = stored == keys
            out[where[hit]] = self._columns[slots[hit]]
            probe = ~hit & (stored != _FREE)
            where, keys, slots = where[probe], keys[probe], slots[probe]
        return out

    def digits(self, text: str) -> np.ndarray:
        """Each character's digit: 1 + its place in the alphabet, 0 if the vocabulary lacks it."""
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        return self._digit[np.minimum(points, self._digit.size - 1)]

    def lookup(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(word, column) of every ``char_wb`` n-gram of the words found in the vocabulary, in
        the order of the words.

        The words are written " w1 w2 w3 ", one space apart: the n-grams of a padded word " w "
        are the windows of the text with no space inside (the first and the last letter of a
        window may be one), and a window is in the word whose first space precedes it.
        """
        text = " " + " ".join(words) + " "
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        digits = self._digit[np.minimum(points, self._digit.size - 1)]
        spaces = np.cumsum(points == 32)  # spaces up to and including each position
        size = points.size
        low, high = NGRAM_RANGE
        keys = np.zeros((size, _LENGTHS), dtype=np.int64)  # a row per start: its 2- to 5-grams
        inside = np.zeros((size, _LENGTHS), dtype=bool)
        key = digits
        for n in range(low, high + 1):
            key = key[:-1] * self.base + digits[n - 1 :]
            count = key.size
            keys[:count, n - low] = key * _LENGTHS + (n - low)
            inside[:count, n - low] = spaces[n - 2 : n - 2 + count] == spaces[:count]
        found = self.find(keys[inside])
        hit = found >= 0
        word_of = np.broadcast_to((spaces - 1)[:, None], inside.shape)[inside]
        return word_of[hit], found[hit]


def _empty_rows(n: int) -> SparseRows:
    return SparseRows(np.zeros(n + 1, dtype=np.int64), _EMPTY, np.zeros(0, dtype=np.float32))


def _rows(n: int, row_of: np.ndarray, indices: np.ndarray, counts: np.ndarray, idf: np.ndarray) -> SparseRows:
    """CSR rows from (row, column, count) triples sorted by row then column: tf-idf, l2-normalised."""
    if not indices.size:
        return SparseRows(np.zeros(n + 1, dtype=np.int64), _EMPTY, np.zeros(0, dtype=np.float32))
    values = (np.log(counts) + 1.0).astype(np.float32) * idf.take(indices)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of, minlength=n), out=indptr[1:])
    sizes = np.diff(indptr)
    filled = sizes > 0
    norms = np.sqrt(np.add.reduceat(values * values, indptr[:-1][filled]))
    values /= np.repeat(norms, sizes[filled])
    return SparseRows(indptr, indices, values)
