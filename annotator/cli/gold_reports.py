"""Rich tables of ``agreement --vs-gold`` and ``agreement --confusion``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Group, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text

from annotator.core.agreement.formatting import NA, format_coefficient, format_share
from annotator.safe_text import safe

if TYPE_CHECKING:
    from annotator.core.agreement.confusion import ConfusionReport
    from annotator.core.gold.scores import VsGoldReport


def _figure(text: str) -> Text:
    return Text(text, style="dim") if text == NA else Text(text)


def vs_gold_tables(report: VsGoldReport) -> RenderableType:
    """A summary (one row per annotator), then each annotator's per-label figures."""
    summary = Table(
        title=f"Each annotator against the gold ({report.n_gold:,} sentences have a gold)", title_justify="left"
    )
    summary.add_column("annotator")
    summary.add_column("N items", justify="right")
    summary.add_column("exact match", justify="right")
    summary.add_column("macro-F1", justify="right")
    for name, score in report.annotators.items():
        summary.add_row(
            safe(name),
            f"{score.n_items:,}",
            _figure(format_share(score.exact_match)),
            _figure(format_coefficient(score.macro_f1)),
        )
    parts: list[RenderableType] = [summary]
    for name, score in report.annotators.items():
        table = Table(title=Text("Per label: ") + safe(name, "bold"), title_justify="left", box=box.SIMPLE_HEAD)
        table.add_column("label")
        for column in ("precision", "recall", "F1", "support"):
            table.add_column(column, justify="right")
        for label, figures in score.per_label.items():
            table.add_row(
                label,
                _figure(format_coefficient(figures.precision)),
                _figure(format_coefficient(figures.recall)),
                _figure(format_coefficient(figures.f1)),
                f"{figures.support:,}",
            )
        parts += [Text(""), table]
    legend = (
        "On the sentences that have a gold and that the annotator labelled; the gold is the truth. "
        "support: gold sentences with the label; exact match: share of identical label sets; "
        "macro-F1: mean over the labels where F1 is defined; n/a: 0/0."
    )
    parts.append(Text(legend, style="dim"))
    return Group(*parts)


def confusion_tables(report: ConfusionReport, top: int) -> RenderableType:
    """The label pairs confused most, then each annotator's prevalence beside the others' mean."""
    pairs = Table(
        title=f"Labels annotators confuse ({report.n_items:,} sentences with 2+ decisions, "
        f"{report.n_comparisons:,} comparisons of two annotators)",
        title_justify="left",
    )
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("label a", "left"),
        ("label b", "left"),
        ("times", "right"),
        ("% of a's disputes", "right"),
        ("% of b's disputes", "right"),
    )
    for column, justify in columns:
        pairs.add_column(column, justify=justify)
    found = report.top_pairs(top)
    for pair in found:
        pairs.add_row(
            pair.a,
            pair.b,
            f"{pair.times:,}",
            _figure(format_share(pair.share_of_a)),
            _figure(format_share(pair.share_of_b)),
        )
    parts: list[RenderableType] = [pairs]
    if not found:
        parts.append(Text("no two labels were ever chosen one against the other", style="dim"))
    parts.append(
        Text(
            "times: one annotator chose a without b while another chose b without a, on the same sentence "
            "(each ordered annotator pair counts). % of a's disputes: of the times one annotator chose a and "
            "another did not, the share where the other chose b instead. The full matrix: --json.",
            style="dim",
        )
    )
    names = list(report.prevalence)
    if names:
        prevalence = Table(
            title="Prevalence: each annotator's share of their labelled sentences with the label (others' mean)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
        )
        prevalence.add_column("label")
        for name in names:
            prevalence.add_column(safe(name), justify="right")
        for label in report.labels:
            cells = []
            for name in names:
                figure = report.prevalence[name][label]
                cell = _figure(format_share(figure.annotator))
                if figure.others_mean is not None:
                    cell.append(f" ({format_share(figure.others_mean)})", style="dim")
                    if figure.annotator is not None and _far(figure.annotator, figure.others_mean):
                        cell.stylize("bold yellow", 0, len(format_share(figure.annotator)))
                cells.append(cell)
            prevalence.add_row(label, *cells)
        parts += [Text(""), prevalence]
        parts.append(Text("bold yellow: at least 10 points and half again away from the others' mean", style="dim"))
    return Group(*parts)


def _far(own: float, others: float) -> bool:
    """Over- or under-use worth a look: 10 points apart and one 1.5 times the other."""
    low, high = sorted((own, others))
    return high - low >= 0.10 and high >= 1.5 * low
