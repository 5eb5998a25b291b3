"""The schema revision a database should be at, known without importing Alembic.

Importing Alembic costs more than the rest of a short command (``annotator stats``:
benchmarks/bench_cli.py). :func:`head_from_files` reads the head of the migration chain from
the revision files' text; ``open_database`` compares it with the database's
``alembic_version`` and loads Alembic only when they differ (create, upgrade, or a newer
database to refuse). tests/test_migrations.py checks it against Alembic's own head.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

VERSIONS_DIR = Path(__file__).resolve().parent / "migrations" / "versions"
# revision: str = '261478649e0a' / down_revision: str | None = '72e9142ddf28' (or None)
_REVISION = re.compile(r"^revision(?:\s*:[^=\n]*)?=\s*['\"]([0-9A-Za-z_]+)['\"]\s*$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=\n]*)?=\s*(?:None|['\"]([0-9A-Za-z_]+)['\"])\s*$", re.MULTILINE)


@functools.cache
def head_from_files() -> str | None:
    """The head of the package's migrations (read once a process): :func:`read_head`."""
    return read_head(VERSIONS_DIR)


def read_head(versions: Path) -> str | None:
    """The single head revision of the files in ``versions``, or None when the chain is not a plain line that this reads
    for sure (several heads, a merge revision, a file without the two assignments): the
    caller then asks Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision = _REVISION.findall(text)
        down = _DOWN_REVISION.findall(text)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0]:
            parents.add(down[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


SQLITE_HEADER = b"SQLite format 3\x00"


def plain_sqlite_file(db: str | None) -> tuple[Path, str] | None:
    """The SQLite file ``db`` names and the head revision of the migration files, when both
    are there: the light read paths (``stats``, ``export``) read such a file with ``sqlite3``
    alone. None for a URL, a missing or non-SQLite file: the caller opens it with
    :func:`annotator.core.db.open_database`, which says what is wrong."""
    from annotator.core.location import resolve_db

    target = resolve_db(db)
    if "://" in target:
        return None
    path = Path(target).expanduser()
    head = head_from_files()
    try:
        if head is None or not path.is_file():
            return None
        with path.open("rb") as handle:
            if handle.read(16) != SQLITE_HEADER:
                return None
    except OSError:
        return None
    return path, head
