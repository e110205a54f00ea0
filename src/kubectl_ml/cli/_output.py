"""Send a report to the right renderer and turn it into an exit code."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from kubectl_ml.cli._options import FailOn, OutputFormat
from kubectl_ml.errors import ExitCode
from kubectl_ml.model.findings import Report, Severity

if TYPE_CHECKING:  # rich is imported only when text is printed, to keep start-up fast
    from rich.console import Console


def text_console(piped_width: int | None = None) -> Console:
    """The console for a command's text output; piped, ``piped_width`` columns wide when given.

    A pipe has no width (rich assumes 80): a table of names and values is laid out wider rather than
    cut, since what reads it is ``grep`` or a file. The renderers never change a console's width.
    """
    from rich.console import Console

    console = Console(highlight=False)
    if piped_width and not console.is_terminal:
        return Console(highlight=False, width=max(console.width, piped_width))
    return console


def exit_code(report: Report, fail_on: FailOn) -> int:
    """0, or 1 when a finding is at or above ``--fail-on``."""
    if fail_on is FailOn.never:
        return ExitCode.OK
    worst = report.worst()
    return ExitCode.FINDINGS if worst is not None and worst >= Severity.parse(fail_on.value) else ExitCode.OK


def emit_document(document: dict[str, Any], output: str) -> bool:
    """Write ``document`` as JSON or YAML when ``output`` asks for one; False for any other format."""
    if output == "json":
        from kubectl_ml.render.data import render_json

        render_json(document, sys.stdout)
    elif output == "yaml":
        from kubectl_ml.render.data import render_yaml

        render_yaml(document, sys.stdout)
    else:
        return False
    return True


def emit_report(report: Report, output: OutputFormat, fail_on: FailOn, title: str, debug_source: Any = None) -> int:
    """Render the report on stdout and return the exit code."""
    if not emit_document(report.as_dict(), output.value):
        from rich.console import Console

        from kubectl_ml.render.text import render_report

        render_report(report, Console(highlight=False), title)
    if debug_source is not None and hasattr(debug_source, "requests"):
        for method, path in debug_source.requests:
            print(f"debug: {method} {path}", file=sys.stderr)
    return exit_code(report, fail_on)
