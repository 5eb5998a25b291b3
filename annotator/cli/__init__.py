"""The command line: a thin Typer layer over ``annotator.core``.

User errors (``UserError``) and storage failures (disk full, read-only or locked database,
I/O error, PostgreSQL unreachable, stalled or gone: ``annotator.core.storage_errors``)
print one line on stderr that says what happened and what to do, and exit with status 2;
a traceback is shown only with ``--debug``.

Start-up: this package, ``annotator.cli.app`` and the command modules import Typer and
little else; Rich, SQLAlchemy, numpy and the rest load inside the command that uses them, so
that ``annotator --help`` starts about as fast as a bare Typer app (benchmarks/bench_cli.py;
tests/test_architecture.py fails if a heavy import comes back).
"""

from __future__ import annotations

import os
import sys

import typer

from annotator.cli.app import app, state
from annotator.core.errors import UserError

__all__ = ["app", "main"]


def error(message: str) -> None:
    """``annotator.cli.output.error``, imported only when there is an error to print (Rich)."""
    from annotator.cli.output import error as print_error

    print_error(message)


def main(argv: list[str] | None = None) -> None:
    try:
        # Without standalone mode click returns the code of typer.Exit instead of exiting.
        code = app(args=argv, standalone_mode=False, prog_name="annotator")
        if isinstance(code, int) and code:
            sys.exit(code)
    except UserError as exc:
        if state.debug:
            raise
        error(str(exc))
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        error("interrupted")
        sys.exit(130)
    except typer.TyperException as exc:
        # Usage errors (unknown option, bad value, missing argument): one line like every other
        # error, naming the command and where its help is, instead of click's usage block.
        format_message = getattr(exc, "format_message", None)
        message = format_message() if callable(format_message) else str(exc)
        show = getattr(exc, "show", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and callable(show):  # `annotator` alone: the help
            show()
            sys.exit(int(getattr(exc, "exit_code", 2) or 2))
        command = getattr(getattr(exc, "ctx", None), "command_path", None) or "annotator"
        is_usage = any(kind.__name__ == "UsageError" for kind in type(exc).__mro__)
        error(f"{command}: {message}" + (f" (see `{command} --help`)" if is_usage else ""))
        sys.exit(int(getattr(exc, "exit_code", 2) or 2))
    except Exception as exc:
        if state.debug or os.environ.get("ANNOTATOR_DEBUG"):
            raise
        from annotator.core.storage_errors import storage_problem

        problem = storage_problem(exc)
        if problem is not None:
            error(problem.line())
            sys.exit(2)
        error(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        sys.exit(1)
