"""``kubectl ml doctor``: why pods fail and what to fix."""

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
    NoRedact,
    Output,
    OutputFormat,
    RequestTimeout,
    Snapshot,
)
from kubectl_ml.cli._output import emit_report
from kubectl_ml.cli._source import ClusterOptions, namespace_of, open_source, progress
from kubectl_ml.errors import UsageError
from kubectl_ml.sources.kinds import DOCTOR_KINDS, resolve_kind


def doctor(
    target: Annotated[
        str | None,
        typer.Argument(
            metavar="[POD | KIND/NAME]",
            help="POD, or KIND/NAME: deploy/x, sts/x, ds/x, job/x, cronjob/x, rs/x, and the operators' kinds "
            "(pytorchjob/x, mpijob/x, trainjob/x, jobset/x, lws/x, rayjob/x, raycluster/x, rayservice/x, isvc/x, "
            "vcjob/x, dc/x). Omit to scan the namespace.",
            show_default=False,
        ),
    ] = None,
    container: Annotated[str | None, typer.Option("--container", "-c", help="Only this container.")] = None,
    namespace: Namespace = None,
    all_namespaces: AllNamespaces = False,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    request_timeout: RequestTimeout = None,
    snapshot: Snapshot = None,
    output: Output = OutputFormat.text,
    fail_on: FailOnOption = FailOn.error,
    no_redact: NoRedact = False,
    debug: Debug = False,
) -> None:
    """Say why pods fail and what to fix: image pulls, crashes, OOM, probes, scheduling, quotas, GPUs.

    \b
    Examples:
      kubectl ml doctor bert-finetune-0-5lpgp -n ml-training --snapshot fixtures/demo
      kubectl ml doctor deploy/llm-server -n ml-serving
      kubectl ml doctor -A -o json
    """
    from kubectl_ml.flows import doctor as doctor_flow

    options = ClusterOptions(kubeconfig, context, namespace, all_namespaces, request_timeout, snapshot)
    source = open_source(options)
    scope = namespace_of(options, source)
    if container and (target is None or "/" in target):
        raise UsageError("-c names a container of one pod.", "Use it with a pod: kubectl ml doctor POD -c CONTAINER.")
    with progress("Reading the cluster…"):
        if target is None:
            report = doctor_flow.doctor_scan(source, scope)
            title = f"Doctor: {'all namespaces' if scope is None else 'namespace ' + scope}"
        else:
            if scope is None:
                raise UsageError("-A scans every namespace; name a pod or workload with -n instead.", None)
            kind_word, slash, name = target.partition("/")
            if slash and (not name or "/" in name):
                raise UsageError(f"invalid target {target!r}", "Name one workload: KIND/NAME, e.g. deploy/llm-server.")
            if slash:
                kind = resolve_kind(kind_word)
                if kind is None or kind.name not in DOCTOR_KINDS:
                    raise UsageError(
                        f"unknown workload kind {kind_word!r}",
                        "Use deploy/, sts/, ds/, job/, cronjob/, rs/, or an operator's kind: pytorchjob/, tfjob/, "
                        "mpijob/, trainjob/, jobset/, lws/, rayjob/, raycluster/, rayservice/, isvc/, vcjob/, dc/.",
                    )
                report = doctor_flow.doctor_workload(source, scope, kind.name, name)
                title = f"Doctor: {kind.kind} {scope}/{name}"
            else:
                report = doctor_flow.doctor_pod(source, scope, target, container)
                title = f"Doctor: pod {scope}/{target}"
    from kubectl_ml.model.redaction import Redactor, redact_report

    report = redact_report(report, Redactor(enabled=not no_redact))
    raise typer.Exit(emit_report(report, output, fail_on, title, source if debug else None))
