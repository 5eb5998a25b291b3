"""The package type-checks: mypy, strict, as configured in pyproject.toml ([tool.mypy]).

A cold run (no cache: a fresh clone, CI) takes about 13 s of CPU; later runs reuse
``.mypy_cache`` and take about a second.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy() -> None:
    # No arguments: the files, strictness and per-library settings all come from pyproject.toml.
    result = subprocess.run([sys.executable, "-m", "mypy"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
