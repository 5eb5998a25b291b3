"""The fast paths of prediction give exactly what the plain algorithms give.

``Featuriser.transform`` looks n-grams up in a hash table, each distinct word of a batch
once; ``KeywordPrior.predict_normalised`` works on sets of distinct words. Both are checked
bit for bit against the straightforward versions (one dictionary look-up per n-gram of
every word; one word after the other, proclitics by regular expression) on random English,
Polish and Arabic text made of hint words, example words and random letters.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import annotator.core.suggest.features as features
from annotator.core.labels import load_schema
from annotator.core.suggest.features import Featuriser
from annotator.core.suggest.normalise import normalise
from annotator.core.suggest.prior import (
    _ARABIC_LETTER,
    _MIN_SIMILARITY_WORD,
    _PROCLITIC_STRINGS,
    _PROCLITICS,
    WORD,
    KeywordPrior,
    _fits,
    packaged_hints,
)
from tests.suggest_data import POLICY_LABELS, SEEDS_LABELS, labelled

SCHEMA = load_schema()
LETTERS = "abcdeilnorstuwyząćęłńóśźż" + "ابتدرسعفقكلمنهوي" + "ALZŻ"


@cache
def _featuriser() -> Featuriser:
    texts, _ = labelled(SCHEMA, SEEDS_LABELS, POLICY_LABELS)
    return Featuriser.fit(texts, min_df=2)


def _pool() -> list[str]:
    """Words that hit: the hints' and examples' words, Arabic ones behind proclitics too."""
    words = [word for hints in packaged_hints(SCHEMA).values() for hint in hints for word in hint.split()]
    words += [word for label in SCHEMA.labels if label.example for word in label.example.split()]
    words += ["و" + w for w in words if _ARABIC_LETTER.match(w)] + [
        "وبال" + w for w in words if _ARABIC_LETTER.match(w)
    ]
    return [word.rstrip("*") for word in words]


POOL = _pool()
word = st.one_of(st.sampled_from(POOL), st.text(alphabet=LETTERS, min_size=1, max_size=9))
separator = st.sampled_from([" ", " ", " ", ", ", "-", ". ", "  ", "\u00a0", " (", "\n"])
sentence = st.lists(st.tuples(word, separator), max_size=25).map(lambda parts: "".join(w + s for w, s in parts))
page = st.lists(sentence, min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(page)
def test_the_hash_table_gives_the_rows_of_one_look_up_per_n_gram(texts: list[str]) -> None:
    featuriser = _featuriser()
    ours = featuriser.transform(texts)
    with pytest.MonkeyPatch.context() as patch:  # as for an alphabet too big for the keys
        patch.setattr(features, "_MAX_BASE", 1)
        patch.setattr(features.Featuriser, "_by_word", None)  # really not the hash table
        theirs = featuriser.transform(texts)
    np.testing.assert_array_equal(ours.indptr, theirs.indptr)
    np.testing.assert_array_equal(ours.indices, theirs.indices)
    np.testing.assert_array_equal(ours.values, theirs.values)  # bit for bit: same counts, same sums


def _plain_stems(word: str) -> list[str]:
    out = [word]
    if _ARABIC_LETTER.match(word):
        for cut in range(1, min(5, len(word) - 2) + 1):
            if _PROCLITICS.fullmatch(word[:cut]):
                out.append(word[cut:])
    return out


def _plain_prior(prior: KeywordPrior, texts: list[str]) -> np.ndarray:
    """The prior word after word, as the module doc defines it."""
    n_labels = len(prior.label_ids)
    hits = np.zeros((len(texts), n_labels))
    shared = np.zeros((len(texts), n_labels))
    sizes = np.zeros(len(texts))
    for row, text in enumerate(texts):
        tokens = WORD.findall(normalise(text))
        found: set[int] = set()
        for at, token in enumerate(tokens):
            for hint_id, (words, arabic) in enumerate(prior._hints):
                first = any(
                    (position == 0 or arabic) and _fits(stem, *words[0])
                    for position, stem in enumerate(_plain_stems(token))
                )
                rest = tokens[at + 1 : at + len(words)]
                if (
                    first
                    and len(rest) == len(words) - 1
                    and all(_fits(w, *h) for w, h in zip(rest, words[1:], strict=False))
                ):
                    found.add(hint_id)
        for hint_id in found:
            hits[row, prior._label_of[hint_id]] += 1
        long_words = {token for token in tokens if len(token) >= _MIN_SIMILARITY_WORD}
        for token in long_words:
            for col in prior._in_examples.get(token, ()):
                shared[row, col] += 1
        sizes[row] = len(long_words)
    with np.errstate(divide="ignore", invalid="ignore"):
        similarity = np.nan_to_num(shared / np.sqrt(sizes[:, None] * prior._example_size[None, :]))
    out = np.minimum(0.95, 1.0 - 0.5**hits * (1.0 - similarity))
    return prior.fill_residual(out, ~np.asarray(prior.residual, dtype=bool))


PRIOR = KeywordPrior(SCHEMA)  # shared: its word cache fills up across examples, as in use


@settings(max_examples=150, deadline=None)
@given(page)
def test_the_prior_on_sets_of_words_gives_the_plain_probabilities(texts: list[str]) -> None:
    expected = _plain_prior(PRIOR, texts)
    np.testing.assert_array_equal(PRIOR.predict_proba(texts), expected)
    np.testing.assert_array_equal(KeywordPrior(SCHEMA).predict_proba(texts), expected)  # nothing cached


def test_the_prior_finds_hints_when_its_word_cache_overflows(monkeypatch: pytest.MonkeyPatch) -> None:
    import annotator.core.suggest.prior as prior_module

    monkeypatch.setattr(prior_module, "_WORD_CACHE", 3)
    texts = ["We collect your email address and share it with advertisers.", "نجمع بريدك الإلكتروني", "nic"]
    np.testing.assert_array_equal(KeywordPrior(SCHEMA).predict_proba(texts), _plain_prior(PRIOR, texts))


def test_the_proclitic_set_is_the_regular_expression() -> None:
    letters = "وفبلكسام"
    for size in range(7):
        for letters_of in itertools.product(letters, repeat=size):
            text = "".join(letters_of)
            assert (text in _PROCLITIC_STRINGS) == bool(_PROCLITICS.fullmatch(text)), text


def test_white_space_is_one_idea_for_split_strip_and_the_regular_expression() -> None:
    """normalise joins ``text.split()`` instead of replacing ``\\s+`` and stripping: the same
    text if every code point is white space to all three or to none."""
    import sys

    from annotator.core.suggest.normalise import _SPACES

    for point in range(sys.maxunicode + 1):
        char = chr(point)
        space = char.isspace()
        assert bool(_SPACES.fullmatch(char)) == space == (char.strip() == "") == (f"a{char}b".split() == ["a", "b"])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")) | sentence)
def test_normalise_collapses_white_space_as_the_regular_expression_did(text: str) -> None:
    from annotator.core.suggest.normalise import _SPACES

    assert normalise(text) == _SPACES.sub(" ", normalise(text)).strip()
    assert normalise(text) == normalise(normalise(text))


@settings(max_examples=50, deadline=None)
@given(page, st.integers(0, 2**32 - 1))
def test_the_linear_scores_are_those_of_the_plain_product(texts: list[str], seed: int) -> None:
    rows = _featuriser().transform(texts)
    weights = np.random.default_rng(seed).normal(size=(_featuriser().n_features, 13)).astype(np.float32)
    expected = np.zeros((rows.n_rows, 13))
    if rows.indices.size:
        products = rows.values[:, None] * weights[rows.indices]
        starts = rows.indptr[:-1]
        filled = rows.indptr[1:] > starts
        expected[filled] = np.add.reduceat(products, starts[filled], axis=0)
    np.testing.assert_array_equal(rows.dot(weights), expected)
