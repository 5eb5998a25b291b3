"""Our JSONL export in plain stdlib Python (sqlite3 + json): the baseline of bench_export.py.

    python benchmarks/export_stdlib.py DB OUT

Writes the bytes of ``annotator export --format jsonl`` (gold policy majority) for the
benchmark's databases: SQLAlchemy's timestamps, no suggestions, no ``seconds``, no
control characters (the benchmark checks that the files are identical). No annotator
code, no third-party package: what a user could write in an afternoon.
"""

import json
import sqlite3
import sys
from collections import Counter
from itertools import groupby

con = sqlite3.connect(sys.argv[1])
dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
names = dict(con.execute("SELECT id, name FROM annotator"))
(definition,) = con.execute(
    "SELECT definition FROM label_schema WHERE id = (SELECT value FROM setting WHERE key = 'active_schema_id')"
).fetchone()
schema = json.loads(definition)
schema_ref = f"{schema['name']}@{schema['version']}"
annotations = con.execute(  # in the sentences' order, to be merged with them
    "SELECT a.sentence_id, a.annotator_id, a.labels, a.status, a.negated, a.flagged, a.note, a.updated_at "
    "FROM document d JOIN sentence s ON s.document_id = d.id JOIN annotation a ON a.sentence_id = s.id "
    "ORDER BY d.name, s.idx"
)
by_sentence = groupby(annotations, key=lambda row: row[0])
pending = next(by_sentence, (None, iter(())))
sentences = con.execute(
    'SELECT s.id, d.uid, d.name, s.idx, s.start, s."end", s.lang, s.text, g.labels, g.method, g.by, d.meta '
    "FROM document d JOIN sentence s ON s.document_id = d.id LEFT JOIN gold g ON g.sentence_id = s.id "
    "ORDER BY d.name, s.idx"
)
with open(sys.argv[2], "w", encoding="utf-8", newline="\n") as out:
    for sid, uid, doc_name, idx, start, end, lang, text, gold_labels, method, by, meta in sentences:
        anns = []
        if pending[0] == sid:
            for _, aid, labels, status, negated, flagged, note, stamp in pending[1]:
                stamp = stamp[:10] + "T" + (stamp[11:19] if stamp.endswith("000000") else stamp[11:]) + "Z"
                anns.append(
                    {
                        "annotator": names[aid],
                        "labels": sorted(set(json.loads(labels))),
                        "status": status,
                        "negated": bool(negated),
                        "flagged": bool(flagged),
                        "note": note or None,
                        "updated_at": stamp,
                        "seconds": None,
                        "suggested": None,
                        "accepted": None,
                    }
                )
            pending = next(by_sentence, (None, iter(())))
        anns.sort(key=lambda a: a["annotator"])
        voted = [a["labels"] for a in anns if a["status"] == "labelled"]
        gold = None
        if gold_labels is not None:
            gold = {"labels": sorted(set(json.loads(gold_labels))), "method": method, "by": by or None}
        elif len(voted) >= 2:
            top, n = Counter(map(tuple, voted)).most_common(1)[0]
            if top and 2 * n > len(voted):
                gold = {"labels": list(top), "method": "unanimous" if n == len(voted) else "majority", "by": None}
        if gold is not None:
            gold["agreed"] = [
                a["annotator"] for a in anns if a["status"] == "labelled" and a["labels"] == gold["labels"]
            ]
        record = {
            "id": f"{uid}:{idx}",
            "doc_id": uid,
            "doc_name": doc_name,
            "sent_idx": idx,
            "start": start,
            "end": end,
            "lang": lang or None,
            "text": text,
            "annotations": anns,
            "gold": gold,
            "schema": schema_ref,
            "split": None,
            "meta": json.loads(meta),
        }
        out.write(dumps(record) + "\n")
