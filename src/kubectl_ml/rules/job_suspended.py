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
from collections.abc import Iterator
from typing import Any

from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import WorkloadContext
from kubectl_ml.model.findings import Finding, Severity
from kubectl_ml.model.pods import find_condition
from kubectl_ml.model.shapes import mapping
from kubectl_ml.model.workloads import QUEUE_LABEL, has_finished, is_suspended, queue_name
from kubectl_ml.rules._common import finding, object_path, spec_evidence, status_evidence

CODES = declare(
    CodeInfo(
        "job-suspended",
        "scheduling",
        Severity.WARNING,
        "Job suspended, no pods",
        "The Job has suspend: true, so it creates no pods; a queue such as Kueue keeps it so until quota is available.",
        "Check the queue's quota and the Job's workload status, or resume the Job.",
        docs="https://kubernetes.io/docs/concepts/workloads/controllers/job/#suspending-a-job",
        variants={
            "kueue": (
                "Check the Workload's QuotaReserved condition and the ClusterQueue's quota (GPUs are the usual limit)."
            ),
            "resume": "Resume it when it should run.",
        },
    ),
)


def _patch(path: str) -> str:
    """The merge patch that resumes it: ``{"spec":{"suspend":false}}`` at the kind's own path."""
    body: Any = False
    for key in reversed(path.split(".")):
        body = {key: body}
    return str(json.dumps(body, separators=(",", ":")))


def check(context: WorkloadContext) -> Iterator[Finding]:
    """Yield a finding for a suspended Job (or operator job) that has not finished."""
    job = context.controller
    if context.entry is None or not is_suspended(context.entry, job) or has_finished(job):
        return
    path = context.entry.suspend or "spec.suspend"
    metadata = mapping(job.get("metadata"))
    queue = queue_name(job)
    name, namespace = context.ref.name, context.ref.namespace
    kind, resource = context.entry.kind, context.entry.resource
    if queue:
        summary = f"{kind} {name} is suspended by Kueue, waiting in queue {queue}: it has no pods until admitted."
        fix = "kueue"
        commands = [
            f"kubectl get workloads -n {namespace}",
            f"kubectl describe localqueue {queue} -n {namespace}",
        ]
    else:
        summary = f"{kind} {name} is suspended ({path}: true): it creates no pods."
        fix = "resume"
        commands = [f"kubectl patch {resource} {name} -n {namespace} --type=merge -p '{_patch(path)}'"]
    evidence = [spec_evidence(object_path(context.ref, path), True)]
    if queue:
        where = "labels" if mapping(metadata.get("labels")).get(QUEUE_LABEL) else "annotations"
        evidence.append(spec_evidence(object_path(context.ref, f"metadata.{where}['{QUEUE_LABEL}']"), queue))
    suspended = find_condition(job, "Suspended")
    if suspended is not None:
        index, item = suspended
        evidence.append(
            status_evidence(object_path(context.ref, f"status.conditions[{index}].reason"), item.get("reason"))
        )
    yield finding(
        "job-suspended",
        context.ref,
        summary,
        evidence=evidence,
        fix=fix,
        commands=commands,
        workload=context.workload or context.ref,
    )
