"""Bindings: every key has an id, the reserved list in the core matches, the keymap file works."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.binding import Binding
from textual.keys import _character_to_key

from annotator.core.errors import UserError
from annotator.core.labels import RESERVED_KEYS, load_schema
from annotator.tui.config import Settings, config_path, dump_settings, load_settings, save_settings
from annotator.tui.keys import ANNOTATE_BINDINGS, APP_BINDINGS, PICKER_BINDINGS, label_bindings


def _bindings() -> list[Binding]:
    return list(Binding.make_bindings([*ANNOTATE_BINDINGS, *APP_BINDINGS]))


def test_every_binding_has_an_id_and_a_description() -> None:
    for binding in [*_bindings(), *Binding.make_bindings(PICKER_BINDINGS), *label_bindings(load_schema())]:
        assert binding.id, binding
        assert binding.description, binding


def test_reserved_keys_match_the_annotate_screen() -> None:
    bound = {b.key for b in _bindings()}
    for char in RESERVED_KEYS:
        if char == " ":
            continue  # reserved for later, not bound
        assert _character_to_key(char) in bound, f"{char!r} is reserved in the core but not bound"
    printable = {key for key in bound if len(key) == 1 or key in {_character_to_key(c) for c in RESERVED_KEYS}}
    reserved = {_character_to_key(c) for c in RESERVED_KEYS}
    assert printable <= reserved, printable - reserved


def test_label_keys_and_digits_are_bound_with_ids() -> None:
    schema = load_schema()
    keys = {b.key: b.id for b in label_bindings(schema)}
    assert keys["f"] == "label.first_party_collection"
    assert keys["1"] == "label.first_party_collection.alt"
    assert keys["grave_accent"] == "label.none.alt"
    assert keys["minus"] == "label.enforcement.alt"


def test_config_path_respects_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "annotator" / "config.toml"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/path")
    assert config_path() == Path.home() / ".config" / "annotator" / "config.toml"


def test_settings_round_trip_and_keep_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "annotator" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('theme = "x"\nbidi = false\n[keymap]\n"annotate.skip" = "z"\n[other]\na = 1\n')
    settings = load_settings(path)
    assert settings.bidi is False and settings.keymap == {"annotate.skip": "z"}
    settings.annotator = 'a "quoted" name'
    save_settings(settings)
    again = load_settings(path)
    assert again.annotator == 'a "quoted" name' and again.bidi is False
    assert again.keymap == {"annotate.skip": "z"}
    text = path.read_text()
    assert 'theme = "x"' in text and "[other]\na = 1" in text
    assert "bidi = false" in dump_settings(Settings(bidi=False, path=path))


def test_broken_settings_file_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("bidi = maybe\n")
    with pytest.raises(UserError, match="not valid TOML"):
        load_settings(path)
    path.write_text('[keymap]\n"annotate.skip" = 3\n')
    with pytest.raises(UserError, match="keymap"):
        load_settings(path)
    assert load_settings(tmp_path / "missing.toml") == Settings(path=tmp_path / "missing.toml")


def test_review_keys_have_ids_and_never_take_a_label_key() -> None:
    from annotator.core.labels import parse_schema
    from annotator.tui.keys import REVIEW_BINDINGS, TAKE_LETTERS, take_bindings

    schema = load_schema()
    review = list(Binding.make_bindings([*REVIEW_BINDINGS, *take_bindings(schema)]))
    for binding in review:
        assert binding.id and binding.description, binding
    reserved = {_character_to_key(c) for c in RESERVED_KEYS}
    for binding in review:
        if len(binding.key) == 1 and binding.key not in TAKE_LETTERS:
            assert binding.key in reserved, f"{binding.key!r} could clash with a label key"
    assert {b.key for b in review if b.id == "review.take.1"} == {"A", "f1"}
    # a schema that uses B for a label keeps it; F2 still takes annotator B's set
    toml = (
        'name = "x"\nversion = 1\n[[labels]]\nid = "b_label"\nname = "B"\nkey = "B"\ndescription = "d"\n'
        '[[labels]]\nid = "none"\nname = "None"\nkey = "n"\ndescription = "d"\nexclusive = true\n'
    )
    takes = {b.key: b.id for b in Binding.make_bindings(take_bindings(parse_schema(toml)))}
    assert "B" not in takes and takes["f2"] == "review.take.2" and takes["A"] == "review.take.1"
