"""Kueue: why a queued workload is not admitted, or was evicted, in Kueue's own words.

What: the Kueue ``Workload`` that Kueue creates for a queued Job, PyTorchJob, JobSet, RayJob, ... (owned
by it), read for:

* ``QuotaReserved`` (``Admitted`` before Kueue v0.5) False: ``couldn't assign flavors to pod set main:
  insufficient quota for nvidia.com/gpu in flavor default-flavor, request > maximum capacity (8 > 4)``
  gives ``queue-quota-insufficient`` (an error: it can never be admitted; ``insufficient unused quota
  ... 4 more needed`` is a warning: it waits for others' quota); ``LocalQueue user-queue doesn't exist``
  and ``ClusterQueue x is inactive`` give ``queue-missing``;
* ``Evicted`` True (``Preempted``, ``PodsReadyTimeout``, ``InactiveWorkload``) and ``Preempted`` True:
  ``workload-preempted``.

With Kueue's objects read and no Workload for a queued object, the LocalQueue it names is looked up: a
missing LocalQueue, a ClusterQueue whose ``Active`` condition is False (``Stopped``: ``Can't admit new
workloads: is stopped.``), or, when the ClusterQueue was not read, the LocalQueue's own ``Active`` False
(``ClusterQueueIsInactive``), is ``queue-missing``.

Why it matters: a queued job has no pods, so nothing looks broken; the reason is on an object most users
never open, in a condition ``kubectl get`` does not show.

Remedy: lower the request or raise the ClusterQueue's quota; create the LocalQueue or fix the
queue-name label; start the ClusterQueue; for preemption, a higher priority or more quota.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import WorkloadContext
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import find_condition
from kubectl_ml.model.workloads import QUEUE_LABEL, queue_name
from kubectl_ml.rules._common import finding, object_path, status_evidence

NEEDS = (Need("queues"),)

CODES = declare(
    CodeInfo(
        "queue-quota-insufficient",
        "queue",
        Severity.ERROR,
        "Kueue cannot reserve quota",
        "Kueue has not admitted the workload: its ClusterQueue has not enough quota (nominal, and what "
        "it may borrow) for what the workload asks.",
        "Lower the request, wait for running workloads to finish, or raise the ClusterQueue's "
        "nominalQuota (or let it borrow from its cohort).",
        docs="https://kueue.sigs.k8s.io/docs/concepts/cluster_queue/",
    ),
    CodeInfo(
        "queue-missing",
        "queue",
        Severity.ERROR,
        "queue absent, stopped or inactive",
        "The workload names a LocalQueue that does not exist, or whose ClusterQueue is missing, "
        "stopped or inactive: Kueue will never admit it.",
        "Create the LocalQueue (pointing at an active ClusterQueue), fix the queue-name label, or "
        "start the ClusterQueue (spec.stopPolicy: None).",
        docs="https://kueue.sigs.k8s.io/docs/concepts/local_queue/",
    ),
    CodeInfo(
        "workload-preempted",
        "queue",
        Severity.WARNING,
        "evicted by Kueue",
        "Kueue evicted the admitted workload (preempted by a higher-priority workload, or its pods "
        "were not ready in time); it waits in the queue again.",
        "Give it a higher WorkloadPriorityClass, or more quota; for PodsReady timeouts, find why pods "
        "start slowly (image pulls, scheduling).",
        docs="https://kueue.sigs.k8s.io/docs/concepts/preemption/",
    ),
)


# Kueue's words for a queue it cannot use (workload_controller.go, scheduler.go), across releases.
_MISSING = re.compile(
    r"(?:LocalQueue|ClusterQueue) \S+ (?:doesn't exist|does not exist|is inactive|is stopped|"
    r"is terminating or missing|not found)"
)


# Kueue's words for a request larger than the ClusterQueue's quota (and what it may borrow) can ever be.
_NEVER = re.compile(r"> maximum capacity|exceeds the maximum|ExceedsMaxQuota")


def _evidence(workload: Mapping[str, Any], index: int, item: Mapping[str, Any]) -> list[Evidence]:
    name = (workload.get("metadata") or {}).get("name", "")
    base = f"workloads/{name}.status.conditions[{index}]"
    return [
        status_evidence(f"{base}.reason", item.get("reason")),
        status_evidence(f"{base}.message", item.get("message")),
    ]


def _from_workload(context: WorkloadContext, workload: Mapping[str, Any]) -> Iterator[Finding]:
    name = context.ref.name
    kind = context.entry.kind if context.entry else context.ref.kind
    commands = [
        f"kubectl describe workload {(workload.get('metadata') or {}).get('name', '')} -n {context.ref.namespace}"
    ]
    evicted = find_condition(workload, "Evicted")
    preempted = find_condition(workload, "Preempted")
    for found in (evicted, preempted):
        if found is not None and found[1].get("status") == "True":
            index, item = found
            yield finding(
                "workload-preempted",
                context.ref,
                f"{kind} {name} was evicted by Kueue ({item.get('reason')}): {item.get('message')}",
                evidence=_evidence(workload, index, item),
                commands=commands,
                workload=context.workload or context.ref,
            )
            return
    reserved = find_condition(workload, "QuotaReserved") or find_condition(workload, "Admitted")
    if reserved is None or reserved[1].get("status") != "False":
        return
    index, item = reserved
    message = str(item.get("message") or "")
    code = "queue-missing" if _MISSING.search(message) else "queue-quota-insufficient"
    # More than the ClusterQueue can ever hold is an error; waiting for quota others hold is a queue working.
    never = bool(_NEVER.search(message)) or item.get("reason") in ("ExceedsMaxQuota", "Misconfigured", "Inadmissible")
    severity = Severity.ERROR if code == "queue-missing" or never else Severity.WARNING
    said = "can never be admitted by Kueue" if never and code != "queue-missing" else "is not admitted by Kueue"
    yield finding(
        code,
        context.ref,
        f"{kind} {name} {said}: {message or item.get('reason')}",
        evidence=_evidence(workload, index, item),
        commands=[*commands, "kubectl get clusterqueues"],
        severity=severity,
        workload=context.workload or context.ref,
    )


def _from_queues(context: WorkloadContext, queue: str) -> Iterator[Finding]:
    """No Workload: the LocalQueue is missing, or its ClusterQueue is absent or not active."""
    namespace, kind = context.ref.namespace, context.entry.kind if context.entry else context.ref.kind
    local = context.local_queues.get((namespace, queue))
    label = object_path(context.ref, f"metadata.labels['{QUEUE_LABEL}']")
    if local is None:
        yield finding(
            "queue-missing",
            context.ref,
            f"{kind} {context.ref.name} is queued in LocalQueue {queue}, which does not exist in {namespace}: "
            "Kueue will not admit it.",
            evidence=[Evidence("spec", label, queue)],
            commands=[f"kubectl get localqueues -n {namespace}"],
            workload=context.workload or context.ref,
        )
        return
    cluster_queue = str((local.get("spec") or {}).get("clusterQueue") or "")
    target = context.cluster_queues.get(cluster_queue)
    if target is None:
        # The ClusterQueue was not read (`doctor KIND/NAME` stops at the LocalQueue, or RBAC): the
        # LocalQueue's own condition says whether its ClusterQueue is inactive, stopped or absent.
        yield from _local_queue_inactive(context, local, queue)
        return
    active = find_condition(target, "Active")
    if active is not None and active[1].get("status") == "False":
        index, item = active
        yield finding(
            "queue-missing",
            context.ref,
            f"{kind} {context.ref.name} waits in ClusterQueue {cluster_queue}, which is not active "
            f"({item.get('reason')}): {item.get('message')}",
            evidence=[
                status_evidence(f"clusterqueues/{cluster_queue}.status.conditions[{index}].reason", item.get("reason")),
                status_evidence(
                    f"clusterqueues/{cluster_queue}.status.conditions[{index}].message", item.get("message")
                ),
            ],
            commands=[f"kubectl describe clusterqueue {cluster_queue}"],
            workload=context.workload or context.ref,
        )


def _local_queue_inactive(context: WorkloadContext, local: Mapping[str, Any], queue: str) -> Iterator[Finding]:
    """``queue-missing`` from the LocalQueue's ``Active`` False (``ClusterQueueIsInactive``, ...), if set."""
    namespace, kind = context.ref.namespace, context.entry.kind if context.entry else context.ref.kind
    local_active = find_condition(local, "Active")
    if local_active is not None and local_active[1].get("status") == "False":
        # The LocalQueue's own condition already says its ClusterQueue is inactive, stopped or absent.
        index, item = local_active
        base = f"localqueues/{queue}.status.conditions[{index}]"
        yield finding(
            "queue-missing",
            context.ref,
            f"{kind} {context.ref.name} is queued in LocalQueue {queue}, which is not active "
            f"({item.get('reason')}): {item.get('message')}",
            evidence=[
                status_evidence(f"{base}.reason", item.get("reason")),
                status_evidence(f"{base}.message", item.get("message")),
            ],
            commands=[f"kubectl describe localqueue {queue} -n {namespace}"],
            workload=context.workload or context.ref,
        )


def check(context: WorkloadContext) -> Iterator[Finding]:
    """Yield the queue findings of an object Kueue manages."""
    queue = queue_name(context.controller)
    if not queue or not context.queues_read:
        return
    workloads = sorted(
        context.queue_workloads, key=lambda item: str((item.get("metadata") or {}).get("creationTimestamp", ""))
    )
    if workloads:
        yield from _from_workload(context, workloads[-1])
    else:
        yield from _from_queues(context, queue)
