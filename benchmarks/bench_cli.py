"""CLI startup: ``annotator --help`` and ``annotator stats`` against a minimal Typer app (issue 11).

    python benchmarks/bench_cli.py                 # 15 runs of each, interleaved
    python benchmarks/bench_cli.py --runs 31
    git worktree add /tmp/before main && python benchmarks/bench_cli.py --compare /tmp/before

Every figure is a whole process, as a user waits for it: ``fork``/``exec`` of the
interpreter, imports, the command, exit. Measured in the same run, interleaved (one run of
each command, then the next round), so that the machine's load falls on all of them alike:

* baselines: a minimal Typer app of 8 commands with an option or two each, written to a
  temporary file: ``python app.py --help``, and ``python app.py stats --db X`` (a command
  that prints one line: Typer's own cost of running a command, which includes converting
  the options with pydantic since Typer 0.29). Same app settings as ours (no completion
  commands, no Rich markup, no pretty exceptions), so that neither side pays for a feature
  the other skips;
* ``annotator --help``: the command list;
* ``annotator stats --db X``: a project database made by ``init`` + ``import
  seeds/`` in a temporary folder (SQLite), its overview printed as a table.

``annotator`` runs as the installed ``annotator`` script does (``annotator.cli:main``), from
the repository's folder, so that ``--compare DIR`` (another checkout, e.g. of the commit
before a change) times that checkout's code the same way in the same run.

Python's bytecode caches are written by the warm-up run and used after, as an installed
tool has them (``PYTHONDONTWRITEBYTECODE`` is dropped from the children's environment).

Printed: median and min wall time of ``--runs`` runs, median user+sys CPU, peak RSS of each
process (``ru_maxrss`` from ``wait4``; on Linux the maximum of the child's and of this
process's at fork time, which is printed and stays far below), and the ratios of the
medians to both baselines. Goals (issue 11): ``--help`` <= 1.2x the baseline's ``--help``;
``stats`` <= 2x the baseline's command (its ratio to the baseline's ``--help`` is printed too).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

BASELINE_APP = '''\
"""A minimal Typer app of 8 commands: the baseline for the CLI's startup."""

from typing import Annotated

import typer

app = typer.Typer(
    name="minimal", help="A minimal app.", no_args_is_help=True, add_completion=False,
    pretty_exceptions_enable=False, rich_markup_mode=None,
)


@app.command("init")
def init(db: Annotated[str | None, typer.Option("--db", help="Database.")] = None) -> None:
    """Create the database."""
    typer.echo(f"init {db}")


@app.command("import")
def import_(paths: list[str], db: Annotated[str | None, typer.Option("--db", help="Database.")] = None) -> None:
    """Import files."""
    typer.echo(f"import {paths} {db}")


@app.command("sentences")
def sentences(document: str, db: Annotated[str | None, typer.Option("--db", help="Database.")] = None) -> None:
    """List sentences."""
    typer.echo(document)


@app.command("stats")
def stats(
    db: Annotated[str | None, typer.Option("--db", help="Database.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON.")] = False,
) -> None:
    """Counts."""
    typer.echo("stats")


@app.command("annotate")
def annotate(annotator: Annotated[str, typer.Option("--annotator", help="Who.")] = "me") -> None:
    """Annotate."""
    typer.echo(annotator)


@app.command("agreement")
def agreement(
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Resamples.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="JSON.")] = False,
) -> None:
    """Agreement."""
    typer.echo(str(bootstrap))


@app.command("export")
def export(fmt: Annotated[str, typer.Option("--format", help="Format.")] = "jsonl") -> None:
    """Export."""
    typer.echo(fmt)


@app.command("check")
def check(db: Annotated[str | None, typer.Option("--db", help="Database.")] = None) -> None:
    """Check."""
    typer.echo("ok")


if __name__ == "__main__":
    app()
'''


def timed(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user+sys) and peak RSS (MB) of one whole process."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            message = err.read().decode(errors="replace")
            raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {message}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


# What the installed `annotator` script runs (pyproject's [project.scripts]), imported from
# the working folder: this checkout's code, or --compare's.
ENTRY_POINT = "import sys; from annotator.cli import main; sys.argv[0] = 'annotator'; sys.exit(main())"


def annotator(*args: str) -> list[str]:
    return [sys.executable, "-c", ENTRY_POINT, *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--compare", type=Path, help="another checkout of the repository, timed alike")
    args = parser.parse_args()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    env.pop("ANNOTATOR_DB", None)
    # Bytecode caches as an installed tool has them (pip compiles at install time): with
    # PYTHONDONTWRITEBYTECODE set, every run would compile our modules' source again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="bench_cli_") as folder:
        baseline = Path(folder) / "minimal_app.py"
        baseline.write_text(BASELINE_APP, encoding="utf-8")
        db = str(Path(folder) / "seeds.db")
        subprocess.run(annotator("init", "--db", db), check=True, capture_output=True, env=env, cwd=ROOT)
        subprocess.run(annotator("import", str(SEEDS), "--db", db), check=True, capture_output=True, env=env, cwd=ROOT)
        commands = {
            "minimal Typer app --help (baseline)": ([sys.executable, str(baseline), "--help"], ROOT),
            "minimal Typer app stats (baseline)": ([sys.executable, str(baseline), "stats", "--db", db], ROOT),
            "annotator --help": (annotator("--help"), ROOT),
            "annotator stats (seeds)": (annotator("stats", "--db", db), ROOT),
        }
        if args.compare:
            commands["--compare: annotator --help"] = (annotator("--help"), args.compare.resolve())
            commands["--compare: annotator stats (seeds)"] = (annotator("stats", "--db", db), args.compare.resolve())
        for command, cwd in commands.values():  # warm the page cache and the bytecode caches
            timed(command, env, cwd)
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (command, cwd) in commands.items():
                results[name].append(timed(command, env, cwd))
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, "
        f"{args.runs} runs each (interleaved); this process's peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    help_base = statistics.median(wall for wall, _, _ in results["minimal Typer app --help (baseline)"])
    command_base = statistics.median(wall for wall, _, _ in results["minimal Typer app stats (baseline)"])
    goals = {"annotator --help": 1.2, "annotator stats (seeds)": 2.0}
    if args.compare:
        print(f"--compare: {args.compare}")
    print(
        f"\n{'command':<38}{'median s':>10}{'min s':>8}{'CPU s':>8}{'RSS MB':>8}"
        f"{'/ --help':>10}{'/ stats':>9}   goal (ratio of the medians)"
    )
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        base = command_base if "stats" in name else help_base
        ratio = wall / base
        goal = f"<= {goals[name]:g}x {'ok' if ratio <= goals[name] else 'MISSED'}" if name in goals else ""
        print(
            f"{name:<38}{wall:>10.3f}{min(r[0] for r in runs):>8.3f}{cpu:>8.3f}{rss:>8.0f}"
            f"{wall / help_base:>9.2f}x{wall / command_base:>8.2f}x   {goal}"
        )


if __name__ == "__main__":
    main()
