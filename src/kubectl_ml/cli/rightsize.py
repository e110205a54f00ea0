"""``kubectl ml rightsize``: requests and limits from observed usage."""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_ml.cli._options import (
    AllNamespaces,
    Context,
    Debug,
    Kubeconfig,
    Namespace,
    RequestTimeout,
    Snapshot,
    parse_duration,
    parse_timeout,
)
from kubectl_ml.cli._output import emit_document, text_console
from kubectl_ml.cli._source import ClusterOptions, namespace_of, open_source, progress

if TYPE_CHECKING:  # imported lazily at run time, to keep --help fast
    from kubectl_ml.rightsize.report import RightsizeReport


class RightsizeOutput(str, Enum):
    """``-o`` values of rightsize."""

    text = "text"
    json = "json"
    yaml = "yaml"
    patch = "patch"
    kubectl = "kubectl"


class UsageSourceName(str, Enum):
    """``--source`` values."""

    auto = "auto"
    prometheus = "prometheus"
    metrics_server = "metrics-server"
    snapshot = "snapshot"


def rightsize(
    namespace: Namespace = None,
    all_namespaces: AllNamespaces = False,
    selector: Annotated[str | None, typer.Option("--selector", "-l", help="Only workloads with these labels.")] = None,
    prometheus: Annotated[
        str | None,
        typer.Option(
            "--prometheus",
            help="Prometheus base URL (default: the in-cluster one, through the API server).",
            rich_help_panel="Usage source",
        ),
    ] = None,
    prometheus_header: Annotated[
        list[str] | None,
        typer.Option(
            "--prometheus-header",
            help="Extra header, 'Name: value' (repeatable), e.g. X-Scope-OrgID.",
            rich_help_panel="Usage source",
        ),
    ] = None,
    prometheus_token_file: Annotated[
        str | None,
        typer.Option(
            "--prometheus-token-file",
            help="File holding a bearer token for Prometheus.",
            rich_help_panel="Usage source",
        ),
    ] = None,
    prometheus_token_env: Annotated[
        str | None,
        typer.Option(
            "--prometheus-token-env",
            help="Environment variable holding a bearer token for Prometheus.",
            rich_help_panel="Usage source",
        ),
    ] = None,
    source_name: Annotated[
        UsageSourceName,
        typer.Option(
            "--source",
            help="Where usage comes from (auto: --prometheus, else the snapshot's metrics.om, "
            "else the in-cluster Prometheus).",
            case_sensitive=False,
            rich_help_panel="Usage source",
        ),
    ] = UsageSourceName.auto,
    sample_for: Annotated[
        str,
        typer.Option(
            "--sample-for", help="With --source metrics-server: how long to sample.", rich_help_panel="Usage source"
        ),
    ] = "10m",
    window: Annotated[str, typer.Option("--window", help="Usage window, e.g. 7d, 24h.")] = "7d",
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", help="Named settings: balanced (P50, P99+20%), serving (P90, P99+30%), cost (P50, P95+10%)."
        ),
    ] = None,
    request_quantile: Annotated[
        float | None,
        typer.Option(
            "--request-quantile", min=0.0, max=1.0, metavar="Q", help="Request = this quantile of usage [0.5]."
        ),
    ] = None,
    limit_quantile: Annotated[
        float | None,
        typer.Option(
            "--limit-quantile", min=0.0, max=1.0, metavar="Q", help="Limit = this quantile of usage ... [0.99]"
        ),
    ] = None,
    limit_margin: Annotated[
        float | None, typer.Option("--limit-margin", min=0.0, metavar="M", help="... times 1 + this margin [0.2].")
    ] = None,
    min_history: Annotated[
        str, typer.Option("--min-history", help="Less history than this is marked low confidence.")
    ] = "24h",
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    request_timeout: RequestTimeout = None,
    snapshot: Snapshot = None,
    output: Annotated[
        RightsizeOutput,
        typer.Option(
            "--output",
            "-o",
            help="text, json, yaml, patch (strategic-merge patches) or kubectl (set resources lines).",
            case_sensitive=False,
        ),
    ] = RightsizeOutput.text,
    debug: Debug = False,
) -> None:
    """Recommend requests and limits from observed usage: request = P50, limit = P99 + 20%.

    \b
    Examples:
      kubectl ml rightsize -n ml-serving
      kubectl ml rightsize -n ml-serving --prometheus http://localhost:9090 -o patch
      kubectl ml rightsize -A --snapshot ./incident-42 -o json
    """
    from kubectl_ml.cli._usage import open_usage_source, settings_from
    from kubectl_ml.flows import rightsize as rightsize_flow

    settings = settings_from(
        profile,
        request_quantile,
        limit_quantile,
        limit_margin,
        parse_duration(window, "--window"),
        parse_duration(min_history, "--min-history"),
    )
    options = ClusterOptions(kubeconfig, context, namespace, all_namespaces, request_timeout, snapshot)
    source = open_source(options)
    scope = namespace_of(options, source)
    usage_source = open_usage_source(
        source_name.value,
        source,
        snapshot,
        prometheus,
        prometheus_header or [],
        prometheus_token_file,
        prometheus_token_env,
        parse_duration(sample_for, "--sample-for"),
        os.environ,
        # Not given: Prometheus' own query timeout (2 min) is waited for, heavier work than one API page.
        None if request_timeout is None else parse_timeout(request_timeout) or 0.0,
    )
    with progress("Querying usage…"):
        report = rightsize_flow.rightsize(source, usage_source, scope, settings, selector)
    _emit(report, output, "Rightsize: " + ("all namespaces" if scope is None else f"namespace {scope}"))


def _emit(report: RightsizeReport, output: RightsizeOutput, title: str) -> None:
    if emit_document(report.as_dict(), output.value):
        return
    if output is RightsizeOutput.patch:
        from kubectl_ml.render.rightsize import render_patches

        render_patches(report, sys.stdout)
    elif output is RightsizeOutput.kubectl:
        from kubectl_ml.render.rightsize import render_commands

        render_commands(report, sys.stdout)
    else:
        from kubectl_ml.render.rightsize import render_table

        render_table(report, text_console(piped_width=200), title)
