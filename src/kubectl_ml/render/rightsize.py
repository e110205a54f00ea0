"""rightsize output: a table per workload for people, patches and commands for machines."""

from __future__ import annotations

import json
from typing import IO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kubectl_ml.model.quantity import try_parse_quantity
from kubectl_ml.rightsize.recommend import Recommendation, duration
from kubectl_ml.rightsize.report import RightsizeReport, set_resources_command, workload_patches


def _change(current: str | None, recommended: str | None) -> Text:
    """``500m → 412m (-18%)``, coloured by direction; ``unset → 1Gi`` when nothing was set."""
    if recommended is None:
        return Text(current or "-", style="dim")
    if current == recommended:
        return Text(recommended, style="dim")
    text = Text(f"{current or 'unset'} → ")
    before, after = try_parse_quantity(current), try_parse_quantity(recommended)
    text.append(recommended, style="bold")
    if before and after:
        percent = (float(after) - float(before)) / float(before) * 100
        text.append(f" ({percent:+.0f}%)", style="green" if percent < 0 else "yellow")
    return text


def _usage(item: Recommendation) -> str:
    cpu, memory = item.usage.get("cpu"), item.usage.get("memory")
    parts = []
    if cpu:
        parts.append(f"cpu {cpu['p50'] * 1000:.0f}/{cpu['p99'] * 1000:.0f}/{cpu['max'] * 1000:.0f}m")
    if memory:
        mib = 1024 * 1024
        parts.append(f"mem {memory['p50'] / mib:.0f}/{memory['p99'] / mib:.0f}/{memory['max'] / mib:.0f}Mi")
    if item.gpu:
        utilization = item.gpu["utilization"]
        parts.append(f"gpu {utilization['p50']:.0f}%/{utilization['max']:.0f}%{' IDLE' if item.gpu['idle'] else ''}")
    return "  ".join(parts) or "no data"


def render_table(report: RightsizeReport, console: Console, title: str) -> None:
    """The recommendations as a table grouped by workload, notes as numbered footnotes."""
    console.print(Text(title, style="bold"))
    if not report.recommendations:
        console.print("No workload containers found.")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
    for column in ("workload", "container", "cpu request", "cpu limit", "memory request", "memory limit"):
        table.add_column(column, no_wrap=True)
    table.add_column("usage p50/p99/max", no_wrap=True)
    table.add_column("history", no_wrap=True, justify="right")
    table.add_column("notes", no_wrap=True)
    footnotes: list[str] = []
    previous = None
    for item in report.recommendations:
        workload = f"{item.workload.kind.lower()}/{item.workload.name}"
        if report.source.get("all_namespaces") or len({r.namespace for r in report.recommendations}) > 1:
            workload = f"{item.namespace}/{workload}"
        marks = []
        for note in item.notes:
            if note not in footnotes:
                footnotes.append(note)
            marks.append(f"[{footnotes.index(note) + 1}]")
        table.add_row(
            workload if workload != previous else "",
            item.container,
            _change(item.current["requests"]["cpu"], item.recommended["requests"]["cpu"]),
            _change(item.current["limits"]["cpu"], item.recommended["limits"]["cpu"]),
            _change(item.current["requests"]["memory"], item.recommended["requests"]["memory"]),
            _change(item.current["limits"]["memory"], item.recommended["limits"]["memory"]),
            _usage(item),
            duration(item.history_seconds) if item.samples else "-",
            " ".join(marks),
        )
        previous = workload
    if report.recommendations:
        console.print(table)
    for number, note in enumerate(footnotes, start=1):
        console.print(Text(f"[{number}] {note}", style="dim"), soft_wrap=True)
    source = ", ".join(f"{key} {value}" for key, value in report.source.items() if key != "all_namespaces")
    queries = f", {report.queries} queries" if report.queries else ""
    console.print(Text(f"Usage over {duration(report.window_seconds)} from {source}{queries}.", style="dim"))
    for note in report.notes:
        console.print(Text(f"Note: {note}", style="yellow"), soft_wrap=True)


def render_patches(report: RightsizeReport, stream: IO[str]) -> None:
    """One strategic-merge patch per workload, as YAML documents with the command that applies each."""
    import yaml

    documents = []
    for item, patch in workload_patches(report):
        kind = item.workload.kind.lower()
        header = (
            f"# {kind}/{item.workload.name} -n {item.namespace}\n"
            f"# kubectl patch {kind} {item.workload.name} -n {item.namespace} --type=strategic "
            f"-p '{json.dumps(patch, separators=(',', ':'))}'\n"
        )
        documents.append(header + yaml.safe_dump(patch, sort_keys=False))
    stream.write("---\n".join(documents))


def render_commands(report: RightsizeReport, stream: IO[str]) -> None:
    """``kubectl set resources`` lines, one per changed container."""
    for item in report.recommendations:
        command = set_resources_command(item)
        if command:
            stream.write(command + "\n")
