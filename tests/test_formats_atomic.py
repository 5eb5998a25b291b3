"""A writer that fails or is killed never leaves a final file that looks whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.core.formats import (
    EXTENSIONS,
    FORMATS,
    Annotation,
    SentenceRecord,
    atomic_write,
    read_records,
    write_by_split,
    write_records,
)


def _records(n: int, fail_at: int | None = None) -> Iterator[SentenceRecord]:
    for i in range(n):
        if fail_at is not None and i == fail_at:
            raise RuntimeError("database went away")
        yield SentenceRecord(
            doc_id=f"doc{i % 7}",
            doc_name="p",
            sent_idx=i,
            start=0,
            end=5,
            text=f"zdanie {i} جملة",
            annotations=[Annotation(annotator="amal", labels=["none"], updated_at="2026-11-24T10:00:00Z")],
            split=("train", "dev", "test")[i % 3],
        )


def _target(tmp_path: Path, fmt: str) -> Path:
    return tmp_path / f"out{EXTENSIONS[fmt]}"


def _opts(fmt: str) -> dict:
    return {"annotators": ["amal"]} if fmt == "doccano" else {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_failure_half_way_leaves_nothing(tmp_path: Path, fmt: str) -> None:
    target = _target(tmp_path, fmt)
    with pytest.raises(RuntimeError, match="went away"):
        write_records(_records(5000, fail_at=2500), target, fmt, **_opts(fmt))
    assert list(tmp_path.iterdir()) == []  # no final file, no temporary file


@pytest.mark.parametrize("fmt", FORMATS)
def test_failure_keeps_the_previous_export_intact(tmp_path: Path, fmt: str) -> None:
    if fmt == "doccano":
        target = tmp_path / "out.zip"
    else:
        target = _target(tmp_path, fmt)
    write_records(_records(10), target, fmt, **_opts(fmt))
    before = target.read_bytes()
    with pytest.raises(RuntimeError):
        write_records(_records(100, fail_at=50), target, fmt, **_opts(fmt))
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_doccano_folder_failure_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        write_records(
            _records(100, fail_at=50),
            tmp_path / "folder",
            "doccano",
            annotators=["amal"],
        )
    assert list(tmp_path.iterdir()) == []


def test_doccano_folder_is_never_merged_into(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError):
        write_records(_records(1), tmp_path / "folder", "doccano", annotators=["amal"])


def test_summary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.jsonl"
    summary = write_records(_records(10), target, "jsonl")
    assert summary.records == 10 and summary.items == 10
    assert summary.bytes == target.stat().st_size
    assert summary.path == str(target) and summary.files == [str(target)]
    rows = write_records(_records(10), tmp_path / "rows.csv", "csv")
    assert rows.items == 10 and rows.bytes == (tmp_path / "rows.csv").stat().st_size


def test_writer_is_streaming(tmp_path: Path) -> None:
    """The writer consumes records one at a time and writes as it goes (not at the end)."""
    target = tmp_path / "out.jsonl"
    seen_sizes = []

    def watch() -> Iterator[SentenceRecord]:
        for i, record in enumerate(_records(20000)):
            if i % 5000 == 4999:
                temps = list(tmp_path.glob(".out.jsonl.*.tmp"))
                seen_sizes.append(temps[0].stat().st_size if temps else -1)
            yield record

    write_records(watch(), target, "jsonl")
    assert seen_sizes[-1] > seen_sizes[0] > 0  # data reached the temporary file during the run


def test_one_file_per_split(tmp_path: Path) -> None:
    out = write_by_split(_records(30), tmp_path / "splits", "jsonl", stem="data-")
    assert sorted(out) == ["dev", "test", "train"]
    for split, summary in out.items():
        records = list(read_records(summary.path))
        assert len(records) == 10 and {r.split for r in records} == {split}
    with pytest.raises(RuntimeError):
        write_by_split(_records(30, fail_at=20), tmp_path / "splits2", "csv")
    assert not any((tmp_path / "splits2").iterdir())


def test_killed_writer_leaves_no_final_file(tmp_path: Path) -> None:
    target = tmp_path / "export.jsonl"
    script = textwrap.dedent(
        f"""
        import itertools, sys, time
        from annotator.core.formats import SentenceRecord, write_records
        def records():
            for i in itertools.count():
                if i == 6000:  # past the 1 MB write buffer
                    print("started", flush=True)
                if i > 6000:
                    time.sleep(0.001)
                yield SentenceRecord(doc_id="d", doc_name="p", sent_idx=i, start=0, end=1, text="x" * 200)
        write_records(records(), {str(target)!r}, "jsonl")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"started"
        time.sleep(0.2)
        temps = list(tmp_path.glob(".export.jsonl.*.tmp"))
        assert temps and temps[0].stat().st_size > 0  # it was writing
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not target.exists()
    from annotator.core.exporting import remove_stale_temporaries

    removed = remove_stale_temporaries(tmp_path, ".export.jsonl.*.tmp", min_age=0)
    assert removed and list(tmp_path.iterdir()) == []


def test_atomic_write_context_manager(tmp_path: Path) -> None:
    target = tmp_path / "x.bin"
    with atomic_write(target) as out:
        out.write(b"abc")
        assert not target.exists()
    assert target.read_bytes() == b"abc" and out.bytes == 3
