"""The wheel carries what a plain `pip install .` needs: the label schema and the migrations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_schema_and_migrations(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("annotator-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "annotator/labels/privacy.toml" in names
    assert "annotator/core/migrations/env.py" in names
    assert "annotator/core/migrations/script.py.mako" in names
    assert any(name.startswith("annotator/core/migrations/versions/") and name.endswith(".py") for name in names)
    assert any(name.endswith("entry_points.txt") for name in names)
