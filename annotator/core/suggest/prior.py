"""The cold-start prior: before a label has enough training examples, its schema hints decide.

Each label of the schema may carry ``hints`` (words, word beginnings or phrases, in any
language) and an ``example`` sentence. For a sentence, a label's prior probability is

    p = 1 - 0.5 ** hits * (1 - similarity)

where ``hits`` counts the distinct hints found in the normalised sentence and
``similarity`` is the cosine between the sets of words of 4 letters or more of the
sentence and of the example. Words are the letter-and-digit runs of the normalised text
(punctuation and hyphens separate them); a hint word matches a whole word, or a word's
beginning when written with a trailing ``*`` (``advertis*``); a phrase matches consecutive
words; an Arabic hint may also follow proclitics (و ف, ب ل ك س, ال). One hint gives 0.5
(suggested, at the 0.5 threshold), two 0.75; an example alone suggests only a near-copy
of itself. An exclusive label without hints (``none``) gets ``1 - max`` of the others: a
sentence that matches nothing is suggested as "none", and one hint alone ties it at 0.5,
a tie :func:`~.model.decide` gives to the hinted label (the exclusive one wins only when
more probable). So the prior always suggests something: the hinted labels, or "none".

Weak on purpose: ``benchmarks/bench_suggest.py coldstart`` measures how many labelled
examples a trained classifier needs to beat it (:data:`~.model.MIN_POSITIVES`). A page is
worked on as sets of distinct words: a new word is tried against the hints only if it is a
hint's first word, begins with one, or is Arabic (proclitics), and is cached; each sentence
then visits only its words that match a hint, so a page costs little more than splitting it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from annotator.core.labels import DEFAULT_SCHEMA_PATH, Label, LabelSchema, load_schema
from annotator.core.suggest.normalise import normalise

_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
# conjunction, preposition or future particle, article: و+ل+ال… as in وللإعلانات, فبالبيانات
_PROCLITICS = re.compile("[وف]?[بلكس]?(?:ال|ل)?")
# a word: letters and digits; punctuation and hyphens separate words ("opt-out" is "opt out")
WORD = re.compile(r"\w+")
PREFIX_MARK = "*"
_CAP = 0.95
_WORD_CACHE = 200_000
_MIN_SIMILARITY_WORD = 4

# What one word matches (KeywordPrior._word_matches): one-word hints, phrases that may start at it.
_WordMatches = tuple[tuple[int, ...], tuple[int, ...]]
_NO_MATCH: _WordMatches = ((), ())


def hint_words(hint: str) -> list[tuple[str, bool]]:
    """A hint as it is matched: its normalised words, each with whether it is a word beginning
    (written with a trailing ``*``: ``advertis*``); punctuation separates words as in the text."""
    out: list[tuple[str, bool]] = []
    for part in normalise(hint).split():
        words = WORD.findall(part)
        if words:
            out += [(word, False) for word in words[:-1]]
            out.append((words[-1], part.endswith(PREFIX_MARK)))
    return out


def packaged_hints(schema: LabelSchema, path: Path = DEFAULT_SCHEMA_PATH) -> dict[str, list[str]]:
    """The hints a schema's prior uses: the packaged file's when the schema is the packaged one
    apart from its hints, else its own.

    A project stores its schema, hints included, when it is made; the packaged schema's hints
    follow the installed version instead (a project made before hints existed, or before they
    were rewritten or their syntax changed, gets the current ones without a migration).
    Hints of one's own need a schema of one's own (another name or version)."""
    own = {label.id: list(label.hints) for label in schema.labels if label.hints}
    try:
        packaged = load_schema(path)
    except Exception:  # the packaged file is not ours to validate here
        return own
    if packaged.without_hints() != schema.without_hints():
        return own
    return {label.id: list(label.hints) for label in packaged.labels}


# every string _PROCLITICS matches whole (a finite set: a set look-up is cheaper than the regex)
_PROCLITIC_STRINGS = frozenset(a + b + c for a in ("", "و", "ف") for b in ("", *"بلكس") for c in ("", "ال", "ل"))


def _stems(word: str) -> list[str]:
    """The word, and (Arabic) what follows each proclitic prefix it may start with."""
    out = [word]
    if word and "\u0621" <= word[0] <= "\u064a":  # _ARABIC_LETTER.match(word)
        for cut in range(1, min(5, len(word) - 2) + 1):
            if word[:cut] in _PROCLITIC_STRINGS:
                out.append(word[cut:])
    return out


def _fits(word: str, hint: str, prefix: bool) -> bool:
    return word.startswith(hint) if prefix else word == hint


class KeywordPrior:
    """Prior probabilities of every label of a schema, from its hints and examples.

    A hint word matches a whole word of the sentence, or its beginning when the hint marks it
    with ``*``; a phrase matches consecutive words. Words are the letter-and-digit runs of the
    normalised text, so punctuation around or inside a word ("(cookies)", "opt-out") does not
    hide it. An Arabic hint's first word may follow proclitics (و ف, ب ل ك س, ال).
    """

    def __init__(self, schema: LabelSchema) -> None:
        self.label_ids = list(schema.label_ids)
        hints = packaged_hints(schema)
        # hint id -> label column; hints indexed by the first two letters of their first word
        self._label_of: list[int] = []
        self._hints: list[tuple[list[tuple[str, bool]], bool]] = []  # (words, Arabic)
        self._by_start: dict[str, list[int]] = {}
        for col, label in enumerate(schema.labels):
            for hint in hints.get(label.id, []):
                words = hint_words(hint)
                if not words:
                    continue
                hint_id = len(self._label_of)
                self._label_of.append(col)
                self._hints.append((words, bool(_ARABIC_LETTER.match(words[0][0]))))
                self._by_start.setdefault(words[0][0][:2], []).append(hint_id)
        # the same, with what _word_matches tests: (hint, first word, a word beginning?, Arabic?, one word?)
        self._first_words: dict[str, list[tuple[int, str, bool, bool, bool]]] = {
            start: [(h, *self._hints[h][0][0], self._hints[h][1], len(self._hints[h][0]) == 1) for h in ids]
            for start, ids in self._by_start.items()
        }
        # what a word not Arabic must be, or begin with, to match a hint's first word
        self._first_exact = frozenset(words[0][0] for words, _arabic in self._hints if not words[0][1])
        self._first_prefixes = tuple(sorted({words[0][0] for words, _arabic in self._hints if words[0][1]}))
        examples = [self._words(label.example) if label.example else frozenset() for label in schema.labels]
        self._example_size = np.array([len(example) for example in examples], dtype=np.float64)
        self._in_examples: dict[str, list[int]] = {}
        for col, example in enumerate(examples):
            for word in example:
                self._in_examples.setdefault(word, []).append(col)
        self._example_cols = {word: tuple(cols) for word, cols in self._in_examples.items()}
        self.residual = [self._is_residual(label, hints) for label in schema.labels]
        self._example_words = frozenset(self._example_cols)
        self._matches: dict[str, _WordMatches] = {}
        self._interesting: set[str] = set()  # the words of _matches with a hint or a phrase

    @staticmethod
    def _is_residual(label: Label, hints: dict[str, list[str]]) -> bool:
        return label.exclusive and not hints.get(label.id)

    @staticmethod
    def _words(text: str) -> frozenset[str]:
        return frozenset(w for w in WORD.findall(normalise(text)) if len(w) >= _MIN_SIMILARITY_WORD)

    def _word_matches(self, word: str) -> _WordMatches:
        """(one-word hints the word matches, phrases whose first word it matches), cached."""
        found = self._matches.get(word)
        if found is None:
            hits: set[int] = set()
            phrases: set[int] = set()
            first_words = self._first_words
            for position, stem in enumerate(_stems(word)):
                for hint_id, first, prefix, arabic, single in first_words.get(stem[:2], ()):
                    if (position == 0 or arabic) and (stem.startswith(first) if prefix else stem == first):
                        (hits if single else phrases).add(hint_id)
            found = (tuple(hits), tuple(phrases)) if hits or phrases else _NO_MATCH
            if len(self._matches) >= _WORD_CACHE:
                self._matches.clear()
                self._interesting.clear()
            self._matches[word] = found
            if hits or phrases:
                self._interesting.add(word)
        return found

    def _phrase_matches(self, words: list[str], candidates: list[tuple[int, int]]) -> set[int]:
        """The phrases of ``candidates`` ((hint, position of a word its first word matched)) whose
        other words follow there."""
        hits = set()
        for hint_id, at in candidates:
            if hint_id in hits:
                continue
            rest = self._hints[hint_id][0][1:]
            following = words[at + 1 : at + 1 + len(rest)]
            if len(following) == len(rest) and all(
                _fits(word, hint, prefix) for word, (hint, prefix) in zip(following, rest, strict=True)
            ):
                hits.add(hint_id)
        return hits

    def _hit_ids(self, normal: str) -> set[int]:
        hits: set[int] = set()
        candidates: list[tuple[int, int]] = []
        words = WORD.findall(normal)
        for at, word in enumerate(words):
            word_hits, phrases = self._word_matches(word)
            hits.update(word_hits)
            candidates += [(hint_id, at) for hint_id in phrases]
        if candidates:  # a phrase is checked only where its first word is
            hits |= self._phrase_matches(words, candidates)
        return hits

    def hits(self, text: str) -> list[int]:
        """How many distinct hints of each label the text contains."""
        counts = [0] * len(self.label_ids)
        for hint_id in self._hit_ids(normalise(text)):
            counts[self._label_of[hint_id]] += 1
        return counts

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), n_labels) prior probabilities."""
        return self.predict_normalised([normalise(text) for text in texts])

    def predict_normalised(self, texts: Sequence[str]) -> np.ndarray:
        """:meth:`predict_proba` of texts already through :func:`~.normalise.normalise`."""
        n_labels = len(self.label_ids)
        hits = np.zeros((len(texts), n_labels))
        shared = np.zeros((len(texts), n_labels))
        sizes = np.zeros(len(texts))
        label_of = self._label_of
        hit_cells: list[int] = []  # flat indices row * n_labels + column, one per hit
        shared_cells: list[int] = []
        # set operations on the distinct words of the page and of each sentence: most words match
        # no hint, and only the ones that do (a few a sentence) are looked at one by one
        rows = [WORD.findall(normal) for normal in texts]
        page: set[str] = set().union(*rows)
        interesting = {word: self._matches[word] for word in page & self._interesting}
        new = page.difference(self._matches)
        # a word that is no hint's first word and begins with none can match only after
        # proclitics, if Arabic: only the others are tried, the rest are cached in one go
        exact, prefixes = self._first_exact, self._first_prefixes
        tried = [word for word in new if word in exact or word.startswith(prefixes) or "\u0621" <= word[0] <= "\u064a"]
        for word in tried:
            if (info := self._word_matches(word)) is not _NO_MATCH:
                interesting[word] = info
        plain = new.difference(tried)
        if len(self._matches) + len(plain) > _WORD_CACHE:
            self._matches.clear()
            self._interesting.clear()
        self._matches.update(dict.fromkeys(plain, _NO_MATCH))
        long_words = {word for word in page if len(word) >= _MIN_SIMILARITY_WORD}
        example_words, example_cols = self._example_words, self._example_cols
        for row, tokens in enumerate(rows):
            distinct = set(tokens)
            sizes[row] = len(distinct & long_words)
            for word in distinct & example_words:
                shared_cells.extend(row * n_labels + col for col in example_cols[word])
            chosen = distinct & interesting.keys()
            if not chosen:
                continue
            found: set[int] = set()
            phrase_words = False
            for word in chosen:
                word_hits, phrases = interesting[word]
                found.update(word_hits)
                phrase_words = phrase_words or bool(phrases)
            if phrase_words:  # a phrase is checked only where its first word is
                candidates = [
                    (hint_id, at)
                    for at, word in enumerate(tokens)
                    if word in chosen
                    for hint_id in interesting[word][1]
                ]
                found |= self._phrase_matches(tokens, candidates)
            hit_cells.extend(row * n_labels + label_of[hint_id] for hint_id in found)
        np.add.at(hits.reshape(-1), hit_cells, 1.0)
        np.add.at(shared.reshape(-1), shared_cells, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            similarity = np.nan_to_num(shared / np.sqrt(sizes[:, None] * self._example_size[None, :]))
        out = np.minimum(_CAP, 1.0 - 0.5**hits * (1.0 - similarity))
        return self.fill_residual(out, ~np.asarray(self.residual, dtype=bool))

    def fill_residual(self, probs: np.ndarray, known: np.ndarray) -> np.ndarray:
        """Set each residual label not in ``known`` to 1 - the highest of the other labels."""
        residual = np.asarray(self.residual, dtype=bool) & ~known
        others = ~np.asarray(self.residual, dtype=bool)
        if residual.any() and others.any() and probs.shape[0]:
            probs[:, residual] = (1.0 - probs[:, others].max(axis=1))[:, None]
        return probs


def logit(probs: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), p clipped to [0.01, 0.99]: the prior as an input of the calibration."""
    p = np.clip(probs, 0.01, 0.99)
    return np.log(p / (1.0 - p))
