"""Suspended Jobs: no pods until something (usually Kueue) resumes them.

What: ``spec.suspend: true`` on a Job that has not finished, or the suspend field of an operator's
job (JobSet, RayJob, TrainJob ``spec.suspend``; Kubeflow's ``spec.runPolicy.suspend``). Kueue creates
Jobs suspended and resumes them when its ClusterQueue has quota; the Job's ``Suspended`` condition and
the queue label tell which.

Why it matters: a suspended training Job has zero pods, so nothing looks broken; the answer is in the
queue's quota.

Remedy: check the queue (``kubectl get workloads``), or resume the Job if nobody queues it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.model.context import WorkloadContext
from kubectl_ml.model.findings import Finding
from kubectl_ml.model.pods import condition_index
from kubectl_ml.rules._common import finding, spec_evidence, status_evidence

_QUEUE_LABEL = "kueue.x-k8s.io/queue-name"


def _finished(job: Mapping[str, Any]) -> bool:
    conditions = (job.get("status") or {}).get("conditions") or []
    return any(
        item.get("type") in ("Complete", "Failed", "Succeeded") and item.get("status") == "True" for item in conditions
    )


def _suspend_path(context: WorkloadContext) -> str | None:
    """Where the kind keeps ``suspend`` (``spec.suspend``; Kubeflow's ``spec.runPolicy.suspend``)."""
    return context.entry.suspend if context.entry is not None else None


def _value(obj: Mapping[str, Any], path: str) -> Any:
    node: Any = obj
    for key in path.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _patch(path: str) -> str:
    body: Any = False
    for key in reversed(path.split(".")):
        body = {key: body}
    return json.dumps(body, separators=(",", ":"))


def check(context: WorkloadContext) -> Iterator[Finding]:
    """Yield a finding for a suspended Job (or operator job) that has not finished."""
    job = context.controller
    path = _suspend_path(context)
    if path is None or _value(job, path) is not True or _finished(job):
        return
    metadata = job.get("metadata") or {}
    # Kueue reads the label; releases before v0.5 read an annotation of the same name.
    queue = ((metadata.get("labels") or {}).get(_QUEUE_LABEL)) or (metadata.get("annotations") or {}).get(_QUEUE_LABEL)
    name, namespace = context.ref.name, context.ref.namespace
    kind = context.entry.kind if context.entry is not None else context.ref.kind
    resource = context.entry.resource if context.entry is not None else "jobs"
    if queue:
        summary = f"{kind} {name} is suspended by Kueue, waiting in queue {queue}: it has no pods until admitted."
        remedy = "Check the Workload's QuotaReserved condition and the ClusterQueue's quota (GPUs are the usual limit)."
        commands = [
            f"kubectl get workloads -n {namespace}",
            f"kubectl describe localqueue {queue} -n {namespace}",
        ]
    else:
        summary = f"{kind} {name} is suspended ({path}: true): it creates no pods."
        remedy = "Resume it when it should run."
        commands = [f"kubectl patch {resource} {name} -n {namespace} --type=merge -p '{_patch(path)}'"]
    plural = f"{kind.lower()}s"
    evidence = [spec_evidence(f"{plural}/{name}.{path}", True)]
    if queue:
        where = "labels" if (metadata.get("labels") or {}).get(_QUEUE_LABEL) else "annotations"
        evidence.append(spec_evidence(f"{plural}/{name}.metadata.{where}['{_QUEUE_LABEL}']", queue))
    index = condition_index(job, "Suspended")
    if index is not None:
        suspended = ((job.get("status") or {}).get("conditions") or [])[index]
        evidence.append(status_evidence(f"{plural}/{name}.status.conditions[{index}].reason", suspended.get("reason")))
    yield finding(
        "job-suspended",
        context.ref,
        summary,
        evidence=evidence,
        remedy=remedy,
        commands=commands,
        workload=context.workload or context.ref,
    )
