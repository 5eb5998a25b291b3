"""doccano text-classification export: one JSONL file per annotator, in a folder or a zip.

doccano (non-collaborative projects) exports a zip holding ``<username>.jsonl`` for each
member, every example in every file, the member's labels in ``label`` (a sorted list of
label names), their comments in ``Comments`` and the example's metadata spread at the top
level. We write the same: ``<annotator>.jsonl`` per annotator, each with every sentence::

    {"id": "<doc_id>:<sent_idx>", "text": ..., "doc_id": ..., "doc_name": ..., "sent_idx": 3,
     "start": 120, "end": 187, "lang": "ar", "schema": "privacy@1", "split": null,
     "doc_meta": {...}, "label": ["ads_use"], "Comments": ["a note"], "status": "labelled",
     "negated": false, "flagged": false, "updated_at": "2026-...Z", "seconds": 4.2, "gold": null}

- A sentence the annotator did not decide on has ``label: []``, ``Comments: []`` and
  ``status``, ``negated``, ``flagged``, ``updated_at``, ``seconds`` null.
- The annotator's note is ``Comments: [note]``.
- With no annotator at all, one ``all.jsonl`` (doccano's name for a collaborative export)
  carries the sentences.
- The writer needs the list of annotators up front (so that each file has every sentence
  while streaming); a record with another annotator is an error.
- Path ending ``.zip``: a zip (written atomically); otherwise a folder, which must not
  exist or be empty (built under a temporary name, renamed at the end).

Reading accepts ours and doccano's own exports (a folder, a zip, or one ``.jsonl`` file;
text in ``text`` or ``data``). The annotator is the file name; in a doccano file without
our ``status``, a line with labels or comments is a labelled decision and a line without
is no decision; its time is ``default_updated_at`` or the file's modification time; the
tool's numeric ``id`` is ignored and other top-level keys become document metadata.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from . import jsonio
from .atomic import CountingWriter, _fsync_dir, atomic_dir, atomic_write
from .base import (
    UNSET,
    Part,
    ReadReport,
    RecordWriter,
    file_mtime_utc,
    foreign_sentence_fields,
    iter_json_lines_from,
    merge_parts,
    parse_part,
    sentence_info,
)
from .errors import FormatError
from .records import (
    SENTENCE_KEYS,
    Annotation,
    Gold,
    SentenceRecord,
    format_utc,
    parse_utc,
    provenance_keys,
    provenance_of,
)

COLLABORATIVE_FILE = "all.jsonl"
_KNOWN_KEYS = {
    "id",
    "text",
    "data",
    "label",
    "Comments",
    "status",
    "negated",
    "flagged",
    "updated_at",
    "seconds",
    "suggested",
    "accepted",
    "gold",
    "doc_meta",
    *SENTENCE_KEYS,
}
_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f]")


def _check_file_name(name: str) -> str:
    if not name or name in (".", "..") or _UNSAFE_NAME.search(name) or name.startswith("."):
        raise ValueError(f"annotator name {name!r} cannot be a doccano file name")
    return name


def to_doccano(record: SentenceRecord, annotator: str | None) -> dict[str, Any]:
    """The doccano line of one sentence in ``annotator``'s file (``None``: no annotator)."""
    # "id" first, then the text, then the other sentence fields (as always written)
    line: dict[str, Any] = {"id": record.id, "text": record.text, **foreign_sentence_fields(record)}
    ann = next((a for a in record.annotations if a.annotator == annotator), None)
    if ann is None:
        line.update(
            label=[],
            Comments=[],
            status=None,
            negated=None,
            flagged=None,
            updated_at=None,
            seconds=None,
            suggested=None,
            accepted=None,
        )
    else:
        line.update(
            label=list(ann.labels),
            Comments=[] if ann.note is None else [ann.note],
            status=ann.status,
            negated=ann.negated,
            flagged=ann.flagged,
            updated_at=ann.updated_at,
            seconds=ann.seconds,
            **provenance_keys(ann),
        )
    line["gold"] = record.gold.model_dump(mode="json") if record.gold is not None else None
    return line


class DoccanoWriter(RecordWriter):
    format = "doccano"

    def __init__(self, path: str | os.PathLike[str], *, annotators: Sequence[str]) -> None:
        super().__init__(path)
        names = sorted(set(annotators))
        for name in names:
            _check_file_name(name)
        self.annotators: list[str | None] = list(names) or [None]
        self.is_zip = self.path.suffix.lower() == ".zip"
        self._files_out: dict[str | None, tuple[IO[bytes], CountingWriter]] = {}
        self._zip_bytes = 0

    @staticmethod
    def file_name(annotator: str | None) -> str:
        return COLLABORATIVE_FILE if annotator is None else f"{annotator}.jsonl"

    def _open(self) -> None:
        if self.is_zip:
            import tempfile

            folder = self.path.parent
            folder.mkdir(parents=True, exist_ok=True)
            self._dir = Path(
                self._stack.enter_context(
                    tempfile.TemporaryDirectory(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
                )
            )
        else:
            self._dir = self._stack.enter_context(atomic_dir(self.path))
        for name in self.annotators:
            raw = self._stack.enter_context(
                open(self._dir / self.file_name(name), "wb")  # noqa: SIM115 - closed by the exit stack
            )
            self._files_out[name] = (raw, CountingWriter(raw))

    def _write(self, record: SentenceRecord) -> None:
        unknown = {a.annotator for a in record.annotations} - set(self._files_out)
        if unknown:
            raise ValueError(
                f"sentence {record.id}: annotator(s) {', '.join(sorted(unknown))} not in the "
                "doccano writer's annotators"
            )
        for name, (_, out) in self._files_out.items():
            out.write(jsonio.dumps(to_doccano(record, name)) + b"\n")
            self.items += 1

    def _finish(self) -> None:
        for raw, _ in self._files_out.values():
            raw.flush()
            os.fsync(raw.fileno())
        if self.is_zip:
            with (
                atomic_write(self.path) as out,
                zipfile.ZipFile(out.raw, "w", compression=zipfile.ZIP_DEFLATED) as zf,
            ):
                for name in self._files_out:
                    zf.write(self._dir / self.file_name(name), arcname=self.file_name(name))
            self._zip_bytes = self.path.stat().st_size
        else:
            _fsync_dir(self._dir)

    def _bytes(self) -> int:
        if self.is_zip:
            return self._zip_bytes
        return sum(out.bytes for _, out in self._files_out.values())

    def _files(self) -> list[str]:
        if self.is_zip:
            return [str(self.path)]
        return [str(self.path / self.file_name(n)) for n in self._files_out]


# ---------------------------------------------------------------------------- reading


def from_doccano_line(
    line: Mapping[str, Any],
    annotator: str,
    *,
    number: int = 0,
    source: str | None = None,
    default_updated_at: str,
) -> Part:
    """One doccano line of ``annotator``'s file -> what it says about its sentence."""
    text = line["text"] if "text" in line else line["data"]
    extra = {k: v for k, v in line.items() if k not in _KNOWN_KEYS}
    info = sentence_info(text, line, extra_meta=extra)
    labels = line.get("label", [])
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ValueError("label: expected a list of label names (span labels are not sentence labels)")
    comments = line.get("Comments") or []
    if not isinstance(comments, list):
        raise TypeError("Comments: expected a list")
    note = "\n".join(str(c) for c in comments) if comments else None
    annotation = None
    if "status" in line:
        status = line["status"]
        decided = status is not None
    else:
        status = "labelled"
        decided = bool(labels) or bool(comments)
    if decided:
        annotation = Annotation(
            annotator=annotator,
            labels=labels,
            status=status,
            negated=line.get("negated") or False,
            flagged=line.get("flagged") or False,
            note=note,
            updated_at=line.get("updated_at") or default_updated_at,
            seconds=line.get("seconds"),
            **provenance_of(line),
        )
    gold: Any = UNSET
    if "gold" in line:
        gold = Gold.model_validate(line["gold"]) if line["gold"] is not None else None
    return Part(number, info, annotation, gold, source)


def _members(path: Path) -> Iterator[tuple[str, str, IO[bytes]]]:
    """(annotator, display path, binary stream) for each JSONL file of a doccano export."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix == ".jsonl" and not p.name.startswith("."))
        if not files:
            raise FormatError(path, None, "no .jsonl file in this folder")
        for file in files:
            if not file.is_file():  # a pipe would block forever, a device never end
                raise FormatError(file, None, "not a regular file (a pipe, a device or a broken link)")
            with open(file, "rb") as f:
                yield file.stem, str(file), f
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = sorted(n for n in zf.namelist() if n.endswith(".jsonl") and not Path(n).name.startswith("."))
            if not names:
                raise FormatError(path, None, "no .jsonl file in this zip")
            for name in names:
                with zf.open(name) as f:
                    # typeshed types the member as IO[bytes]; it is a ZipExtFile, a readable stream
                    # BufferedReader accepts
                    yield Path(name).stem, f"{path}/{name}", io.BufferedReader(f)  # type: ignore[type-var]
    else:
        with open(path, "rb") as f:
            yield path.stem, str(path), f


def read_doccano(
    path: str | os.PathLike[str],
    *,
    annotator: str | None = None,
    default_updated_at: str | None = None,
    report: ReadReport | None = None,
    **_: Any,
) -> Iterator[SentenceRecord]:
    """A doccano export (folder, zip or one file) -> our records, merged across files.

    ``annotator`` overrides the name taken from the file name (for a single file).
    Sentences are held in memory until every file has been read.
    """
    path = Path(path)
    fallback = format_utc(parse_utc(default_updated_at or file_mtime_utc(path)))

    def parts() -> Iterator[Part]:
        for stem, shown, stream in _members(path):
            name = annotator or stem
            for number, line in iter_json_lines_from(stream, shown, report):
                yield parse_part(
                    shown,
                    number,
                    lambda ln=line, n=number, s=shown, a=name: from_doccano_line(
                        ln, a, number=n, source=s, default_updated_at=fallback
                    ),
                )

    return merge_parts(parts(), path, streaming=False, report=report)
