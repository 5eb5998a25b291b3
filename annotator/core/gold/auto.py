"""``gold --auto``: fill the gold in bulk by rule, never touching a person's gold.

For every sentence with labelled decisions or a stored gold, in one write transaction
(reads included, so no save slips between reading and writing):

- a gold a person adjudicated is never changed (counted ``adjudicated``);
- nor is a gold that came from an import (``annotator import`` of an annotated file,
  whatever its method): the rule did not make it, so the decisions here neither confirm
  nor refute it (counted ``imported``). A rule gold is *the rule's own* when the last
  event that set the sentence's gold from outside (a ``gold_auto`` or an import) is a
  ``gold_auto`` one (:func:`_rule_owned`: an undo restores the state an event left, it
  is no new origin);
- the rule (:func:`~annotator.core.gold.rules.rule_gold`) gives the gold the decisions
  support *now*, with its method (``unanimous`` or ``majority``) and the annotators who
  agreed; the policy says which are taken (``unanimous``: only unanimous ones) and
  ``--min-annotators`` how many labelled decisions a new gold needs;
- no gold yet: it is ``created``; a rule gold equal to it (labels, method, agreed):
  ``unchanged``; a different one: ``updated``;
- a rule gold the decisions no longer support (an annotator changed their mind since; the
  check uses the base minimum of 2 decisions, so a later run with a higher minimum does
  not remove what an earlier one made) is ``removed``;
- a *disputed* sentence (:func:`~annotator.core.gold.rules.sentence_verdict`, the
  definition the adjudication queue uses, with ``--min-annotators``) with no gold after
  the run is ``left_for_review`` (what ``annotator adjudicate`` shows); one labelled by
  fewer: ``too_few``.

Running it twice changes nothing the second time. ``dry_run`` computes the same summary
and writes nothing. Every change is one ``gold_auto`` event (no annotator: a rule did it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select

from annotator.core.db import write_connection
from annotator.core.labels import LabelSchema
from annotator.core.models import EVENT as E
from annotator.core.models import GOLD as G
from annotator.core.models import SENTENCE as S
from annotator.core.models import utcnow
from annotator.core.ratings import load_ratings_on

from .rules import AUTO_POLICIES, MIN_ANNOTATORS, rule_gold, sentence_verdict
from .store import GoldState, read_gold_on, write_gold


class AutoGoldSummary(BaseModel):
    """What ``gold --auto`` did (``--json`` prints ``model_dump()``)."""

    policy: str
    min_annotators: int
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    adjudicated: int = 0  # a person's gold, kept as it is
    imported: int = 0  # an imported gold (not made by this rule), kept as it is
    left_for_review: int = 0
    too_few: int = 0  # labelled by fewer than min_annotators, no gold
    # with independent_only: {"left_out": decisions saved with suggestions shown, not counted}
    independent_only: dict[str, int] | None = None


def _stored_ids(connection: Any, documents: Sequence[int] | None) -> list[int]:
    query = select(G.c.sentence_id)
    if documents is not None:
        query = query.where(G.c.sentence_id.in_(select(S.c.id).where(S.c.document_id.in_(sorted(set(documents))))))
    return [int(row[0]) for row in connection.execute(query)]


def auto_gold(
    engine: Engine,
    schema: LabelSchema,
    policy: str,
    *,
    min_annotators: int = MIN_ANNOTATORS,
    dry_run: bool = False,
    documents: Sequence[int] | None = None,
    independent_only: bool = False,
) -> AutoGoldSummary:
    """``independent_only``: the rule sees only decisions saved without suggestions shown (as
    if the others were never made), so a rule gold only they supported is removed."""
    if policy not in AUTO_POLICIES:
        raise ValueError(f"gold --auto takes {' or '.join(AUTO_POLICIES)}, not {policy!r}")
    min_annotators = max(min_annotators, MIN_ANNOTATORS)
    summary = AutoGoldSummary(policy=policy, min_annotators=min_annotators, dry_run=dry_run)
    with _connection(engine, dry_run) as connection:
        ratings = load_ratings_on(connection, documents=documents, independent_only=independent_only)
        if independent_only:
            summary.independent_only = {"left_out": ratings.left_out}
        names = ratings.annotators
        rows = ratings.masks.tolist()
        row_of = {int(sid): k for k, sid in enumerate(ratings.sentence_ids.tolist())}
        stored = read_gold_on(connection, _stored_ids(connection, documents))
        owned = _rule_owned(connection, [sid for sid, gold in stored.items() if gold.method != "adjudicated"])
        now = utcnow()
        writes: list[tuple[int, GoldState | None, GoldState | None]] = []  # (sentence, before, after)
        for sentence_id in sorted(set(row_of) | set(stored)):
            before = stored.get(sentence_id)
            if before is not None and before.method == "adjudicated":
                summary.adjudicated += 1
                continue
            if before is not None and sentence_id not in owned:
                summary.imported += 1
                continue
            row = rows[row_of[sentence_id]] if sentence_id in row_of else []
            labelled = [mask for mask in row if mask >= 0]
            found = rule_gold(labelled, "majority")  # what the decisions support, at the base minimum
            target: GoldState | None = None
            if found is not None:
                mask, method = found
                accepted = method == "unanimous" or policy == "majority"
                agreed = tuple(names[a] for a, value in enumerate(row) if value == mask)
                candidate = GoldState(tuple(schema.labels_of(mask)), method, None, None, agreed, now)
                if accepted and len(labelled) >= min_annotators:
                    target = candidate
                elif before is not None and _same(before, candidate):
                    target = before  # still true, only not one this run would make
            verdict = sentence_verdict(labelled, min_annotators)  # as the adjudication queue sees it
            if target is None and before is None:
                if verdict == "disputed":
                    summary.left_for_review += 1
                elif verdict == "too_few" and labelled:
                    summary.too_few += 1
                continue
            if target is None:
                summary.removed += 1
                if verdict == "disputed":
                    summary.left_for_review += 1
                writes.append((sentence_id, before, None))
            elif before is None:
                summary.created += 1
                writes.append((sentence_id, None, target))
            elif _same(before, target):
                summary.unchanged += 1
            else:
                summary.updated += 1
                writes.append((sentence_id, before, target))
        if not dry_run and writes:
            _write(connection, schema, writes)
    return summary


def _rule_owned(connection: Any, sentence_ids: Sequence[int]) -> set[int]:
    """Of these sentences (each with a rule-method gold), those whose gold ``gold --auto``
    made: their last ``gold_auto`` event is later than their last gold import.

    Gold imports are ``gold_import`` events, and in databases written before those existed
    ``import`` events without an annotator (an imported decision always has one).
    """
    if not sentence_ids:
        return set()
    wanted = set(sentence_ids)
    imports = or_(E.c.action == "gold_import", and_(E.c.action == "import", E.c.annotator_id.is_(None)))
    last: list[dict[int, int]] = []
    for where in (E.c.action == "gold_auto", imports):
        # One grouped scan each (the event table has no sentence index; chunks of ids would
        # scan it once a chunk), kept to the wanted sentences here.
        query = (
            select(E.c.sentence_id, func.max(E.c.id))
            .where(where, E.c.sentence_id.is_not(None))
            .group_by(E.c.sentence_id)
        )
        last.append({int(sid): int(eid) for sid, eid in connection.execute(query) if int(sid) in wanted})
    last_auto, last_import = last
    return {sid for sid, eid in last_auto.items() if eid > last_import.get(sid, -1)}


@contextlib.contextmanager
def _connection(engine: Engine, dry_run: bool) -> Iterator[Connection]:
    """The write transaction, or for a dry run a read transaction (no write lock taken)."""
    if not dry_run:
        with write_connection(engine) as connection:
            yield connection
        return
    with engine.connect() as connection, connection.begin():
        yield connection


def _same(a: GoldState, b: GoldState) -> bool:
    return (set(a.labels), a.method, a.agreed, a.by) == (set(b.labels), b.method, b.agreed, b.by)


def _write(connection: Any, schema: LabelSchema, writes: list[tuple[int, GoldState | None, GoldState | None]]) -> None:
    new_rows = []
    events = []
    for sentence_id, before, after in writes:
        if before is None and after is not None:
            labels = list(after.labels)
            new_rows.append(
                {
                    "sentence_id": sentence_id,
                    "labels": labels,
                    "label_mask": schema.mask_of(labels),
                    "method": after.method,
                    "by": None,
                    "note": None,
                    "agreed": list(after.agreed),
                    "updated_at": after.updated_at,
                }
            )
        elif after is None:
            connection.execute(delete(G).where(G.c.sentence_id == sentence_id))
        else:
            write_gold(connection, schema, sentence_id, after)
        events.append(
            {
                "at": utcnow(),
                "annotator_id": None,
                "sentence_id": sentence_id,
                "action": "gold_auto",
                "before": before.as_event_dict() if before else None,
                "after": after.as_event_dict() if after else None,
                "undoes": None,
            }
        )
    for start in range(0, len(new_rows), 5000):
        connection.execute(insert(G), new_rows[start : start + 5000])
    for start in range(0, len(events), 5000):
        connection.execute(insert(E), events[start : start + 5000])
