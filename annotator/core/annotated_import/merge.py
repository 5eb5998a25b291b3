"""An imported document's decisions and adjudicated gold, merged into the stored ones.

- *Decisions* are inserted in bulk with SQLAlchemy Core, keeping their ``updated_at``;
  each inserted or changed decision gets one ``event`` row (action ``import``, the
  state before and after, the source file). The same annotator on the same sentence:
  an identical decision keeps the later of the two times (no event: nothing changed);
  a different one is a *conflict*: the most recent ``updated_at`` wins (the
  database's on a tie), and every conflict is reported. So merging A into B and B into
  A gives the same data on both sides.
  A decision's ``seconds`` (time on screen) come with it: an inserted or winning decision
  stores the file's (None when the file has none); an identical one keeps the stored time.
  A decision ``labelled`` with no label (possible in doccano) is stored as ``open``;
  a ``skipped`` one drops its labels. Attributes are not in exports: an updated
  decision keeps the stored attributes. Suggestion provenance (``suggested``,
  ``accepted``) is part of the decision: stored, compared and merged with it.
- *Gold*: every gold in the file is stored, whatever its method, with its ``by`` and
  ``agreed`` (a stored gold wins at export, so round trips hold). A person's
  (``adjudicated``) gold replaces a rule's; a rule's gold never replaces a person's
  (counted ``gold_not_stored``); a different gold of the same kind already stored is kept
  and reported as a conflict. Each stored gold gets one ``gold_import`` event, in the
  shape of every gold event (the gold before and after, plus the source file).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from annotator.core.formats import Annotation, SentenceRecord, format_utc, parse_utc
from annotator.core.gold.store import GoldState, read_gold_on, write_gold
from annotator.core.labels import LabelSchema
from annotator.core.models import ANNOTATION as A
from annotator.core.models import EVENT as E
from annotator.core.models import utcnow

from .labels import _Labels
from .summary import AnnotatedImportSummary, DecisionConflict, GoldConflict
from .tables import execute_batched


def _state(
    labels: list[str],
    status: str,
    negated: bool,
    flagged: bool,
    note: str | None,
    attributes: Any,
    suggested: list[str] | None = None,
    accepted: list[str] | None = None,
) -> dict[str, Any]:
    state = {
        "labels": list(labels),
        "status": status,
        "negated": bool(negated),
        "flagged": bool(flagged),
        "note": note,
        "attributes": dict(attributes or {}),
    }
    if suggested is not None:  # provenance, as AnnotationState.as_event_dict writes it
        state["suggested"] = sorted(suggested)
        state["accepted"] = sorted(accepted or [])
    return state


class _DecisionMerging:
    """Storing decisions and gold, with their conflicts and events (the merging half of ``_Importer``)."""

    # set by _Importer.__init__
    labels: _Labels
    schema: LabelSchema
    annotator_ids: dict[str, int]
    summary: AnnotatedImportSummary
    source: str

    def _decisions(
        self, connection: Connection, records: list[SentenceRecord], ids: dict[int, int], new_document: bool
    ) -> None:
        existing: dict[tuple[int, int], Any] = {}
        if not new_document:
            for row in connection.execute(
                select(
                    A.c.id,
                    A.c.sentence_id,
                    A.c.annotator_id,
                    A.c.labels,
                    A.c.status,
                    A.c.negated,
                    A.c.flagged,
                    A.c.note,
                    A.c.attributes,
                    A.c.updated_at,
                    A.c.suggested,
                    A.c.accepted,
                ).where(A.c.sentence_id.in_(list(ids.values())))
            ):
                existing[(row.sentence_id, row.annotator_id)] = row
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        stamps: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for record in records:
            sentence_id = ids[record.sent_idx]
            for ann in record.annotations:
                annotator_id = self.annotator_ids[ann.annotator]
                labels, status = self._normalised(ann)
                when = ann.updated_dt
                after = _state(labels, status, ann.negated, ann.flagged, ann.note, {}, ann.suggested, ann.accepted)
                old = existing.get((sentence_id, annotator_id))
                if old is None:
                    inserts.append(
                        {
                            "sentence_id": sentence_id,
                            "annotator_id": annotator_id,
                            **self._stored(labels, status, ann),
                            "attributes": {},
                            "created_at": when,
                            "updated_at": when,
                        }
                    )
                    events.append(self._event(annotator_id, sentence_id, None, after, ann))
                    self.summary.decisions_inserted += 1
                    continue
                before = _state(
                    list(old.labels or []),
                    old.status,
                    old.negated,
                    old.flagged,
                    old.note,
                    old.attributes,
                    old.suggested,
                    old.accepted,
                )
                after["attributes"] = before["attributes"]
                old_when = parse_utc(old.updated_at)
                if before == after:
                    self.summary.decisions_unchanged += 1
                    if when > old_when:  # the same decision made later: keep the later time
                        stamps.append({"row_id": old.id, "updated_at": when})
                    continue
                imported_wins = when > old_when
                self.summary.conflicts.append(
                    DecisionConflict(
                        sentence=record.id,
                        sentence_id=sentence_id,
                        annotator=ann.annotator,
                        kept="imported" if imported_wins else "existing",
                        existing={**before, "updated_at": format_utc(old_when)},
                        imported={**after, "updated_at": ann.updated_at},
                    )
                )
                if not imported_wins:
                    self.summary.decisions_unchanged += 1
                    continue
                updates.append({"row_id": old.id, **self._stored(labels, status, ann), "updated_at": when})
                events.append(self._event(annotator_id, sentence_id, before, after, ann))
                self.summary.decisions_updated += 1
        execute_batched(connection, insert(A), inserts)
        if updates:
            statement = (
                update(A)
                .where(A.c.id == bindparam("row_id"))
                .values(
                    labels=bindparam("labels"),
                    label_mask=bindparam("label_mask"),
                    status=bindparam("status"),
                    negated=bindparam("negated"),
                    flagged=bindparam("flagged"),
                    note=bindparam("note"),
                    updated_at=bindparam("updated_at"),
                    seconds=bindparam("seconds"),
                    suggested=bindparam("suggested"),
                    accepted=bindparam("accepted"),
                )
            )
            execute_batched(connection, statement, updates)
        if stamps:
            statement = update(A).where(A.c.id == bindparam("row_id")).values(updated_at=bindparam("updated_at"))
            execute_batched(connection, statement, stamps)
        execute_batched(connection, insert(E), events)

    def _stored(self, labels: list[str], status: str, ann: Annotation) -> dict[str, Any]:
        """The decision's stored columns an insert and an update both write."""
        return {
            "labels": labels,
            "label_mask": self.schema.mask_of(labels),
            "status": status,
            "negated": ann.negated,
            "flagged": ann.flagged,
            "note": ann.note,
            "seconds": ann.seconds,  # the time the file says the decision took (None: not measured)
            "suggested": self._known(ann.suggested),
            "accepted": self._known(ann.accepted),
        }

    def _known(self, labels: list[str] | None) -> list[str] | None:
        """Provenance labels mapped like the decision's (--map), in schema order; None stays None."""
        if labels is None:
            return None
        mapped = set(self.labels.mapped(labels))
        return [label for label in self.schema.label_ids if label in mapped]

    def _normalised(self, ann: Annotation) -> tuple[list[str], str]:
        labels = self.labels.normalise(ann.labels)
        status = ann.status
        if status == "skipped":
            labels = []
        elif status == "labelled" and not labels:
            status = "open"
            self.summary.decisions_made_open += 1
        elif status == "open":
            labels = []
        return labels, status

    def _event(
        self, annotator_id: int | None, sentence_id: int, before: Any, after: Any, ann: Annotation
    ) -> dict[str, Any]:
        return {
            "at": utcnow(),
            "annotator_id": annotator_id,
            "sentence_id": sentence_id,
            "action": "import",
            "before": before,
            "after": {**after, "updated_at": ann.updated_at, "source": self.source},
            "undoes": None,
            "seconds": ann.seconds,
        }

    def _gold(self, connection: Connection, records: list[SentenceRecord], ids: dict[int, int]) -> None:
        wanted = [(r, ids[r.sent_idx]) for r in records if r.gold is not None]
        if not wanted:
            return
        stored = read_gold_on(connection, [sid for _, sid in wanted])
        events = []
        for record, sentence_id in wanted:
            gold = record.gold
            assert gold is not None
            labels = self.labels.normalise(gold.labels)
            new = {"labels": labels, "method": gold.method, "by": gold.by}
            old = stored.get(sentence_id)
            if old is not None:
                current = {"labels": list(old.labels), "method": old.method, "by": old.by or None}
                person_old, person_new = old.method == "adjudicated", gold.method == "adjudicated"
                if current == new:
                    self.summary.gold_unchanged += 1
                    continue
                if person_old and not person_new:
                    self.summary.gold_not_stored += 1  # a person's gold is never replaced by a rule's
                    continue
                if person_old == person_new:
                    self.summary.gold_conflicts.append(
                        GoldConflict(sentence=record.id, sentence_id=sentence_id, existing=current, imported=new)
                    )
                    continue
            # a new gold, or a person's from the file replacing a rule's
            after = GoldState(
                tuple(labels), gold.method, gold.by, old.note if old else None, tuple(gold.agreed), utcnow()
            )
            write_gold(connection, self.schema, sentence_id, after)
            # The same event as every gold write (gold, gold_auto, gold_undo): the gold before and
            # after as GoldState dicts; an import adds the file it came from.
            events.append(
                {
                    "at": utcnow(),
                    "annotator_id": None,
                    "sentence_id": sentence_id,
                    "action": "gold_import",
                    "before": old.as_event_dict() if old is not None else None,
                    "after": {**after.as_event_dict(), "source": self.source},
                    "undoes": None,
                }
            )
            self.summary.gold_stored += 1
        if events:
            connection.execute(insert(E), events)
