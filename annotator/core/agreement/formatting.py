"""How a figure reads, in one place for the CLI tables and the TUI screen.

Undefined (0/0) coefficients are ``None`` in the report and read "n/a", never 1, 0 or NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

NA = "n/a"
NOT_ASKED = "—"


def format_coefficient(value: float | None) -> str:
    """3 decimals ("-0.000" reads "0.000"); None -> "n/a"."""
    if value is None:
        return NA
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text


def format_share(value: float | None) -> str:
    """A share (percent agreement, prevalence) as a percentage with one decimal; None -> "n/a"."""
    return NA if value is None else f"{100 * value:.1f}%"


def format_interval(interval: Sequence[float] | None, *, asked: bool) -> str:
    """[low, high]; "—" when no bootstrap was asked for, "n/a" when it was but is undefined."""
    if interval is None:
        return NA if asked else NOT_ASKED
    low, high = (format_coefficient(v) for v in interval)
    return f"[{low}, {high}]"
