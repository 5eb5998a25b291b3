"""Writing an export: the plan's records into atomic files, in any format (:func:`export_dataset`).

Our JSONL is written from the rows as bytes (:mod:`.lines`), a chunk per write; the other
formats validate the record dicts into records for their writers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from annotator.core.errors import UserError
from annotator.core.formats import (
    EXTENSIONS,
    FORMATS,
    SPLITS,
    SentenceRecord,
    WriteSummary,
    atomic_write,
    default_export_path,
    open_writer,
)
from annotator.core.formats.atomic import TMP_SUFFIX, CountingWriter, _fsync_dir
from annotator.core.storage_errors import storage_problem

from .common import BATCH, DEFAULT_GOLD, Progress, _gc_paused
from .summary import ExportSummary
from .temporaries import remove_stale_temporaries

if TYPE_CHECKING:  # SQLAlchemy stays out of an export read with sqlite3 (.sqlite)
    import sqlite3

    from sqlalchemy import Connection, Engine

    from .lines import ExportLines
    from .plan import ExportPlan


def _writer_options(fmt: str, plan: ExportPlan) -> dict[str, Any]:
    if fmt == "prodigy":
        return {"options": plan.label_ids}
    if fmt == "doccano":
        return {"annotators": plan.annotator_names()}
    return {}


def _write_jsonl_fast(
    targets: dict[str | None, Path], plan: ExportLines, progress: Progress | None, stream: BinaryIO | None = None
) -> list[WriteSummary]:
    """Our JSONL, a chunk per write: the bytes ``JsonlWriter.write_dict`` writes (:mod:`.lines`).

    ``targets`` maps a split (``None``: every record) to its file. Atomic like every writer;
    into ``stream`` instead when one is given (one target).
    """
    counts = dict.fromkeys(targets, 0)
    # Records are acyclic: reference counting frees them; the cyclic collector would only
    # re-scan every chunk's young objects (measured: ~8% of the export's time).
    with contextlib.ExitStack() as stack, _gc_paused():
        outs = {
            key: CountingWriter(stream) if stream is not None else stack.enter_context(atomic_write(path))
            for key, path in targets.items()
        }
        for chunk in plan.jsonl_chunks(progress):
            if None in outs:
                outs[None].write(b"".join([line for _split, lines in chunk for line in lines]))
                counts[None] += sum(len(lines) for _split, lines in chunk)
                continue
            for split, lines in chunk:
                if split is not None:
                    outs[split].write(b"".join(lines))
                    counts[split] += len(lines)
    return [
        WriteSummary(
            format="jsonl",
            path=str(path),
            records=counts[key],
            items=counts[key],
            bytes=outs[key].bytes,
            files=[] if stream is not None else [str(path)],
        )
        for key, path in targets.items()
    ]


def _write_records(
    targets: dict[str | None, Path],
    fmt: str,
    options: dict[str, Any],
    plan: ExportPlan,
    progress: Progress | None,
    stream: BinaryIO | None = None,
) -> list[WriteSummary]:
    """Any format through its writer (records validated into :class:`SentenceRecord`)."""
    with contextlib.ExitStack() as stack, _gc_paused():
        writers = {
            key: stack.enter_context(open_writer(path, fmt, stream=stream, **options)) for key, path in targets.items()
        }
        for chunk in plan.record_chunks(progress):
            for data in chunk:
                record = SentenceRecord.model_validate(data)
                writers[None if None in writers else data["split"]].write(record)
    return [w.summary for w in writers.values() if w.summary is not None]


def export_dataset(
    engine: Engine,
    path: str | os.PathLike[str] | None = None,
    fmt: str = "jsonl",
    *,
    annotators: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    gold: str = DEFAULT_GOLD,
    only_gold: bool = False,
    ratios: Sequence[float] | None = None,
    seed: int | str = 0,
    split_files: bool = False,
    progress: Progress | None = None,
    folder: str | os.PathLike[str] = "exports",
    batch: int = BATCH,
    stream: BinaryIO | None = None,
    snapshot: Connection | None = None,
) -> ExportSummary:
    """Export the selection to ``path`` (default ``exports/dataset-<UTC stamp>.<ext>``).

    Atomic: the data goes to a hidden temporary beside the destination and is renamed at
    the end; a failure leaves neither, a killed export leaves only the hidden temporary,
    which a later export to the same folder removes once it is stale. ``split_files``
    writes ``train``/``dev``/``test`` files into the folder ``path`` (needs ``ratios``).
    Folders missing on the way are created (``created_folders`` lists them) and removed
    again if the export fails. ``stream``: write the records into this open binary stream
    (standard output) instead; ``path`` is then only a name for the summary. ``snapshot``:
    an open read transaction to export from (the caller's), instead of one of its own.
    """
    _check_options(fmt, split_files=split_files, ratios=ratios, stream=stream)
    from .plan import plan_export  # SQLAlchemy: not for an export read with sqlite3

    database = engine.url.database if engine.dialect.name == "sqlite" else None
    with _destination(database, path, fmt, split_files, stream) as into:
        started = time.perf_counter()
        plan = plan_export(
            engine,
            annotators=annotators,
            documents=documents,
            gold=gold,
            only_gold=only_gold,
            ratios=ratios,
            seed=seed,
            batch=batch,
            snapshot=snapshot,
        )
        return _write_plan(
            plan,
            path,
            fmt,
            gold=gold,
            ratios=ratios,
            split_files=split_files,
            progress=progress,
            folder=folder,
            stream=into,
            started=started,
        )


def export_sqlite_jsonl(
    source: tuple[sqlite3.Connection, str],
    path: str | os.PathLike[str] | None = None,
    *,
    annotators: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    gold: str = DEFAULT_GOLD,
    only_gold: bool = False,
    ratios: Sequence[float] | None = None,
    seed: int | str = 0,
    split_files: bool = False,
    progress: Progress | None = None,
    folder: str | os.PathLike[str] = "exports",
    batch: int = BATCH,
    stream: BinaryIO | None = None,
) -> ExportSummary:
    """:func:`export_dataset` of our JSONL, read with ``sqlite3`` (:mod:`.sqlite`: SQLAlchemy
    is not imported) from ``source``: what :func:`.sqlite.open_for_export` opened (where it
    gives None, open the database with ``open_database`` and call :func:`export_dataset`).
    The connection is closed at the end.
    """
    from .sqlite import named_errors, plan_sqlite_export

    started = time.perf_counter()
    connection, where = source
    try:
        _check_options("jsonl", split_files=split_files, ratios=ratios, stream=stream)
        with named_errors(where), _destination(where, path, "jsonl", split_files, stream) as into:
            plan = plan_sqlite_export(
                connection,
                annotators=annotators,
                documents=documents,
                gold=gold,
                only_gold=only_gold,
                ratios=ratios,
                seed=seed,
                batch=batch,
            )
            return _write_plan(
                plan,
                path,
                "jsonl",
                gold=gold,
                ratios=ratios,
                split_files=split_files,
                progress=progress,
                folder=folder,
                stream=into,
                started=started,
            )
    finally:
        connection.close()


def _refuse_to_replace_a_database(database: str | None, target: Path) -> None:
    """-o naming the project's database (or its -wal/-shm), or any SQLite database: refused.

    The export is renamed over its destination at the end: ``export -o annotations.db``
    replaced the whole project with a JSONL file, and a database's -wal file holds
    decisions not yet copied into it. ``database``: the project's SQLite file (None: PostgreSQL).
    """
    if database and not database.startswith(":memory:") and not database.startswith("file:"):
        own = Path(database).expanduser().resolve()
        mine = target.expanduser().resolve()
        if mine in (own, *(own.with_name(own.name + end) for end in ("-wal", "-shm", "-journal"))):
            raise UserError(f"{target}: that is the project's database; give -o another path")
    try:
        if not target.is_file():  # never open a named pipe to read: that would wait for a writer
            return
        with target.open("rb") as existing:
            header = existing.read(16)
    except OSError:
        return  # missing, unreadable: the export says what is wrong when it writes
    if header == b"SQLite format 3\x00":
        raise UserError(f"{target}: an SQLite database is there; an export never replaces one, give -o another path")


def _open_special_file(target: Path, *, several: bool) -> BinaryIO | None:
    """A device or a named pipe at -o (``/dev/null``, ``/dev/stdout``, ``mkfifo``): opened to write into.

    Renaming the export over it, as over a file, would replace the device itself (as root,
    ``-o /dev/null`` left a regular file in /dev); it is written into as a stream instead.
    """
    try:
        mode = target.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if several:
        raise UserError(f"{target}: not a regular file or folder, and this export writes several files")
    try:
        return target.open("wb")
    except OSError as exc:
        raise UserError(f"{target}: cannot write: {exc.strerror or exc}") from exc


@contextlib.contextmanager
def _destination(
    database: str | None, path: str | os.PathLike[str] | None, fmt: str, split_files: bool, stream: BinaryIO | None
) -> Iterator[BinaryIO | None]:
    """The stream to write into: ``stream``, or a device or named pipe at ``path`` (closed at
    the end); None: files. A database at ``path`` is refused."""
    special: BinaryIO | None = None
    if stream is None and path is not None:
        _refuse_to_replace_a_database(database, Path(path))
        special = _open_special_file(Path(path), several=split_files or fmt == "doccano")
        stream = special
    try:
        yield stream
    finally:
        if special is not None:
            special.close()


def _check_options(fmt: str, *, split_files: bool, ratios: Sequence[float] | None, stream: BinaryIO | None) -> None:
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if split_files and ratios is None:
        raise UserError("--split-files needs --split (e.g. --split 0.8,0.1,0.1)")
    if split_files and fmt == "doccano":
        raise UserError(
            "--split-files is not available for doccano (one file per annotator already); use the split field"
        )
    if stream is not None and (split_files or fmt == "doccano"):
        what = "--split-files" if split_files else "doccano"
        raise UserError(f"{what} writes several files: it cannot write to standard output; give -o a path")


def _write_plan(
    plan: ExportLines,
    path: str | os.PathLike[str] | None,
    fmt: str,
    *,
    gold: str,
    ratios: Sequence[float] | None,
    split_files: bool,
    progress: Progress | None,
    folder: str | os.PathLike[str],
    stream: BinaryIO | None,
    started: float,
) -> ExportSummary:
    """Write a resolved plan (our JSONL from either reader; any format from an :class:`ExportPlan`)."""
    if stream is not None:
        target = Path(path if path is not None else "-")
        removed: list[str] = []
        created: list[Path] = []
    else:
        if path is None:
            target = default_export_path(fmt, folder=folder)
            if split_files:
                target = target.with_name(target.name.removesuffix(EXTENSIONS[fmt]))
            pattern = f".dataset-*{TMP_SUFFIX}"
        else:
            target = Path(path)
            pattern = f".{target.name}.*{TMP_SUFFIX}"
        parent = target if split_files else target.parent
        parent = parent if str(parent) else Path(".")
        created = missing_folders(parent)
        removed = remove_stale_temporaries(parent, pattern if not split_files else f".*{TMP_SUFFIX}")
    targets: dict[str | None, Path] = (
        {s: target / f"{s}{EXTENSIONS[fmt]}" for s in SPLITS} if split_files else {None: target}
    )
    try:
        with _all_or_none(targets) as staged:
            if fmt == "jsonl":
                summaries = _write_jsonl_fast(staged, plan, progress, stream)
            else:
                full = cast("ExportPlan", plan)  # the other formats come from export_dataset's plan
                summaries = _write_records(staged, fmt, _writer_options(fmt, full), full, progress, stream)
        if stream is not None:
            stream.flush()
    except BaseException as exc:
        remove_empty_folders(created)  # a failed export leaves no empty folder behind
        if isinstance(exc, FileExistsError):
            raise UserError(f"{target}: {exc.strerror or exc}; choose another -o") from exc
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            problem = storage_problem(exc)
            reason = f"{problem.what} ({problem.detail}); {problem.todo}" if problem else exc.strerror or str(exc)
            raise UserError(f"{target}: cannot write: {reason}") from exc
        raise
    return ExportSummary(
        format=fmt,
        path=str(target),
        files=[str(path) for path in targets.values()] if split_files else [f for s in summaries for f in s.files],
        sentences=sum(s.records for s in summaries),
        items=sum(s.items for s in summaries),
        bytes=sum(s.bytes for s in summaries),
        documents=plan.documents_written,
        annotators=sorted(plan.annotators_seen),
        decisions=plan.decisions,
        gold=dict(plan.gold_counts),
        gold_policy=gold,
        schema_ref=plan.schema_ref,
        splits=plan.split_counts if ratios is not None else None,
        removed_temporaries=removed,
        created_folders=[str(folder) for folder in created],
        seconds=round(time.perf_counter() - started, 3),
    )


@contextlib.contextmanager
def _all_or_none(targets: dict[str | None, Path]) -> Iterator[dict[str | None, Path]]:
    """Several files (one per split) that appear together or not at all.

    Each file is written atomically into a hidden staging folder beside them; only when
    every one is complete are they moved into place. Without this, a disk that fills up
    while the last file is flushed would leave the first ones behind, looking whole.
    """
    if len(targets) == 1:
        yield targets
        return
    folder = next(iter(targets.values())).parent
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".splits.", suffix=TMP_SUFFIX, dir=folder))
    try:
        yield {key: staging / path.name for key, path in targets.items()}
        for path in targets.values():
            os.replace(staging / path.name, path)
        _fsync_dir(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def missing_folders(folder: Path) -> list[Path]:
    """The folders that do not exist on the way to ``folder``, outermost first."""
    missing = []
    for candidate in [folder, *folder.parents]:
        if candidate.exists():
            break
        missing.append(candidate)
    return missing[::-1]


def remove_empty_folders(folders: list[Path]) -> None:
    """Remove the folders an export created, innermost first, if nothing else is in them."""
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()
