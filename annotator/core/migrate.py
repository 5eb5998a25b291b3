"""Schema migrations: every database records its Alembic revision.

An older database is upgraded in place when opened; a database written by a newer
annotator (a revision we do not know) is refused with a clear message instead of
being misread.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from annotator.core.db import writing
from annotator.core.errors import UserError
from annotator.core.redact import display_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _check_known(revision: str | None, script: ScriptDirectory, where: str) -> None:
    if revision is None:
        return
    known = {rev.revision for rev in script.walk_revisions()}
    if revision not in known:
        raise UserError(
            f"{where}: database schema revision {revision} was written by a newer annotator "
            f"(this one knows up to {script.get_current_head()}); upgrade annotator to open it"
        )


def upgrade_to_head(engine: Engine, target: str = "head") -> None:
    """Create or upgrade the schema. Safe when several processes open the database at once.

    A database already at the head is only read: opening it never waits for the write lock,
    so ``stats`` or ``export`` run while a long import holds it.
    """
    script = ScriptDirectory.from_config(alembic_config())
    where = display_url(engine.url)
    if target == "head":
        with engine.connect() as connection:
            revision = current_revision(connection)
        _check_known(revision, script, where)
        if revision == script.get_current_head():
            return
    with engine.connect() as plain:
        connection = writing(plain)
        with connection.begin():
            if engine.dialect.name == "postgresql":
                # Serialise concurrent first opens of the same database.
                connection.execute(text("SELECT pg_advisory_xact_lock(7172010)"))
            revision = current_revision(connection)
            _check_known(revision, script, where)
            if target == "head" and revision == script.get_current_head():
                return
            command.upgrade(alembic_config(connection), target)


def make_revision(engine: Engine, message: str) -> None:
    """Developer helper: autogenerate a new revision against an up-to-date database."""
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
