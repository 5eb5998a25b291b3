"""The repository stands on its own: no file cites the team's private briefs, and every
``docs/…`` page a file points at exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Spelled in pieces so that this file does not cite them itself.
PRIVATE = ("PRODUCT" + ".md", "STYLE" + ".md", "../" + "shared")
DOC_LINK = re.compile(r"docs/[A-Za-z0-9_.-]+\.md")


def _project_files() -> list[Path]:
    """Tracked text files (a git checkout), else every file outside virtualenvs and caches."""
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        paths = [ROOT / line for line in listed.splitlines()]
    except (OSError, subprocess.CalledProcessError):
        skip = {".venv", ".git", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache"}
        paths = [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]
    files = []
    for path in paths:
        if path.suffix in {".svg", ".png", ".db"} or not path.is_file() or path.parts[len(ROOT.parts)] == ".ci":
            continue
        files.append(path)
    return files


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ""


def test_no_file_cites_the_private_briefs() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {needle}"
        for path in _project_files()
        for needle in PRIVATE
        if needle in _text(path)
    ]
    assert not offenders, "copy what is needed into docs/ and cite that:\n" + "\n".join(offenders)


def test_every_cited_docs_page_exists() -> None:
    cited = {(path, link) for path in _project_files() for link in DOC_LINK.findall(_text(path))}
    missing = sorted(f"{path.relative_to(ROOT)} -> {link}" for path, link in cited if not (ROOT / link).is_file())
    assert not missing, "\n".join(missing)
    assert any(link == "docs/labels.md" for _path, link in cited)  # the check sees the citations
