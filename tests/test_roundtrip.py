"""The round-trip property: export -> import into an empty database -> export gives
identical records, over generated projects (Arabic, Polish and English text, any format,
any gold policy, stored gold of every method, with and without splits)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, update

from annotator.core.db import open_database
from annotator.core.decisions import ensure_annotator
from annotator.core.exporting import export_dataset
from annotator.core.formats import EXTENSIONS, FORMATS, GOLD_POLICIES
from annotator.core.importing import SourceDocument, import_paths, store_document
from annotator.core.labels import load_schema
from annotator.core.models import Annotation, Gold, Sentence
from annotator.core.schemas import set_schema

SAMPLES = [
    "نشارك بياناتك مع شركائنا الإعلانيين؟",
    "لا نبيع بياناتك، ولا نشاركها.",
    "Przetwarzamy m.in. Twój adres e-mail, tj. dane osobowe.",
    "Zgoda może zostać wycofana — np. w ustawieniach.",
    "We share data with partners.",
    '=HYPERLINK("x") "quoted", commas',
    "line one\nline two",
    "[@click=app.quit] [b]markup[/b]",
]
NAMES = ["amal", "ola", "Łukasz", "أمل"]
LABELS = ["data_sharing", "ads_use", "retention", "user_rights"]

text = st.one_of(
    st.sampled_from(SAMPLES),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=24),
)
label_set = st.one_of(st.just(["none"]), st.lists(st.sampled_from(LABELS), min_size=1, max_size=3, unique=True))
moment = st.builds(
    lambda seconds, micro: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds, microseconds=micro),
    st.integers(0, 300 * 86400),
    st.one_of(st.just(0), st.integers(1, 999_999)),
)
decision = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["labelled", "labelled", "skipped", "open"]),
        "labels": label_set,
        "negated": st.booleans(),
        "flagged": st.booleans(),
        "note": st.one_of(st.none(), text),
        "updated_at": moment,
        "seconds": st.one_of(st.none(), st.floats(0, 86400, allow_nan=False).map(lambda x: round(x, 3))),
        "suggested": st.one_of(st.none(), st.lists(st.sampled_from([*LABELS, "none"]), max_size=2, unique=True)),
    }
)
sentence = st.fixed_dictionaries(
    {
        "text": text,
        "gap": st.sampled_from(["", " ", "\n", "  \n"]),
        "lang": st.sampled_from(["ar", "pl", "en", None]),
        "decisions": st.dictionaries(st.sampled_from(NAMES), decision, max_size=3),
        # a stored gold of any method: a person's (with who) or a rule's (gold --auto, maybe stale)
        "gold": st.one_of(
            st.none(),
            st.tuples(label_set, st.sampled_from([None, "lead", "Zofia"]), st.just("adjudicated")),
            st.tuples(label_set, st.just(None), st.sampled_from(["unanimous", "majority"])),
        ),
    }
)
document = st.fixed_dictionaries(
    {
        "name": st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12),
        "meta": st.dictionaries(
            st.text(max_size=5), st.one_of(st.none(), st.booleans(), st.integers(-99, 99), text), max_size=2
        ),
        "sentences": st.lists(sentence, min_size=1, max_size=4),
    }
)
project = st.lists(document, min_size=1, max_size=3)

_TEMPLATE: dict[str, Path] = {}


def _empty_database(folder: Path, name: str) -> Engine:
    """A migrated database with the default schema (copied from a template: migrations are slow)."""
    if "path" not in _TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="roundtrip-template-")) / "empty.db"
        engine = open_database(str(template))
        set_schema(engine, load_schema())
        engine.dispose()
        _TEMPLATE["path"] = template
    shutil.copy(_TEMPLATE["path"], folder / name)
    return open_database(str(folder / name))


def _store(engine: Engine, docs: list[dict[str, Any]]) -> None:
    schema = load_schema()
    people = {name: ensure_annotator(engine, name) for name in NAMES}
    for number, doc in enumerate(docs):
        parts, spans, position = [], [], 0
        for s in doc["sentences"]:
            parts.append(s["gap"])
            position += len(s["gap"])
            spans.append((position, position + len(s["text"])))
            parts.append(s["text"])
            position += len(s["text"])
        body = "".join(parts) + f"\n#{number}"  # distinct texts, distinct uids
        store_document(
            engine,
            SourceDocument(name=f"{doc['name']}-{number}", text=body, source="gen", meta=doc["meta"]),
            spans,
            None,
        )
        with engine.begin() as connection:
            ids = [
                row.id
                for row in connection.execute(
                    Sentence.__table__.select().order_by(Sentence.__table__.c.id.desc()).limit(len(spans))  # type: ignore[attr-defined]
                )
            ][::-1]
            for sentence_id, s in zip(ids, doc["sentences"], strict=True):
                connection.execute(update(Sentence).where(Sentence.id == sentence_id).values(lang=s["lang"]))
                for name, d in s["decisions"].items():
                    annotator = people[name]
                    labels = schema.normalise(d["labels"]) if d["status"] == "labelled" else []
                    suggested = None if d["suggested"] is None else [x for x in schema.label_ids if x in d["suggested"]]
                    accepted = None if suggested is None else [label for label in suggested if label in labels]
                    connection.execute(
                        insert(Annotation).values(
                            sentence_id=sentence_id,
                            annotator_id=annotator,
                            labels=labels,
                            label_mask=schema.mask_of(labels),
                            status=d["status"],
                            negated=d["negated"],
                            flagged=d["flagged"],
                            note=d["note"],
                            suggested=suggested,
                            accepted=accepted,
                            attributes={},
                            created_at=d["updated_at"],
                            updated_at=d["updated_at"],
                            seconds=d["seconds"],
                        )
                    )
                if s["gold"] is not None:
                    labels = schema.normalise(s["gold"][0])
                    connection.execute(
                        insert(Gold).values(
                            sentence_id=sentence_id,
                            labels=labels,
                            label_mask=schema.mask_of(labels),
                            method=s["gold"][2],
                            by=s["gold"][1],
                            agreed=[],  # what the provenance said when it was decided: not exported
                        )
                    )


@given(
    project,
    st.sampled_from(FORMATS),
    st.sampled_from(GOLD_POLICIES),
    st.one_of(st.none(), st.tuples(st.sampled_from([(0.8, 0.1, 0.1), (0.34, 0.33, 0.33)]), st.integers(0, 9))),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_export_import_export_gives_identical_records(
    docs: list[dict[str, Any]], fmt: str, policy: str, split: tuple[tuple[float, float, float], int] | None
) -> None:
    options: dict[str, Any] = {"gold": policy}
    if split is not None:
        options.update(ratios=split[0], seed=split[1])
    folder = Path(tempfile.mkdtemp(prefix="roundtrip-"))
    try:
        first = _empty_database(folder, "first.db")
        second = _empty_database(folder, "second.db")
        _store(first, docs)
        exported = folder / f"export{EXTENSIONS[fmt]}"
        export_dataset(first, exported, fmt, **options)
        summary = import_paths(second, [exported])
        assert not summary.refused, summary.refused
        export_dataset(first, folder / "a.jsonl", "jsonl", **options)
        export_dataset(second, folder / "b.jsonl", "jsonl", **options)
        a = (folder / "a.jsonl").read_bytes()
        assert a.count(b"\n") == sum(len(d["sentences"]) for d in docs)
        assert (folder / "b.jsonl").read_bytes() == a
        first.dispose()
        second.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
