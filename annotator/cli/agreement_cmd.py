"""`annotator agreement`: inter-annotator agreement of the saved decisions (issue 5).

Loads the labelled decisions with one query (``annotator.core.ratings``), computes every
figure with ``annotator.core.agreement.compute_agreement`` and prints Rich tables, or the
report's JSON with ``--json`` (``AgreementReport.model_dump()``, undefined -> null).
An undefined coefficient (0/0) prints as "n/a", never as 1, 0 or NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from annotator.cli.options import DbOption, JsonOption
from annotator.cli.output import console, print_json, warning
from annotator.core.agreement.formatting import NA, NOT_ASKED, format_coefficient, format_interval, format_share
from annotator.core.errors import UserError
from annotator.safe_text import safe

if TYPE_CHECKING:
    from annotator.core.agreement import AgreementReport, MetricSet
    from annotator.core.gold.store import GoldSet
    from annotator.core.ratings import Ratings

MAX_PAIR_COLUMNS = 6  # more pairs than this: pairs become rows of the per-label pairwise table

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


# -- formatting: one place decides how a figure, an undefined one and a CI look -------------


def _shown(text: str) -> Text:
    return Text(text, style="dim") if text in (NA, NOT_ASKED) else Text(text)


def fmt_coef(value: float | None) -> Text:
    """A coefficient with 3 decimals; None (undefined, 0/0) -> "n/a"."""
    return _shown(format_coefficient(value))


def fmt_share(value: float | None) -> Text:
    """A share (percent agreement, prevalence) as a percentage with one decimal."""
    return _shown(format_share(value))


def fmt_ci(interval: Sequence[float] | None, *, asked: bool) -> Text:
    """[low, high]; "—" when no bootstrap was asked for, "n/a" when it was but is undefined."""
    return _shown(format_interval(interval, asked=asked))


# -- tables ------------------------------------------------------------------------------------


def overall_table(report: AgreementReport, mode: str, schema_ref: str, asked_ci: bool) -> Table:
    o = report.overall
    what = "exact label sets" if mode == "multi" else "the label"
    table = Table(title=f"Agreement — {schema_ref}, overall ({what})", title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("annotators", Text(", ").join(safe(name) for name in report.annotators) or Text("none", style="dim"))
    table.add_row("N items (sentences with a rating)", str(report.n_items))
    table.add_row("N pairable items (≥ 2 ratings)", str(report.n_pairable_items))
    table.add_row("percent agreement", fmt_share(o.percent_agreement))
    table.add_row("Cohen's κ, mean over pairs", fmt_coef(o.cohen_kappa_mean))
    table.add_row("Fleiss' κ", fmt_coef(o.fleiss_kappa))
    table.add_row("Krippendorff's α (nominal)", fmt_coef(o.krippendorff_alpha))
    table.add_row("  α 95% CI (bootstrap)", fmt_ci(o.alpha_ci, asked=asked_ci))
    table.add_row("Krippendorff's α (MASI distance)", fmt_coef(o.krippendorff_alpha_masi))
    table.add_row("  α MASI 95% CI (bootstrap)", fmt_ci(o.alpha_masi_ci, asked=asked_ci))
    ac1 = fmt_coef(o.gwet_ac1)
    if mode == "multi":
        ac1.append(" (multi-label: no fixed number of categories)", style="dim")
    table.add_row("Gwet's AC1", ac1)
    return table


# (header, narrow header, narrow width): below WIDE columns the table uses fixed narrow
# widths (the CI wraps onto two lines) so that no number is ever truncated at 80 columns.
LABEL_COLUMNS = (
    ("prevalence", "prev.", 6),
    ("% agree", "% agree", 6),
    ("Cohen κ mean", "Cohen κ mean", 6),
    ("Fleiss κ", "Fleiss κ", 6),
    ("Kripp. α", "Kripp. α", 6),
    ("Gwet AC1", "Gwet AC1", 6),
    ("α 95% CI", "α 95% CI", 8),
    ("N items", "N items", 7),
    ("N pairable", "N pair.", 7),
)
WIDE = 110
LABEL_LEGEND = (
    "prevalence: share of the ratings with the label; Cohen κ mean: over the annotator pairs; "
    "N items: sentences with a rating; N pairable: with two or more ratings"
)


def label_table(report: AgreementReport, asked_ci: bool, width: int | None = None) -> RenderableType:
    narrow = (console.width if width is None else width) < WIDE
    table = Table(
        title="Per label (label present or absent in each rating)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=0,
        show_edge=False,
    )
    table.add_column("label", overflow="fold", min_width=8)
    for header, short, size in LABEL_COLUMNS:
        if narrow:
            table.add_column(short, justify="right", width=size, overflow="fold")
        else:
            table.add_column(header, justify="right", no_wrap=True)
    for label, m in report.per_label.items():
        table.add_row(label, fmt_share(m.prevalence), *_metric_cells(m, asked_ci))
    return Group(table, Text(LABEL_LEGEND, style="dim"))


def _metric_cells(m: MetricSet, asked_ci: bool) -> list[Text | str]:
    return [
        fmt_share(m.percent_agreement),
        fmt_coef(m.cohen_kappa_mean),
        fmt_coef(m.fleiss_kappa),
        fmt_coef(m.krippendorff_alpha),
        fmt_coef(m.gwet_ac1),
        fmt_ci(m.alpha_ci, asked=asked_ci),
        str(m.n_items),
        str(m.n_pairable_items),
    ]


def pair_matrix(report: AgreementReport) -> RenderableType:
    """Annotator x annotator: Cohen's κ (overall) above the diagonal, items both rated below."""
    from annotator.core.agreement import pair_key

    names = report.annotators
    table = Table(title="Cohen's κ per annotator pair, overall", title_justify="left", min_width=40)
    table.add_column("")
    for name in names:
        table.add_column(safe(name), justify="right", min_width=5)
    for i, row in enumerate(names):
        cells: list[Text] = []
        for j, col in enumerate(names):
            if i == j:
                cells.append(Text("—", style="dim"))
                continue
            pair = report.pairwise[pair_key(row, col)]
            cells.append(fmt_coef(pair.cohen_kappa) if i < j else Text(str(pair.n_items), style="dim"))
        table.add_row(safe(row, style="bold"), *cells)
    note = Text("above the diagonal: κ on the sentences both labelled; below: how many they are", style="dim")
    return Group(table, note)


def pair_label_table(report: AgreementReport) -> Table:
    """Cohen's κ per pair and label: pairs as columns (few pairs) or as rows (many)."""
    pairs = list(report.pairwise.items())
    labels = list(report.per_label)
    title = "Cohen's κ per annotator pair and label"
    table = Table(title=title, title_justify="left", min_width=len(title) + 2)
    if len(pairs) <= MAX_PAIR_COLUMNS:
        table.add_column("label", overflow="fold", min_width=8)
        for key, _ in pairs:
            table.add_column(safe(key), justify="right", min_width=5)
        for label in labels:
            table.add_row(label, *(fmt_coef(p.per_label[label]) for _, p in pairs))
        return table
    table.add_column("pair", overflow="fold")
    for label in labels:
        table.add_column(label, justify="right", min_width=5)
    for key, p in pairs:
        table.add_row(safe(key), *(fmt_coef(p.per_label[lab]) for lab in labels))
    return table


def render_report(report: AgreementReport, mode: str, schema_ref: str, asked_ci: bool) -> RenderableType:
    parts: list[RenderableType] = [overall_table(report, mode, schema_ref, asked_ci)]
    if report.per_label:
        parts += [Text(""), label_table(report, asked_ci)]
    if len(report.annotators) >= 2:
        parts += [Text(""), pair_matrix(report)]
        if report.per_label:
            parts += [Text(""), pair_label_table(report)]
    return Group(*parts)


@contextmanager
def bootstrap_progress(enabled: bool, total: int) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar fed by compute_agreement's progress(done, B) callback."""
    if not enabled or total <= 0:
        yield None
        return
    with Progress(
        TextColumn("[bold]bootstrap"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("resamples"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("bootstrap", total=total)

        def report(done: int, of: int) -> None:
            bar.update(task, completed=done, total=of)

        yield report


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


def _left_out_line(left_out: int) -> Text:
    return Text(f"--independent-only: {left_out} decision(s) made with suggestions shown left out")


def _gold_report(
    ratings: Ratings,
    gold: GoldSet | None,
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
