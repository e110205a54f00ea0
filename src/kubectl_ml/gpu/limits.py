"""Accelerator requests and limits the API server rejects.

What: for each container of a pod, or of a workload's pod template, every accelerator resource
(``nvidia.com/gpu``, MIG, shared, AMD, Intel, TPU... and misspellings such as ``nvidia.com/gpus``) that is
requested without a limit (``gpu-limit-missing``), whose request differs from its limit, or whose count
is not a whole number (both ``gpu-request-limit-mismatch``).

Why it matters: extended resources cannot be overcommitted, so the API server's validation refuses such
a pod ("Limit must be set for non overcommitable resources", "must be equal to nvidia.com/gpu limit of
N", "must be an integer"; kubernetes ``pkg/apis/core/validation``). A schema validator passes it. For a
Deployment, Job or training operator the refusal only shows up later as a controller event, and the
pods never appear (scaffold-gpu-lint-anchors §1.4).

Remedy: set the count in ``limits`` (a limit alone is enough: the request defaults to it), and if
``requests`` names it too, the same whole number. The patch sets both to the limit, or, without a limit,
to the request; a fraction is rounded up (a share of a GPU is time-slicing or MIG, not a fraction).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from fractions import Fraction
from typing import Any

from kubectl_ml.gpu._common import build, top_level_templates, top_workload, workload_index
from kubectl_ml.gpu.context import GpuContext
from kubectl_ml.model.accelerators import looks_like_accelerator
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import spec_containers
from kubectl_ml.model.quantity import try_parse_quantity
from kubectl_ml.model.resources import container_resources
from kubectl_ml.model.subjects import Subject, pod_subject

CODES = declare(
    CodeInfo(
        "gpu-limit-missing",
        "gpu",
        Severity.ERROR,
        "GPU request without a limit",
        "A container requests an accelerator without a limit; the API server rejects such a pod "
        '("Limit must be set for non overcommitable resources"), so a controller never creates its pods.',
        "Set limits to the GPU count (a limit alone is enough: the request defaults to it).",
        docs="https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/",
        variants={
            "set-limit": (
                "Set limits.{resource} to {fixed} (the request may stay, equal, or go: it defaults to the limit)."
            ),
            "set-limit-fraction": (
                "Set limits.{resource} to {fixed} (the request may stay, equal, or go: it defaults to the "
                "limit). A share of a GPU is not a fraction: use time-slicing (nvidia.com/gpu.shared) or a MIG "
                "profile (nvidia.com/mig-1g.5gb) where the nodes offer them."
            ),
        },
    ),
    CodeInfo(
        "gpu-request-limit-mismatch",
        "gpu",
        Severity.ERROR,
        "GPU request and limit differ, or not an integer",
        "A container's accelerator request differs from its limit, or the count is not a whole "
        "number; the API server rejects both, so a controller never creates its pods.",
        "Set the same whole number in requests and limits (or only in limits).",
        docs="https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/",
        variants={
            "whole": "Ask for whole devices ({fixed} {resource}).",
            "whole-fraction": (
                "Ask for whole devices ({fixed} {resource}). A share of a GPU is not a fraction: use "
                "time-slicing (nvidia.com/gpu.shared) or a MIG profile (nvidia.com/mig-1g.5gb) where the nodes "
                "offer them."
            ),
            "equal": "Set requests.{resource} equal to the limit ({fixed}), or remove it.",
        },
    ),
)


def _whole(value: Fraction | None) -> bool:
    return value is not None and value.denominator == 1


def _count(value: Fraction) -> int:
    return max(1, math.ceil(value))


def _container_findings(subject: Subject, key: str, index: int, container: Mapping[str, Any]) -> Iterator[Finding]:
    requests, limits = container_resources(container)
    name = str(container.get("name", ""))
    base = f"spec.{key}[{index}].resources"
    for resource in sorted({*requests, *limits}):
        if not looks_like_accelerator(resource):
            continue
        raw_request, raw_limit = requests.get(resource), limits.get(resource)
        request, limit = try_parse_quantity(raw_request), try_parse_quantity(raw_limit)
        evidence = [
            Evidence("spec", subject.path(f"{base}.{field}['{resource}']"), raw)
            for field, raw in (("requests", raw_request), ("limits", raw_limit))
            if raw is not None
        ]
        wanted = limit if limit is not None else request
        if wanted is None:
            continue
        fixed = str(_count(wanted)) if wanted > 0 else "0"
        fix: dict[str, Any] = {"limits": {resource: fixed}}
        if raw_request is not None:
            fix["requests"] = {resource: fixed}
        patch = subject.patch({key: [{"name": name, "resources": fix}]})
        where = f"{subject.noun}, container {name}"
        outcome = ", so the controller never creates its pods." if subject.template else "."
        if raw_limit is None:
            yield build(
                "gpu-limit-missing",
                subject.ref,
                f"{where} requests {raw_request} {resource} without a limit: the API server rejects it "
                "(Limit must be set for non overcommitable resources)" + outcome,
                container=name,
                evidence=evidence,
                fix="set-limit" if wanted.denominator == 1 else "set-limit-fraction",
                values={"resource": resource, "fixed": fixed},
                patch=patch,
            )
        elif not (_whole(request) or raw_request is None) or not _whole(limit):
            shown = raw_limit if not _whole(limit) else raw_request
            yield build(
                "gpu-request-limit-mismatch",
                subject.ref,
                f"{where} asks for {shown} {resource}, which is not a whole number: the API server rejects "
                "it (must be an integer)" + outcome,
                container=name,
                evidence=evidence,
                fix="whole" if wanted.denominator == 1 else "whole-fraction",
                values={"resource": resource, "fixed": fixed},
                patch=patch,
            )
        elif raw_request is not None and request != limit:
            yield build(
                "gpu-request-limit-mismatch",
                subject.ref,
                f"{where} requests {raw_request} {resource} but limits it to {raw_limit}: the API server "
                f"rejects it (must be equal to {resource} limit of {raw_limit})" + outcome,
                container=name,
                evidence=evidence,
                fix="equal",
                values={"resource": resource, "fixed": fixed},
                patch=patch,
            )


def check_subject(subject: Subject) -> Iterator[Finding]:
    """Yield the limit findings of one pod or pod template."""
    for key, index, container in spec_containers(subject.spec):
        yield from _container_findings(subject, key, index, container)


def limit_findings(pods: Iterable[Mapping[str, Any]], workloads: Iterable[Mapping[str, Any]]) -> Iterator[Finding]:
    """Yield ``gpu-limit-missing`` and ``gpu-request-limit-mismatch`` for pods and workload templates.

    A pod whose controller is among ``workloads`` is not checked on its own: its template carries the
    same resources, and the fix belongs there.

    Args:
        pods: pods that were read (or written in manifests).
        workloads: controllers with pod templates (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
            CronJob).

    Yields:
        One error per container and resource.
    """
    workload_list = list(workloads)
    index = workload_index(workload_list)
    for subject in top_level_templates(workload_list):
        yield from check_subject(subject)
    for pod in pods:
        if top_workload(pod, index) is None:
            yield from check_subject(pod_subject(pod))


def check(context: GpuContext) -> Iterator[Finding]:
    """The registry's entry point: :func:`limit_findings` over the context."""
    return limit_findings(context.pods, context.workloads)
