"""`annotator agreement`: inter-annotator agreement of the saved decisions (issue 5).

Loads the labelled decisions with one query (``annotator.core.ratings``), computes every
figure with ``annotator.core.agreement.compute_agreement`` and prints Rich tables
(``annotator.cli.agreement_tables``), or the report's JSON with ``--json``
(``AgreementReport.model_dump()``, undefined -> null). Everything but Typer is imported
inside the command: ``annotator --help`` loads no numpy, Rich or agreement package.
"""

from collections.abc import Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING, Annotated, Any

import typer

from annotator.cli.options import DbOption, JsonOption
from annotator.core.errors import UserError

if TYPE_CHECKING:
    from rich.text import Text

    from annotator.core.gold.store import GoldSet
    from annotator.core.ratings import Ratings

ListOption = list[str] | None


def split_list(values: Sequence[str] | None, option: str) -> list[str] | None:
    """``--x a,b --x c`` -> [a, b, c] (order kept, duplicates dropped); None if not given."""
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        for name in (part.strip() for part in value.split(",")):
            if name and name not in out:
                out.append(name)
    if not out:
        raise UserError(f"{option}: give at least one name (comma-separated)")
    return out


def agreement(
    labels: Annotated[
        ListOption, typer.Option("--labels", help="Only these labels in the per-label figures (comma-separated ids).")
    ] = None,
    annotators: Annotated[
        ListOption, typer.Option("--annotators", help="Only these annotators (comma-separated names; default: all).")
    ] = None,
    docs: Annotated[
        ListOption, typer.Option("--docs", help="Only the sentences of these documents (comma-separated names or ids).")
    ] = None,
    bootstrap: Annotated[
        int,
        typer.Option("--bootstrap", help="Resamples B for the 95% confidence intervals of α (e.g. 2000; 0: none)."),
    ] = 0,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the bootstrap: same seed, same intervals.")
    ] = None,
    vs_gold: Annotated[
        bool,
        typer.Option(
            "--vs-gold",
            help="Each annotator against the stored gold: per label precision, recall, F1 and support, "
            "macro-F1 and exact matches.",
        ),
    ] = False,
    confusion: Annotated[
        bool,
        typer.Option(
            "--confusion",
            help="Which labels annotators confuse (top pairs; the full matrix with --json) and each "
            "annotator's prevalence per label beside the others' mean.",
        ),
    ] = False,
    top: Annotated[int, typer.Option("--top", help="--confusion: how many label pairs the table shows.")] = 10,
    all_sentences: Annotated[
        bool,
        typer.Option(
            "--all-sentences",
            help="Every sentence, not only the overlap sample of the assignment (the default when work is assigned).",
        ),
    ] = False,
    independent_only: Annotated[
        bool,
        typer.Option(
            "--independent-only",
            help="Leave out decisions saved while model suggestions were shown (they are not independent).",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Inter-annotator agreement: overall, per label and per annotator pair, undefined shown as n/a."""
    from rich.text import Text

    from annotator.cli.agreement_tables import bootstrap_progress, render_report
    from annotator.cli.output import console, print_json, warning
    from annotator.cli.team_cmd import agreement_sample
    from annotator.core.agreement import compute_agreement, shortfall
    from annotator.core.db import open_database
    from annotator.core.gold.store import load_gold
    from annotator.core.ratings import load_ratings
    from annotator.core.repository import find_document
    from annotator.core.schemas import active_schema

    # Checked here, not with typer's min=: typer 0.29 raises its own BadParameter, which
    # annotator.cli.main does not catch as a usage error.
    if bootstrap < 0:
        raise UserError(f"--bootstrap {bootstrap}: the number of resamples must be 0 (none) or more")
    if seed is not None and bootstrap == 0:
        warning("--seed has no effect without --bootstrap B")
    label_list = split_list(labels, "--labels")
    annotator_list = split_list(annotators, "--annotators")
    doc_list = split_list(docs, "--docs")
    if vs_gold and confusion:
        raise UserError("--vs-gold and --confusion are two reports: ask for one at a time")
    if (vs_gold or confusion) and (label_list is not None or bootstrap):
        option = "--vs-gold" if vs_gold else "--confusion"
        raise UserError(f"{option} covers every label and has no bootstrap: drop --labels/--bootstrap")
    if top < 1:
        raise UserError(f"--top {top}: show at least one pair")
    engine = open_database(db, create=False)
    try:
        schema = active_schema(engine, install_default=False)
        if label_list is not None:
            unknown = [lab for lab in label_list if lab not in schema.bit_of]
            if unknown:
                raise UserError(
                    f"unknown label(s) for schema {schema.ref}: {', '.join(unknown)} "
                    f"(labels: {', '.join(schema.label_ids)})"
                )
        found = None if doc_list is None else [find_document(engine, ref) for ref in doc_list]
        documents = None if found is None else {doc.id: doc.name for doc in found}
        document_ids = None if documents is None else sorted(documents)
        # The overlap sample is for inter-annotator agreement; --vs-gold and --confusion read
        # every sentence (the gold and the disagreements are where they are).
        why_all = "--vs-gold" if vs_gold else "--confusion" if confusion else "--all-sentences"
        sample = agreement_sample(engine, all_sentences or vs_gold or confusion, documents, why_all)
        with console.status("loading the decisions…") if not as_json else nullcontext():
            ratings = load_ratings(
                engine,
                annotators=annotator_list,
                documents=document_ids,
                sentences=sample.query,
                independent_only=independent_only,
            )
            gold = load_gold(engine, documents=document_ids) if vs_gold else None
    finally:
        engine.dispose()
    if vs_gold or confusion:
        left_out = ratings.left_out if independent_only else None
        _gold_report(
            ratings, gold, schema.label_ids, as_json=as_json, top=top, sample=sample.as_json(), left_out=left_out
        )
        return
    masks = ratings.masks
    rated_by = {name: int((masks[:, a] >= 0).sum()) for a, name in enumerate(ratings.annotators)}
    with bootstrap_progress(not as_json, bootstrap if masks.shape[0] else 0) as progress:
        try:
            report = compute_agreement(
                masks,
                ratings.annotators,
                schema.label_ids,
                schema.mode,
                labels_subset=label_list,
                bootstrap=bootstrap,
                seed=seed,
                progress=progress,
            )
        except ValueError as exc:  # e.g. a single-label schema with a multi-label rating in the data
            raise UserError(f"cannot compute agreement: {exc}") from exc
    problem = shortfall(report, rated_by)
    if as_json:
        if problem:
            warning(problem)
        extra = {"independent_only": {"left_out": ratings.left_out}} if independent_only else {}
        print_json({**report.model_dump(), "sample": sample.as_json(), **extra})
        return
    console.print(render_report(report, schema.mode, schema.ref, asked_ci=bootstrap > 0))
    if sample.note:
        console.print(Text(sample.note, style="dim"))
    if independent_only:
        console.print(_left_out_line(ratings.left_out))
    if problem:
        console.print()
        warning(problem)
    elif bootstrap == 0:
        console.print(Text("95% CIs of α: run with --bootstrap 2000 (and --seed N to reproduce them).", style="dim"))


def _left_out_line(left_out: int) -> "Text":
    from rich.text import Text

    return Text(f"--independent-only: {left_out} decision(s) made with suggestions shown left out")


def _gold_report(
    ratings: "Ratings",
    gold: "GoldSet | None",
    label_ids: list[str],
    *,
    as_json: bool,
    top: int,
    sample: dict[str, Any],
    left_out: int | None = None,
) -> None:
    """``--vs-gold`` (with the stored gold) or ``--confusion`` (without). ``left_out``: with
    ``--independent-only``, how many suggestion-influenced decisions the ratings leave out."""
    from annotator.cli.gold_reports import confusion_tables, vs_gold_tables
    from annotator.cli.output import console, print_json, warning

    extra = {} if left_out is None else {"independent_only": {"left_out": left_out}}

    if gold is not None:
        from annotator.core.gold.scores import vs_gold

        scores = vs_gold(
            ratings.masks, ratings.annotators, ratings.sentence_ids, gold.sentence_ids, gold.masks, label_ids
        )
        hint = (
            "No sentence has a gold yet: run `annotator gold --auto majority` (or unanimous) "
            "or `annotator adjudicate --as NAME`, then --vs-gold scores each annotator against it."
        )
        if as_json:
            print_json({**scores.model_dump(), "sample": sample, **extra})  # n_gold 0 too; the hint on stderr
            if scores.n_gold == 0:
                warning(hint)
            return
        if scores.n_gold == 0:
            console.print(hint, markup=False, highlight=False)  # an empty table says nothing
            if left_out is not None:
                console.print(_left_out_line(left_out))
            return
        console.print(vs_gold_tables(scores))
        if left_out is not None:
            console.print(_left_out_line(left_out))
        return
    from annotator.core.agreement.confusion import confusion

    report = confusion(ratings.masks, ratings.annotators, label_ids)
    if as_json:
        print_json({**report.model_dump(), "sample": sample, **extra})
        return
    console.print(confusion_tables(report, top))
    if left_out is not None:
        console.print(_left_out_line(left_out))
