"""rightsize output: a table per workload for people, patches and commands for machines."""

from __future__ import annotations

from typing import IO, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kubectl_ml.model.quantity import format_cpu, format_memory, try_parse_quantity
from kubectl_ml.model.workloads import WORKLOAD_KINDS
from kubectl_ml.render.bars import ASCII, BLOCKS, Glyphs, ascii_only, usage_bar, usage_legend
from kubectl_ml.render.layout import print_piped_table
from kubectl_ml.rightsize.recommend import Recommendation, history_length
from kubectl_ml.rightsize.report import RightsizeReport, set_resources_command, workload_patches

_SHORT_KIND = {"Deployment": "deploy", "StatefulSet": "sts", "DaemonSet": "ds", "CronJob": "cj", "ReplicaSet": "rs"}


def _change(current: str | None, recommended: str | None) -> Text:
    """``500m → 412m``, the new value green when it frees capacity and yellow when it asks for more."""
    if recommended is None:
        return Text(current or "-", style="dim")
    if current == recommended:
        return Text(recommended, style="dim")
    text = Text(f"{current or 'unset'} → ")
    before, after = try_parse_quantity(current), try_parse_quantity(recommended)
    style = "bold"
    if before is not None and after is not None:
        style = "bold green" if after < before else "bold yellow"
    text.append(recommended, style=style)
    return text


def _usage(item: Recommendation) -> str:
    cpu, memory = item.usage.get("cpu"), item.usage.get("memory")
    parts = []
    if cpu:
        parts.append(f"cpu {cpu['p50']:.2f}/{cpu['p99']:.2f}/{cpu['max']:.2f}")
    if memory:
        gib = 1024**3
        parts.append(f"mem {memory['p50'] / gib:.1f}/{memory['p99'] / gib:.1f}/{memory['max'] / gib:.1f}Gi")
    if item.gpu:
        utilization = item.gpu["utilization"]
        parts.append(f"gpu {utilization['p50']:.0f}/{utilization['max']:.0f}%")
    return "  ".join(parts)


def _usage_bars(item: Recommendation, glyphs: Glyphs) -> list[Text]:
    """``cpu    |███▓░  R   L|  6238m``: a container's usage against its current request and limit.

    The scale runs from 0 to the largest of the usage, the current and the recommended values, so the
    recommendation always fits on it too. A resource with no usage has no bar.
    """
    lines = []
    for resource, label in (("cpu", "cpu"), ("memory", "memory")):
        stats = item.usage.get(resource)
        if not stats:
            continue
        peak = float(stats["max"])
        # The scale's right end, labelled as the user wrote it (or as the recommendation says it).
        ends: list[tuple[float, str]] = [(peak, format_cpu(peak) if resource == "cpu" else format_memory(peak))]
        for values in (item.current, item.recommended):
            for section in ("requests", "limits"):
                written = values[section][resource]
                quantity = try_parse_quantity(written)
                if quantity is not None:
                    ends.append((float(quantity), str(written)))
        top, top_label = max(ends, key=lambda end: end[0])
        request, limit = (try_parse_quantity(item.current[section][resource]) for section in ("requests", "limits"))
        bar = usage_bar(
            float(stats["p50"]),
            float(stats["p99"]),
            peak,
            None if request is None else float(request),
            None if limit is None else float(limit),
            top,
            glyphs,
        )
        if not bar:
            continue
        line = Text(f"{label:<7}")
        line.append_text(bar)
        line.append(f" {top_label}", style="dim")
        lines.append(line)
    return lines


def _workload_label(item: Recommendation, with_namespace: bool) -> str:
    label = f"{_SHORT_KIND.get(item.workload.kind, item.workload.kind.lower())}/{item.workload.name}"
    if item.workload.role:
        label += f" ({item.workload.role})"
    return f"{item.namespace}/{label}" if with_namespace else label


def _marks(item: Recommendation, footnotes: list[str]) -> str:
    """``[1] [3]``: the item's notes as footnote numbers, each note numbered once, in order of first use."""
    for note in item.notes:
        if note not in footnotes:
            footnotes.append(note)
    return " ".join(f"[{footnotes.index(note) + 1}]" for note in item.notes)


def _render_blocks(
    with_usage: list[Recommendation], with_namespace: bool, footnotes: list[str], console: Console, glyphs: Glyphs
) -> None:
    """The narrow-terminal layout: a block per container, every value whole."""
    for item in with_usage:
        console.print()
        head = Text(_workload_label(item, with_namespace), style="bold")
        head.append(f"  container {item.container}")
        marks = _marks(item, footnotes)
        if marks:
            head.append("  " + marks, style="dim")
        console.print(head, overflow="fold")
        for resource in ("cpu", "memory"):
            line = Text(f"  {resource:<7} request ")
            line.append_text(_change(item.current["requests"][resource], item.recommended["requests"][resource]))
            line.append("   limit ")
            line.append_text(_change(item.current["limits"][resource], item.recommended["limits"][resource]))
            console.print(line, overflow="fold")
        usage = _usage(item)
        if usage:
            console.print(
                Text(f"  usage   {usage}  (p50/p99/max over {history_length(item.history_seconds)})", style="dim"),
                overflow="fold",
            )
        for bar in _usage_bars(item, glyphs):
            console.print(Text("  ") + bar, overflow="fold")
    console.print()


def _render_tail(
    report: RightsizeReport, console: Console, without: list[Recommendation], with_namespace: bool, piped: bool
) -> None:
    """What has no usage, where the usage came from, and the report's notes (prose: wrapped at words)."""
    if without:
        names = ", ".join(f"{_workload_label(item, with_namespace)} ({item.container})" for item in without)
        console.print(
            Text(f"No usage in the window (not running, or no metrics): {names}.", style="dim"), soft_wrap=piped
        )
    origin = report.source.get("url") or report.source.get("path") or report.source.get("type", "")
    queries = f", {report.queries} queries" if report.queries else ""
    span = (
        f"sampled for {report.source['sampleFor']}"
        if report.source.get("type") == "metrics-server"
        else f"over {history_length(report.window_seconds)}"
    )
    console.print(Text(f"Usage {span} from {origin}{queries}.", style="dim"), soft_wrap=piped)
    if report.source.get("confidence") == "low":
        console.print(Text("Low confidence: a short sampling, not a usage history.", style="yellow"), soft_wrap=piped)
    for note in report.notes:
        console.print(Text(f"Note: {note}", style="yellow"), soft_wrap=piped)


def render_table(report: RightsizeReport, console: Console, title: str) -> None:
    """Recommendations as a table (containers with usage), notes as numbered footnotes, the rest listed.

    Piped, the table is laid out 200 columns wide instead of truncated: the text is for reading or grep.
    On a terminal too narrow for the whole table (80 or 120 columns), a block per container instead:
    values are the answer and are never cut; prose is wrapped at words.
    """
    piped = not console.is_terminal
    console.print(Text(title, style="bold"))
    with_usage = [item for item in report.recommendations if item.samples or item.usage.get("cpu")]
    without = [item for item in report.recommendations if item not in with_usage]
    with_namespace = len({item.namespace for item in report.recommendations}) > 1
    footnotes: list[str] = []
    glyphs = ASCII if ascii_only(console) else BLOCKS
    table = _table(with_usage, with_namespace, footnotes, glyphs, wide=piped or console.width >= 140)
    natural = console.measure(table, options=console.options.update_width(10_000)).maximum
    if with_usage and not piped and natural > console.width:
        _render_blocks(with_usage, with_namespace, footnotes, console, glyphs)
    elif with_usage and piped:
        print_piped_table(console, table, natural)
    elif with_usage:
        console.print(table)
    else:
        console.print("No workload container has usage data in the window.")
    if any(item.usage for item in with_usage):
        console.print(Text(usage_legend(glyphs), style="dim"), soft_wrap=piped)
    for number, note in enumerate(footnotes, start=1):
        console.print(Text(f"[{number}] {note}", style="dim"), soft_wrap=piped)
    _render_tail(report, console, without, with_namespace, piped)


def _table(
    with_usage: list[Recommendation], with_namespace: bool, footnotes: list[str], glyphs: Glyphs, *, wide: bool
) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("workload", "container", "cpu request", "cpu limit", "memory request", "memory limit"):
        table.add_column(column, no_wrap=True)
    if wide:
        table.add_column("usage p50/p99/max (cores, GiB, GPU %)", no_wrap=True)
        table.add_column("history", no_wrap=True, justify="right")
    table.add_column("usage against request (R) and limit (L)", no_wrap=True)
    table.add_column("notes", no_wrap=True)
    previous = None
    for item in with_usage:
        workload = _workload_label(item, with_namespace)
        cells: list[Text | str] = [
            workload if workload != previous else "",
            item.container,
            _change(item.current["requests"]["cpu"], item.recommended["requests"]["cpu"]),
            _change(item.current["limits"]["cpu"], item.recommended["limits"]["cpu"]),
            _change(item.current["requests"]["memory"], item.recommended["requests"]["memory"]),
            _change(item.current["limits"]["memory"], item.recommended["limits"]["memory"]),
        ]
        if wide:
            cells += [_usage(item), history_length(item.history_seconds)]
        cells.append(Text("\n").join(_usage_bars(item, glyphs)))
        table.add_row(*cells, _marks(item, footnotes))
        previous = workload
    return table


def render_patches(report: RightsizeReport, stream: IO[str]) -> None:
    """One strategic-merge patch per workload, as YAML documents with the command that applies each."""
    import yaml

    documents = []
    for patch in workload_patches(report):
        item = patch.item
        role = f" ({item.workload.role})" if item.workload.role else ""
        header = f"# {item.workload.kind.lower()}/{item.workload.name}{role} -n {item.namespace}\n# {patch.command()}\n"
        documents.append(header + yaml.safe_dump(patch.body, sort_keys=False))
    stream.write("---\n".join(documents))
    if not documents:
        _say_why_nothing(report, "patch")


def render_commands(report: RightsizeReport, stream: IO[str]) -> None:
    """``kubectl set resources`` lines, one per changed container."""
    written = 0
    for item in report.recommendations:
        command = set_resources_command(item)
        if command:
            stream.write(command + "\n")
            written += 1
    if not written:
        _say_why_nothing(report, "command")


def _say_why_nothing(report: RightsizeReport, what: str) -> None:
    """On stderr (stdout stays a clean patch stream): why nothing was printed, and what to do instead."""
    import sys

    changed = [item for item in report.recommendations if item.recommended != item.current]
    fixed = [item for item in changed if item.workload.kind in ("Job", "Pod") or not _builtin(item)]
    if not report.recommendations:
        why = "there is no recommendation (no usage in the window for what was in scope)"
    elif not changed:
        why = "every container is already sized as recommended"
    elif len(fixed) == len(changed) and what == "command":
        why = "the recommendations are for Jobs, pods or custom resources, which kubectl set resources cannot change"
    else:
        why = "the recommendations are for Jobs and pods, whose pod templates cannot be changed in place"
    print(
        f"note: no {what} to print: {why}. `kubectl ml rightsize` (the table) or -o yaml shows them, to "
        "use in the manifest of the next run.",
        file=sys.stderr,
    )


def _builtin(item: Any) -> bool:
    entry = WORKLOAD_KINDS.get(item.workload.kind)
    return bool(entry and entry.builtin)
