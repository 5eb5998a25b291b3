"""The adjudication queue as data: which sentences, in which order, and what each shows.

``review_queue`` orders the disputed sentences hardest first (:mod:`.queue`), leaving out
those that already have a gold unless asked; ``review_items`` reads, for a slice of the
queue, each sentence with every annotator's decision (labels, negated, note: the
side-by-side view), its document and its stored gold. ``suggestion`` is the set the
review screen pre-selects: the majority set when there is one (the same rule as
``gold --auto majority``), else none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select

from annotator.core.labels import LabelSchema
from annotator.core.models import ANNOTATION as A
from annotator.core.models import ANNOTATOR as AN
from annotator.core.models import DOCUMENT as D
from annotator.core.models import SENTENCE as S
from annotator.core.ratings import load_ratings_on

from .queue import Dispute, disputes
from .rules import MIN_ANNOTATORS, rule_gold
from .store import GoldState, read_gold_on


@dataclass(frozen=True, slots=True)
class Vote:
    """One annotator's decision on the sentence under review."""

    annotator: str
    labels: tuple[str, ...]  # in schema order; () unless labelled
    status: str  # labelled | skipped | open
    negated: bool = False
    flagged: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    labels: tuple[str, ...]
    method: str  # unanimous | majority
    support: int  # how many labelled decisions chose it
    of: int  # out of how many


@dataclass(frozen=True, slots=True)
class ReviewItem:
    dispute: Dispute
    sentence_id: int
    document_id: int
    document_name: str
    idx: int
    text: str
    lang: str | None
    votes: tuple[Vote, ...]  # every annotator who decided anything, in name order
    gold: GoldState | None

    @property
    def labelled(self) -> list[Vote]:
        return [vote for vote in self.votes if vote.status == "labelled"]


def suggestion(votes: Sequence[Vote]) -> Suggestion | None:
    """The majority set of the labelled votes (strictly more than half), else None."""
    sets = [vote.labels for vote in votes if vote.status == "labelled"]
    found = rule_gold(sets, "majority")
    if found is None:
        return None
    labels, method = found
    return Suggestion(labels, method, sum(1 for s in sets if s == labels), len(sets))


def disputed_labels(votes: Sequence[Vote], schema: LabelSchema) -> list[str]:
    """Labels some labelled votes chose and others did not, in schema order."""
    sets = [set(vote.labels) for vote in votes if vote.status == "labelled"]
    if not sets:
        return []
    union, inter = set().union(*sets), set.intersection(*sets)
    return [label for label in schema.label_ids if label in union - inter]


@dataclass(frozen=True)
class ReviewQueue:
    disputes: list[Dispute]  # hardest first
    with_gold: set[int]  # sentence ids among them that have a gold already (with include_gold)


def review_queue(
    engine: Engine,
    schema: LabelSchema,
    *,
    label: str | None = None,
    documents: Sequence[int] | None = None,
    min_annotators: int = MIN_ANNOTATORS,
    include_gold: bool = False,
) -> ReviewQueue:
    """The disputed sentences to adjudicate, hardest first (see :mod:`.queue`): those
    without a gold, or with ``include_gold`` all of them."""
    bit = schema.bit_of[label] if label is not None else None
    with engine.connect() as connection:
        ratings = load_ratings_on(connection, documents=documents)
        found = disputes(ratings.masks, ratings.sentence_ids, label_bit=bit, min_annotators=min_annotators)
        golden = set(read_gold_on(connection, [d.sentence_id for d in found])) if found else set()
    if include_gold:
        return ReviewQueue(found, golden)
    return ReviewQueue([d for d in found if d.sentence_id not in golden], set())


def review_items(engine: Engine, schema: LabelSchema, queue: Sequence[Dispute]) -> list[ReviewItem]:
    """The sentences of a slice of the queue, with their votes and stored gold (in queue order)."""
    ids = [d.sentence_id for d in queue]
    if not ids:
        return []
    order = {label: i for i, label in enumerate(schema.label_ids)}
    with engine.connect() as connection:
        sentences = {
            row.id: row
            for row in connection.execute(
                select(S.c.id, S.c.document_id, S.c.idx, S.c.text, S.c.lang, D.c.name)
                .select_from(S.join(D, D.c.id == S.c.document_id))
                .where(S.c.id.in_(ids))
            )
        }
        votes: dict[int, list[Vote]] = {}
        for row in connection.execute(
            select(A.c.sentence_id, AN.c.name, A.c.labels, A.c.status, A.c.negated, A.c.flagged, A.c.note)
            .select_from(A.join(AN, AN.c.id == A.c.annotator_id))
            .where(A.c.sentence_id.in_(ids))
            .order_by(AN.c.name)
        ):
            labels = sorted(set(row.labels or ()), key=lambda lab: order.get(lab, len(order)))
            votes.setdefault(row.sentence_id, []).append(
                Vote(
                    annotator=row.name,
                    labels=tuple(labels) if row.status == "labelled" else (),
                    status=row.status,
                    negated=bool(row.negated),
                    flagged=bool(row.flagged),
                    note=row.note or None,
                )
            )
        gold = read_gold_on(connection, ids)
    items = []
    for dispute in queue:
        s = sentences.get(dispute.sentence_id)
        if s is None:  # deleted since the queue was built
            continue
        items.append(
            ReviewItem(
                dispute=dispute,
                sentence_id=s.id,
                document_id=s.document_id,
                document_name=s.name,
                idx=s.idx,
                text=s.text,
                lang=s.lang,
                votes=tuple(votes.get(s.id, ())),
                gold=gold.get(s.id),
            )
        )
    return items
