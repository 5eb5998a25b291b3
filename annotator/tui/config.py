"""The user's settings file: ``$XDG_CONFIG_HOME/annotator/config.toml``.

```toml
annotator = "amal"          # default name when neither --annotator nor ANNOTATOR_NAME is given
bidi = true                 # reorder right-to-left lines (false for GNOME Terminal, Konsole)
suggest_preselect = false   # annotate --suggest: start each undecided sentence with the suggestion selected
suggest_retrain_every = 20  # annotate --suggest: retrain the model in the background every N decisions

[keymap]                    # binding id = "key[,key...]"; ids are listed by the help screen (?)
"annotate.skip" = "x,s"
"label.data_sharing.alt" = "2"
```
The file is rewritten atomically when a setting changes from the TUI (the name after the
prompt, the bidi toggle). The rewrite is a round trip through tomlkit, which keeps what the
app does not own as the user wrote it: comments, layout, other keys, nested tables, dates.
Only the settings the app changed since it read the file are written, into the file as it
is on disk at that moment, so an edit made meanwhile in an editor survives too.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.toml_document import TOMLDocument

from annotator.core.errors import UserError

HEADER = "annotator settings (see `annotator annotate --help`)"


def config_path() -> Path:
    """``$XDG_CONFIG_HOME/annotator/config.toml`` (``~/.config`` when unset or relative)."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".config"
    return root / "annotator" / "config.toml"


@dataclass
class Settings:
    annotator: str | None = None
    bidi: bool = True
    keymap: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    # Suggestions (read from the file, never written by the app): pre-select the suggested
    # labels (speed over independence: anchoring is real, so off by default), and how many
    # decisions between background retrainings.
    suggest_preselect: bool = False
    suggest_retrain_every: int = 20
    # What the file said when it was read (None: these settings did not come from a file, so
    # all three are written). Writing compares against it to write only what changed.
    loaded: tuple[str | None, bool, dict[str, str]] | None = field(default=None, repr=False, compare=False)


def _parse(text: str, path: Path) -> tuple[dict[str, Any], TOMLDocument]:
    """Plain values (checked with the standard library's parser) and tomlkit's document."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML: {exc}") from exc
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:  # valid TOML that tomlkit cannot round-trip: never rewrite it
        raise UserError(f"{path}: cannot keep this file's layout when writing it: {exc}") from exc
    return data, document


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; a missing file gives defaults, a broken one a UserError."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings(path=path)
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read settings: {exc}") from exc
    data, _document = _parse(text, path)
    annotator = data.get("annotator")
    bidi = data.get("bidi", True)
    keymap = data.get("keymap", {})
    if annotator is not None and not isinstance(annotator, str):
        raise UserError(f"{path}: annotator must be a string")
    if not isinstance(bidi, bool):
        raise UserError(f"{path}: bidi must be true or false")
    if not isinstance(keymap, dict) or not all(isinstance(v, str) for v in keymap.values()):
        raise UserError(f'{path}: [keymap] entries must look like "binding.id" = "key[,key]"')
    preselect = data.get("suggest_preselect", False)
    retrain_every = data.get("suggest_retrain_every", 20)
    if not isinstance(preselect, bool):
        raise UserError(f"{path}: suggest_preselect must be true or false")
    if isinstance(retrain_every, bool) or not isinstance(retrain_every, int) or retrain_every < 1:
        raise UserError(f"{path}: suggest_retrain_every must be a whole number of decisions, 1 or more")
    return Settings(
        annotator=annotator,
        bidi=bidi,
        keymap=dict(keymap),
        path=path,
        suggest_preselect=preselect,
        suggest_retrain_every=retrain_every,
        loaded=(annotator, bidi, dict(keymap)),
    )


def _new_document() -> TOMLDocument:
    document = tomlkit.document()
    document.add(tomlkit.comment(HEADER))
    return document


def _write_keymap(document: TOMLDocument, keymap: dict[str, str]) -> None:
    """Make the document's keymap equal ``keymap``, touching only the entries that differ."""
    table = document.get("keymap")
    if table is None:
        if not keymap:
            return
        table = document["keymap"] = tomlkit.table()
    for binding in [b for b in table if b not in keymap]:
        del table[binding]
    for binding, keys in keymap.items():
        if table.get(binding) != keys:
            table[binding] = keys


def dump_settings(settings: Settings, current: str | None = None) -> str:
    """The settings file's new text: ``current`` (the file as it is now; None for a new
    file) with the settings this program changed written into it, everything else kept."""
    path = settings.path or config_path()
    document = _parse(current, path)[1] if current is not None else _new_document()
    before = settings.loaded
    if before is None or settings.annotator != before[0]:
        if settings.annotator:
            document["annotator"] = settings.annotator
        elif "annotator" in document:
            del document["annotator"]
    if before is None or settings.bidi != before[1]:
        document["bidi"] = settings.bidi
    if before is None or settings.keymap != before[2]:
        _write_keymap(document, settings.keymap)
    return tomlkit.dumps(document)


def save_settings(settings: Settings) -> Path:
    """Write the settings atomically (temporary file + rename), into the file as it is now.

    Raises OSError when the file cannot be read or written, or no longer parses (a user's
    half-finished edit is never overwritten).
    """
    path = settings.path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        current: str | None = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = None
    except UnicodeDecodeError as exc:
        raise OSError(f"{path}: not UTF-8 text, not overwritten") from exc
    try:
        text = dump_settings(settings, current)
    except UserError as exc:
        raise OSError(f"{exc}; not overwritten") from exc
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    settings.loaded = (settings.annotator, settings.bidi, dict(settings.keymap))
    return path
