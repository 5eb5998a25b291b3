"""Import: files and folders, encodings, JSONL, idempotence, one transaction per document."""

from __future__ import annotations

import codecs
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, select, text

from annotator.core.db import open_database
from annotator.core.importing import import_paths
from annotator.core.models import Document, Sentence
from tests.conftest import SEEDS


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        docs = connection.execute(select(func.count()).select_from(Document)).scalar()
        sents = connection.execute(select(func.count()).select_from(Sentence)).scalar()
    return int(docs or 0), int(sents or 0)


def _offsets_hold(engine: Engine) -> None:
    with engine.connect() as connection:
        docs = {row.id: row.text for row in connection.execute(select(Document.id, Document.text))}
        for row in connection.execute(select(Sentence.document_id, Sentence.start, Sentence.end, Sentence.text)):
            assert docs[row.document_id][row.start : row.end] == row.text
            assert row.text == row.text.strip() and row.text


def test_seeds_import_once(engine: Engine) -> None:
    summary = import_paths(engine, [SEEDS])
    assert len(summary.imported) == 5 and not summary.refused
    assert {doc.lang for doc in summary.imported} == {"ar", "pl"}
    docs, sents = _counts(engine)
    assert docs == 5 and sents > 90
    _offsets_hold(engine)

    again = import_paths(engine, [SEEDS])
    assert again.imported == [] and len(again.unchanged) == 5
    assert _counts(engine) == (docs, sents)


def test_encodings(tmp_path: Path, sqlite_engine: Engine) -> None:
    text_ar = "طلبت فيسبوك بيانات العملاء؟ نعم، طلبت ذلك.\nسطر ثان."
    (tmp_path / "bom.txt").write_bytes(codecs.BOM_UTF8 + "Zażółć gęślą jaźń. Drugie zdanie.".encode())
    (tmp_path / "utf16le.txt").write_bytes(codecs.BOM_UTF16_LE + text_ar.encode("utf-16-le"))
    (tmp_path / "utf16be.md").write_bytes(codecs.BOM_UTF16_BE + "We share data. We sell none.".encode("utf-16-be"))
    summary = import_paths(sqlite_engine, [tmp_path])
    assert sorted(doc.name for doc in summary.imported) == ["bom", "utf16be", "utf16le"]
    with sqlite_engine.connect() as connection:
        stored = dict(connection.execute(select(Document.name, Document.text)).all())
    assert stored["bom"].startswith("Zażółć")  # the BOM is not part of the text
    assert stored["utf16le"] == text_ar
    _offsets_hold(sqlite_engine)


def test_invalid_utf8_is_refused_whole_and_the_rest_imports(tmp_path: Path, db_path: str, cli) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEEDS / "004_07191d38325b842d.txt", folder / "good.txt")
    (folder / "cp1250.txt").write_bytes("Zażółć gęślą jaźń.".encode("cp1250"))
    result = cli("import", str(folder), "--db", db_path)
    assert result.code == 2
    assert f"{folder / 'cp1250.txt'}: not UTF-8" in result.err
    assert "Traceback" not in result.err
    assert "1 documents" in result.out and "1 refused" in result.out
    engine = open_database(db_path)
    with engine.connect() as connection:
        names = list(connection.execute(select(Document.name)).scalars())
    assert names == ["good"]


def test_invalid_file_alone_leaves_the_database_as_it_was(tmp_path: Path, db_path: str, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("import", str(SEEDS), "--db", db_path).code == 0
    engine = open_database(db_path)
    counts = _counts(engine)
    with engine.connect() as connection:
        before = connection.execute(text("SELECT document_id, idx, text FROM sentence ORDER BY id")).all()
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b"caf\xe9 au lait")
    result = cli("import", str(bad), "--db", db_path)
    assert result.code == 2 and str(bad) in result.err and result.err.count("\n") == 1
    assert _counts(engine) == counts
    with engine.connect() as connection:
        assert connection.execute(text("SELECT document_id, idx, text FROM sentence ORDER BY id")).all() == before


def test_binary_and_unsupported_files(tmp_path: Path, sqlite_engine: Engine) -> None:
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02binary\x00")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "empty.txt").write_text("   \n")
    summary = import_paths(sqlite_engine, [tmp_path, tmp_path / "image.png"])
    reasons = " | ".join(r.reason for r in summary.refused)
    assert "blob.txt: looks like a binary file" in reasons
    assert "image.png: unsupported file type '.png'" in reasons
    assert "empty.txt: empty document" in reasons
    assert str(tmp_path / "image.png") in summary.ignored_files  # inside the folder it is only ignored
    assert _counts(sqlite_engine) == (0, 0)


def test_jsonl_documents_with_metadata_and_bad_lines(tmp_path: Path, sqlite_engine: Engine) -> None:
    path = tmp_path / "docs.jsonl"
    lines = [
        json.dumps({"id": "policy-1", "body": "We collect your email. We never sell it.", "source": "acme"}),
        "{not json",
        json.dumps({"id": "policy-2", "title": "no body here"}),
        json.dumps(["a list"]),
        "",
        json.dumps({"body": "Dane są przetwarzane m.in. w celach marketingowych. To wszystko.", "lang": "pl"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # by default a file with a bad line is refused whole, in one line naming the first
    refused = import_paths(sqlite_engine, [path], text_field="body")
    assert refused.imported == [] and _counts(sqlite_engine) == (0, 0)
    (reason,) = [r.reason for r in refused.refused]
    assert reason.startswith(f"{path}:2: invalid JSON") and "bad lines: 3 of 5" in reason
    assert "--skip-bad-lines" in reason and "\n" not in reason
    # --skip-bad-lines: the good lines import, each bad one is reported
    summary = import_paths(sqlite_engine, [path], text_field="body", skip_bad_lines=True)
    assert [doc.name for doc in summary.imported] == ["policy-1", "docs:6"] and not summary.refused
    reasons = [r.reason for r in summary.skipped_lines]
    assert reasons[0].startswith(f"{path}:2: invalid JSON")
    assert reasons[1].startswith(f"{path}:3: no string field 'body'")
    assert reasons[2].startswith(f"{path}:4: expected a JSON object")
    with sqlite_engine.connect() as connection:
        meta = connection.execute(select(Document.meta).where(Document.name == "policy-1")).scalar()
        polish = connection.execute(select(Sentence.text).where(Sentence.lang == "pl")).scalars().all()
    assert meta == {"id": "policy-1", "source": "acme"}
    assert polish == ["Dane są przetwarzane m.in. w celach marketingowych.", "To wszystko."]


def test_lang_option_overrides_detection(tmp_path: Path, sqlite_engine: Engine) -> None:
    (tmp_path / "a.txt").write_text("Short text. Another one.", encoding="utf-8")
    summary = import_paths(sqlite_engine, [tmp_path], lang="en")
    assert summary.imported[0].lang == "en"


def test_changed_file_with_the_same_name_is_kept_beside_the_old_one(tmp_path: Path, sqlite_engine: Engine) -> None:
    path = tmp_path / "policy.txt"
    path.write_text("Version one. We share data.", encoding="utf-8")
    import_paths(sqlite_engine, [path])
    path.write_text("Version two. We share nothing.", encoding="utf-8")
    summary = import_paths(sqlite_engine, [path])
    assert summary.imported[0].name == "policy~2"
    assert summary.imported[0].renamed_from == "policy"
    assert _counts(sqlite_engine)[0] == 2


def test_a_failure_half_way_through_a_document_stores_nothing_of_it(
    tmp_path: Path, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("annotator.core.importing.INSERT_BATCH", 2)
    (tmp_path / "long.txt").write_text(" ".join(f"Sentence number {i}." for i in range(10)), encoding="utf-8")
    calls = {"n": 0}

    def fail_on_second_batch(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO sentence"):
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("disk full (simulated)")

    event.listen(sqlite_engine, "before_cursor_execute", fail_on_second_batch)
    with pytest.raises(RuntimeError):
        import_paths(sqlite_engine, [tmp_path])
    event.remove(sqlite_engine, "before_cursor_execute", fail_on_second_batch)
    assert _counts(sqlite_engine) == (0, 0)
    with sqlite_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM event")).scalar() == 0  # no import event either


def test_missing_path_is_a_user_error(cli, db_path: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("import", str(tmp_path / "nope"), "--db", db_path)
    assert result.code == 2 and "no such file or directory" in result.err
