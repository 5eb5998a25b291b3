"""The settings file survives the app's writes: tomlkit keeps comments, layout, nested
tables and dates; only what the app changed is written (annotator.tui.config)."""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import Engine

from annotator.core.errors import UserError
from annotator.tui.config import Settings, load_settings, save_settings
from tests.tui_helpers import doc_named, engine, make_app, settle

__all__ = ["engine"]  # the fixture, imported for pytest

SIZE = (110, 32)

# A file a user wrote by hand: comments everywhere, a nested table, every TOML date-time
# kind, an array of tables, a multi-line string, keys the app does not know.
RICH = """\
# my annotator settings — edited by hand
theme = "dracula"   # not an annotator setting (yet)
bidi = true         # GNOME Terminal: set to false
since = 2026-11-24T10:00:00Z
local = 2026-11-24T10:00:00
day = 2026-11-24
at = 07:32:00.5

[ui.colors]         # nested table
fg = "red"
bg = { r = 0, g = 0, b = 0 }

[keymap]
# skip with z, not x
"annotate.skip" = "z"

[[profiles]]
name = "ssh"
notes = \"\"\"
two
lines\"\"\"

[[profiles]]
name = "local"
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_saving_keeps_nested_tables_comments_and_dates(tmp_path: Path) -> None:
    path = _write(tmp_path / "config.toml", RICH)
    settings = load_settings(path)
    settings.annotator = "amal"
    save_settings(settings)
    after = path.read_text(encoding="utf-8")
    assert _changed_lines(RICH, after) == ['+annotator = "amal"']
    data = tomllib.loads(after)
    assert data["ui"]["colors"] == {"fg": "red", "bg": {"r": 0, "g": 0, "b": 0}}
    assert data["since"] == tomllib.loads(RICH)["since"] and str(data["at"]) == "07:32:00.500000"
    assert [p["name"] for p in data["profiles"]] == ["ssh", "local"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: setattr(s, "annotator", "Ola Nowak"), ['+annotator = "Ola Nowak"']),
        (
            lambda s: setattr(s, "bidi", False),
            [
                "-bidi = true         # GNOME Terminal: set to false",
                "+bidi = false         # GNOME Terminal: set to false",
            ],
        ),
        (lambda s: s.keymap.update({"label.data_sharing.alt": "y"}), ['+"label.data_sharing.alt" = "y"']),
        (lambda s: s.keymap.update({"annotate.skip": "q,z"}), ['-"annotate.skip" = "z"', '+"annotate.skip" = "q,z"']),
    ],
    ids=["annotator", "bidi", "keymap-added", "keymap-changed"],
)
def test_each_setting_the_app_writes_changes_its_own_line_only(tmp_path: Path, change, expected) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path / "config.toml", RICH)
    settings = load_settings(path)
    change(settings)
    save_settings(settings)
    assert _changed_lines(RICH, path.read_text(encoding="utf-8")) == expected
    again = load_settings(path)
    assert (again.annotator, again.bidi, again.keymap) == (settings.annotator, settings.bidi, settings.keymap)


def test_an_edit_made_meanwhile_survives_the_apps_write(tmp_path: Path) -> None:
    path = _write(tmp_path / "config.toml", RICH)
    settings = load_settings(path)
    edited = RICH.replace('"annotate.skip" = "z"', '"annotate.skip" = "z"\n"annotate.undo" = "U"')
    path.write_text(edited, encoding="utf-8")  # the user, in an editor, while the app runs
    settings.bidi = False
    save_settings(settings)
    assert load_settings(path).keymap == {"annotate.skip": "z", "annotate.undo": "U"}
    assert load_settings(path).bidi is False


def test_a_file_broken_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    path = _write(tmp_path / "config.toml", RICH)
    settings = load_settings(path)
    path.write_text(RICH + "\n[keymap\n", encoding="utf-8")  # half-way through an edit
    settings.annotator = "amal"
    with pytest.raises(OSError, match=r"not valid TOML.*not overwritten"):
        save_settings(settings)
    assert path.read_text(encoding="utf-8") == RICH + "\n[keymap\n"


def test_a_new_file_gets_a_header_and_only_the_settings(tmp_path: Path) -> None:
    path = tmp_path / "annotator" / "config.toml"
    save_settings(Settings(annotator="amal", bidi=False, keymap={"annotate.skip": "z"}, path=path))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# annotator settings")
    assert tomllib.loads(text) == {"annotator": "amal", "bidi": False, "keymap": {"annotate.skip": "z"}}


def test_wrong_types_are_still_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "config.toml", "bidi = 2026-11-24\n")
    with pytest.raises(UserError, match="bidi must be true or false"):
        load_settings(path)


async def test_the_apps_own_writes_keep_the_users_file(engine: Engine, tmp_path: Path) -> None:
    """Through the TUI: the name typed at the prompt, then the bidi key; nothing else moves."""
    from annotator.tui.screens.name import NameScreen

    path = _write(tmp_path / "config" / "config.toml", RICH)
    app = make_app(engine, tmp_path, annotator=None, settings=load_settings(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NameScreen)
        await pilot.press(*"zoe", "enter")
        await settle(pilot)
    assert _changed_lines(RICH, path.read_text(encoding="utf-8")) == ['+annotator = "zoe"']

    named = path.read_text(encoding="utf-8")
    app = make_app(
        engine, tmp_path, annotator="zoe", document=doc_named(engine, "ar_news"), settings=load_settings(path)
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert app.reorder is False
    assert _changed_lines(named, path.read_text(encoding="utf-8")) == [
        "-bidi = true         # GNOME Terminal: set to false",
        "+bidi = false         # GNOME Terminal: set to false",
    ]


async def test_a_settings_file_broken_while_the_app_runs_is_a_warning_not_a_crash(
    engine: Engine, tmp_path: Path
) -> None:
    from annotator.tui.screens.name import NameScreen

    path = _write(tmp_path / "config" / "config.toml", RICH)
    app = make_app(engine, tmp_path, annotator=None, settings=load_settings(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NameScreen)
        path.write_text(RICH + "\n[keymap\n", encoding="utf-8")  # the user's editor, mid-edit
        await pilot.press(*"zoe", "enter")
        await settle(pilot)
        assert app.is_running and app.annotator_name == "zoe"
        messages = [str(n.message) for n in app._notifications]
        assert any("Could not write settings" in m and "not overwritten" in m for m in messages), messages
    assert path.read_text(encoding="utf-8") == RICH + "\n[keymap\n"
