"""The terminal report: findings grouped by workload, each with cause, evidence, fix and next step.

On a terminal it uses colour; piped, the same layout comes out as plain text (rich drops the styles),
and ``NO_COLOR`` is honoured by rich itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kubectl_ml.model.findings import Finding, ObjectRef, Report, Severity
from kubectl_ml.render.layout import Line, print_line

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_MARK = {Severity.ERROR: "✖", Severity.WARNING: "▲", Severity.INFO: "●"}


def _line(label: str, value: str, indent: int = 4, *, whole: bool = False) -> Line:
    text = Text(" " * indent)
    text.append(f"{label:<9} ", style="dim")
    text.append(value)
    return Line(text, indent + 10, whole)


def _evidence_lines(finding: Finding) -> list[Line]:
    lines: list[Line] = []
    for index, item in enumerate(finding.evidence):
        label = "evidence" if index == 0 else ""
        value = item.value if isinstance(item.value, str) else json.dumps(item.value, separators=(", ", ": "))
        head = f"{item.label}: " if item.source == "event" and item.label else f"{item.path}: "
        if "\n" in value:
            lines.append(_line(label, head.rstrip()))
            lines.extend(Line(Text("              " + part), 14) for part in value.splitlines())
        else:
            lines.append(_line(label, head + value))
    return lines


def _finding_block(finding: Finding, others: Sequence[Finding], current: str | None = None) -> list[Line]:
    header = Text("  ")
    header.append(f"{_MARK[finding.severity]} {finding.severity.label:<7}", style=_STYLE[finding.severity])
    header.append(f" {finding.code}", style="bold")
    where = f"  {finding.object.kind.lower()} {finding.object.name}"
    if finding.container:
        where += f"  container {finding.container}"
    header.append(where, style="dim")
    lines = [Line(header, 4), Line(Text("    " + finding.summary), 4)]
    lines.extend(_evidence_lines(finding))
    if finding.remedy:  # an information has nothing to fix
        lines.append(_line("fix", finding.remedy))
    commands = list(finding.commands)
    if finding.patch and commands and commands[0].startswith("kubectl patch "):
        lines.append(_line("apply", commands.pop(0), whole=True))  # the finding's own patch, ready to run
    elif finding.patch:
        lines.append(_line("patch", json.dumps(finding.patch, separators=(",", ":")), whole=True))
    # A command never suggests itself (`kubectl ml gpu -n x` under `kubectl ml gpu -A`).
    commands = [item for item in commands if not (current and item.startswith(current))]
    for index, item in enumerate(commands):
        lines.append(_line("next" if index == 0 else "", item, whole=True))
    if others:
        names = ", ".join(other.object.name for other in others[:5])
        more = f" and {len(others) - 5} more" if len(others) > 5 else ""
        lines.append(
            Line(
                Text(
                    f"    (the same on {len(others)} more pod{'s' if len(others) > 1 else ''}: {names}{more})",
                    style="dim",
                ),
                5,
            )
        )
    return lines


def _group(findings: Sequence[Finding]) -> list[tuple[ObjectRef | None, list[tuple[Finding, list[Finding]]]]]:
    """Findings by workload; identical problems on sibling pods collapse into one block."""
    groups: dict[ObjectRef | None, dict[tuple[str, str | None], tuple[Finding, list[Finding]]]] = {}
    for finding in findings:
        key = finding.workload if finding.workload else finding.object
        same = groups.setdefault(key, {})
        signature = (finding.code, finding.container)
        if signature in same and finding.object != same[signature][0].object:
            same[signature][1].append(finding)
        elif signature in same:
            same[(finding.code, f"{finding.container}#{len(same)}")] = (finding, [])
        else:
            same[signature] = (finding, [])
    return [(key, list(blocks.values())) for key, blocks in groups.items()]


def _headline(summary: str) -> str:
    """The part of a summary before its first ``: `` when it says something on its own, else all of it.

    The detail after the colon is in the finding's block below the overview.
    """
    head, colon, _detail = summary.partition(": ")
    return head if colon and len(head) >= 24 else summary


def _overview(groups: list[tuple[ObjectRef | None, list[tuple[Finding, list[Finding]]]]], console: Console) -> None:
    """One line per problem: what a person scans first when a namespace has many."""
    rows: list[tuple[Text, Text, Text]] = []
    for workload, blocks in groups:
        for finding, others in blocks:
            where = f"{workload.kind.lower()}/{workload.name}" if workload else finding.object.name
            if others:
                where += f" ({1 + len(others)} pods)"
            code = Text(f"{_MARK[finding.severity]} ", style=_STYLE[finding.severity])
            code.append(finding.code, style="")
            rows.append((code, Text(where), Text(_headline(finding.summary))))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("problem", min_width=max(len(code) for code, _, _ in rows), no_wrap=True)
    table.add_column("workload", min_width=min(44, max(len(place) for _, place, _ in rows)), no_wrap=True)
    # The summary's headline, wrapped at words within the terminal (never cut mid-word); on narrow
    # terminals it is left out. The details below carry every summary whole.
    wide = console.width >= 110
    if wide:
        table.add_column("summary", ratio=1)
    for code, place, summary in rows:
        table.add_row(code, place, *([summary] if wide else []))
    console.print(table)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render_report(
    report: Report, console: Console, title: str, checked: str | None = None, current: str | None = None
) -> None:
    """Print a DoctorReport for people: an overview table when there are several problems, then details.

    ``checked`` says what was checked (``12 pods and workloads checked on 4 GPU nodes``); by default,
    the pods. ``current`` is the command being run (``kubectl ml gpu``): no finding suggests it again.
    """
    console.print(Text(title, style="bold"))
    checked = checked or f"{_plural(report.checked, 'pod')} checked"
    if not report.findings and not report.skipped:
        console.print(Text(f"✔ No problems found in {checked}.", style="green"))
    elif not report.findings:
        # Something in scope could not be read (listed under Skipped): not a green.
        console.print(
            Text(f"No problems found in {checked}, but not everything could be checked: see Skipped below."),
            soft_wrap=not console.is_terminal,  # piped: one line, for grep
        )
    groups = _group(report.findings)
    if sum(len(blocks) for _workload, blocks in groups) >= 4:
        console.print()
        _overview(groups, console)
    for workload, blocks in groups:
        console.print()
        if workload is not None:
            place = f"{workload.namespace}/{workload.name}" if workload.namespace else workload.name
            console.print(Text(f"{workload.kind} {place}", style="bold underline"))
        for finding, others in blocks:
            for line in _finding_block(finding, others, current):
                print_line(console, line)
    console.print()
    counts = {severity: sum(1 for finding in report.findings if finding.severity == severity) for severity in Severity}
    summary = Text("Summary: ")
    parts = [
        (counts[Severity.ERROR], "error", Severity.ERROR),
        (counts[Severity.WARNING], "warning", Severity.WARNING),
        (counts[Severity.INFO], "info", Severity.INFO),
    ]
    summary.append(
        ", ".join(f"{count} {name}{'s' if count != 1 and name != 'info' else ''}" for count, name, _ in parts)
    )
    summary.append(f" in {checked}.")
    console.print(summary)
    for note in report.skipped:
        print_line(console, Line(Text(f"Skipped: {note}", style="yellow"), 9))
