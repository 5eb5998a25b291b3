"""The cold-start hints of labels/privacy.toml come from the label definitions, not from the evaluation sets.

The prior's figures in the README are measured on the two labelled sets of benchmarks/data;
a hint copied from one of their sentences would make those figures optimistic. Two
mechanical checks:

- every hint traces to its label's definition text (id, name, description, example and the
  meaning in docs/labels.md): each of its words begins a word of that text, or the hint is a
  translation or inflection listed in ``GLOSSARY`` whose English source does;
- no hint of two words or more, and no run of six words of an example, occurs in an
  evaluation sentence (normalised, on word boundaries).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from annotator.core.labels import load_schema
from annotator.core.suggest.normalise import normalise

ROOT = Path(__file__).resolve().parents[1]
EVALUATION_SETS = [
    ROOT / "benchmarks" / "data" / "seeds_labels.jsonl",
    ROOT / "benchmarks" / "data" / "automattic_privacy" / "labels.jsonl",
]
SCHEMA = load_schema()
_WORD = re.compile(r"\w+")

# hint -> the English word(s) of the label's definition it translates or inflects
GLOSSARY: dict[str, str] = {
    # first_party_collection
    "نجمع": "collect",
    "يجمع": "collect",
    "جمع": "collect",
    "نستخدم": "uses",
    "يستخدم": "uses",
    "استخدام": "uses",
    "zbiera": "collect",
    "gromadz": "collect",
    "wykorzyst": "uses",
    "używa": "uses",
    # data_sharing
    "sell": "sold",
    "مشارك": "share",
    "يشارك": "share",
    "نشارك": "share",
    "تشارك": "share",
    "إفصاح": "disclosed",
    "بيع": "sold",
    "يبيع": "sold",
    "ثالث": "third",
    "udostępni": "share",
    "ujawni": "disclosed",
    "sprzeda": "sold",
    "przekaz": "transferred",
    "trzeci": "third",
    # ads_use
    "إعلان": "advertising",
    "تسويق": "marketing",
    "reklam": "advertising",
    # consent_choice
    "choos": "choice",
    "موافق": "consent",
    "اختيار": "choice",
    "سحب": "withdrawing",
    "إعدادات": "settings",
    "zgod": "consent",
    "wybór": "choice",
    "wybor": "choice",
    "wycofa": "withdrawing",
    "ustawie": "settings",
    "rezygn": "opt out",
    # user_rights
    "الوصول": "access",
    "تصحيح": "correction",
    "حذف": "deletion",
    "شكوى": "complaint",
    "اعتراض": "objection",
    "حقوق": "rights",
    "dostęp": "access",
    "sprostowani": "correction",
    "usunię": "deletion",
    "skarg": "complaint",
    "sprzeciw": "objection",
    "prawa": "rights",
    # retention
    "retain": "retention",
    "keep": "kept",
    "احتفاظ": "retention",
    "نحتفظ": "keep",
    "يحتفظ": "keep",
    "تخزين": "stored",
    "يخزن": "stored",
    "مدة": "how long",
    "przechow": "stored",
    # security_breach
    "أمن": "security",
    "أمني": "security",
    "حماية": "safeguards",
    "اختراق": "breach",
    "تشفير": "encrypted",
    "bezpieczeń": "security",
    "naruszeni": "breach",
    "wyciek": "breach",
    "szyfrow": "encrypted",
    "zabezpiecz": "safeguards",
    # international_transfer
    "دولي": "international",
    "نقل": "transfer",
    "حدود": "borders",
    "międzynarod": "international",
    "granic": "borders",
    # children_audiences
    "أطفال": "children",
    "طفل": "child",
    "منطقة": "region",
    "dzieci": "children",
    "dzieck": "child",
    # policy_change
    "تغيير": "change",
    "تعديل": "change",
    "إخطار": "notify",
    "إشعار": "notify",
    "zmian": "change",
    "powiadom": "notify",
    # enforcement
    "قانون": "law",
    "هيئة": "regulator",
    "منظم": "regulator",
    "تحقيق": "investigation",
    "غرام": "fines",
    "دعوى": "lawsuits",
    "urząd": "regulator",
    "fined": "fines",
    "dochodzeni": "investigation",
    "śledztw": "investigation",
    "kara": "fines",
    "kary": "fines",
    "pozew": "lawsuits",
    "pozw": "lawsuits",
    # other_privacy
    "خصوصي": "privacy",
    "prywatnoś": "privacy",
}


def _words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def _meanings() -> dict[str, str]:
    """Label id -> its 'meaning' column in docs/labels.md."""
    out = {}
    for line in (ROOT / "docs" / "labels.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1] in SCHEMA.label_ids:
            out[cells[1]] = cells[2]
    return out


def _definition_words(label_id: str) -> set[str]:
    label = next(label for label in SCHEMA.labels if label.id == label_id)
    parts = [label.id.replace("_", " "), label.name, label.description, label.example or "", _meanings()[label_id]]
    return set(_words(" ".join(parts)))


def _traces(hint: str, definition: set[str]) -> bool:
    words = _words(hint)
    return bool(words) and all(any(word.startswith(w) for word in definition) for w in words)


def _evaluation_texts() -> list[str]:
    texts = []
    for path in EVALUATION_SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            texts.append(" " + " ".join(_words(json.loads(line)["text"])) + " ")
    return texts


HINTS = [(label.id, hint) for label in SCHEMA.labels for hint in label.hints]


@pytest.mark.parametrize(("label_id", "hint"), HINTS, ids=[f"{label}:{hint}" for label, hint in HINTS])
def test_every_hint_traces_to_its_label_definition(label_id: str, hint: str) -> None:
    definition = _definition_words(label_id)
    if _traces(hint, definition):
        return
    word = hint.rstrip("*")  # a word beginning: the glossary lists the letters
    assert word in GLOSSARY, f"{label_id}: hint {hint!r} is not in the label's definition nor in GLOSSARY"
    assert _traces(GLOSSARY[word], definition), f"{label_id}: {hint!r} -> {GLOSSARY[word]!r} not in the definition"


def test_no_hint_phrase_occurs_in_an_evaluation_sentence() -> None:
    texts = _evaluation_texts()
    lifted = []
    for label_id, hint in HINTS:
        words = _words(hint)
        if len(words) >= 2:
            phrase = " " + " ".join(words) + " "
            lifted += [f"{label_id}: {hint!r}" for text in texts if phrase in text][:1]
    assert not lifted, f"hint phrases found verbatim in the evaluation sets: {lifted}"


def test_no_example_shares_six_words_with_an_evaluation_sentence() -> None:
    texts = _evaluation_texts()
    for label in SCHEMA.labels:
        words = _words(label.example or "")
        for start in range(len(words) - 5):
            run = " " + " ".join(words[start : start + 6]) + " "
            assert not any(run in text for text in texts), f"{label.id}: example run {run.strip()!r}"


def test_the_check_catches_a_lifted_hint() -> None:
    """The checks can fail: the old hint 'designated countries' was a phrase of the policy."""
    assert any(" designated countries " in text for text in _evaluation_texts())
    assert not _traces("designated countries", _definition_words("children_audiences"))


def test_the_glossary_holds_only_hints_in_use() -> None:
    assert set(GLOSSARY) <= {hint.rstrip("*") for _label, hint in HINTS}
