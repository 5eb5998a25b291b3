"""Import benchmark: segmentation speed and storage speed, against raw sqlite3 in the same run.

    python benchmarks/bench_import.py                 # 1,000,000 sentences (a few minutes)
    python benchmarks/bench_import.py --sentences 100000

Builds a deterministic multilingual corpus (Arabic, Polish, English sentences from
templates, ~200 sentences a document), then times separately:
1. segmentation: ``segment()`` over every document (MB/s);
2. storage: ``store_document()`` for every document, one transaction each, sentences
   inserted with SQLAlchemy Core in batches (sentences/s), on a fresh database;
3. baseline: raw ``sqlite3`` ``executemany`` of the same rows into the same schema,
   one transaction per document, same pragmas (WAL, synchronous=NORMAL).
Goal: storage within 2x of the raw baseline.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator.core.db import open_database
from annotator.core.importing import SourceDocument, content_hash, store_document
from annotator.core.segment import segment

TEMPLATES = {
    "ar": [
        "طلبت شركة {n} من البنوك الكبرى بيانات مالية عن {k} من عملائها.",
        "وقال مصدر مطلع إن الشركة تريد الوصول إلى أرصدة الحسابات، بحسب الصحيفة.",
        "هل ستشارك البنوك معلومات المستخدمين مع شركات التكنولوجيا؟",
        "وأكدت المتحدثة أن البيانات لن تستخدم لأغراض إعلانية في {n}.",
    ],
    "pl": [
        "Bank {n} przekazał m.in. dane o transakcjach {k} klientów.",
        "Według dziennika firma chciała uzyskać np. stan konta użytkowników.",
        "Koncern stracił 3.5 mld dolarów po ogłoszeniu wyników za {k} kwartał.",
        "Czy regulator wszczął postępowanie w tej sprawie?",
    ],
    "en": [
        "We share your information with {n} partners for advertising purposes.",
        "You may opt out at any time, e.g. by visiting your settings page.",
        "We keep transaction records for {k} years after you close your account.",
        "Does the company sell personal data to third parties?",
    ],
}


def build_corpus(n_sentences: int, per_doc: int, seed: int = 7) -> list[SourceDocument]:
    rng = random.Random(seed)
    docs: list[SourceDocument] = []
    langs = list(TEMPLATES)
    made = 0
    while made < n_sentences:
        lang = langs[len(docs) % len(langs)]
        count = min(per_doc, n_sentences - made)
        lines: list[str] = []
        line: list[str] = []
        for i in range(count):
            line.append(rng.choice(TEMPLATES[lang]).format(n=rng.randint(1, 99999), k=rng.randint(1, 9999)))
            if i % 5 == 4:  # paragraphs of five sentences
                lines.append(" ".join(line))
                line = []
        if line:
            lines.append(" ".join(line))
        docs.append(
            SourceDocument(
                name=f"doc-{len(docs):06d}",
                text="\n\n".join(lines) + f"\n\nDoc {len(docs)}.",
                source="bench",
                meta={"lang": lang},
                lang=lang,
            )
        )
        made += count
    return docs


def raw_baseline(db_path: Path, docs: list[SourceDocument], spans: list[list[tuple[int, int]]]) -> float:
    # Same schema as ours (created by open_database), same pragmas, one transaction per document.
    open_database(str(db_path), synchronous="NORMAL").dispose()
    connection = sqlite3.connect(db_path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    for doc, doc_spans in zip(docs, spans, strict=True):
        digest = content_hash(doc.text)
        connection.execute("BEGIN IMMEDIATE")
        cursor = connection.execute(
            "INSERT INTO document (uid, name, source_path, content_hash, lang, text, meta, n_sentences, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, '{}', ?, datetime('now'))",
            (digest[:16], doc.name, doc.source, digest, doc.lang, doc.text, len(doc_spans)),
        )
        document_id = cursor.lastrowid
        connection.executemany(
            'INSERT INTO sentence (document_id, idx, start, "end", text, text_hash, lang) VALUES (?, ?, ?, ?, ?, ?, ?)',
            [
                (document_id, idx, s, e, doc.text[s:e], hashlib.sha256(doc.text[s:e].encode()).hexdigest(), doc.lang)
                for idx, (s, e) in enumerate(doc_spans)
            ],
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=1_000_000)
    parser.add_argument("--per-doc", type=int, default=200)
    args = parser.parse_args()

    t0 = time.perf_counter()
    docs = build_corpus(args.sentences, args.per_doc)
    megabytes = sum(len(doc.text.encode()) for doc in docs) / 1e6
    print(f"corpus: {len(docs):,} documents, {megabytes:.1f} MB, built in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    spans = [segment(doc.text, doc.lang) for doc in docs]
    seg_time = time.perf_counter() - t0
    n_sentences = sum(len(s) for s in spans)
    print(f"segmentation: {n_sentences:,} sentences in {seg_time:.1f} s = {megabytes / seg_time:.2f} MB/s")

    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(str(Path(tmp) / "ours.db"), synchronous="NORMAL")
        t0 = time.perf_counter()
        for doc, doc_spans in zip(docs, spans, strict=True):
            store_document(engine, doc, doc_spans, doc.lang)
        ours = time.perf_counter() - t0
        engine.dispose()
        raw = raw_baseline(Path(tmp) / "raw.db", docs, spans)

    print(f"storage (annotator store_document): {ours:.1f} s = {n_sentences / ours:,.0f} sentences/s")
    print(f"baseline (raw sqlite3 executemany):  {raw:.1f} s = {n_sentences / raw:,.0f} sentences/s")
    ratio = ours / raw
    print(f"ratio: {ratio:.2f}x raw ({'within' if ratio <= 2 else 'OVER'} the 2x goal)")


if __name__ == "__main__":
    main()
