"""``kubectl ml gpu``: GPU nodes, taints, tolerations and fit."""

from __future__ import annotations

from typing import Annotated

import typer

from kubectl_ml.cli._options import (
    AllNamespaces,
    Context,
    Debug,
    FailOn,
    FailOnOption,
    Kubeconfig,
    Namespace,
    Output,
    OutputFormat,
    RequestTimeout,
    Snapshot,
)
from kubectl_ml.cli._output import emit_document, exit_code, text_console
from kubectl_ml.cli._source import ClusterOptions, namespace_of, open_source, progress


def gpu(
    filename: Annotated[
        list[str] | None,
        typer.Option("--filename", "-f", help="Check manifests not yet applied (files, folders, - for stdin)."),
    ] = None,
    namespace: Namespace = None,
    all_namespaces: AllNamespaces = False,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    request_timeout: RequestTimeout = None,
    snapshot: Snapshot = None,
    output: Output = OutputFormat.text,
    fail_on: FailOnOption = FailOn.error,
    debug: Debug = False,
) -> None:
    """GPU nodes (capacity, allocatable, allocated, free, taints) and why GPU pods cannot run there.

    \b
    Examples:
      kubectl ml gpu -A
      kubectl ml gpu -n ml-training -o json
      kubectl ml gpu -f train-job.yaml --snapshot ./cluster
    """
    from kubectl_ml.flows import gpu as gpu_flow

    options = ClusterOptions(kubeconfig, context, namespace, all_namespaces, request_timeout, snapshot)
    source = open_source(options)
    scope = namespace_of(options, source)
    with progress("Reading GPU nodes…"):
        report = gpu_flow.gpu_report(source, scope, filename)
    if not emit_document(report.as_dict(), output.value):
        from kubectl_ml.render.gpu import render_gpu

        render_gpu(
            report, text_console(piped_width=160), "GPU nodes: " + ("all namespaces" if scope is None else scope)
        )
    raise typer.Exit(exit_code(report, fail_on))
