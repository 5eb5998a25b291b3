"""The entry points: check every file (pass 1), then store each one document by document (pass 2).

*Annotators* are created as needed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from sqlalchemy import Engine, select

from annotator.core.db import write_connection
from annotator.core.decisions import ensure_annotator
from annotator.core.errors import UserError
from annotator.core.formats import SentenceRecord
from annotator.core.labels import LabelSchema
from annotator.core.models import ANNOTATOR as AN
from annotator.core.models import SENTENCE as S

from .check import _FilePlan, check_file
from .grouping import _groups, _merge_duplicates, rebuild_text
from .labels import _Labels
from .matching import _DocumentMatching
from .merge import _DecisionMerging
from .refusals import FileRefused, _Refused
from .summary import AnnotatedImportSummary, RefusedDocument

Progress = Callable[[int, int], None]  # (records done, records total) of one file


class _Importer(_DocumentMatching, _DecisionMerging):
    """Stores one document at a time (:meth:`store`), counting into the file's summary."""

    def __init__(
        self,
        engine: Engine,
        labels: _Labels,
        annotator_ids: dict[str, int],
        summary: AnnotatedImportSummary,
    ) -> None:
        self.engine = engine
        self.labels = labels
        self.schema = labels.schema
        self.annotator_ids = annotator_ids
        self.summary = summary
        self.source = summary.source

    def store(self, group: list[SentenceRecord]) -> None:
        first = group[0]
        try:
            records = _merge_duplicates(group)
            text = rebuild_text(records)
            with write_connection(self.engine) as connection:
                document_id = self._find_document(connection, first.doc_id)
                if document_id is None:
                    document_id = self._create_document(connection, records, text)
                    new_document = True
                else:
                    new_document = False
                stored = connection.execute(select(S.c.id, S.c.idx).where(S.c.document_id == document_id)).all()
                if new_document:
                    ids = {row.idx: row.id for row in stored}
                else:
                    ids = self._match_sentences(connection, document_id, records)
                    self.summary.documents_matched += 1
                    self.summary.sentences_matched += len(ids)
                self._decisions(connection, records, ids, new_document)
                self._gold(connection, records, ids)
        except _Refused as exc:
            self.summary.refused.append(RefusedDocument(doc_id=first.doc_id, doc_name=first.doc_name, reason=str(exc)))


class AnnotatedImport:
    """Check several annotated files, then store them: ``check()`` then ``run(...)``."""

    def __init__(self, engine: Engine, schema: LabelSchema, label_map: Mapping[str, str] | None = None) -> None:
        self.engine = engine
        self.schema = schema
        self.labels = _Labels(schema, label_map or {})
        self.plans: list[_FilePlan] = []

    def check(self, sources: Iterable[tuple[Path, str]]) -> dict[Path, str]:
        """Pass 1 over every file; raises UserError (nothing stored) on unknown labels.

        Returns the files refused whole (unreadable, not in their format), with the reason:
        the others still import.
        """
        refused: dict[Path, str] = {}
        for path, fmt in sources:
            try:
                self.plans.append(check_file(Path(path), fmt, self.labels))
            except FileRefused as exc:
                refused[Path(path)] = str(exc)
        if self.labels.unknown:
            files = ", ".join(str(p.path) for p in self.plans)
            raise UserError(
                f"labels not in the project's schema {self.schema.ref}: {', '.join(sorted(self.labels.unknown))} "
                f"(in {files}); map them with --map old=new, or change the schema with `annotator init --labels`"
            )
        if self.labels.invalid:
            more = len(self.labels.invalid) - 1
            raise UserError(self.labels.invalid[0] + (f" (and {more} more)" if more else ""))
        return refused

    def run(self, path: Path, progress: Progress | None = None) -> AnnotatedImportSummary:
        """Pass 2 for one checked file."""
        plan = next(p for p in self.plans if p.path == Path(path))
        summary = AnnotatedImportSummary(
            source=str(plan.path),
            format=plan.fmt,
            records=plan.records,
            annotators=sorted(plan.annotators),
            duplicate_decisions_in_file=plan.duplicates,
            schemas=sorted(plan.schemas),
        )
        with self.engine.connect() as connection:
            known = set(connection.execute(select(AN.c.name).where(AN.c.name.in_(sorted(plan.annotators)))).scalars())
        summary.annotators_created = sorted(plan.annotators - known)
        annotator_ids = {name: ensure_annotator(self.engine, name) for name in sorted(plan.annotators)}
        importer = _Importer(self.engine, self.labels, annotator_ids, summary)
        done = 0
        for group in _groups(plan):
            importer.store(group)
            done += len(group)
            if progress is not None:
                progress(done, plan.records)
        return summary


def import_annotated(
    engine: Engine,
    path: str | os.PathLike[str],
    fmt: str,
    schema: LabelSchema,
    *,
    label_map: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> AnnotatedImportSummary:
    """Check then import one annotated file (see the package docstring)."""
    job = AnnotatedImport(engine, schema, label_map)
    refused = job.check([(Path(path), fmt)])
    if refused:
        raise UserError(next(iter(refused.values())))
    return job.run(Path(path), progress)
