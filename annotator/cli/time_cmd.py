"""`annotator stats --time`: each annotator's time per decision and use of the labels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from annotator.cli.output import console, print_json
from annotator.safe_text import safe

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _seconds(value: float | None) -> Text:
    return Text("n/a", style="dim") if value is None else Text(f"{value:.1f}")


def print_time_stats(engine: Engine, as_json: bool) -> None:
    from annotator.core.schemas import active_schema
    from annotator.core.time_stats import time_stats
    from annotator.core.timing import PAUSE_CAP_SECONDS

    schema = active_schema(engine, install_default=False)
    people = time_stats(engine, schema)
    if as_json:
        print_json(
            {
                "pause_cap_seconds": PAUSE_CAP_SECONDS,
                "annotators": {name: figures.as_json() for name, figures in people.items()},
            }
        )
        return
    if not people:
        console.print(Text("no decisions yet", style="dim"))
        return
    speed = Table(title="Time per decision (active time on screen)", title_justify="left")
    for column in ("annotator", "decisions", "timed", "median s", "p90 s", "sentences/h", "active h"):
        speed.add_column(column, justify="left" if column == "annotator" else "right")
    for name, f in people.items():
        speed.add_row(
            safe(name),
            f"{f.decisions:,}",
            f"{f.timed_decisions:,}",
            _seconds(f.median_seconds),
            _seconds(f.p90_seconds),
            _seconds(f.sentences_per_hour),
            f"{f.active_hours:.2f}",
        )
    console.print(speed)
    console.print(
        Text(
            f"Pauses over {PAUSE_CAP_SECONDS / 60:g} minutes count as {PAUSE_CAP_SECONDS / 60:g}; decisions without a "
            "measured time (imported, scripted) count as decisions only.",
            style="dim",
        )
    )
    uses = Table(title="Labels chosen: count (share of the annotator's labelled decisions)", title_justify="left")
    uses.add_column("label")
    names = list(people)
    for name in names:
        uses.add_column(safe(name), justify="right")
    for label in schema.label_ids:
        cells = []
        for name in names:
            use = people[name].labels[label]
            cells.append(Text("—", style="dim") if use.share is None else Text(f"{use.count:,} ({use.share:.0%})"))
        uses.add_row(label, *cells)
    uses.add_row(Text("skipped", style="dim"), *(Text(f"{people[n].skipped:,}", style="dim") for n in names))
    console.print(uses)
