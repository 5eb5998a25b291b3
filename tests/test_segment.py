"""Tests for annotator.core.segment: gold-standard boundary F1, offset invariants, rules.

Boundary F1 definition used here: a document's boundaries are the set of sentence END offsets
(``end`` of each ``(start, end)`` span, i.e. the position right after the last non-space
character of each sentence). Predicted and gold boundary sets are compared per document and
pooled per language; F1 = 2PR / (P + R). Start offsets are checked the same way as a second,
independent view (a span that starts in the wrong place would be missed by ends alone).

Gold files (tests/data/gold_segmentation/<stem>.json) are lists of sentence strings, made by
reading the texts: each is an exact, stripped substring of the source, in order, and together
they cover all non-whitespace text. Sources: /seeds/<stem>.txt (4 Arabic, 1 Polish news
article) and tests/data/gold_segmentation/english_policy.txt.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.segment import LINE_BREAKS, segment, split

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = ROOT / "tests" / "data" / "gold_segmentation"
SEEDS_DIR = ROOT / "seeds"

ARABIC = [
    "000_427e261dc324c1f6",
    "001_4d6402208f1e7e78",
    "002_50e3bceca4959f80",
    "003_a9364fc6cc56f80c",
]
POLISH = ["004_07191d38325b842d"]
ENGLISH = ["english_policy"]
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
    n_ar = sum(len(_gold_sentences(s)) for s in ARABIC)
    n_pl = sum(len(_gold_sentences(s)) for s in POLISH)
    n_en = sum(len(_gold_sentences(s)) for s in ENGLISH)
    assert (n_ar, n_pl) == (76, 32)  # 108 seed sentences, as in docs/segmentation.md
    assert 20 <= n_en <= 30


# --------------------------------------------------------------------------- F1 on gold


@pytest.mark.parametrize(
    "stems, lang, threshold",
    [(ARABIC, "ar", 0.98), (POLISH, "pl", 0.98), (ENGLISH, "en", 0.95)],
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


# --------------------------------------------------------------------------- layering


def test_module_has_no_ui_imports():
    source = (ROOT / "annotator" / "core" / "segment.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"textual", "rich", "typer"}
    code = (
        "import sys; import annotator.core.segment; "
        "bad = [m for m in ('textual', 'rich', 'typer') if m in sys.modules]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
