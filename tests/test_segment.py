"""Tests for annotator.core.segment: gold-standard boundary F1, offset invariants, rules.

Boundary F1 definition used here: a document's boundaries are the set of sentence END offsets
(``end`` of each ``(start, end)`` span, i.e. the position right after the last non-space
character of each sentence). Predicted and gold boundary sets are compared per document and
pooled per language; F1 = 2PR / (P + R). Start offsets are checked the same way as a second,
independent view (a span that starts in the wrong place would be missed by ends alone).

Gold files (tests/data/gold_segmentation/<stem>.json) are lists of sentence strings, made by
reading the texts: each is an exact, stripped substring of the source, in order, and together
they cover all non-whitespace text. Sources: /seeds/<stem>.txt (4 Arabic, 1 Polish news
article) and, written for the gold, tests/data/gold_segmentation/<stem>.txt: two English
privacy-policy samples, a Polish and an Arabic news article (abbreviations, decimals, years,
quotes spanning two sentences, brackets, e-mails; the boundaries checked by hand, including
the one our rules miss: "2018 r. Od tego czasu").

The segmenter has two passes (a fast regex pass and the syntok pass for ambiguous
stretches); the differential tests below hold them to the same spans as the syntok pass run
on every whole line, which is how annotator segmented before the fast pass existed.
"""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import annotator.core.segment as segment_module
from annotator.core.segment import LINE_BREAKS, segment, split
from annotator.core.segment_rules import LINE_BREAK_RE, norm_lang
from annotator.core.segment_syntok import segment_stretch

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = ROOT / "tests" / "data" / "gold_segmentation"
SEEDS_DIR = ROOT / "seeds"

ARABIC_SEEDS = [
    "000_427e261dc324c1f6",
    "001_4d6402208f1e7e78",
    "002_50e3bceca4959f80",
    "003_a9364fc6cc56f80c",
]
POLISH_SEEDS = ["004_07191d38325b842d"]
ARABIC = ARABIC_SEEDS + ["arabic_news"]
POLISH = POLISH_SEEDS + ["polish_news"]
ENGLISH = ["english_policy", "english_policy_2"]
ALL_STEMS = ARABIC + POLISH + ENGLISH


def _source_text(stem: str) -> str:
    local = GOLD_DIR / f"{stem}.txt"
    path = local if local.exists() else SEEDS_DIR / f"{stem}.txt"
    return path.read_text(encoding="utf-8")


def _gold_sentences(stem: str) -> list[str]:
    return json.loads((GOLD_DIR / f"{stem}.json").read_text(encoding="utf-8"))


def _locate(text: str, sentences: list[str]) -> list[tuple[int, int]]:
    """Offsets of the gold sentences, found left to right; fails if one is missing."""
    spans, pos = [], 0
    for sentence in sentences:
        idx = text.find(sentence, pos)
        assert idx >= 0, f"gold sentence not found in order: {sentence[:60]!r}"
        spans.append((idx, idx + len(sentence)))
        pos = idx + len(sentence)
    return spans


def boundary_f1(gold: set, predicted: set) -> float:
    tp = len(gold & predicted)
    if tp == 0:
        return 0.0
    precision = tp / len(predicted)
    recall = tp / len(gold)
    return 2 * precision * recall / (precision + recall)


def _pooled(stems: list[str], segmenter, which: int) -> tuple[set, set]:
    gold, pred = set(), set()
    for stem in stems:
        text = _source_text(stem)
        gold |= {(stem, span[which]) for span in _locate(text, _gold_sentences(stem))}
        pred |= {(stem, span[which]) for span in segmenter(text)}
    return gold, pred


# --------------------------------------------------------------------------- gold sanity


@pytest.mark.parametrize("stem", ALL_STEMS)
def test_gold_is_exact_stripped_cover_of_source(stem):
    text = _source_text(stem)
    sentences = _gold_sentences(stem)
    assert sentences, stem
    spans = _locate(text, sentences)
    pos = 0
    for (s, e), sentence in zip(spans, sentences, strict=True):
        assert sentence == sentence.strip() and sentence
        assert text[pos:s].strip() == "", f"text between gold sentences is not whitespace: {text[pos:s]!r}"
        assert not any(ch in LINE_BREAKS for ch in sentence), "gold sentence crosses a line break"
        pos = e
    assert text[pos:].strip() == ""


def test_gold_sizes():
    n_ar = sum(len(_gold_sentences(s)) for s in ARABIC_SEEDS)
    n_pl = sum(len(_gold_sentences(s)) for s in POLISH_SEEDS)
    assert (n_ar, n_pl) == (76, 32)  # 108 seed sentences, as in docs/segmentation.md
    sizes = {
        stem: len(_gold_sentences(stem))
        for stem in ("arabic_news", "polish_news", "english_policy", "english_policy_2")
    }
    assert sizes == {"arabic_news": 19, "polish_news": 22, "english_policy": 26, "english_policy_2": 30}


# --------------------------------------------------------------------------- F1 on gold


@pytest.mark.parametrize(
    "stems, lang, threshold",
    [(ARABIC, "ar", 0.98), (POLISH, "pl", 0.98), (ENGLISH, "en", 0.98)],
    ids=["arabic", "polish", "english"],
)
@pytest.mark.parametrize("which", [1, 0], ids=["end-offsets", "start-offsets"])
@pytest.mark.parametrize("use_hint", [False, True], ids=["no-lang", "lang-hint"])
def test_boundary_f1_against_gold(stems, lang, threshold, which, use_hint):
    gold, pred = _pooled(stems, lambda t: segment(t, lang if use_hint else None), which)
    f1 = boundary_f1(gold, pred)
    assert f1 >= threshold, f"{lang}: boundary F1 {f1:.4f} < {threshold}"


@pytest.mark.parametrize("stems", [ARABIC, POLISH, ENGLISH], ids=["arabic", "polish", "english"])
def test_gold_rejects_a_lines_only_segmenter(stems):
    """The gold is discriminative: splitting at line breaks alone scores far below the bar."""

    def lines_only(text):
        spans, pos = [], 0
        for line in text.split("\n"):
            stripped = line.strip()
            if stripped:
                s = pos + line.index(stripped)
                spans.append((s, s + len(stripped)))
            pos += len(line) + 1
        return spans

    gold, pred = _pooled(stems, lines_only, 1)
    assert boundary_f1(gold, pred) < 0.95


def test_boundary_f1_function():
    assert boundary_f1({1, 2, 3}, {1, 2, 3}) == 1.0
    assert boundary_f1({1, 2, 3}, {4}) == 0.0
    assert boundary_f1({1, 2, 3, 4}, {1, 2}) == pytest.approx(2 * 1 * 0.5 / 1.5)


# --------------------------------------------------------------------------- invariants

_INTERESTING = list("abcXYZ ążźćęłńóśŻŁ فيسبوكالعربيةمليار ٠١٢٣ 0123456789 .!?؟۔،؛;:,…-–—'\"«»“”„‘’()[]") + [
    " ",
    "  ",
    "\t",
    "\u00a0",
    "\u200b",
    "\n",
    "\r\n",
    "\r",
    "\u2028",
    "\u2029",
    "\x85",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1f",
    "m.in.",
    "np.",
    "tj.",
    "e.g.",
    "U.S.",
    "3.5",
    "10.",
    "(...)",
    "...",
    "https://x.pl/a.html.",
    "a@b.com.",
]

_text_strategy = st.lists(
    st.one_of(
        st.sampled_from(_INTERESTING),
        st.characters(exclude_categories=[]),  # any code point, surrogates included
    ),
    max_size=80,
).map("".join)


def _check_invariants(text: str, spans: list[tuple[int, int]]) -> None:
    assert isinstance(spans, list)
    prev_end = 0
    for span in spans:
        assert isinstance(span, tuple) and len(span) == 2
        s, e = span
        assert isinstance(s, int) and isinstance(e, int)
        assert prev_end <= s < e <= len(text), (spans, text)
        piece = text[s:e]
        assert piece == piece.strip() and piece.strip(), repr(piece)
        assert not any(ch in LINE_BREAKS for ch in piece), f"span crosses a line break: {piece!r}"
        prev_end = e
    # nothing is lost: every non-whitespace character is inside some span
    covered = [False] * len(text)
    for s, e in spans:
        for i in range(s, e):
            covered[i] = True
    lost = [ch for ch, c in zip(text, covered, strict=True) if not c and not ch.isspace()]
    assert not lost, f"characters outside every span: {lost!r}"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_text_strategy, lang=st.sampled_from([None, "ar", "pl", "en", "pl-PL", "xx", ""]))
def test_offset_invariants_property(text, lang):
    spans = segment(text, lang)
    _check_invariants(text, spans)
    assert segment(text, lang) == spans  # deterministic
    assert split(text, lang) == [text[s:e] for s, e in spans]


@pytest.mark.parametrize("stem", ALL_STEMS)
def test_offset_invariants_on_gold_sources(stem):
    text = _source_text(stem)
    _check_invariants(text, segment(text))


def test_invariant_checker_can_fail():
    with pytest.raises(AssertionError):
        _check_invariants("a b\nc", [(0, 5)])  # crosses the newline
    with pytest.raises(AssertionError):
        _check_invariants(" ab", [(0, 3)])  # not stripped
    with pytest.raises(AssertionError):
        _check_invariants("ab cd", [(0, 2)])  # "cd" lost


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\r\n\u00a0\u2028 "])
def test_empty_and_blank(text):
    assert segment(text) == []
    assert split(text) == []


def test_weird_lang_values_do_not_raise():
    for lang in (None, "", "ar", "AR", "pl_PL", "en-US", "zz", "-"):
        assert split("Ala ma kota. Kot ma Alę.", lang) == ["Ala ma kota.", "Kot ma Alę."]


# --------------------------------------------------------------------------- rules


def test_arabic_question_mark_splits():
    assert split("هل تريد ذلك؟ نعم أريده.") == ["هل تريد ذلك؟", "نعم أريده."]


def test_arabic_full_stop_splits():
    assert split("هذه جملة۔ وهذه جملة أخرى.") == ["هذه جملة۔", "وهذه جملة أخرى."]


@pytest.mark.parametrize(
    "text",
    [
        "قالت الشركة، في بيان، إن البيانات آمنة.",
        "قالت الشركة؛ وهذا مهم، إن البيانات آمنة.",
        "كتبت: مي ضاحي",
        "وقالت المتحدثة: نحن نتعاون مع المؤسسات المالية.",
        "We collect data; we do not sell it.",
        "Data is stored in the EU; Google hosts it.",
        "Dane przechowujemy w UE; Google je hostuje.",
        "Note: We keep logs.",
    ],
)
def test_no_split_at_comma_semicolon_colon(text):
    assert split(text) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "Wyrazem tego był m.in. spadek wartości akcji.",
        "Koncern przekazał dane stronom trzecim, takim jak np. Google czy Amazon.",
        "Chodzi o dwie firmy, tj. Google i Amazon.",
        "To tzw. Big Tech zmienia rynek.",
        "Spotkanie odbyło się przy ul. Marszałkowskiej w Warszawie.",
        "Przyszło ok. 120 osób.",
        "Rozmawiał z nim prof. Nowak o godz. 12 w 2018 r. w Krakowie.",
        "Koncern stracił 120 mld dolarów w jeden dzień.",
        "Firma zatrudnia 5 tys. pracowników.",
    ],
)
def test_polish_abbreviations_do_not_split(text):
    assert split(text) == [text]
    assert split(text, "pl") == [text]


def test_polish_abbreviation_still_allows_real_boundary():
    assert split("Kupił m.in. chleb. Potem wrócił do domu.") == ["Kupił m.in. chleb.", "Potem wrócił do domu."]


@pytest.mark.parametrize(
    "text",
    [
        "Akcje wzrosły o 3.5 procent.",
        "قفزت الأسهم بنسبة 3.5 ٪ في منتصف التعاملات.",
        "ماسينجر يستحوذ على نحو 1.3 مليار مستخدم.",
        "Use e.g. a browser, i.e. Firefox.",
        "Our servers are in the U.S. and in the EU.",
    ],
)
def test_no_split_inside_numbers_and_dotted_abbreviations(text):
    assert split(text) == [text]


def test_line_breaks_are_boundaries():
    text = "عنوان الخبر\nكتبت: مي ضاحي\r\nالفقرة الأولى بدون نقطة\u2028Title without stop\n\nBody."
    assert split(text) == [
        "عنوان الخبر",
        "كتبت: مي ضاحي",
        "الفقرة الأولى بدون نقطة",
        "Title without stop",
        "Body.",
    ]


def test_plain_sentences_split():
    assert split("Ala ma kota. Kot ma Alę! Czy to prawda? Tak.") == [
        "Ala ma kota.",
        "Kot ma Alę!",
        "Czy to prawda?",
        "Tak.",
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('He said "Stop!" Then he left.', ['He said "Stop!"', "Then he left."]),
        ("He said: “It works.” She agreed.", ["He said: “It works.”", "She agreed."]),
        ('Facebook "nie kupuje danych". Zaznaczyła to.', ['Facebook "nie kupuje danych".', "Zaznaczyła to."]),
        (
            "وتابعت «نحن لا نستخدم هذه المعلومات». ومن دون تأكيد قال.",
            ["وتابعت «نحن لا نستخدم هذه المعلومات».", "ومن دون تأكيد قال."],
        ),
        (
            "وقال: «نحن لا نستخدم هذه البيانات.» وأضاف أن الشركة ستتغير.",
            ["وقال: «نحن لا نستخدم هذه البيانات.»", "وأضاف أن الشركة ستتغير."],
        ),
        ("قال «هل هذا صحيح؟» ثم صمت.", ["قال «هل هذا صحيح؟»", "ثم صمت."]),
        ("“فيسبوك أخبر البنوك”، قال أحد الأشخاص.", ["“فيسبوك أخبر البنوك”، قال أحد الأشخاص."]),
        ('"Stop!" he shouted.', ['"Stop!" he shouted.']),
    ],
)
def test_terminal_inside_quotes(text, expected):
    assert split(text) == expected


def test_closing_quote_never_starts_the_next_sentence():
    assert split("قال «نص جميل. » وقال آخر.") == ["قال «نص جميل. »", "وقال آخر."]


def test_urls_emails_and_company_suffixes():
    assert split("Send requests to privacy@acme.com. We reply fast.") == [
        "Send requests to privacy@acme.com.",
        "We reply fast.",
    ]
    assert split("Read https://www.acme.com/legal/terms.html. It is short.") == [
        "Read https://www.acme.com/legal/terms.html.",
        "It is short.",
    ]
    assert split("Shared with Stripe, Inc. and Google LLC. We never sell data.") == [
        "Shared with Stripe, Inc. and Google LLC.",
        "We never sell data.",
    ]


def test_numbered_list_items_stay_whole():
    assert split("1. Information we collect\n10. Changes to this policy") == [
        "1. Information we collect",
        "10. Changes to this policy",
    ]


def test_offsets_point_into_original_text():
    text = "  هل تريد؟  نعم، أريده۔\n\tOK. Next one. "
    spans = segment(text)
    assert [text[s:e] for s, e in spans] == ["هل تريد؟", "نعم، أريده۔", "OK.", "Next one."]
    assert spans[0] == (2, 10)


# --------------------------------------------------------------------------- the two passes agree


def syntok_pass_on_every_line(text: str, lang: str | None = None) -> list[tuple[int, int]]:
    """The reference: the syntok pass on every whole line, as annotator segmented before the
    fast pass existed. ``segment`` must give exactly these spans, only faster."""
    code, spans, start = norm_lang(lang), [], 0
    for mo in LINE_BREAK_RE.finditer(text):
        spans += [(start + s, start + e) for s, e in segment_stretch(text[start : mo.start()], code)]
        start = mo.end()
    return spans + [(start + s, start + e) for s, e in segment_stretch(text[start:], code)]


# Pieces that reach every decision of the fast pass: plain and abbreviated words before a
# stop, numbers and months, hyphens, case changes, marks, brackets the way syntok tokenizes
# them ("»)" is one token), quotes, spaces Python and syntok disagree on (\x1f, \u200b).
# fmt: off
_PIECES = _INTERESTING + [
    "Word. ", "word. ", "said. ", "Zażółć. ", "فيسبوك. ", "فيسبوك؟ ", "بنكًا. ", "كتبَ. ", "e-handlu. ",
    "iPhone. ", "xSt. ", "Ala-St. ", "e-B. ", "GDPR. ", "IV. ", "Civil. ", "DC. ", "No. ", "St. ", "Dr. ",
    "Inc. ", "x². ", " 2018. ", " 5. Mai ", " 7. March ", " ٢٠١٨. ", " 10. ", "(see below). ", "(if any). ",
    "(...) ", "»)", "(Reuters) ", '"Stop!" ', ".» ", '." ', ". «", ".) ", "… ", "? ", "! ", "?! ", ".. ",
    "Word", "The", "We", "Mar", "word", "it", "\u2003", "\u200b", "\x1f", "\u00ad", "ǅa", "ϒ", "ʼa",
    "*iterable*. ", '"-O". ', " *name* ", " —Tak ", " _x ", ". \u200bWord", ". \x1fword", ". ½ ", ". .Net ", "f(x)\". ",
    "x). ", 'x"). ', " ). ", "\n). ", "\nlist).  The ", "a»). ", "XⒿ! ", "aⓙ. ", " Ⓙx ", " ⓙx ",
    "program.** You ", "x.*y ", "a.*. B", "end.—Next ", "end.*The ",
]
# fmt: on
_mixed_text = st.lists(st.one_of(st.sampled_from(_PIECES), st.characters(exclude_categories=["Cs"])), max_size=60).map(
    "".join
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_mixed_text, lang=st.sampled_from([None, "ar", "pl", "en"]))
def test_fast_pass_gives_the_spans_of_the_syntok_pass(text, lang):
    assert segment(text, lang) == syntok_pass_on_every_line(text, lang)


# Text shaped like prose: sentences of words, some abbreviated, quoted or bracketed, with a
# bracket group now and then, joined by spaces or line breaks (built from a seed: fast).
_WORDS = ["data", "we", "The", "It", "Google", "bank", "iPhone", "Dr", "St", "Inc", "np", "m.in", "e.g", "U.S", "IV"]
_WORDS += [
    "I",
    "a",
    "x",
    "No",
    "civil",
    "LLC",
    "Mar",
    "2018",
    "12",
    "5",
    "3.5",
    "فيسبوك",
    "بنكًا",
    "Zażółć",
    "r",
    "e-handlu",
]
_STOPS = [".", ".", "?", "!", "…", "؟", "...", "?!", ".»", '."', ".)", ").", "”.", "».", ".**", "?—"]


def _prose(rng: random.Random) -> str:
    def word() -> str:
        before = rng.choice(["", "", "", "", "", '"', "«", "„", "(", "“", "*", "—", "_", "\u200b", "-"])
        after = rng.choice(["", "", "", "", "", ".", ",", '"', "»", ")", "”", "*", "-", "'", "\u064e", "\x1f", "Ⓙ"])
        return before + rng.choice(_WORDS) + after

    sentences = []
    for _ in range(rng.randint(1, 8)):
        words = [word() for _ in range(rng.randint(1, 9))]
        if rng.random() < 0.35:
            group = " ".join(word() for _ in range(rng.randint(1, 6)))
            words.insert(rng.randint(0, len(words)), "(" + group + (")" if rng.random() < 0.8 else ""))
        sentences.append(" ".join(words) + rng.choice(_STOPS) + rng.choice([" ", " ", " ", "  ", "\n", "\t"]))
    return "".join(sentences)


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), lang=st.sampled_from([None, "pl", "en"]))
def test_fast_pass_gives_the_spans_of_the_syntok_pass_on_prose(seed, lang):
    text = _prose(random.Random(seed))
    assert segment(text, lang) == syntok_pass_on_every_line(text, lang), text


# Markdown as privacy policies are written: links before a stop, bold, list items, headings,
# e-mails and bare domains, long URLs (a bracket inside a word longer than 64 characters), and
# the words after a stop that change how syntok starts the next sentence ("Word (x).", "It.").
_LINK_TEXTS = ["Github", "here", "Legal Guidelines", "WordPress.com Blog", "Stop!", "e.g. this", "x", "Hi (there)", ""]
_URLS = [
    "https://github.com/Automattic/legalmattic",
    "https://en.support.wordpress.com/algorithms-search-and-recommendations/",
    "https://en.support.wordpress.com/domains/domain-registrations-and-privacy/" + "a-very-long-path/" * 6,
    "http://a.co/?q=1&x=e.g.",
    "www.example.com",
    "mailto:privacy@acme.com",
    "/relative/path",
    "https://x.com/(a)",
    "https://x.com/a.",
]
_MD_WORDS = _WORDS + ["privacy@acme.com", "acme.com", "www.acme.org", "WordPress.com", "URL", "You’re", "Your", "We"]
_LOWER = [
    "e.g.,",
    "page",
    "views",
    "and",
    "of",
    "your",
    "site",
    "x",
    "2018",
    "a-b",
    "\\[time\\]",
    "“\\[title\\]”",
    ":)",
    ":(",
]
_MD_AFTER = [
    "",
    "",
    "",
    " (Hi There!):** x",
    " (be!), which",
    " (x?]) and",
    " (Stop!) And",
    " (see below)",
    " (x).",
    ".",
    "!",
    "?",
    " [y](z)",
    "(a)",
    "…",
    ";",
    ",",
    "\u200b",
    "\x1f",
    "\u2003",
]


def _markdown(rng: random.Random) -> str:
    def piece() -> str:
        roll = rng.random()
        if roll < 0.3:
            link = f"[{rng.choice(_LINK_TEXTS)}]({rng.choice(_URLS)})"
            return rng.choice(["", "(", "«", "**", "see "]) + link + rng.choice(["", "", ")", "**", ",", "\u201d", "s"])
        if roll < 0.4:
            return (
                "**"
                + " ".join(rng.choice(_MD_WORDS) for _ in range(rng.randint(1, 3)))
                + rng.choice(["**", ":**", ".**"])
            )
        if roll < 0.5:  # brackets long and short, links inside, a sentence inside or not
            inner = [rng.choice(_MD_WORDS if rng.random() < 0.5 else _LOWER) for _ in range(rng.randint(1, 30))]
            if rng.random() < 0.3:
                inner.insert(rng.randint(0, len(inner)), f"[{rng.choice(_LINK_TEXTS)}]({rng.choice(_URLS)})")
            return "(" + " ".join(inner) + rng.choice([")", ")", ".)", "!)", "", " )"])
        return rng.choice(_MD_WORDS)

    lines = []
    for _ in range(rng.randint(1, 5)):
        sentences = []
        for _ in range(rng.randint(1, 6)):
            words = [piece() for _ in range(rng.randint(1, 8))]
            if rng.random() < 0.5:  # a link or an address right before the stop
                words[-1] = rng.choice([f"[{rng.choice(_LINK_TEXTS)}]({rng.choice(_URLS)})", rng.choice(_URLS)])
            stop = rng.choice([".", ".", ".", "!", "?", ").", ".)", ""])
            after = rng.choice(["", "", rng.choice(_MD_WORDS) + rng.choice(_MD_AFTER)])
            sentences.append(" ".join(words) + stop + (" " + after if after else ""))
        head = rng.choice(["", "", "", "*   ", "1. ", "## ", "> ", "**Note:** "])
        lines.append(head + rng.choice([" ", "  ", " \u00a0"]).join(sentences))
    return rng.choice(["\n", "\n\n"]).join(lines)


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), lang=st.sampled_from([None, "pl", "en"]))
def test_fast_pass_gives_the_spans_of_the_syntok_pass_on_markdown(seed, lang):
    text = _markdown(random.Random(seed))
    assert segment(text, lang) == syntok_pass_on_every_line(text, lang), text


@pytest.mark.parametrize(
    "text",
    [
        "(...)«said! said… Ż  ”Word?",  # syntok cuts after the bracket that opens a sentence
        "\x1fWord. Next one. \x1f",  # \x1f is a space for Python, a character for syntok
        'Write to a@b.com.\x1f"U.S. office" now.',  # ... so our rules end the e-mail's word there
        "Spółka (uwaga? »)  Wyciek, tak. Dane! Potem dalej.) Koniec.",  # "»)" is one token: "(" stays open
        "It was at xSt. Then he left. He met iPhoneDr. Then left.",  # syntok's last token: "St", "Dr"
        "arguments (if any). Syntax: more. Done.",  # syntok keeps "(if any)." with what follows
        "We collect data (e.g. IP address, approx. location). Our servers. Google (Alphabet). Next.",
        "np. Google (Alphabet). Next one. U.S. Bank (X). Next. Dr. (foo). Next. Kto (ja)(ty). Nikt.",
        "1. Information we collect\niv. Rights\nShared with Google LLC. We never sell. Mix. It. Did. Done.",
        'Of "types.ModuleType". For *iterable*. Each "-O").  The \u200b". Next. كتبَ. وقال *name* —Tak. Więc',
        'and their parents).  This one.\n). Word? It raised "AttributeError").  Then XⒿ! DC. 3.5 more.',
        "*   **Opt out of our analytics program.** You can. End.*The x.—Next one. A.*. B.",
        "It was 5. Mai came. In 2018. Then 2019. Mar came.",  # numbers: single digits, months
        "Area in km². Mar came. Code ²². Mar came.",  # "²" is numeric, not a letter
        "He came from the U.S. Civil. War began. Mix. Next.",  # list-like words ("civil" in roman letters)
        "Kupił m.in. chleb. Potem np. Google. Ok. 12 osób. Wrócił.",
        "He paused...Then left. Wait...What now? It ended.Next one. Pi is 3.14 and x.__init__(self) too.",
        'He said "it is over. " Then he left. Ona: «to koniec. » Potem. Tak. "Dane" i „Tak”. Koniec.',
        # Markdown: the fast pass decides these (links, long brackets, "!)" before a lowercase word)
        "See [Github](https://github.com/Automattic/legalmattic). You’re welcome. Write to a@b.com. We reply.",
        "See [x](https://a.co/). Word (x). Next. See [x](https://a.co/). It. Done. At [x](y.com). Go.",
        "See www.acme.org. Then [x](https://a.co/(b)). Next [x](https://a.co/). ¿Qué? [x](https://a.co/). A.b",
        "Use our site (e.g., page views, searches at en.support.wordpress.com, features [Bar](https://x.co/bar/) "
        "and other parts of our Services) along with your device (e.g., screen size, name of cellular network, "
        "and mobile device manufacturer). We use it.",
        "We may show (Please keep this in mind when you read the rest of this very long bracketed text.). Then.",
        "Check your dashboard!) and more. Hi (Hi There!):** You may. It was (…but we hope will be!), which we do.",
        "Get it? :). Your turn. Send (for example, [here](https://x.co/a/) for WordPress.com accounts). Please.",
    ],
)
def test_fast_pass_regressions(text):
    for lang in (None, "pl"):
        assert segment(text, lang) == syntok_pass_on_every_line(text, lang)


def _news_corpus() -> str:
    """Sentences like the seeds' (templates in three languages), in paragraphs of five."""
    rng = random.Random(3)
    templates = [
        "طلبت شركة {n} من البنوك الكبرى بيانات مالية عن {k} من عملائها.",
        "هل ستشارك البنوك معلومات المستخدمين مع «{n}»؟",
        "وقال د. خالد إن الشركة (فيسبوك) تريد الوصول إلى أرصدة الحسابات، بحسب الصحيفة.",
        "Bank {n} przekazał m.in. dane o transakcjach {k} klientów w 2018 r. Urząd milczy.",
        'Według "WSJ" firma chciała uzyskać np. stan konta przy ul. Długiej {k}.',
        "Koncern stracił 3.5 mld dolarów po ogłoszeniu wyników za {k} kwartał.",
        "We share data with Stripe, Inc. and {n} partners (e.g. advertisers) in the U.S. We never sell it.",
        "You may opt out at any time, i.e. by visiting https://example.com/settings. Questions?",
        "Does the company sell personal data to third parties? No. {k} of them do!",
    ]
    paragraphs = []
    for _ in range(120):
        paragraphs.append(
            " ".join(rng.choice(templates).format(n=rng.randint(1, 99999), k=rng.randint(1, 9999)) for _ in range(5))
        )
    return "\n\n".join(paragraphs)


def _corpora() -> dict[str, str]:
    corpora = {stem: _source_text(stem) for stem in ALL_STEMS}
    corpora["news templates"] = _news_corpus()
    # A real privacy policy in Markdown: benchmarks/data/automattic_privacy/labels.jsonl holds
    # its sentences as annotator cut them, and importing those labels needs the same spans.
    corpora["Automattic policy"] = (
        ROOT / "benchmarks" / "data" / "automattic_privacy" / "Privacy-Policy.md"
    ).read_text(encoding="utf-8")
    try:  # English prose with code samples, shipped with Python: a text nobody wrote for us
        from pydoc_data.topics import topics
    except ImportError:  # pragma: no cover - some distributions package it apart
        pass
    else:
        corpora["pydoc topics"] = "\n\n".join(topics[key] for key in sorted(topics))[:300_000]
    return corpora


@pytest.mark.parametrize("lang", [None, "pl"])  # only "pl" changes the rules
def test_fast_pass_agrees_on_real_text(lang):
    for name, text in _corpora().items():
        assert segment(text, lang) == syntok_pass_on_every_line(text, lang), name


class _CountingSyntokPass:
    def __init__(self) -> None:
        self.chars = 0
        self.calls = 0

    def __call__(self, stretch: str, lang: str | None) -> list[tuple[int, int]]:
        self.chars += len(stretch)
        self.calls += 1
        return segment_stretch(stretch, lang)


def test_fast_pass_decides_most_of_the_seeds(monkeypatch):
    """Speed by design, not by timing: on the seeds, the stretches handed to syntok are a
    small share of the text (2.2% when measured); plain text never reaches syntok at all."""
    counting = _CountingSyntokPass()
    monkeypatch.setattr(segment_module, "segment_stretch", counting)
    seeds = "\n".join(_source_text(stem) for stem in ARABIC_SEEDS + POLISH_SEEDS)
    spans = segment(seeds)
    assert counting.calls > 0  # "U.S. Bancorp", "np.", "(...)": ambiguous, decided by syntok
    assert counting.chars < 0.05 * len(seeds)
    assert spans == syntok_pass_on_every_line(seeds)

    plain = "Ala ma kota. Kot ma Alę! Czy to prawda? Tak, w 2018 roku.\nهل تريد ذلك؟ نعم أريده. وقال «نعم»."
    counting.calls = 0
    assert split(plain) == [
        "Ala ma kota.",
        "Kot ma Alę!",
        "Czy to prawda?",
        "Tak, w 2018 roku.",
        "هل تريد ذلك؟",
        "نعم أريده.",
        "وقال «نعم».",
    ]
    assert counting.calls == 0


def test_fast_pass_decides_most_of_a_markdown_policy(monkeypatch):
    """The Automattic policy in Markdown (links before stops, bold, bullets, long brackets):
    1.6% of its text reaches syntok (16% before the Markdown cases were decided in the fast
    pass); a line of plain Markdown never does."""
    counting = _CountingSyntokPass()
    monkeypatch.setattr(segment_module, "segment_stretch", counting)
    policy = (ROOT / "benchmarks" / "data" / "automattic_privacy" / "Privacy-Policy.md").read_text(encoding="utf-8")
    assert segment(policy) == syntok_pass_on_every_line(policy)
    assert 0 < counting.chars < 0.04 * len(policy)

    line = (
        "*   **Account Information:** You can grab a copy on [Github](https://github.com/Automattic/legalmattic). "
        "You’re welcome to use our [Admin Bar](https://en.support.wordpress.com/algorithms-search-and-"
        "recommendations/) as you like (e.g., page views, searches, features enabled for your website, and other parts of our "
        "Services). We reply (check your dashboard!) and write to privacy@automattic.com. Thanks for reading."
    )
    counting.calls = 0
    assert split(line) == [
        "*   **Account Information:** You can grab a copy on [Github](https://github.com/Automattic/legalmattic).",
        "You’re welcome to use our [Admin Bar](https://en.support.wordpress.com/algorithms-search-and-"
        "recommendations/) as you like (e.g., page views, searches, features enabled for your website, and other parts of our "
        "Services).",
        "We reply (check your dashboard!) and write to privacy@automattic.com.",
        "Thanks for reading.",
    ]
    assert counting.calls == 0


def test_ambiguous_stretch_goes_to_syntok(monkeypatch):
    counting = _CountingSyntokPass()
    monkeypatch.setattr(segment_module, "segment_stretch", counting)
    text = "Pierwsze zdanie. Banki, jak JPMorgan i U.S. Bancorp, milczą. Ostatnie zdanie."
    assert split(text) == ["Pierwsze zdanie.", "Banki, jak JPMorgan i U.S. Bancorp, milczą.", "Ostatnie zdanie."]
    assert counting.calls == 1
    assert counting.chars == len("Banki, jak JPMorgan i U.S. Bancorp, milczą.")  # only the stretch around "U.S."


# --------------------------------------------------------------------------- layering


@pytest.mark.parametrize("module", ["segment", "segment_plain", "segment_rules", "segment_syntok"])
def test_module_has_no_ui_imports(module):
    source = (ROOT / "annotator" / "core" / f"{module}.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"textual", "rich", "typer"}
    code = (
        f"import sys; import annotator.core.{module}; "
        "bad = [m for m in ('textual', 'rich', 'typer') if m in sys.modules]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
