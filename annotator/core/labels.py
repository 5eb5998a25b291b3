"""Label schemas as data: a TOML file validated into a pydantic model.

A schema is a named, versioned list of labels. Each label has a one-character key
(a mnemonic letter) and an optional alternative key (a digit or symbol) that works
whatever keyboard layout is active. The annotation screen reserves a few keys for
itself (``RESERVED_KEYS``); a schema may not use them.
"""

from __future__ import annotations

import tomllib
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from annotator.core.errors import UserError
from annotator.core.input_files import InputError, format_size, not_regular, read_regular_file

# Keys the annotation screen binds for navigation and decisions. Kept here, in the core,
# so that schema validation and the TUI agree on one list.
RESERVED_KEYS: dict[str, str] = {
    "j": "next sentence",
    "k": "previous sentence",
    "g": "first sentence",
    "G": "last sentence",
    ".": "next unannotated sentence",
    ":": "jump to sentence number",
    "/": "search",
    "\\": "filter",
    "x": "skip",
    "!": "flag for review",
    "t": "negated",
    "w": "write a note",
    "u": "undo",
    "q": "quit",
    "?": "help",
    "v": "toggle right-to-left reordering",
    "h": "show the definition of a label",
    "S": "suggestions on/off",
    " ": "space",
}


def _default_schema_path() -> Path:
    # In a wheel the labels/ folder is packaged as annotator/labels; in a checkout
    # (editable install, tests) it sits beside the package.
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "labels", package_dir.parent / "labels"):
        if (candidate / "privacy.toml").is_file():
            return candidate / "privacy.toml"
    return package_dir.parent / "labels" / "privacy.toml"


DEFAULT_SCHEMA_PATH = _default_schema_path()

ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class LabelAttribute(BaseModel):
    """An optional attribute of a label (OPP-115 style), e.g. the recipient of a sharing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    name: str
    values: list[str] = Field(min_length=1)


class Label(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN, max_length=64)
    name: str = Field(min_length=1)
    key: str
    alt_key: str | None = None
    description: str = Field(min_length=1)
    example: str | None = None
    # Words and stems (any language) that suggest the label before a model is trained: the
    # cold-start prior of ``annotator.core.suggest``. Advisory: changing them changes no
    # stored decision, so a schema that differs only in hints replaces the stored one.
    hints: list[str] = Field(default_factory=list)
    exclusive: bool = False
    attributes: list[LabelAttribute] = Field(default_factory=list)

    @field_validator("key", "alt_key")
    @classmethod
    def _one_printable_character(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if len(value) != 1 or not value.isprintable() or value.isspace():
            raise ValueError(f"must be exactly one printable character, got {value!r}")
        if value in RESERVED_KEYS:
            raise ValueError(f"{value!r} is reserved by the annotation screen for {RESERVED_KEYS[value]!r}")
        return value

    @field_validator("hints")
    @classmethod
    def _hints_worth_matching(cls, hints: list[str]) -> list[str]:
        for hint in hints:
            if len(hint.strip()) < 3:
                raise ValueError(f"hint {hint!r} is too short to match reliably (3 characters at least)")
        return [hint.strip() for hint in hints]

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key,) if self.alt_key is None else (self.key, self.alt_key)


class LabelSchema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=ID_PATTERN)
    version: int = Field(ge=1)
    mode: Literal["multi", "single"] = "multi"
    description: str = ""
    labels: list[Label] = Field(min_length=1, max_length=62)

    @model_validator(mode="after")
    def _unique_ids_and_keys(self) -> LabelSchema:
        seen_ids: set[str] = set()
        seen_keys: dict[str, str] = {}
        for index, label in enumerate(self.labels):
            if label.id in seen_ids:
                raise ValueError(f"labels[{index}].id: duplicate label id {label.id!r}")
            seen_ids.add(label.id)
            for key in label.keys:
                if key in seen_keys:
                    raise ValueError(
                        f"labels[{index}]: key {key!r} of {label.id!r} is already used by {seen_keys[key]!r}"
                    )
                seen_keys[key] = label.id
        return self

    @property
    def ref(self) -> str:
        """The short reference written into exports, e.g. ``privacy@1``."""
        return f"{self.name}@{self.version}"

    @cached_property
    def label_ids(self) -> list[str]:
        return [label.id for label in self.labels]

    @cached_property
    def bit_of(self) -> dict[str, int]:
        """Bit position of each label in the integer label mask stored beside the list."""
        return {label.id: index for index, label in enumerate(self.labels)}

    @cached_property
    def by_key(self) -> dict[str, Label]:
        return {key: label for label in self.labels for key in label.keys}

    @cached_property
    def exclusive_ids(self) -> frozenset[str]:
        return frozenset(label.id for label in self.labels if label.exclusive)

    def without_hints(self) -> LabelSchema:
        """The same schema with every label's hints removed (what decides whether two schemas mean the same)."""
        return self.model_copy(update={"labels": [label.model_copy(update={"hints": []}) for label in self.labels]})

    def get(self, label_id: str) -> Label:
        for label in self.labels:
            if label.id == label_id:
                return label
        raise KeyError(label_id)

    def mask_of(self, labels: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> int:
        mask = 0
        for label_id in labels:
            mask |= 1 << self.bit_of[label_id]
        return mask

    def labels_of(self, mask: int) -> list[str]:
        return [label.id for i, label in enumerate(self.labels) if mask >> i & 1]

    def normalise(self, labels: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> list[str]:
        """Labels in schema order, unknown ids refused, the exclusivity rule checked."""
        unknown = sorted(set(labels) - set(self.bit_of))
        if unknown:
            raise ValueError(f"unknown label(s) for schema {self.ref}: {', '.join(unknown)}")
        ordered = [label_id for label_id in self.label_ids if label_id in set(labels)]
        if len(ordered) > 1 and (self.mode == "single" or self.exclusive_ids & set(ordered)):
            raise ValueError(f"labels {ordered} cannot be combined in schema {self.ref}")
        return ordered

    def toggle(self, selected: list[str] | tuple[str, ...], label_id: str) -> list[str]:
        """The selection after pressing a label's key: exclusive labels clear the others,
        any other label clears the exclusive ones; single mode keeps one label."""
        current = set(selected)
        if label_id in current:
            current.discard(label_id)
        elif self.mode == "single" or label_id in self.exclusive_ids:
            current = {label_id}
        else:
            current = (current - self.exclusive_ids) | {label_id}
        return [lid for lid in self.label_ids if lid in current]


def _format_validation_error(source: str, error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    where = f"{source}: {location}: " if location else f"{source}: "
    extra = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}{message}{extra}"


def parse_schema(text: str, source: str = "<schema>") -> LabelSchema:
    """Validate schema TOML text. Raises UserError naming the source and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{source}: not valid TOML: {exc}") from exc
    try:
        return LabelSchema.model_validate(data)
    except ValidationError as exc:
        raise UserError(_format_validation_error(source, exc)) from exc


MAX_SCHEMA_BYTES = 1 << 20  # a schema is a few KB; a bigger file is not one (and is not read whole)


def load_schema(path: str | Path | None = None) -> LabelSchema:
    """Load and validate a schema file (the default privacy schema when path is None)."""
    file = DEFAULT_SCHEMA_PATH if path is None else Path(path)
    try:
        info = file.stat()
        kind = not_regular(info.st_mode)
    except FileNotFoundError as exc:
        raise UserError(f"{file}: no such label schema file") from exc
    except OSError as exc:
        raise UserError(f"{file}: cannot read label schema: {exc.strerror}") from exc
    if kind is not None:  # a FIFO would wait for a writer forever, /dev/zero never end
        raise UserError(f"{file}: {kind}, not a label schema file (a regular TOML file)")
    if info.st_size > MAX_SCHEMA_BYTES:
        raise UserError(f"{file}: {format_size(info.st_size)} is too big for a label schema (at most 1M)")
    try:
        raw = read_regular_file(file, MAX_SCHEMA_BYTES)
    except InputError as exc:
        raise UserError(f"{exc} (label schema)") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{file}: label schema is not UTF-8 (byte {exc.start})") from exc
    return parse_schema(text, str(file))


def schema_from_json(data: str) -> LabelSchema:
    """Rebuild a schema stored in the database as JSON."""
    return LabelSchema.model_validate_json(data)
