"""A distributed job whose pods never all started: some Pending, the rest running and waiting for them.

What: a distributed training job whose ranks must all run together (PyTorchJob, MPIJob, JobSet, TrainJob,
Volcano Job: kinds whose pods carry a rank label), or one group of a LeaderWorkerSet (its leader and
workers serve one model together), with some pods waiting for the scheduler while others run. The
Pending pods' ``PodScheduled`` condition says why, in the scheduler's words. Serving objects that scale
out one replica at a time (InferenceService, Knative, Seldon, RayCluster's autoscaled workers) are not
gangs: a new replica Pending beside running ones is for ``doctor`` of that pod.

Why it matters: the running pods block in their rendezvous (``torchrun`` waits for every rank, NCCL
for every peer) and hold their GPUs while doing nothing; the job looks Running. ``kubectl get pods``
shows one Pending pod among many Running, which is easy to miss.

Remedy: fix what keeps the Pending pods from scheduling (their own finding names it), or use gang
scheduling (Kueue, Volcano, coscheduling) so that no pod of the job starts until all of them can.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import WorkloadContext
from kubectl_ml.model.findings import Finding, Severity
from kubectl_ml.model.pods import condition_index
from kubectl_ml.model.workloads import pod_rank, pod_role
from kubectl_ml.rules._common import finding, status_evidence

CODES = declare(
    CodeInfo(
        "gang-not-formed",
        "operator",
        Severity.ERROR,
        "some pods run, others never scheduled",
        "A distributed job's pods start together or not at all: some of its pods are Pending while "
        "the others run and wait for them, holding their GPUs.",
        "Fix what keeps the Pending pods from scheduling (their finding says it), or use gang "
        "scheduling (Kueue, Volcano, coscheduling) so no pod starts before all can.",
        docs="https://volcano.sh/en/docs/podgroup/",
    ),
)


# A LeaderWorkerSet's pods of one group (its leader and workers) share this label's value.
_LWS_GROUP = "leaderworkerset.sigs.k8s.io/group-index"


def _waiting_for_scheduler(pod: Mapping[str, Any]) -> bool:
    status = pod.get("status") or {}
    return status.get("phase") == "Pending" and not (pod.get("spec") or {}).get("nodeName")


def _running(pod: Mapping[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and not (pod.get("metadata") or {}).get(
        "deletionTimestamp"
    )


def _name(pod: Mapping[str, Any]) -> str:
    return str((pod.get("metadata") or {}).get("name", ""))


def check(context: WorkloadContext) -> Iterator[Finding]:
    """Yield ``gang-not-formed`` when some ranks of a training run (or pods of one LWS group) wait to be scheduled."""
    entry = context.entry
    if entry is None or entry.builtin or len(context.pods) < 2:
        return
    if entry.kind == "LeaderWorkerSet":
        groups: dict[str, list[Mapping[str, Any]]] = {}
        for pod in context.pods:
            labels = (pod.get("metadata") or {}).get("labels") or {}
            groups.setdefault(str(labels.get(_LWS_GROUP, "")), []).append(pod)
    elif entry.finishes and entry.rank_label:
        groups = {"": list(context.pods)}
    else:
        return
    for pods in groups.values():
        found = _gang(context, pods)
        if found is not None:
            yield found
            return


def _gang(context: WorkloadContext, pods: list[Mapping[str, Any]]) -> Finding | None:
    entry = context.entry
    assert entry is not None
    pending = sorted((pod for pod in pods if _waiting_for_scheduler(pod)), key=_name)
    running = [pod for pod in pods if _running(pod)]
    if not pending or not running:
        return None
    first = pending[0]
    role, rank = pod_role(entry, first), pod_rank(entry, first)
    who = " ".join(part for part in (role, rank) if part) or "pod"
    conditions = (first.get("status") or {}).get("conditions") or []
    index = condition_index(first, "PodScheduled")
    message = str(conditions[index].get("message") or "") if index is not None else ""
    evidence = [status_evidence(f"pods/{_name(first)}.status.phase", "Pending")]
    if index is not None and message:
        evidence.append(status_evidence(f"pods/{_name(first)}.status.conditions[{index}].message", message))
    others = f" and {len(pending) - 1} more" if len(pending) > 1 else ""
    why = f": {message.rstrip().rstrip('.')}" if message else " (see its finding)"
    return finding(
        "gang-not-formed",
        context.ref,
        f"{entry.kind} {context.ref.name} never formed: {who} {_name(first)}{others} is Pending{why}; "
        f"{len(running)} of its {len(pods)} pods run and wait for it, holding their resources.",
        evidence=evidence,
        commands=[f"kubectl ml doctor {_name(first)} -n {context.ref.namespace}"],
        workload=context.workload or context.ref,
    )
