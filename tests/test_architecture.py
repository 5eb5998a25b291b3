"""The core is headless: it never imports textual, rich or typer (import-linter + a subprocess check);
TUI screens never import the app they run in (import-linter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_linter_contract() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout


def test_core_modules_load_without_ui_libraries() -> None:
    code = (
        "import importlib, pkgutil, sys, annotator.core as core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'annotator.core.'):\n"
        "    if '.migrations' not in m.name: importlib.import_module(m.name)\n"
        "bad = sorted(n for n in ('textual', 'rich', 'typer') if n in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


# What `annotator --help` must not load: each of these costs more than the whole of a bare
# Typer app's start (benchmarks/bench_cli.py). The commands import them when they run.
HEAVY_AT_STARTUP = (
    "numpy",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "pydantic",
    "textual",
    "sklearn",
    "rich",
    "annotator.core.agreement",
    "annotator.tui",
)


def test_cli_starts_without_heavy_imports() -> None:
    code = (
        "import contextlib, io, sys\n"
        f"heavy = {HEAVY_AT_STARTUP!r}\n"
        "def loaded(): return sorted(n for n in heavy if n in sys.modules)\n"
        "import annotator.cli.app\n"
        "import annotator.cli\n"
        "print('import:', ','.join(loaded()))\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    try:\n"
        "        annotator.cli.main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "assert 'agreement' in out.getvalue() and 'stats' in out.getvalue()\n"
        "print('--help:', ','.join(loaded()))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["import: ", "--help: "]


def test_opening_a_database_at_head_does_not_import_alembic(tmp_path: Path) -> None:
    from annotator.core.db import open_database

    db = tmp_path / "head.db"
    open_database(str(db)).dispose()  # created and migrated (Alembic, in this process)
    code = (
        "import sys\n"
        "from annotator.core.db import open_database\n"
        f"open_database({str(db)!r}, create=False).dispose()\n"
        "print('alembic' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
