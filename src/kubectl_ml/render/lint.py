"""The terminal form of a LintReport: findings grouped by file, then object, each with its line.

``path:line`` heads each finding so terminals and editors can jump to it; styles as in ``render.text``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from kubectl_ml.model.findings import Finding, Report, Severity
from kubectl_ml.render.layout import Line, print_line
from kubectl_ml.render.text import _MARK, _STYLE


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 or word == 'info' else 's'}"


def _detail(label: str, value: str, *, whole: bool = False) -> Line:
    text = Text("      ")
    text.append(f"{label:<8} ", style="dim")
    text.append(value)
    return Line(text, 15, whole)


def _block(finding: Finding) -> list[Line]:
    where = f"{finding.object.file}:{finding.line or finding.object.line}"
    header = Text("  ")
    header.append(f"{_MARK[finding.severity]} {finding.severity.label:<7}", style=_STYLE[finding.severity])
    header.append(f" {finding.code}", style="bold")
    header.append(f"  {where}", style="dim")
    if finding.container:
        header.append(f"  container {finding.container}", style="dim")
    lines = [Line(header, 4), Line(Text("      " + finding.summary), 6)]
    lines.append(_detail("fix", finding.remedy))
    if finding.patch:
        lines.append(_detail("patch", json.dumps(finding.patch, separators=(",", ":")), whole=True))
    return lines


def _files(findings: Sequence[Finding]) -> dict[str, dict[tuple[str, str, int | None], list[Finding]]]:
    grouped: dict[str, dict[tuple[str, str, int | None], list[Finding]]] = {}
    for finding in findings:
        ref = finding.object
        key = (ref.kind, f"{ref.namespace}/{ref.name}" if ref.namespace else ref.name, ref.line)
        grouped.setdefault(ref.file or "", {}).setdefault(key, []).append(finding)
    return grouped


def render_lint(report: Report, console: Console, files: int) -> None:
    """Print a LintReport for people."""
    title = f"Lint: {_plural(files, 'file')}, {_plural(report.checked, 'object')} with pod specs"
    console.print(Text(title, style="bold"))
    if not report.findings and not report.skipped and report.checked:
        console.print(Text("✔ No problems found.", style="green"))
    elif not report.findings and not report.checked:
        below = " See below." if report.skipped else ""
        console.print(Text(f"Nothing to lint: no Pod or workload with containers.{below}"))
    elif not report.findings:
        console.print(Text(f"No problems found in the {_plural(report.checked, 'object')} checked; see below."))
    for name, objects in _files(report.findings).items():
        console.print()
        console.print(Text(name, style="bold underline"))
        for (kind, place, line), findings in objects.items():
            console.print(Text(f" {kind} {place} (line {line})", style="bold"))
            for finding in findings:
                for block_line in _block(finding):
                    print_line(console, block_line)
    console.print()
    counts = {severity: sum(1 for finding in report.findings if finding.severity == severity) for severity in Severity}
    unreadable = int((report.extra.get("counts") or {}).get("unreadable") or 0)
    not_read = f"; {unreadable} not read (below)" if unreadable else ""
    console.print(
        Text(
            f"Summary: {_plural(counts[Severity.ERROR], 'error')}, {_plural(counts[Severity.WARNING], 'warning')}, "
            f"{_plural(counts[Severity.INFO], 'info')} in {_plural(report.checked, 'object')}{not_read}."
        )
    )
    suppressed = report.extra.get("suppressed") or []
    if suppressed:
        by_annotation = sum(1 for item in suppressed if item.get("by") == "annotation")
        parts = [f"{by_annotation} by annotation"] if by_annotation else []
        if len(suppressed) > by_annotation:
            parts.append(f"{len(suppressed) - by_annotation} by {report.source.get('config')}")
        console.print(
            Text(f"Suppressed: {_plural(len(suppressed), 'finding')} ({', '.join(parts)}); -o json lists them."),
            soft_wrap=not console.is_terminal,
        )
    excluded = int((report.extra.get("counts") or {}).get("excluded") or 0)
    if excluded:
        console.print(
            Text(f"Excluded by {report.source.get('config')}: {_plural(excluded, 'file')}."),
            soft_wrap=not console.is_terminal,
        )
    for note in report.skipped:
        print_line(console, Line(Text(f"Skipped: {note}", style="yellow"), 9))
