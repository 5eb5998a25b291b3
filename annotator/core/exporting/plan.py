"""Resolving what to export: the selection as an :class:`ExportPlan` (:func:`plan_export`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Engine, func, select

from annotator.core.errors import UserError
from annotator.core.formats import GOLD_POLICIES, assign_splits
from annotator.core.labels import load_schema
from annotator.core.schemas import read_active_schema

from .common import BATCH, DEFAULT_GOLD, _split_names, pick_annotators, pick_documents
from .lines import ExportLines
from .query import read_transaction
from .records import ExportRecords
from .tables import ANNOTATOR as AN
from .tables import DOCUMENT as D
from .tables import SENTENCE as S


def _resolve_annotators(connection: Connection, names: list[str] | None) -> dict[int, str] | None:
    if names is None:
        return None
    found = {row.name: row.id for row in connection.execute(select(AN.c.id, AN.c.name).where(AN.c.name.in_(names)))}
    return pick_annotators(
        names, found, lambda: list(connection.execute(select(AN.c.name).order_by(AN.c.name)).scalars())
    )


def _resolve_documents(connection: Connection, refs: list[str] | None) -> list[int] | None:
    """Document ids for names or doc ids (uid); an unknown one is a UserError listing all."""
    if refs is None:
        return None

    def find(column: str, ref: str) -> int | None:
        row = connection.execute(select(D.c.id).where(D.c[column] == ref)).first()
        return None if row is None else int(row[0])

    return pick_documents(refs, find)


class ExportPlan(ExportRecords, ExportLines):
    """A resolved selection; :meth:`record_dicts` streams it. Build with :func:`plan_export`."""

    def __init__(
        self,
        engine: Engine,
        *,
        schema_ref: str,
        label_ids: list[str],
        annotator_ids: dict[int, str] | None,
        document_ids: list[int] | None,
        gold_policy: str,
        only_gold: bool,
        split_of: dict[str, str] | None,
        total: int,
        batch: int = BATCH,
        snapshot: Connection | None = None,
    ) -> None:
        self.engine = engine
        self.snapshot = snapshot
        self.label_ids = label_ids
        self._set_plan(
            schema_ref=schema_ref,
            annotator_ids=annotator_ids,
            document_ids=document_ids,
            gold_policy=gold_policy,
            only_gold=only_gold,
            split_of=split_of,
            total=total,
            batch=batch,
        )


def plan_export(
    engine: Engine,
    *,
    annotators: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    gold: str = DEFAULT_GOLD,
    only_gold: bool = False,
    ratios: Sequence[float] | None = None,
    seed: int | str = 0,
    batch: int = BATCH,
    snapshot: Connection | None = None,
) -> ExportPlan:
    """Resolve what to export. Unknown annotators or documents are a UserError naming them.

    ``annotators``/``documents`` take names (or comma-separated names); documents also
    match by doc id. ``ratios`` (train, dev, test) assigns each document a split with
    :func:`assign_splits` over *every* selected document, so a document's split does not
    depend on ``--only-gold`` or ``--annotators``. ``snapshot``: an open read transaction
    that the plan and every read of the export use (``copy`` verifies what it copied).
    """
    if gold not in GOLD_POLICIES:
        raise UserError(f"--gold {gold!r}: expected one of {', '.join(GOLD_POLICIES)}")
    with read_transaction(engine, snapshot) as connection:
        # a project without schema has no decisions: name the default one
        schema = read_active_schema(connection) or load_schema()
        annotator_ids = _resolve_annotators(connection, _split_names(annotators))
        document_ids = _resolve_documents(connection, _split_names(documents))
        count = select(func.count()).select_from(S)
        uids = select(D.c.uid)
        if document_ids is not None:
            count = count.where(S.c.document_id.in_(document_ids))
            uids = uids.where(D.c.id.in_(document_ids))
        total = int(connection.execute(count).scalar() or 0)
        split_of: dict[str, str] | None = None
        if ratios is not None:
            try:
                split_of = dict(assign_splits(connection.execute(uids).scalars(), tuple(ratios), seed))
            except ValueError as exc:
                raise UserError(f"--split: {exc}") from exc
    return ExportPlan(
        engine,
        snapshot=snapshot,
        schema_ref=schema.ref,
        label_ids=list(schema.label_ids),
        annotator_ids=annotator_ids,
        document_ids=document_ids,
        gold_policy=gold,
        only_gold=only_gold,
        split_of=split_of,
        total=total,
        batch=batch,
    )
