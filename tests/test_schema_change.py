"""Changing a project's schema: refused when it would orphan saved labels, unless renamed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from annotator.core.decisions import Change, ensure_annotator, save_decision
from annotator.core.errors import UserError
from annotator.core.importing import import_paths
from annotator.core.labels import load_schema, parse_schema
from annotator.core.repository import find_document, sentence_page
from annotator.core.schemas import active_schema, set_schema

DEFAULT_TOML = Path(__file__).resolve().parent.parent / "labels" / "privacy.toml"


def _annotated(engine: Engine, tmp_path: Path) -> tuple[int, int]:
    schema = active_schema(engine)
    (tmp_path / "p.txt").write_text("We sell your data. We keep it.", encoding="utf-8")
    import_paths(engine, [tmp_path / "p.txt"], lang="en")
    doc = find_document(engine, "p")
    amal = ensure_annotator(engine, "amal")
    first = sentence_page(engine, doc.id, 0, 1)[0].id
    save_decision(engine, schema, amal, first, Change(labels=["data_sharing", "ads_use"], status="labelled"))
    return doc.id, amal


def test_removing_a_used_label_is_refused(engine: Engine, tmp_path: Path) -> None:
    _annotated(engine, tmp_path)
    text = DEFAULT_TOML.read_text(encoding="utf-8").replace("version = 1", "version = 2")
    text = text.replace('id = "data_sharing"', 'id = "third_party_sharing"')
    renamed = parse_schema(text, "v2.toml")
    with pytest.raises(UserError, match="orphan labels already used in saved annotations: data_sharing"):
        set_schema(engine, renamed)
    assert active_schema(engine).ref == "privacy@1"


def test_rename_mapping_rewrites_saved_labels(engine: Engine, tmp_path: Path) -> None:
    doc_id, amal = _annotated(engine, tmp_path)
    text = DEFAULT_TOML.read_text(encoding="utf-8").replace("version = 1", "version = 2")
    text = text.replace('id = "data_sharing"', 'id = "third_party_sharing"')
    renamed = parse_schema(text, "v2.toml")
    change = set_schema(engine, renamed, {"data_sharing": "third_party_sharing"})
    assert change.changed and change.rewritten_annotations == 1
    assert active_schema(engine).ref == "privacy@2"
    state = sentence_page(engine, doc_id, 0, 1, amal)[0].state
    assert state is not None and state.labels == ("third_party_sharing", "ads_use")


def test_adding_a_label_is_allowed_and_same_version_with_other_content_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    _annotated(engine, tmp_path)
    base = DEFAULT_TOML.read_text(encoding="utf-8")
    extra = '\n[[labels]]\nid = "biometrics"\nname = "Biometrics"\nkey = "y"\ndescription = "Faces, fingerprints."\n'
    with pytest.raises(UserError, match="already stored with different content"):
        set_schema(engine, parse_schema(base + extra, "same-version.toml"))
    grown = parse_schema(base.replace("version = 1", "version = 3") + extra, "v3.toml")
    assert set_schema(engine, grown).changed
    assert set_schema(engine, load_schema()).changed  # back to v1: no label of v3-only is used


def test_cli_init_with_rename(cli, db_path: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from annotator.core.db import open_database

    _annotated(open_database(db_path), tmp_path)
    v2 = tmp_path / "v2.toml"
    v2.write_text(
        DEFAULT_TOML.read_text(encoding="utf-8")
        .replace("version = 1", "version = 2")
        .replace('id = "ads_use"', 'id = "advertising"'),
        encoding="utf-8",
    )
    refused = cli("init", "--labels", str(v2), "--db", db_path)
    assert refused.code == 2 and "ads_use" in refused.err and "--rename" in refused.err
    done = cli("init", "--labels", str(v2), "--rename", "ads_use=advertising", "--db", db_path)
    assert done.code == 0 and "privacy@2" in done.out


def test_reordered_labels_rewrite_the_stored_masks(engine: Engine, tmp_path: Path) -> None:
    from sqlalchemy import text

    _annotated(engine, tmp_path)
    base = DEFAULT_TOML.read_text(encoding="utf-8").replace("version = 1", "version = 5")
    head, *blocks = base.split("[[labels]]")
    reordered = parse_schema(head + "".join("[[labels]]" + block for block in reversed(blocks)), "reordered.toml")
    change = set_schema(engine, reordered)
    assert change.rewritten_annotations == 1
    with engine.connect() as connection:
        mask = connection.execute(text("SELECT label_mask FROM annotation")).scalar()
    assert mask == reordered.mask_of(["data_sharing", "ads_use"]) != load_schema().mask_of(["data_sharing", "ads_use"])
