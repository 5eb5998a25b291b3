"""The user's settings file: ``$XDG_CONFIG_HOME/annotator/config.toml``.

```toml
annotator = "amal"          # default name when neither --annotator nor ANNOTATOR_NAME is given
bidi = true                 # reorder right-to-left lines (false for GNOME Terminal, Konsole)

[keymap]                    # binding id = "key[,key...]"; ids are listed by the help screen (?)
"annotate.skip" = "x,s"
"label.data_sharing.alt" = "2"
```
The file is rewritten atomically when a setting changes from the TUI (the name after
the prompt, the bidi toggle); other keys in it are kept.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core.errors import UserError


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
    extra: dict[str, Any] = field(default_factory=dict)  # keys we do not know: kept as they are
    path: Path | None = None


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; a missing file gives defaults, a broken one a UserError."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(path=path)
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read settings: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML: {exc}") from exc
    annotator = data.pop("annotator", None)
    bidi = data.pop("bidi", True)
    keymap = data.pop("keymap", {})
    if annotator is not None and not isinstance(annotator, str):
        raise UserError(f"{path}: annotator must be a string")
    if not isinstance(bidi, bool):
        raise UserError(f"{path}: bidi must be true or false")
    if not isinstance(keymap, dict) or not all(isinstance(v, str) for v in keymap.values()):
        raise UserError(f'{path}: [keymap] entries must look like "binding.id" = "key[,key]"')
    return Settings(annotator=annotator, bidi=bidi, keymap=dict(keymap), extra=data, path=path)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def dump_settings(settings: Settings) -> str:
    lines = ["# annotator settings (see `annotator annotate --help`)"]
    scalars: dict[str, Any] = {"bidi": settings.bidi}
    if settings.annotator:
        scalars = {"annotator": settings.annotator, **scalars}
    tables: dict[str, dict[str, Any]] = {"keymap": settings.keymap}
    for key, value in settings.extra.items():
        (tables if isinstance(value, dict) else scalars)[key] = value
    for key, value in scalars.items():
        lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for name, table in tables.items():
        lines.append("")
        lines.append(f"[{_toml_key(name)}]")
        for key, value in table.items():
            if not isinstance(value, dict):
                lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def save_settings(settings: Settings) -> Path:
    """Write the settings atomically (temporary file + rename)."""
    path = settings.path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(dump_settings(settings), encoding="utf-8")
    os.replace(temporary, path)
    return path
