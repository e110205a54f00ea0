"""``gpu`` output for people: a table of GPU nodes, then the findings as ``doctor`` shows them."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kubectl_ml.model.findings import Report
from kubectl_ml.model.tolerations import describe_taint
from kubectl_ml.render.bars import ascii_only
from kubectl_ml.render.layout import print_piped_table
from kubectl_ml.render.text import render_report


def render_gpu(report: Report, console: Console, title: str) -> None:
    """Print a GpuReport: one row per node and accelerator resource, tainted nodes included.

    Piped, the table is printed at its natural width (names and taints whole, for grep and files).
    """
    nodes = report.extra.get("nodes") or []
    console.print(Text(title, style="bold"))
    if not nodes:
        console.print("No node advertises an accelerator (nvidia.com/gpu, MIG, AMD, Intel, TPU, Neuron...).")
    else:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for column in ("node", "product", "resource"):
            table.add_column(column, no_wrap=True)
        for column in ("capacity", "allocatable", "allocated", "free"):
            table.add_column(column, no_wrap=True, justify="right")
        plain = ascii_only(console)
        table.add_column("in use", no_wrap=True)
        table.add_column("taints")
        for node in nodes:
            taints = ", ".join(describe_taint(taint) for taint in node.get("taints") or []) or "none"
            name = node["name"] + (" (cordoned)" if node.get("unschedulable") else "")
            if not node.get("resources"):
                # Labelled as a GPU node, but the device plugin advertises nothing (yet): worth a row.
                product = str(node.get("product") or "")
                table.add_row(
                    Text(name), Text(product), Text("none advertised", style="yellow"), "-", "-", "-", "-", "", taints
                )
            for index, resource in enumerate(node.get("resources") or []):
                unhealthy = resource.get("unhealthy")
                allocatable = Text(str(resource.get("allocatable")))
                if unhealthy and str(unhealthy) != "0":
                    allocatable.append(f" ({unhealthy} unhealthy)", style="yellow")
                free = Text(str(resource.get("free")), style="green" if str(resource.get("free")) != "0" else "dim")
                table.add_row(
                    Text(name) if index == 0 else "",
                    Text(str(node.get("product") or node.get("platform") or "")) if index == 0 else "",
                    Text(str(resource.get("name"))),
                    str(resource.get("capacity")),
                    allocatable,
                    str(resource.get("allocated")),
                    free,
                    Text(_bar(resource.get("allocated"), resource.get("allocatable"), ascii_only=plain), "cyan"),
                    Text(taints, style="dim" if taints != "none" else "yellow") if index == 0 else "",
                )
        natural = console.measure(table, options=console.options.update_width(10_000)).maximum
        if console.is_terminal and natural > console.width:
            _render_node_blocks(nodes, console)  # too narrow for the table: never cut a node's name
        elif console.is_terminal:
            console.print(table)
        else:
            print_piped_table(console, table, natural)
    console.print()
    what = "pod or workload" if report.checked == 1 else "pods and workloads"
    gpu_nodes = f"{len(nodes)} GPU node{'' if len(nodes) == 1 else 's'}"
    checked = f"{report.checked} {what} checked on {gpu_nodes}"
    render_report(report, console, "GPU findings", checked=checked, current="kubectl ml gpu")


def _bar(allocated: object, allocatable: object, *, ascii_only: bool) -> str:
    """``███░`` for 3 of 4 allocated (``###.`` when the terminal cannot show blocks); empty for no numbers."""
    try:
        used, total = int(str(allocated)), int(str(allocatable))
    except ValueError:
        return ""
    if total <= 0 or total > 64:
        return ""
    full, empty = ("#", ".") if ascii_only else ("█", "░")
    over = f"+{used - total}" if used > total else ""
    return full * min(used, total) + empty * max(total - used, 0) + over


def _render_node_blocks(nodes: list[dict[str, object]], console: Console) -> None:
    """The narrow-terminal layout: a block per node, its name and values whole, and an allocation bar."""
    plain = ascii_only(console)
    for node in nodes:
        name = str(node["name"]) + (" (cordoned)" if node.get("unschedulable") else "")
        head = Text(name, style="bold")
        product = str(node.get("product") or node.get("platform") or "")
        if product:
            head.append(f"  {product}")
        console.print(head, overflow="fold")
        resources = node.get("resources") or []
        if not resources:
            console.print(Text("  none advertised (the device plugin reports no accelerator yet)", style="yellow"))
        for resource in resources if isinstance(resources, list) else []:
            bar = _bar(resource.get("allocated"), resource.get("allocatable"), ascii_only=plain)
            line = Text(f"  {resource.get('name')}  ")
            if bar:
                line.append(bar + "  ", style="cyan")
            line.append(
                f"{resource.get('allocated')} of {resource.get('allocatable')} allocated, {resource.get('free')} free"
                f" (capacity {resource.get('capacity')})"
            )
            console.print(line, overflow="fold")
        taints = node.get("taints") or []
        shown = ", ".join(describe_taint(taint) for taint in taints) if isinstance(taints, list) else ""
        console.print(Text(f"  taints  {shown or 'none'}", style="dim" if shown else "yellow"), overflow="fold")
