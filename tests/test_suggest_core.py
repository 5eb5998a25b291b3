"""Suggestion core without a database: normalisation, features, prior, model, metrics, evaluation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from sklearn.calibration import _sigmoid_calibration
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import precision_recall_fscore_support

from annotator.core.errors import UserError
from annotator.core.labels import load_schema, parse_schema
from annotator.core.suggest.evaluation import evaluate_model, fold_ids, suggestion_matrix
from annotator.core.suggest.features import Featuriser, char_wb_ngrams
from annotator.core.suggest.metrics import exact_match, fit_platt, fit_sigmoid, label_scores, macro
from annotator.core.suggest.model import MODEL_FORMAT, SuggestionModel, decide, uncertainty
from annotator.core.suggest.normalise import normalise
from annotator.core.suggest.prior import KeywordPrior
from annotator.core.suggest.training import fit_model
from tests.suggest_data import POLICY_LABELS, SEEDS_LABELS, labelled

SCHEMA = load_schema()
TEXT = st.text(alphabet=st.sampled_from(list("abcz ŻżółAĄ ،.ابةىأإآٱـَُِّْٰ١٢ \t")), max_size=60)


# -- normalisation -------------------------------------------------------------------------------


def test_arabic_letters_and_marks_are_normalised() -> None:
    assert normalise("أَحْمَد") == "احمد"  # alef with hamza and the harakat
    assert normalise("إلى آخر ٱلكتاب") == "الي اخر الكتاب"  # alef variants, alef maqsura
    assert normalise("مدرسة") == "مدرسه"  # taa marbuta
    assert normalise("جـمـيـل") == "جميل"  # tatweel
    assert normalise("عام ٢٠١٨ و۱۹") == "عام 2018 و19"  # Arabic-Indic and Persian digits
    assert normalise("ﻻ") == "لا"  # presentation form (NFKC)
    assert normalise("  Zażółć\tGĘŚLĄ  jaźń ") == "zażółć gęślą jaźń"  # Polish letters kept, case folded


def test_persian_letters_and_direction_marks_are_normalised() -> None:
    assert normalise("کتاب بیع") == normalise("كتاب بيع") == "كتاب بيع"  # keheh, Farsi yeh
    assert normalise("ﯼ") == "ي"  # a presentation form of Farsi yeh (NFKC), then yeh
    assert normalise("الخصو\u200fصية") == normalise("\u200eالخصوصية\u200f") == "الخصوصيه"  # RLM, LRM
    assert normalise("\u2067نص\u2069 \u202bآخر\u202c\u061c") == "نص اخر"  # isolates, embeddings, ALM


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_normalise_is_idempotent_and_leaves_no_marks_or_variants(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert not set(once) & set("أإآٱةىیکـ\u064e\u064f\u0650\u0651\u0652\u0670\u200e\u200f\u061c\u2066\u2069")
    assert "  " not in once and once == once.strip()


# -- features: the numpy featuriser is scikit-learn's vectorizer -------------------------------


def test_char_wb_ngrams_match_scikit_learn_analyzer() -> None:
    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False).build_analyzer()
    for text in ("a bc defghij", "x", "we share data", "والبيانات المصرفية", ""):
        assert char_wb_ngrams(text) == analyzer(text)


@pytest.fixture(scope="module")
def fitted_vectorizer() -> tuple[TfidfVectorizer, Featuriser]:
    texts, _ = labelled(SCHEMA, SEEDS_LABELS, POLICY_LABELS)
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), preprocessor=normalise, sublinear_tf=True, min_df=2
    ).fit(texts)
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    return vectorizer, Featuriser(vocabulary, vectorizer.idf_)


def _dense(rows, n_features: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    out = np.zeros((rows.n_rows, n_features))
    for r in range(rows.n_rows):
        out[r, rows.indices[rows.indptr[r] : rows.indptr[r + 1]]] = rows.values[rows.indptr[r] : rows.indptr[r + 1]]
    return out


def test_featuriser_reproduces_the_fitted_vectorizer(fitted_vectorizer) -> None:  # type: ignore[no-untyped-def]
    vectorizer, featuriser = fitted_vectorizer
    texts, _ = labelled(SCHEMA, SEEDS_LABELS)
    texts += ["", "zzzz qqqq", "We SHARE data with third parties."]
    ours = _dense(featuriser.transform(texts), featuriser.n_features)
    np.testing.assert_allclose(ours, vectorizer.transform(texts).toarray(), atol=1e-6)


def test_fitting_gives_scikit_learns_vocabulary_and_idf(fitted_vectorizer) -> None:  # type: ignore[no-untyped-def]
    vectorizer, reference = fitted_vectorizer
    texts, _ = labelled(SCHEMA, SEEDS_LABELS, POLICY_LABELS)
    ours = Featuriser.fit(texts, min_df=2)
    assert ours.vocabulary == reference.vocabulary
    np.testing.assert_allclose(ours.idf, vectorizer.idf_, rtol=1e-6)
    capped = Featuriser.fit(texts, min_df=2, max_features=500)
    assert capped.n_features == 500 and set(capped.vocabulary) <= set(ours.vocabulary)
    fitted, rows = Featuriser.fit_transform(texts[:50], min_df=1)
    again = fitted.transform(texts[:50])
    np.testing.assert_array_equal(rows.indptr, again.indptr)
    np.testing.assert_array_equal(rows.indices, again.indices)
    np.testing.assert_allclose(rows.values, again.values, rtol=1e-6)


@given(st.lists(TEXT, max_size=5))
@settings(max_examples=60, deadline=None)
def test_featuriser_matches_on_any_text(fitted_vectorizer, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    vectorizer, featuriser = fitted_vectorizer
    ours = _dense(featuriser.transform(texts), featuriser.n_features)
    np.testing.assert_allclose(ours, vectorizer.transform(texts).toarray() if texts else ours, atol=1e-6)


# -- metrics against scikit-learn ------------------------------------------------------------------


@given(st.integers(1, 40), st.integers(2, 5), st.integers(0, 2**32 - 1))  # one column would be binary
@settings(max_examples=80, deadline=None)
def test_label_scores_match_scikit_learn(n: int, n_labels: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.random((n, n_labels)) < rng.random()
    predicted = rng.random((n, n_labels)) < rng.random()
    ours = label_scores(truth, predicted)
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, average=None, zero_division=np.nan
    )
    for j, score in enumerate(ours):
        for mine, theirs in ((score.precision, precision[j]), (score.recall, recall[j]), (score.f1, f1[j])):
            assert (mine is None) == bool(np.isnan(theirs))
            if mine is not None:
                assert mine == pytest.approx(theirs)
        assert score.support == support[j]
    defined = [s.f1 for s in ours if s.f1 is not None]
    assert macro(ours)["f1"] == (pytest.approx(np.mean(defined)) if defined else None)


def test_worked_example_of_precision_recall_and_exact_match() -> None:
    truth = np.array([[1, 0], [1, 1], [0, 0], [0, 1]], dtype=bool)
    predicted = np.array([[1, 0], [1, 0], [1, 0], [0, 0]], dtype=bool)
    first, second = label_scores(truth, predicted)
    assert (first.precision, first.recall, first.f1, first.support) == (2 / 3, 1.0, 0.8, 2)
    assert (second.precision, second.recall, second.f1, second.support) == (None, 0.0, 0.0, 2)
    assert exact_match(truth, predicted) == 0.25  # only the first row matches


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_platt_fit_matches_scikit_learn_and_the_objective(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.random(60) < 0.3
    y[:2] = [True, False]
    scores = rng.normal(size=60) + 2.0 * y
    a, b = fit_platt(scores, y)
    ref_a, ref_b = _sigmoid_calibration(scores, y)
    assert (a, b) == (pytest.approx(ref_a, abs=1e-3), pytest.approx(ref_b, abs=1e-3))


def test_two_input_sigmoid_minimises_platts_objective() -> None:
    rng = np.random.default_rng(3)
    y = rng.random(200) < 0.4
    x = np.column_stack([rng.normal(size=200) + y, rng.normal(size=200) - 0.5 * y])
    w = fit_sigmoid(x, y)
    n_pos, n_neg = y.sum(), (~y).sum()
    t = np.where(y, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))

    def loss(v: np.ndarray) -> float:
        z = x @ v[:2] + v[2]
        return float(np.sum(np.logaddexp(0, z) - (1 - t) * z))

    reference = minimize(loss, np.zeros(3), method="BFGS").x
    assert loss(w) <= loss(reference) + 1e-8
    np.testing.assert_allclose(w, reference, atol=1e-3)


# -- decisions from probabilities -------------------------------------------------------------------


def _probs(**values: float) -> np.ndarray:
    return np.array([values.get(label, 0.0) for label in SCHEMA.label_ids])


def test_decide_keeps_the_schema_rules() -> None:
    assert decide(_probs(data_sharing=0.9, ads_use=0.5, retention=0.49), SCHEMA) == ["data_sharing", "ads_use"]
    assert decide(_probs(data_sharing=0.4), SCHEMA) == []
    assert decide(_probs(data_sharing=0.6, none=0.8), SCHEMA) == ["none"]  # exclusive, more probable
    assert decide(_probs(data_sharing=0.9, none=0.8), SCHEMA) == ["data_sharing"]
    single = parse_schema(
        'name = "s"\nversion = 1\nmode = "single"\n'
        '[[labels]]\nid = "a"\nname = "A"\nkey = "a"\ndescription = "A."\n'
        '[[labels]]\nid = "b"\nname = "B"\nkey = "b"\ndescription = "B."\n'
    )
    assert decide(np.array([0.7, 0.9]), single) == ["b"]


def test_uncertainty_is_the_least_certain_label() -> None:
    probs = np.array([[0.9, 0.1, 0.55], [0.99, 0.01, 0.0], [0.5, 0.5, 0.5]])
    np.testing.assert_allclose(uncertainty(probs), [0.05, 0.49, 0.0])
    assert list(np.argsort(uncertainty(probs), kind="stable")) == [2, 0, 1]


# -- the prior --------------------------------------------------------------------------------------


def test_prior_counts_hints_at_word_starts_and_after_arabic_proclitics() -> None:
    prior = KeywordPrior(SCHEMA)
    column = SCHEMA.bit_of
    hits = prior.hits("We share your data, and disclose it, to advertisers.")
    assert hits[column["data_sharing"]] == 2 and hits[column["ads_use"]] == 1
    assert prior.hits("The bartender shared nothing")[column["data_sharing"]] == 1  # "shared" starts with "share"
    assert prior.hits("a timeshare")[column["data_sharing"]] == 0  # not at a word start
    arabic = prior.hits("ولن تشاركها مع أي طرف ثالث، وللإعلانات")
    assert arabic[column["data_sharing"]] >= 1 and arabic[column["ads_use"]] == 1  # و+ل+ال… before إعلان


def test_prior_hints_match_whole_words_or_marked_word_beginnings() -> None:
    prior = KeywordPrior(SCHEMA)
    column = SCHEMA.bit_of
    rights, ads, law = column["user_rights"], column["ads_use"], column["enforcement"]
    assert prior.hits("Ask for a copy of it")[rights] == 1
    assert prior.hits("All copyright reserved, rightly")[rights] == 0  # "copy", "right": whole words only
    assert prior.hits("The lawn and the lawyer")[law] == 0  # "law" is not inside "lawn"
    assert prior.hits("advertisers and advertising")[ads] == 1  # "advertis*": a word beginning, one hint
    assert prior.hits("a madvertisement")[ads] == 0  # a beginning, not a substring


def test_prior_sees_words_through_punctuation() -> None:
    prior = KeywordPrior(SCHEMA)
    column = SCHEMA.bit_of
    assert prior.hits("(advertising), 'ads'; marketing.")[column["ads_use"]] == 3
    assert prior.hits("data-sharing")[column["data_sharing"]] == 1  # the hyphen separates the words
    children = column["children_audiences"]
    assert prior.hits("not for children under 13.")[children] == 2  # the phrase "under 13" before a stop
    assert prior.hits("children under 130")[children] == 1  # "13" is a whole word of the phrase
    assert prior.hits("under, 13")[children] == 1  # punctuation between the words of a phrase


def test_prior_reads_persian_letters_and_direction_marks_as_arabic() -> None:
    prior = KeywordPrior(SCHEMA)
    other = SCHEMA.bit_of["other_privacy"]
    assert prior.hits("مخاوف بشأن الخصوصية")[other] == 1
    assert prior.hits("مخاوف بشأن الخصوصیة")[other] == 1  # Farsi yeh
    assert prior.hits("مخاوف بشأن الخصو\u200fصية")[other] == 1  # an RLM inside the word


def test_cold_start_ties_go_to_the_hinted_label_and_something_is_always_suggested() -> None:
    """One hint gives exactly 0.5 and leaves "none" at exactly 0.5: the hinted label is suggested."""
    prior = KeywordPrior(SCHEMA)
    probs = prior.predict_proba(["Ads everywhere."])[0]
    ads, none = SCHEMA.bit_of["ads_use"], SCHEMA.bit_of["none"]
    assert probs[ads] == probs[none] == 0.5
    assert decide(probs, SCHEMA) == ["ads_use"]


@given(TEXT)
@settings(max_examples=200, deadline=None)
def test_the_prior_suggests_a_set_the_schema_allows_for_any_text(text: str) -> None:
    probs = KeywordPrior(SCHEMA).predict_proba([text])[0]
    suggested = decide(probs, SCHEMA)
    assert suggested  # the hinted labels, or "none"
    assert suggested == ["none"] or "none" not in suggested
    assert ((probs >= 0) & (probs <= 1)).all()


def test_prior_probabilities_and_the_residual_none() -> None:
    prior = KeywordPrior(SCHEMA)
    column = SCHEMA.bit_of
    probs = prior.predict_proba(["We share and disclose data.", "The weather was warm on Tuesday."])
    assert probs[0, column["data_sharing"]] >= 0.75  # two hints
    assert probs[0, column["none"]] == pytest.approx(1 - probs[0].max())
    assert decide(probs[1], SCHEMA) == ["none"]  # nothing matched: suggested as not about privacy
    assert ((probs >= 0) & (probs <= 1)).all()


def test_a_project_stored_with_older_hints_gets_the_packaged_ones() -> None:
    """privacy@1 stored with the first hints (word beginnings without *): the installed hints decide."""
    old = SCHEMA.model_copy(
        update={
            "labels": [
                label.model_copy(update={"hints": ["advertis", "cookies"] if label.id == "ads_use" else []})
                for label in SCHEMA.labels
            ]
        }
    )
    for text in ("advertisers", "cookies", "advertisers and cookies"):
        assert KeywordPrior(old).hits(text) == KeywordPrior(SCHEMA).hits(text)
    assert KeywordPrior(old).hits("advertisers")[SCHEMA.bit_of["ads_use"]] == 1  # the packaged advertis*
    assert KeywordPrior(old).hits("cookies")[SCHEMA.bit_of["ads_use"]] == 0  # the stored "cookies" is not used
    own = parse_schema(
        'name = "mine"\nversion = 1\n[[labels]]\nid = "a"\nname = "A"\nkey = "a"\ndescription = "A."\n'
        'hints = ["cookie*"]\n'
    )
    assert KeywordPrior(own).hits("cookies") == [1]  # a schema of one's own keeps its hints


def test_a_schema_stored_before_hints_gets_the_packaged_hints() -> None:
    without = SCHEMA.without_hints()
    assert KeywordPrior(without).hits("we share") == KeywordPrior(SCHEMA).hits("we share")
    other = parse_schema('name = "x"\nversion = 1\n[[labels]]\nid = "a"\nname = "A"\nkey = "a"\ndescription = "A."\n')
    assert KeywordPrior(other).hits("we share anything") == [0]


# -- training, the stored model, evaluation -----------------------------------------------------------


@pytest.fixture(scope="module")
def policy_model() -> tuple[list[str], np.ndarray, object]:
    texts, truth = labelled(SCHEMA, POLICY_LABELS)
    return texts, truth, fit_model(texts, truth, SCHEMA)


def test_labels_with_few_examples_use_the_prior(policy_model) -> None:  # type: ignore[no-untyped-def]
    texts, truth, fitted = policy_model
    positives = truth.sum(axis=0)
    expected = [(p >= 10 and len(texts) - p >= 10) for p in positives]
    assert list(fitted.model.trained) == expected
    assert fitted.model.sources["data_sharing"] == "model" and fitted.model.sources["policy_change"] == "prior"
    assert fitted.positives["data_sharing"] == int(positives[SCHEMA.bit_of["data_sharing"]])
    prior = KeywordPrior(SCHEMA).predict_proba(texts[:5])
    untrained = ~fitted.model.trained & ~np.array([label.exclusive for label in SCHEMA.labels])
    np.testing.assert_allclose(fitted.model.predict_proba(texts[:5])[:, untrained], prior[:, untrained])


def test_a_trained_model_learns_the_training_labels(policy_model) -> None:  # type: ignore[no-untyped-def]
    texts, truth, fitted = policy_model
    probs = fitted.model.predict_proba(texts)
    assert ((probs >= 0) & (probs <= 1)).all()
    j = SCHEMA.bit_of["data_sharing"]
    assert label_scores(truth[:, [j]], probs[:, [j]] >= 0.5)[0].f1 > 0.85


def test_model_blob_round_trip_without_pickle(policy_model) -> None:  # type: ignore[no-untyped-def]
    texts, _, fitted = policy_model
    blob = fitted.model.to_bytes()
    back = SuggestionModel.from_bytes(blob, SCHEMA)
    np.testing.assert_allclose(back.predict_proba(texts[:20]), fitted.model.predict_proba(texts[:20]), atol=1e-6)
    assert list(back.trained) == list(fitted.model.trained)
    other = parse_schema('name = "x"\nversion = 1\n[[labels]]\nid = "a"\nname = "A"\nkey = "a"\ndescription = "A."\n')
    with pytest.raises(UserError, match="other labels"):
        SuggestionModel.from_bytes(blob, other)
    with pytest.raises(UserError, match="unreadable"):
        SuggestionModel.from_bytes(b"not a model", SCHEMA)
    assert MODEL_FORMAT == 1


def test_prior_only_model_when_no_label_has_enough_examples() -> None:
    texts = ["We share data.", "Hello there.", "We collect email."]
    truth = np.zeros((3, len(SCHEMA.label_ids)), dtype=bool)
    truth[0, SCHEMA.bit_of["data_sharing"]] = True
    fitted = fit_model(texts, truth, SCHEMA)
    assert not fitted.model.trained.any() and fitted.model.featuriser is None
    np.testing.assert_allclose(fitted.model.predict_proba(texts), KeywordPrior(SCHEMA).predict_proba(texts))
    assert SuggestionModel.from_bytes(fitted.model.to_bytes(), SCHEMA).featuriser is None


def test_folds_cover_every_sentence_once_and_evaluation_reports_what_it_predicted() -> None:
    ids = fold_ids(23, 5, seed=1)
    assert sorted(np.bincount(ids)) == [4, 4, 5, 5, 5]
    assert list(fold_ids(23, 5, seed=1)) == list(ids)
    texts, truth = labelled(SCHEMA, SEEDS_LABELS)
    evaluation = evaluate_model(texts, truth, SCHEMA, folds=3)
    report = evaluation.as_dict()
    assert report["n_sentences"] == 106 and report["folds"] == 3
    assert set(report["per_label"]) == set(SCHEMA.label_ids)
    assert report["per_label"]["data_sharing"]["support"] == int(truth[:, SCHEMA.bit_of["data_sharing"]].sum())
    prior_predicted = suggestion_matrix(KeywordPrior(SCHEMA).predict_proba(texts), SCHEMA)
    assert report["prior"]["per_label"]["ads_use"] == label_scores(truth, prior_predicted)[2].as_dict()
    with pytest.raises(UserError, match="cannot be split"):
        evaluate_model(texts[:3], truth[:3], SCHEMA, folds=5)


def test_no_fold_trains_on_its_test_sentences_or_copies_of_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cross-validation without leakage: the same text in two documents (or with other harakat,
    spacing or case) goes to one fold, so a fold never trains on a copy of a sentence it tests."""
    texts, truth = labelled(SCHEMA, SEEDS_LABELS)
    copies = [texts[0], texts[5].upper(), "  " + texts[7] + " ", texts[9].replace("ا", "أ")] * 3
    texts, truth = texts + copies, np.vstack([truth, truth[[0, 5, 7, 9] * 3]])
    folds: list[tuple[set[str], set[str]]] = []

    class Fitted:
        def __init__(self, train: list[str]) -> None:
            self.train = {normalise(text) for text in train}
            self.trained = np.zeros(len(SCHEMA.label_ids), dtype=bool)

        def predict_proba(self, test: list[str]) -> np.ndarray:
            folds.append((self.train, {normalise(text) for text in test}))
            return np.zeros((len(test), len(SCHEMA.label_ids)))

    def fake_fit(train: list[str], *_args: object, **_kwargs: object) -> object:
        return type("Result", (), {"model": Fitted(train)})()

    monkeypatch.setattr("annotator.core.suggest.evaluation.fit_model", fake_fit)
    for k in (2, 3, 5, 10):
        folds.clear()
        evaluate_model(texts, truth, SCHEMA, folds=k, seed=k)
        assert len(folds) == k
        for train, test in folds:
            assert test and not train & test
        assert sum(len(test) for _train, test in folds) == len({normalise(t) for t in texts})
    assert normalise(texts[9]) == normalise(texts[9].replace("ا", "أ"))  # the copies are copies to the model


def test_fold_ids_keep_groups_together_and_balance_sizes() -> None:
    groups = [str(i % 7) for i in range(30)]
    ids = fold_ids(30, 3, seed=4, groups=groups)
    for group in set(groups):
        assert len({ids[i] for i, g in enumerate(groups) if g == group}) == 1
    assert max(np.bincount(ids)) - min(np.bincount(ids)) <= 5  # at most one group's size apart
    with pytest.raises(UserError, match=r"3 labelled sentences \(1 different texts\) cannot be split into 2 folds"):
        evaluate_model(["Same.", "same.", "SAME."], np.zeros((3, len(SCHEMA.label_ids)), bool), SCHEMA, folds=2)


def test_the_fallback_for_huge_alphabets_gives_the_same_rows(
    fitted_vectorizer, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A vocabulary with too many letters for 64-bit keys is looked up one n-gram at a time: same rows."""
    import annotator.core.suggest.features as features

    _vectorizer, featuriser = fitted_vectorizer
    texts, _ = labelled(SCHEMA, SEEDS_LABELS)
    texts = texts[:40] + ["", "(cookies) opt-out", "ﻻ ٢٠١٨"]
    by_keys = featuriser.transform(texts)
    monkeypatch.setattr(features, "_MAX_BASE", 1)
    by_gram = Featuriser(featuriser.vocabulary, featuriser.idf).transform(texts)
    np.testing.assert_array_equal(by_keys.indptr, by_gram.indptr)
    np.testing.assert_array_equal(by_keys.indices, by_gram.indices)
    np.testing.assert_allclose(by_keys.values, by_gram.values, rtol=1e-6)


def test_calibration_folds_keep_copies_of_a_text_together() -> None:
    """model train's out-of-fold scores (calibration and stored figures): no fold scores a copy
    of a text its classifier was fitted on."""
    from annotator.core.suggest.training import calibration_folds

    rng = np.random.default_rng(3)
    groups = np.concatenate([np.arange(40), rng.integers(0, 40, 20)])  # 20 copies of earlier texts
    y = groups % 3 == 0
    folds = calibration_folds(y, groups, seed=0)
    assert len(folds) == 3
    seen = np.concatenate([test for _train, test in folds])
    assert sorted(seen.tolist()) == list(range(groups.size))  # every row scored once
    for train, test in folds:
        assert not set(groups[train].tolist()) & set(groups[test].tolist())
        assert y[test].any() and (~y[test]).any()  # stratified: both classes in every fold
    plain = calibration_folds(y[:40], groups[:40], seed=0)  # no copies: the rows' own folds
    from sklearn.model_selection import StratifiedKFold

    expected = StratifiedKFold(3, shuffle=True, random_state=0).split(np.zeros(40), y[:40])
    for (train, test), (want_train, want_test) in zip(plain, expected, strict=True):
        assert list(train) == list(want_train) and list(test) == list(want_test)
