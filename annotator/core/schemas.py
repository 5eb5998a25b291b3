"""The project's label schema: stored in the database, one active at a time.

A project uses one schema. It is chosen at ``annotator init --labels FILE`` or on the
first import (the default privacy schema). Changing it later is allowed when no saved
decision would be orphaned (a used label removed or renamed), or with an explicit rename
mapping that rewrites the stored decisions in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, Text, column, select, update
from sqlalchemy import table as plain_table

from annotator.core.db import inserted_id, write_connection
from annotator.core.errors import UserError
from annotator.core.labels import LabelSchema, load_schema, schema_from_json

ACTIVE_SCHEMA_KEY = "active_schema_id"

# Reading the active schema needs two columns of two tables: plain Core handles, so that
# read-only paths (``annotator export``) do not load the SQLModel classes of
# annotator.core.models; writing (:func:`set_schema`) imports them.
_SETTING = plain_table("setting", column("key", Text), column("value", Text))
_LABEL_SCHEMA = plain_table("label_schema", column("id"), column("definition", Text))


@dataclass(frozen=True, slots=True)
class SchemaChange:
    schema: LabelSchema
    changed: bool
    renamed: dict[str, str]
    rewritten_annotations: int


def active_schema(engine: Engine, *, install_default: bool = True) -> LabelSchema:
    """The project's schema; installs the default privacy schema into a new project."""
    with engine.connect() as connection:
        row = _active_row(connection)
    if row is not None:
        return schema_from_json(row[1])
    if not install_default:
        raise UserError("this project has no label schema yet (run `annotator init`)")
    return set_schema(engine, load_schema()).schema


def read_active_schema(connection: Connection) -> LabelSchema | None:
    """The active schema as ``connection`` sees it (inside its transaction), or None."""
    row = _active_row(connection)
    return schema_from_json(row[1]) if row is not None else None


def _active_row(connection: Connection) -> tuple[int, str] | None:
    value = connection.execute(select(_SETTING.c.value).where(_SETTING.c.key == ACTIVE_SCHEMA_KEY)).scalar()
    if value is None:
        return None
    row = connection.execute(
        select(_LABEL_SCHEMA.c.id, _LABEL_SCHEMA.c.definition).where(_LABEL_SCHEMA.c.id == int(value))
    ).first()
    return (row[0], row[1]) if row else None


def _used_labels(connection: Connection, table: Table, current: LabelSchema | None) -> set[str]:
    # DISTINCT over the integer mask: portable (PostgreSQL has no equality on json).
    if current is None:
        return set()
    used: set[str] = set()
    for (mask,) in connection.execute(select(table.c.label_mask).distinct()):
        used.update(current.labels_of(int(mask)))
    return used


def set_schema(engine: Engine, schema: LabelSchema, rename: dict[str, str] | None = None) -> SchemaChange:
    """Make ``schema`` the active one, refusing changes that would orphan saved labels."""
    from annotator.core.models import ANNOTATION, EVENT, GOLD, SETTING
    from annotator.core.models import LABEL_SCHEMA as LS

    rename = dict(rename or {})
    with write_connection(engine) as connection:
        current_row = _active_row(connection)
        current = schema_from_json(current_row[1]) if current_row else None
        if current is not None and current == schema and not rename:
            return SchemaChange(schema, False, {}, 0)
        bad_targets = sorted(set(rename.values()) - set(schema.label_ids))
        if bad_targets:
            raise UserError(f"rename target(s) not in the new schema: {', '.join(bad_targets)}")
        used = _used_labels(connection, ANNOTATION, current) | _used_labels(connection, GOLD, current)
        orphaned = sorted((used - set(rename)) - set(schema.label_ids))
        if orphaned:
            raise UserError(
                "the new schema would orphan labels already used in saved annotations: "
                f"{', '.join(orphaned)}; keep them, or map them with --rename old=new"
            )
        rewritten = 0
        # Rewrite label lists and masks (renamed ids, bit positions of the new schema) only
        # when something stored would change: usually a new schema just appends labels.
        bits_kept = current is not None and all(current.bit_of[label] == schema.bit_of.get(label) for label in used)
        if rename or not bits_kept:
            for table in (ANNOTATION, GOLD):
                rows = connection.execute(select(table.c.id, table.c.labels)).all()
                for row_id, labels in rows:
                    new_labels = schema.normalise({rename.get(label, label) for label in labels or []})
                    new_mask = schema.mask_of(new_labels)
                    connection.execute(
                        update(table).where(table.c.id == row_id).values(labels=new_labels, label_mask=new_mask)
                    )
                    rewritten += table is ANNOTATION
        existing = connection.execute(
            select(LS.c.id, LS.c.definition).where(LS.c.name == schema.name, LS.c.version == schema.version)
        ).first()
        if existing is not None and schema_from_json(existing[1]) != schema:
            if schema_from_json(existing[1]).without_hints() != schema.without_hints():
                raise UserError(f"schema {schema.ref} is already stored with different content; bump `version`")
            # Only the keyword hints changed: they decide no stored label, so the new ones replace them.
            connection.execute(update(LS).where(LS.c.id == existing[0]).values(definition=schema.model_dump_json()))
        if existing is None:
            schema_id = inserted_id(
                connection.execute(
                    LS.insert().values(name=schema.name, version=schema.version, definition=schema.model_dump_json())
                )
            )
        else:
            schema_id = existing[0]
        setting = SETTING
        if connection.execute(select(SETTING.c.key).where(SETTING.c.key == ACTIVE_SCHEMA_KEY)).first():
            connection.execute(setting.update().where(setting.c.key == ACTIVE_SCHEMA_KEY).values(value=str(schema_id)))
        else:
            connection.execute(setting.insert().values(key=ACTIVE_SCHEMA_KEY, value=str(schema_id)))
        connection.execute(
            EVENT.insert().values(
                action="schema",
                before={"schema": current.ref} if current else None,
                after={"schema": schema.ref, "rename": rename},
            )
        )
    return SchemaChange(schema, True, rename, rewritten)
