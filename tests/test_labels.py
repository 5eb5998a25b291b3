"""Label schemas: the default file, validation errors that name file and field, the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from annotator.core.errors import UserError
from annotator.core.labels import RESERVED_KEYS, load_schema, parse_schema

GOOD = """
name = "tiny"
version = 1
mode = "multi"
[[labels]]
id = "yes"
name = "Yes"
key = "y"
alt_key = "1"
description = "It is."
[[labels]]
id = "none"
name = "None"
key = "n"
alt_key = "2"
description = "It is not."
exclusive = true
"""


def test_default_schema_has_the_thirteen_product_labels() -> None:
    schema = load_schema()
    assert schema.ref == "privacy@1"
    assert schema.mode == "multi"
    keys = {label.id: (label.key, label.alt_key) for label in schema.labels}
    assert keys == {
        "first_party_collection": ("f", "1"),
        "data_sharing": ("s", "2"),
        "ads_use": ("a", "3"),
        "consent_choice": ("c", "4"),
        "user_rights": ("r", "5"),
        "retention": ("d", "6"),
        "security_breach": ("b", "7"),
        "international_transfer": ("i", "8"),
        "children_audiences": ("m", "9"),
        "policy_change": ("p", "0"),
        "enforcement": ("e", "-"),
        "other_privacy": ("o", "="),
        "none": ("n", "`"),
    }
    assert schema.exclusive_ids == {"none"}
    assert all(label.description and label.example for label in schema.labels)


def test_toggle_rules_none_is_exclusive() -> None:
    schema = load_schema()
    selected = schema.toggle([], "data_sharing")
    selected = schema.toggle(selected, "ads_use")
    assert selected == ["data_sharing", "ads_use"]
    assert schema.toggle(selected, "none") == ["none"]
    assert schema.toggle(["none"], "retention") == ["retention"]
    assert schema.toggle(["retention"], "retention") == []


def test_mask_round_trip() -> None:
    schema = load_schema()
    mask = schema.mask_of(["ads_use", "data_sharing"])
    assert mask == 0b110
    assert schema.labels_of(mask) == ["data_sharing", "ads_use"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda s: s.replace('id = "none"', 'id = "yes"'), "duplicate label id 'yes'"),
        (lambda s: s.replace('key = "n"', 'key = "y"'), "key 'y' of 'none' is already used by 'yes'"),
        (lambda s: s.replace('key = "n"', 'key = "q"'), "labels.1.key: 'q' is reserved by the annotation screen"),
        (lambda s: s.replace('key = "n"', 'key = "nn"'), "labels.1.key: must be exactly one printable character"),
        (lambda s: s.replace("version = 1", "version = 0"), "version: Input should be greater than or equal to 1"),
        (lambda s: s.replace('mode = "multi"', 'mode = "many"'), "mode: Input should be 'multi' or 'single'"),
        (lambda s: s.replace('description = "It is."\n', ""), "labels.0.description: Field required"),
        (lambda s: s.replace('id = "yes"', 'id = "Yes Label"'), "labels.0.id: String should match pattern"),
        (lambda s: s + "\ncolour = 'red'\n", "colour: Extra inputs are not permitted"),
        (lambda s: s.replace('name = "tiny"', 'name = "tiny'), "not valid TOML"),
    ],
)
def test_schema_errors_name_the_file_and_the_field(tmp_path: Path, edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.toml"
    path.write_text(edit(GOOD), encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_schema(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_reserved_keys_cover_the_annotation_screen() -> None:
    for key in ("j", "k", "x", "u", "q", "?", "/"):
        assert key in RESERVED_KEYS


def test_valid_small_schema() -> None:
    schema = parse_schema(GOOD, "tiny.toml")
    assert schema.ref == "tiny@1"
    assert schema.by_key["2"].id == "none"


def test_cli_labels_validate(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.toml"
    good.write_text(GOOD, encoding="utf-8")
    result = cli("labels", "validate", str(good))
    assert result.code == 0
    assert "valid, schema tiny@1, 2 labels" in result.out

    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace('key = "n"', 'key = "j"'), encoding="utf-8")
    result = cli("labels", "validate", str(bad))
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert str(bad) in result.err and "labels.1.key" in result.err and "Traceback" not in result.err

    result = cli("labels", "validate", str(tmp_path / "missing.toml"))
    assert result.code == 2 and "no such label schema file" in result.err


def test_cli_labels_show(cli, db_path: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("labels", "show", "--db", db_path)
    assert result.code == 0
    for text in ("privacy@1", "data_sharing", "s / 2", "Not privacy related", "e.g."):
        assert text in result.out
    result = cli("labels", "show", "--json", "--db", db_path)
    data = json.loads(result.out)
    assert [label["id"] for label in data["labels"]][-1] == "none"


def test_a_pipe_a_device_or_a_huge_file_as_schema_is_refused_in_one_line(tmp_path: Path) -> None:
    """Like an import's inputs, a schema file is read only when it is a regular file of a sane
    size: `labels validate /dev/zero` read until memory ran out, a FIFO waited forever."""
    import subprocess
    import sys

    pipe, huge = tmp_path / "labels.toml", tmp_path / "huge.toml"
    os.mkfifo(pipe)
    huge.write_bytes(b"# " + b"x" * (2 << 20))
    for args, said in [
        (["labels", "validate", "/dev/zero"], "/dev/zero: a character device, not a label schema file"),
        (["labels", "validate", str(pipe)], f"{pipe}: a named pipe (FIFO), not a label schema file"),
        (["init", "--labels", str(pipe), "--db", str(tmp_path / "a.db")], "a named pipe (FIFO)"),
        (["labels", "validate", str(huge)], f"{huge}: 2.0M is too big for a label schema (at most 1M)"),
    ]:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "annotator", *args], capture_output=True, text=True, timeout=30
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"annotator {' '.join(args)} hung")
        assert done.returncode == 2, done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert said in line
