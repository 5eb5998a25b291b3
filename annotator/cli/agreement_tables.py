"""How ``annotator agreement`` prints its report: Rich tables (issue 5).

Kept apart from the command (``annotator.cli.agreement_cmd``) so that the command line
starts without Rich and the agreement package: ``annotator --help`` imports neither.
An undefined coefficient (0/0) prints as "n/a", never as 1, 0 or NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich import box
from rich.console import Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from annotator.cli.output import console
from annotator.core.agreement.formatting import NA, NOT_ASKED, format_coefficient, format_interval, format_share
from annotator.safe_text import safe

if TYPE_CHECKING:
    from annotator.core.agreement import AgreementReport, MetricSet

MAX_PAIR_COLUMNS = 6  # more pairs than this: pairs become rows of the per-label pairwise table


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
