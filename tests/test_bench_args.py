"""Argument handling of the benchmarks that write into the repository.

``bench_tui.py --screenshot ''`` must take no screenshot: before, the empty value was not
passed on to the child process, which then fell back to its default and rewrote
docs/annotate.svg.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def bench_tui() -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))  # bench_tui imports its sibling _corpus
    try:
        spec = importlib.util.spec_from_file_location("bench_tui_under_test", BENCHMARKS / "bench_tui.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCHMARKS))


def child_args(bench_tui: ModuleType, screenshot: str | None) -> str | None:
    """The screenshot the child process ends up with, parsing the command line it is given."""
    command = bench_tui.child_command(Path("x.db"), 10, screenshot, Path("config.toml"))
    assert command[1] == bench_tui.__file__
    return bench_tui.parse_args(command[2:]).screenshot  # type: ignore[no-any-return]


def test_empty_screenshot_means_none_in_parent_and_child(bench_tui: ModuleType) -> None:
    parent = bench_tui.parse_args(["--screenshot", ""])
    assert parent.screenshot is None
    assert child_args(bench_tui, parent.screenshot) is None


def test_default_screenshot_is_the_docs_file_and_reaches_the_child(bench_tui: ModuleType) -> None:
    parent = bench_tui.parse_args([])
    assert parent.screenshot == str(BENCHMARKS.parent / "docs" / "annotate.svg")
    assert child_args(bench_tui, parent.screenshot) == parent.screenshot


def test_a_given_screenshot_path_reaches_the_child(bench_tui: ModuleType, tmp_path: Path) -> None:
    target = str(tmp_path / "shot.svg")
    parent = bench_tui.parse_args(["--screenshot", target])
    assert child_args(bench_tui, parent.screenshot) == target
