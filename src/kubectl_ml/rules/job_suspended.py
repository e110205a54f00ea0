"""Suspended Jobs: no pods until something (usually Kueue) resumes them.

What: ``spec.suspend: true`` on a Job that has not finished. Kueue creates Jobs suspended and resumes
them when its ClusterQueue has quota; the Job's ``Suspended`` condition and the queue label tell which.

Why it matters: a suspended training Job has zero pods, so nothing looks broken; the answer is in the
queue's quota.

Remedy: check the queue (``kubectl get workloads``), or resume the Job if nobody queues it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.model.context import WorkloadContext
from kubectl_ml.model.findings import Finding
from kubectl_ml.model.pods import condition_index
from kubectl_ml.rules._common import finding, spec_evidence, status_evidence

_QUEUE_LABEL = "kueue.x-k8s.io/queue-name"


def _finished(job: Mapping[str, Any]) -> bool:
    conditions = (job.get("status") or {}).get("conditions") or []
    return any(item.get("type") in ("Complete", "Failed") and item.get("status") == "True" for item in conditions)


def check(context: WorkloadContext) -> Iterator[Finding]:
    """Yield a finding for a suspended Job that has not finished."""
    job = context.controller
    if context.ref.kind != "Job" or not (job.get("spec") or {}).get("suspend") or _finished(job):
        return
    metadata = job.get("metadata") or {}
    # Kueue reads the label; releases before v0.5 read an annotation of the same name.
    queue = ((metadata.get("labels") or {}).get(_QUEUE_LABEL)) or (metadata.get("annotations") or {}).get(_QUEUE_LABEL)
    name, namespace = context.ref.name, context.ref.namespace
    if queue:
        summary = f"Job {name} is suspended by Kueue, waiting in queue {queue}: it has no pods until admitted."
        remedy = "Check the Workload's QuotaReserved condition and the ClusterQueue's quota (GPUs are the usual limit)."
        commands = [
            f"kubectl get workloads -n {namespace}",
            f"kubectl describe localqueue {queue} -n {namespace}",
        ]
    else:
        summary = f"Job {name} is suspended (spec.suspend: true): it creates no pods."
        remedy = "Resume it when it should run."
        commands = [f'kubectl patch job {name} -n {namespace} --type=merge -p \'{{"spec":{{"suspend":false}}}}\'']
    evidence = [spec_evidence(f"jobs/{name}.spec.suspend", True)]
    if queue:
        where = "labels" if (metadata.get("labels") or {}).get(_QUEUE_LABEL) else "annotations"
        evidence.append(spec_evidence(f"jobs/{name}.metadata.{where}['{_QUEUE_LABEL}']", queue))
    index = condition_index(job, "Suspended")
    if index is not None:
        suspended = ((job.get("status") or {}).get("conditions") or [])[index]
        evidence.append(status_evidence(f"jobs/{name}.status.conditions[{index}].reason", suspended.get("reason")))
    yield finding(
        "job-suspended",
        context.ref,
        summary,
        evidence=evidence,
        remedy=remedy,
        commands=commands,
        workload=context.workload or context.ref,
    )
