"""Pods held by scheduling gates (Kueue and other admission controllers).

What: ``spec.schedulingGates`` is non-empty, the ``PodScheduled`` condition says ``SchedulingGated``.

Why it matters: the scheduler does not look at the pod at all until the gate is removed; the pod is
Pending with no FailedScheduling event, which confuses every other tool.

Remedy: look at the controller that owns the gate (for Kueue: the Workload and its ClusterQueue).
"""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Finding, Severity
from kubectl_ml.model.pods import condition_index
from kubectl_ml.model.workloads import queue_name
from kubectl_ml.rules._common import finding, spec_evidence, status_evidence

CODES = declare(
    CodeInfo(
        "scheduling-gated",
        "scheduling",
        Severity.WARNING,
        "held by scheduling gates",
        "The pod has schedulingGates, so the scheduler ignores it until a controller (e.g. Kueue) removes them.",
        "Check the controller that owns the gate (its queue, quota or admission).",
        docs="https://kubernetes.io/docs/concepts/scheduling-eviction/pod-scheduling-readiness/",
        variants={
            "kueue": (
                "Kueue has not admitted the workload: check its Workload's QuotaReserved condition and the "
                "ClusterQueue's quota."
            ),
            "other-gate": "Check the controller that added the gate; it removes the gate when its condition is met.",
        },
    ),
)


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding for a pod held by scheduling gates."""
    gates = (context.pod.get("spec") or {}).get("schedulingGates") or []
    if not gates or (context.pod.get("status") or {}).get("phase") != "Pending":
        return
    names = [str(gate.get("name")) for gate in gates]
    kueue = any("kueue" in name for name in names)
    evidence = [spec_evidence("spec.schedulingGates", gates)]
    index = condition_index(context.pod, "PodScheduled")
    if index is not None:
        scheduled = ((context.pod.get("status") or {}).get("conditions") or [])[index]
        if scheduled.get("reason") == "SchedulingGated" and scheduled.get("message"):
            evidence.append(status_evidence(f"status.conditions[{index}].message", scheduled["message"]))
    queue = queue_name(context.pod) or None
    where = f" (queue {queue})" if kueue and queue else ""
    yield finding(
        "scheduling-gated",
        context,
        f"Pod {context.name} is held by scheduling gates {', '.join(names)}{where}: the scheduler ignores it until "
        "they are removed.",
        evidence=evidence,
        fix="kueue" if kueue else "other-gate",
        commands=[f"kubectl get workloads -n {context.namespace}"] if kueue else [],
    )
