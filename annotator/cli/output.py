"""Everything the CLI prints goes through here: untrusted text is never markup or escapes."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.text import Text

from annotator.core.redact import redact
from annotator.core.text import visible

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def print_json(data: Any, *, stderr: bool = False) -> None:
    """JSON for scripts on stdout (stderr when stdout carries data). json escapes control characters."""
    out = sys.stderr if stderr else sys.stdout
    out.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    out.flush()


def print_jsonl(record: Any) -> None:
    sys.stdout.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


def error(message: str) -> None:
    """One line on stderr, literal (a file name may contain brackets), URL passwords masked."""
    err_console.print(Text("error: ", style="bold red") + Text(visible(redact(message))), soft_wrap=True)


def warning(message: str) -> None:
    err_console.print(Text("warning: ", style="yellow") + Text(visible(redact(message))), soft_wrap=True)
