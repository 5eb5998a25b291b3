"""Long texts and long sentences at import (issue 10, finding 3): windows for the segmenter,
a cap on a sentence's length, offsets exact; and the JSONL reading that keeps copies down."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from annotator.core import long_sentences
from annotator.core.importing import import_paths
from annotator.core.long_sentences import MAX_SENTENCE_CHARS, cap_sentence_length, segment_in_windows
from annotator.core.models import Document, Sentence
from annotator.core.segment import segment

WORDS = ["We", "share", "data", "m.in.", "np.", "3.5", "«نعم»", "ثم", "وقال", "Zgoda.", "Dr.", "(a)", "x" * 30]


def _check_spans(text: str, spans: list[tuple[int, int]], max_chars: int | None = None) -> None:
    """Stripped, non-empty, in order, not overlapping, every non-space character covered."""
    covered = [False] * len(text)
    position = 0
    for start, end in spans:
        assert position <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip()
        if max_chars is not None:
            assert end - start <= max_chars
        covered[start:end] = [True] * (end - start)
        position = end
    assert all(covered[i] or text[i].isspace() for i in range(len(text)))


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=400),
    seps=st.lists(st.sampled_from([" ", " ", " ", ", ", ". ", "; ", "\n", "  "]), min_size=1, max_size=400),
    max_chars=st.integers(min_value=2, max_value=120),
)
def test_capped_sentences_keep_every_character_and_their_offsets(
    words: list[str], seps: list[str], max_chars: int
) -> None:
    text = "".join(w + seps[i % len(seps)] for i, w in enumerate(words))
    spans = segment(text, "pl")
    capped, split = cap_sentence_length(text, spans, max_chars)
    _check_spans(text, capped, max_chars)
    assert split == sum(1 for s, e in spans if e - s > max_chars)
    for start, end in spans:  # a sentence under the cap is left exactly as it was
        if end - start <= max_chars:
            assert (start, end) in capped


def test_a_long_sentence_is_cut_at_its_best_boundary() -> None:
    clause = "we keep the records of every transaction, "
    text = "Short one. " + clause.capitalize() + clause * 40 + "and that is all."  # 1,700 characters, no end
    capped, split = cap_sentence_length(text, segment(text, "en"), 500)
    assert split == 1
    pieces = [text[s:e] for s, e in capped]
    assert pieces[0] == "Short one."
    assert len(pieces) >= 4 and all(p.endswith(",") for p in pieces[1:-1])  # at a clause mark, not mid-word
    assert all(len(p) <= 500 for p in pieces)
    wordless = "x" * 1200
    capped, _ = cap_sentence_length(wordless, [(0, 1200)], 500)
    assert capped == [(0, 500), (500, 1000), (1000, 1200)]  # hard cuts when nothing better
    marks = "e\u0301" * 600  # a letter and its combining accent stay together
    capped, _ = cap_sentence_length(marks, [(0, 1200)], 501)
    assert all(marks[s] != "\u0301" for s, e in capped)


@settings(max_examples=25, deadline=None)
@given(
    words=st.lists(st.sampled_from(WORDS), min_size=50, max_size=600),
    seps=st.lists(st.sampled_from([" ", ". ", ".  ", "! ", "\n", " "]), min_size=1, max_size=50),
    window=st.integers(min_value=200, max_value=3000),
)
def test_windows_give_the_segmenter_s_own_sentences(words: list[str], seps: list[str], window: int) -> None:
    text = "".join(w + seps[i % len(seps)] for i, w in enumerate(words))
    windowed = segment_in_windows(text, "en", segment, window=window)
    _check_spans(text, windowed)
    whole = segment(text, "en")
    assert windowed == whole


def test_the_segmenter_never_gets_more_than_a_window(tmp_path: Path, sqlite_engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[int] = []

    def spy(text: str, lang: str | None = None) -> list[tuple[int, int]]:
        seen.append(len(text))
        return segment(text, lang)

    monkeypatch.setattr("annotator.core.importing.segment", spy)
    monkeypatch.setattr(long_sentences, "SEGMENT_WINDOW", 5_000)
    sentence = "We share your data with partners for advertising purposes. "
    body = sentence * 1000 + "And " + "and " * 6000  # 60,000 characters of sentences, then one of 24,004
    (tmp_path / "one_line.txt").write_text(body, encoding="utf-8")
    summary = import_paths(sqlite_engine, [tmp_path / "one_line.txt"], lang="en")
    assert max(seen) <= 5_000 and len(seen) > 10
    (doc,) = summary.imported
    assert doc.long_sentences_split == 1
    with sqlite_engine.connect() as connection:
        text = connection.execute(select(Document.text)).scalar_one()
        rows = connection.execute(select(Sentence.start, Sentence.end, Sentence.text).order_by(Sentence.idx)).all()
    assert [r.text for r in rows[:1000]] == [sentence.strip()] * 1000  # the sentences, as whole
    assert all(text[r.start : r.end] == r.text and len(r.text) <= MAX_SENTENCE_CHARS for r in rows)
    assert " ".join(r.text for r in rows[1000:]) == ("And " + "and " * 6000).strip()
    assert len(rows) == 1000 + 3


def test_a_json_string_with_a_line_separator_is_one_document(tmp_path: Path, sqlite_engine: Engine) -> None:
    path = tmp_path / "docs.jsonl"
    # raw U+2028 and U+0085 are valid inside a JSON string; str.splitlines() cut the line there
    path.write_text(
        json.dumps({"id": "a", "text": "First line.\u2028Second line.\x85Third."}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    summary = import_paths(sqlite_engine, [path], lang="en")
    assert [d.name for d in summary.imported] == ["a"] and not summary.refused
    assert summary.imported[0].sentences == 3
