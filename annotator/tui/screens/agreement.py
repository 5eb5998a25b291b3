"""The agreement screen: the figures of ``annotator agreement`` for the current project.

Self-contained: give it an engine and push it. The report (``load_ratings`` +
``compute_agreement``) is computed in a thread worker, never on the UI thread; the
screen shows the overall figures, one row per label and Cohen's kappa per annotator
pair (a matrix overall, and per pair and label), with "n/a" for every undefined value.
``b`` computes the bootstrap confidence intervals of alpha (B = 2000, seed 0 by
default: the same intervals as ``annotator agreement --bootstrap 2000 --seed 0``) with a
progress bar; ``r`` recomputes (after more decisions were saved); ``g`` goes to each
annotator against the stored gold (the figures of ``annotator agreement --vs-gold``: exact
matches, macro-F1, per label precision, recall, F1 and support); escape or ``q`` closes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import ClassVar

from rich.text import Text
from sqlalchemy import Engine
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from annotator.core.agreement import AgreementReport, MetricSet, compute_agreement, pair_key, shortfall
from annotator.core.agreement.formatting import NA, NOT_ASKED, format_coefficient, format_interval, format_share
from annotator.core.assignment.report import overlap_sample
from annotator.core.gold.scores import VsGoldReport, vs_gold
from annotator.core.gold.store import load_gold
from annotator.core.labels import LabelSchema
from annotator.core.ratings import load_ratings
from annotator.core.schemas import active_schema
from annotator.core.text import count_of, visible

DEFAULT_BOOTSTRAP = 2000

LABEL_COLUMNS = (
    "label",
    "prevalence",
    "% agree",
    "Cohen κ mean",
    "Fleiss κ",
    "Kripp. α",
    "Gwet AC1",
    "α 95% CI",
    "N items",
    "N pairable",
)


def _shown(text: str) -> Text:
    if text in (NA, NOT_ASKED):
        return Text(text, style="dim", justify="right")
    return Text(text, justify="right")


def fmt_coef(value: float | None) -> Text:
    """3 decimals; None (undefined, 0/0) -> "n/a", never 1, 0 or NaN."""
    return _shown(format_coefficient(value))


def fmt_share(value: float | None) -> Text:
    return _shown(format_share(value))


def fmt_ci(interval: Sequence[float] | None, asked: bool) -> Text:
    """ "—" when no bootstrap was computed yet, "n/a" when it was but alpha is undefined."""
    return _shown(format_interval(interval, asked=asked))


def fmt_count(value: int) -> Text:
    return Text(f"{value:,}", justify="right")


def name_text(name: str, style: str = "") -> Text:
    """An annotator name (untrusted): literal, control characters made visible."""
    return Text(visible(name), style=style)


@dataclass(frozen=True)
class Computed:
    report: AgreementReport
    schema: LabelSchema
    rated_by: dict[str, int]  # labelled sentences per annotator in the selection
    bootstrap: int
    versus_gold: VsGoldReport


class AgreementScreen(Screen[None]):
    """Agreement of the saved decisions (all annotators and documents unless restricted)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="agreement.close"),
        Binding("r", "recompute", "Recompute", id="agreement.recompute"),
        Binding("b", "bootstrap", "Bootstrap CIs", id="agreement.bootstrap"),
        Binding("g", "gold", "Vs gold", id="agreement.gold"),
    ]

    DEFAULT_CSS = """
    AgreementScreen #agreement-title { height: 1; padding: 0 1; background: $panel; }
    AgreementScreen #agreement-status { height: auto; padding: 0 1; }
    AgreementScreen #agreement-progress { height: 1; padding: 0 1; display: none; }
    AgreementScreen #agreement-progress.running { display: block; }
    AgreementScreen .agreement-caption { height: 1; padding: 0 1; margin-top: 1; text-style: bold; }
    AgreementScreen DataTable { height: auto; max-height: 24; margin: 0 1; }
    """

    class BootstrapProgress(Message):
        """Posted from the worker thread (post_message is thread-safe, and never blocks it)."""

        def __init__(self, worker: Worker[Computed], done: int, total: int) -> None:
            super().__init__()
            self.worker = worker
            self.done = done
            self.total = total

    def __init__(
        self,
        engine: Engine,
        *,
        schema: LabelSchema | None = None,
        annotators: Sequence[str] | None = None,
        documents: Sequence[int] | None = None,
        labels: Sequence[str] | None = None,
        bootstrap: int = 0,
        seed: int | None = 0,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.schema = schema
        self.sample_units: int | None = None  # the overlap units agreement was computed over
        self.annotators = None if annotators is None else list(annotators)
        self.documents = None if documents is None else list(documents)
        self.labels = None if labels is None else list(labels)
        self.bootstrap = bootstrap
        self.seed = seed
        self.computed: Computed | None = None
        self.error: str | None = None
        self._current: Worker[Computed] | None = None

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(Text(" Inter-annotator agreement", style="bold"), id="agreement-title")
        yield Static(id="agreement-status")
        yield ProgressBar(id="agreement-progress", show_eta=True)
        with VerticalScroll(id="agreement-body"):
            yield Static("Overall", classes="agreement-caption", id="overall-caption")
            yield DataTable(id="overall", cursor_type="row", zebra_stripes=True)
            yield Static("Per label (label present or absent in each rating)", classes="agreement-caption")
            yield DataTable(id="labels", cursor_type="row", zebra_stripes=True)
            yield Static(
                "Cohen's κ per annotator pair, overall (above the diagonal: κ; below: sentences both labelled)",
                classes="agreement-caption",
            )
            yield DataTable(id="matrix", cursor_type="cell")
            yield Static("Cohen's κ per annotator pair and label", classes="agreement-caption")
            yield DataTable(id="pairs", cursor_type="cell", zebra_stripes=True)
            yield Static("Each annotator against the gold", classes="agreement-caption", id="gold-caption")
            yield DataTable(id="vs-gold", cursor_type="row", zebra_stripes=True)
            yield Static("Against the gold, per label", classes="agreement-caption")
            yield DataTable(id="vs-gold-labels", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.start(self.bootstrap)

    # -- computing -------------------------------------------------------------------------------

    def start(self, bootstrap: int) -> None:
        self.error = None
        progress = self.query_one("#agreement-progress", ProgressBar)
        progress.set_class(bootstrap > 0, "running")
        progress.update(total=bootstrap or None, progress=0)
        what = f"computing, with {bootstrap:,} bootstrap resamples…" if bootstrap else "computing…"
        self._status(Text(what, style="italic"))
        self._current = self._compute(bootstrap)  # exclusive: cancels a computation still running

    @work(thread=True, exit_on_error=False, exclusive=True, group="agreement")
    def _compute(self, bootstrap: int) -> Computed:
        worker = get_current_worker()
        schema = self.schema or active_schema(self.engine, install_default=False)
        # As `annotator agreement`: over the overlap sample when work is assigned with overlap.
        sample = overlap_sample(self.engine)
        self.sample_units = sample.units if sample is not None else None
        ratings = load_ratings(
            self.engine,
            annotators=self.annotators,
            documents=self.documents,
            sentences=sample.sentence_ids if sample is not None else None,
        )
        rated_by = {name: int((ratings.masks[:, a] >= 0).sum()) for a, name in enumerate(ratings.annotators)}

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:  # the screen was closed or a new computation started
                raise _Cancelled
            self.post_message(self.BootstrapProgress(worker, done, total))

        report = compute_agreement(
            ratings.masks,
            ratings.annotators,
            schema.label_ids,
            schema.mode,
            labels_subset=self.labels,
            bootstrap=bootstrap,
            seed=self.seed,
            progress=progress,
        )
        gold = load_gold(self.engine, documents=self.documents)
        if sample is not None:  # as `agreement --vs-gold`: every sentence with gold, not only the sample
            ratings = load_ratings(self.engine, annotators=self.annotators, documents=self.documents)
        versus = vs_gold(
            ratings.masks, ratings.annotators, ratings.sentence_ids, gold.sentence_ids, gold.masks, schema.label_ids
        )
        return Computed(report, schema, rated_by, bootstrap, versus)

    @on(BootstrapProgress)
    def _on_progress(self, message: BootstrapProgress) -> None:
        if message.worker is not self._current:
            return
        self.query_one("#agreement-progress", ProgressBar).update(total=message.total, progress=message.done)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._current:  # another screen's worker, or a superseded one
            return
        if event.state == WorkerState.SUCCESS:
            result = event.worker.result
            assert isinstance(result, Computed)
            self.computed = result
            self.query_one("#agreement-progress", ProgressBar).set_class(False, "running")
            self.show(result)
        elif event.state == WorkerState.ERROR:
            self.query_one("#agreement-progress", ProgressBar).set_class(False, "running")
            error = event.worker.error
            self.error = f"{type(error).__name__}: {error}" if not str(error).strip() else str(error)
            self._status(Text("could not compute agreement: ", style="bold red") + Text(visible(self.error)))

    # -- showing ----------------------------------------------------------------------------------

    def _status(self, text: Text) -> None:
        self.query_one("#agreement-status", Static).update(text)

    def show(self, computed: Computed) -> None:
        report, schema = computed.report, computed.schema
        asked = computed.bootstrap > 0
        title = Text(" Inter-annotator agreement", style="bold")
        title.append(f" — {schema.ref}, {count_of(len(report.annotators), 'annotator')}, ")
        title.append(f"{count_of(report.n_items, 'sentence')} ({report.n_pairable_items:,} pairable)")
        if self.sample_units is not None:
            title.append(f", overlap sample of the assignment ({count_of(self.sample_units, 'unit')})")
        title.append("   b: bootstrap CIs   g: vs gold   r: recompute   esc: close", style="dim")
        self.query_one("#agreement-title", Static).update(title)
        status = Text()
        problem = shortfall(report, computed.rated_by)
        problem = visible(problem) if problem else None
        if problem:
            status.append(problem, style="bold yellow")
        elif asked:
            status.append(
                f"95% bootstrap CIs of α: B = {computed.bootstrap:,}, seed {self.seed} "
                f"(annotator agreement --bootstrap {computed.bootstrap} --seed {self.seed})",
                style="dim",
            )
        else:
            status.append("Press b for 95% bootstrap confidence intervals of α.", style="dim")
        self._status(status)
        self._fill_overall(report, schema, asked)
        self._fill_labels(report, asked)
        self._fill_matrix(report)
        self._fill_pairs(report)
        self._fill_gold(computed.versus_gold)

    def _fill_overall(self, report: AgreementReport, schema: LabelSchema, asked: bool) -> None:
        o = report.overall
        what = "exact label sets" if schema.mode == "multi" else "the label"
        self.query_one("#overall-caption", Static).update(Text(f"Overall ({what})", style="bold"))
        table = self.query_one("#overall", DataTable)
        table.clear(columns=True)
        table.add_column("figure", key="figure")
        table.add_column("value", key="value")
        annotators = Text(", ").join(name_text(name) for name in report.annotators) or Text("none", style="dim")
        ac1 = fmt_coef(o.gwet_ac1)
        if schema.mode == "multi":
            ac1.append(" (multi-label: no fixed number of categories)", style="dim")
        rows: list[tuple[str, str, Text]] = [
            ("annotators", "annotators", annotators),
            ("n_items", "N items (sentences with a rating)", fmt_count(report.n_items)),
            ("n_pairable_items", "N pairable items (≥ 2 ratings)", fmt_count(report.n_pairable_items)),
            ("percent_agreement", "percent agreement", fmt_share(o.percent_agreement)),
            ("cohen_kappa_mean", "Cohen's κ, mean over pairs", fmt_coef(o.cohen_kappa_mean)),
            ("fleiss_kappa", "Fleiss' κ", fmt_coef(o.fleiss_kappa)),
            ("krippendorff_alpha", "Krippendorff's α (nominal)", fmt_coef(o.krippendorff_alpha)),
            ("alpha_ci", "  α 95% CI (bootstrap)", fmt_ci(o.alpha_ci, asked)),
            ("krippendorff_alpha_masi", "Krippendorff's α (MASI distance)", fmt_coef(o.krippendorff_alpha_masi)),
            ("alpha_masi_ci", "  α MASI 95% CI (bootstrap)", fmt_ci(o.alpha_masi_ci, asked)),
            ("gwet_ac1", "Gwet's AC1", ac1),
        ]
        for key, name, value in rows:
            table.add_row(Text(name, style="bold"), value, key=key)

    def _fill_labels(self, report: AgreementReport, asked: bool) -> None:
        table = self.query_one("#labels", DataTable)
        table.clear(columns=True)
        for name in LABEL_COLUMNS:
            table.add_column(Text(name, justify="left" if name == "label" else "right"), key=name)
        for label, m in report.per_label.items():
            table.add_row(Text(label), fmt_share(m.prevalence), *_metric_cells(m, asked), key=label)

    def _fill_matrix(self, report: AgreementReport) -> None:
        table = self.query_one("#matrix", DataTable)
        table.clear(columns=True)
        names = report.annotators
        table.add_column("", key="")
        for i, name in enumerate(names):
            table.add_column(name_text(name), key=f"a{i}")
        for i, row in enumerate(names):
            cells: list[Text] = []
            for j, col in enumerate(names):
                if i == j:
                    cells.append(Text("—", style="dim", justify="right"))
                    continue
                pair = report.pairwise[pair_key(row, col)]
                cells.append(
                    fmt_coef(pair.cohen_kappa) if i < j else Text(f"{pair.n_items:,}", style="dim", justify="right")
                )
            table.add_row(name_text(row, "bold"), *cells, key=f"a{i}")

    def _fill_pairs(self, report: AgreementReport) -> None:
        table = self.query_one("#pairs", DataTable)
        table.clear(columns=True)
        table.add_column("pair", key="pair")
        table.add_column(Text("N both", justify="right"), key="n_items")
        table.add_column(Text("overall", justify="right"), key="overall")
        for label in report.per_label:
            table.add_column(Text(label, justify="right"), key=label)
        for a, b in combinations(report.annotators, 2):
            key = pair_key(a, b)
            pair = report.pairwise[key]
            table.add_row(
                name_text(key),
                fmt_count(pair.n_items),
                fmt_coef(pair.cohen_kappa),
                *(fmt_coef(pair.per_label[label]) for label in report.per_label),
                key=key,
            )

    def _fill_gold(self, versus: VsGoldReport) -> None:
        caption = Text("Each annotator against the gold", style="bold")
        caption.append(
            f" ({versus.n_gold:,} sentences have a gold"
            + ("; none yet: annotator gold --auto, annotator adjudicate" if not versus.n_gold else "")
            + ")",
            style="dim",
        )
        self.query_one("#gold-caption", Static).update(caption)
        table = self.query_one("#vs-gold", DataTable)
        table.clear(columns=True)
        table.add_column("annotator", key="annotator")
        for key, name in (("n_items", "N items"), ("exact_match", "exact match"), ("macro_f1", "macro-F1")):
            table.add_column(Text(name, justify="right"), key=key)
        for name, score in versus.annotators.items():
            table.add_row(
                name_text(name, "bold"),
                fmt_count(score.n_items),
                fmt_share(score.exact_match),
                fmt_coef(score.macro_f1),
                key=name,
            )
        labels = self.query_one("#vs-gold-labels", DataTable)
        labels.clear(columns=True)
        labels.add_column("annotator", key="annotator")
        labels.add_column("label", key="label")
        for key, name in (("precision", "precision"), ("recall", "recall"), ("f1", "F1"), ("support", "support")):
            labels.add_column(Text(name, justify="right"), key=key)
        for name, score in versus.annotators.items():
            for label, figures in score.per_label.items():
                labels.add_row(
                    name_text(name),
                    Text(label),
                    fmt_coef(figures.precision),
                    fmt_coef(figures.recall),
                    fmt_coef(figures.f1),
                    fmt_count(figures.support),
                    key=f"{name}|{label}",
                )

    # -- actions ---------------------------------------------------------------------------------

    def action_gold(self) -> None:
        """Scroll to the figures against the gold."""
        table = self.query_one("#vs-gold", DataTable)
        self.query_one("#gold-caption", Static).scroll_visible(top=True, animate=False)
        table.focus()

    def action_close(self) -> None:
        self.workers.cancel_group(self, "agreement")
        self.dismiss(None)

    def action_recompute(self) -> None:
        self.start(self.computed.bootstrap if self.computed else self.bootstrap)

    def action_bootstrap(self) -> None:
        self.start(self.bootstrap or DEFAULT_BOOTSTRAP)


class _Cancelled(Exception):
    """Raised inside the worker's progress callback to stop a cancelled bootstrap early."""


def _metric_cells(m: MetricSet, asked: bool) -> list[Text]:
    return [
        fmt_share(m.percent_agreement),
        fmt_coef(m.cohen_kappa_mean),
        fmt_coef(m.fleiss_kappa),
        fmt_coef(m.krippendorff_alpha),
        fmt_coef(m.gwet_ac1),
        fmt_ci(m.alpha_ci, asked),
        fmt_count(m.n_items),
        fmt_count(m.n_pairable_items),
    ]
