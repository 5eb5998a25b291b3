"""`annotator assign|assignments`: who annotates what (issue 9). Thin: parse, call the core, print."""

from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from annotator.cli.agreement_cmd import split_list
from annotator.cli.options import DbOption, JsonOption
from annotator.core.errors import UserError
from annotator.core.text import count_of

if TYPE_CHECKING:
    from sqlalchemy import Engine

ListOption = list[str] | None


def _weights(values: ListOption) -> list[float] | None:
    if values is None:
        return None
    # not split_list: that drops repeated values, and 2,1,1 repeats one
    parts = [part.strip() for value in values for part in value.split(",") if part.strip()]
    try:
        return [float(part) for part in parts]
    except ValueError:
        raise UserError(f"--weights {','.join(parts)}: expected numbers such as 2,1,1") from None


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "n/a"


def assign(
    annotators: Annotated[
        ListOption,
        typer.Option("--annotators", help="Who shares the work: amal,piotr,zofia (static; default: the last team)."),
    ] = None,
    overlap: Annotated[
        float | None,
        typer.Option(
            "--overlap",
            help="Share of the units, by sentences, that go to --per-item annotators: the agreement sample "
            "(0..1; default 1: all of them).",
        ),
    ] = None,
    per_item: Annotated[
        int | None, typer.Option("--per-item", help="Annotators per overlap unit (default 1: no overlap).")
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="document (default: people read whole documents) or sentence."),
    ] = None,
    weights: Annotated[
        ListOption,
        typer.Option("--weights", help="Relative loads, one per annotator: 2,1,1 gives the first twice as much."),
    ] = None,
    docs: Annotated[
        ListOption, typer.Option("--docs", help="Only these documents (names or ids; default: every document).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the random draw: same seed, same plan.")] = None,
    dynamic: Annotated[
        bool,
        typer.Option(
            "--dynamic",
            help="No fixed split: each annotator takes the next unit from a shared queue when they need one.",
        ),
    ] = False,
    overlap_first: Annotated[
        bool | None,
        typer.Option("--overlap-first/--no-overlap-first", help="Dynamic: hand out the overlap units first."),
    ] = None,
    release_after: Annotated[
        float | None,
        typer.Option(
            "--release-after",
            help="Dynamic: hours after which an unfinished unit of someone who saves nothing goes back to the "
            "queue (default 48; 0: never).",
        ),
    ] = None,
    reassign: Annotated[
        bool,
        typer.Option(
            "--reassign",
            help="Plan again: changes existing assignments (units someone has started stay theirs); "
            "saved decisions are never touched.",
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan, change nothing.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Share out the work: units (documents or sentences) to annotators, with an overlap sample for agreement."""
    from rich.table import Table
    from rich.text import Text

    from annotator.cli.output import console, print_json, warning
    from annotator.core.assignment.assigning import assign as assign_work
    from annotator.core.db import open_database
    from annotator.core.repository import find_document
    from annotator.safe_text import safe

    if unit is not None and unit not in ("document", "sentence"):
        raise UserError(f"--unit {unit}: expected document or sentence")
    if release_after is not None and release_after < 0:
        raise UserError(f"--release-after {release_after:g}: hours must be 0 (never) or more")
    team = split_list(annotators, "--annotators")
    doc_refs = split_list(docs, "--docs")
    engine = open_database(db, create=False)
    try:
        documents = None if doc_refs is None else sorted({find_document(engine, ref).id for ref in doc_refs})
        with console.status("sharing out the work…") if not as_json else nullcontext():
            summary = assign_work(
                engine,
                mode="dynamic" if dynamic else "static",
                annotators=team,
                per_item=per_item,
                overlap=overlap,
                weights=_weights(weights),
                unit=unit,  # type: ignore[arg-type]  # checked above: None, document or sentence
                seed=seed,
                documents=documents,
                reassign=reassign,
                overlap_first=overlap_first,
                release_after_hours=release_after,
                dry_run=dry_run,
            )
    finally:
        engine.dispose()
    plan = summary.plan
    if not summary.shares_reachable:
        weighted = f"--weights {','.join(f'{w:g}' for w in plan.weights)}" if plan.weights else "equal shares"
        warning(
            f"{weighted} with --per-item {plan.per_item} and --overlap {plan.overlap:.0%}: no plan can give "
            "these shares (nobody holds two copies of a unit, and an overlap unit needs --per-item different "
            "people), so loads are not guaranteed within one unit of them; this plan is as close as it gets"
        )
    if as_json:
        print_json(
            {
                "mode": plan.mode,
                "unit": plan.unit,
                "per_item": plan.per_item,
                "overlap": plan.overlap,
                "seed": plan.seed,
                "units_created": summary.units_created,
                "units": summary.units,
                "sentences": summary.sentences,
                "overlap_units": summary.overlap_units,
                "overlap_sentences": summary.overlap_sentences,
                "assignments_added": summary.assignments_added,
                "assignments_removed": summary.assignments_removed,
                "kept_in_progress": summary.kept_in_progress,
                "shares_reachable": summary.shares_reachable,
                "annotators": {
                    name: {"sentences": summary.loads[name], "target": round(summary.targets[name], 1)}
                    for name in summary.loads
                },
                "dry_run": dry_run,
            }
        )
        return
    if summary.loads:
        table = Table(title="Plan" + (" (dry run: nothing changed)" if dry_run else ""), title_justify="left")
        for column in ("annotator", "sentences", "weighted share", "of all"):
            table.add_column(column, justify="left" if column == "annotator" else "right")
        slots = sum(summary.loads.values())
        for name, load in summary.loads.items():
            table.add_row(safe(name), f"{load:,}", f"{summary.targets[name]:,.0f}", _share(load, slots))
        console.print(table)
    kind = f"{plan.unit}s"
    lines = [
        f"{count_of(summary.units, 'unit')} ({kind}, {count_of(summary.sentences, 'sentence')}); "
        f"{summary.units_created:,} new",
        f"overlap sample: {count_of(summary.overlap_units, 'unit')}, {count_of(summary.overlap_sentences, 'sentence')} "
        f"({_share(summary.overlap_sentences, summary.sentences)} of them; asked {plan.overlap:.0%}), "
        f"{count_of(plan.per_item, 'annotator')} each",
    ]
    if plan.mode == "static":
        lines.append(
            f"{summary.assignments_added:,} assignments added, {summary.assignments_removed:,} removed, "
            f"{summary.kept_in_progress:,} kept because their annotator has started them"
        )
    else:
        order = "overlap units first" if plan.overlap_first else "started overlap units first, then in document order"
        release = f"after {plan.release_after_hours:g} h without a save" if plan.release_after_hours else "never"
        lines.append(f"dynamic queue: {order}; unfinished units released {release}")
        if summary.assignments_removed or summary.kept_in_progress:
            lines.append(f"{summary.assignments_removed:,} claims removed, {summary.kept_in_progress:,} kept (started)")
    if dry_run:
        lines.append("dry run: nothing was changed")
    for line in lines:
        console.print(Text(line))


def assignments(
    annotator: Annotated[str | None, typer.Option("--annotator", help="Only this annotator's share.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Who holds how much work, how far they are, and what nobody holds yet."""
    from rich.table import Table
    from rich.text import Text

    from annotator.cli.output import console, print_json, warning
    from annotator.core.assignment.report import assignment_status
    from annotator.core.db import open_database
    from annotator.safe_text import safe

    engine = open_database(db, create=False)
    try:
        status = assignment_status(engine, annotator)
    finally:
        engine.dispose()
    if as_json:
        print_json(status.as_json())
        return
    plan = status.plan
    if plan is None:
        warning("nothing is assigned yet: run `annotator assign --annotators a,b,c` (or `--dynamic`)")
        console.print(Text(f"{status.unassigned_sentences:,} sentences, none assigned"))
        return
    table = Table(title=f"Assignments ({plan.mode}, units are {plan.unit}s)", title_justify="left")
    for column in ("annotator", "units", "sentences", "decided", "progress", "overlap sentences"):
        table.add_column(column, justify="left" if column == "annotator" else "right")
    for name, share in status.annotators.items():
        table.add_row(
            safe(name),
            f"{share.units:,}",
            f"{share.sentences:,}",
            f"{share.decided:,}",
            _share(share.decided, share.sentences),
            f"{share.overlap_sentences:,}",
        )
    console.print(table)
    console.print(
        Text(
            f"overlap sample: {count_of(status.overlap_units, 'unit')}, "
            f"{count_of(status.overlap_sentences, 'sentence')} "
            f"({_share(status.overlap_sentences, status.sentences)}; asked {plan.overlap:.0%}), "
            f"{count_of(plan.per_item, 'annotator')} each"
        )
    )
    nobody = status.unassigned_sentences
    console.print(
        Text(
            f"{nobody:,} of {count_of(status.sentences, 'sentence')} {'is' if nobody == 1 else 'are'} not assigned to anyone"
        )
    )
    if status.released:
        back = f"{count_of(status.released, 'unfinished unit')} went back to the queue (holder idle)"
        console.print(Text(back, style="dim"))


@dataclass(frozen=True)
class AgreementSample:
    """Which sentences `annotator agreement` reports over, and the line that says so."""

    query: Any  # a SELECT of sentence ids, or None: every sentence
    kind: str  # "overlap" or "all"
    units: int | None = None  # of the overlap sample reported on (within --docs)
    sentences: int | None = None
    documents: list[str] | None = None  # --docs: only these documents' sentences (names)
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        """``"sample"`` in the JSON of every ``agreement`` report: which sentences it is over."""
        return {"kind": self.kind, "units": self.units, "sentences": self.sentences, "documents": self.documents}


def agreement_sample(
    engine: "Engine", all_sentences: bool, documents: dict[int, str] | None = None, why_all: str = "--all-sentences"
) -> AgreementSample:
    """The overlap sample when work is assigned with overlap (unless ``all_sentences``), else
    every sentence; within ``documents`` (id -> name, from --docs) when given, and counted there."""
    from annotator.core.assignment.report import has_assignments, overlap_sample

    names = sorted(documents.values()) if documents is not None else None
    within = f" of the {len(names)} document{'s' if len(names) > 1 else ''} asked (--docs)" if names else ""
    if all_sentences:
        return AgreementSample(None, "all", documents=names, note=f"Over every sentence{within} ({why_all}).")
    sample = overlap_sample(engine, None if documents is None else list(documents))
    if sample is not None:
        return AgreementSample(
            sample.sentence_ids,
            "overlap",
            sample.units,
            sample.sentences,
            names,
            note=f"Over the overlap sample of the assignment{within}: {count_of(sample.sentences, 'sentence')} in "
            f"{count_of(sample.units, 'unit')} shared by several annotators "
            "(--all-sentences: every sentence).",
        )
    if has_assignments(engine):
        return AgreementSample(
            None,
            "all",
            documents=names,
            note=f"The assignment has no overlap units (assign --overlap S --per-item N): every sentence{within}.",
        )
    return AgreementSample(None, "all", documents=names, note=f"Over every sentence{within}." if within else "")
