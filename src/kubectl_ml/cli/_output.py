"""Send a report to the right renderer and turn it into an exit code."""

from __future__ import annotations

import sys
from typing import Any

from kubectl_ml.cli._options import FailOn, OutputFormat
from kubectl_ml.errors import ExitCode
from kubectl_ml.model.findings import Report, Severity


def exit_code(report: Report, fail_on: FailOn) -> int:
    """0, or 1 when a finding is at or above ``--fail-on``."""
    if fail_on is FailOn.never:
        return ExitCode.OK
    worst = report.worst()
    return ExitCode.FINDINGS if worst is not None and worst >= Severity.parse(fail_on.value) else ExitCode.OK


def emit_report(report: Report, output: OutputFormat, fail_on: FailOn, title: str, debug_source: Any = None) -> int:
    """Render the report on stdout and return the exit code."""
    if output is OutputFormat.json:
        from kubectl_ml.render.data import render_json

        render_json(report.as_dict(), sys.stdout)
    elif output is OutputFormat.yaml:
        from kubectl_ml.render.data import render_yaml

        render_yaml(report.as_dict(), sys.stdout)
    else:
        from rich.console import Console

        from kubectl_ml.render.text import render_report

        render_report(report, Console(highlight=False), title)
    if debug_source is not None and hasattr(debug_source, "requests"):
        for method, path in debug_source.requests:
            print(f"debug: {method} {path}", file=sys.stderr)
    return exit_code(report, fail_on)
