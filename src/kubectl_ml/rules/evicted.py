"""Pods evicted by the kubelet under node pressure (memory, disk, ephemeral storage, PIDs).

What: ``status.reason: Evicted`` with a message such as ``The node was low on resource: memory.
Threshold quantity: 100Mi, available: 50Mi. Container trainer was using 3Gi, request is 1Gi, has
larger consumption of memory.``, or an ephemeral-storage limit breach.

Why it matters: the pods that use most above their requests go first; ML pods with small requests and
large real usage are the usual victims.

Remedy: set requests to real usage (``kubectl ml rightsize``), limit ephemeral storage, or give the
node more room.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Finding
from kubectl_ml.rules._common import finding, status_evidence

_LOW_ON = re.compile(r"The node was low on resource: ([\w.-]+)")
_USING = re.compile(r"Container (\S+) was using (\S+?),? (?:request is|which exceeds its request of) (\S+?)[,.]")
_EPHEMERAL = re.compile(r"exceeded its local ephemeral storage limit \"([^\"]+)\"|Usage of EmptyDir volume")


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding for an evicted pod, naming the resource and the heaviest container."""
    status = context.pod.get("status") or {}
    if status.get("reason") != "Evicted":
        return
    message = str(status.get("message") or "")
    evidence = [status_evidence("status.reason", "Evicted"), status_evidence("status.message", message)]
    low = _LOW_ON.search(message)
    using = _USING.search(message)
    node = (context.pod.get("spec") or {}).get("nodeName") or "its node"
    container = using.group(1) if using else None
    if _EPHEMERAL.search(message):
        summary = f"Pod was evicted from {node} for exceeding its ephemeral storage limit."
        remedy = "Write large files to a volume (PVC or emptyDir with a sizeLimit), or raise limits.ephemeral-storage."
    elif low:
        resource = low.group(1)
        usage = (
            f" (container {using.group(1)} used {using.group(2)} against a request of {using.group(3)})"
            if using
            else ""
        )
        summary = f"Pod was evicted because {node} ran low on {resource}{usage}."
        remedy = (
            f"Set requests.{resource} close to real usage so this pod is not first in line "
            "(kubectl ml rightsize measures it), and check what fills the node."
            if resource in ("memory", "ephemeral-storage")
            else f"Check node {node}: it ran out of {resource}."
        )
    elif "had condition" in message:
        summary = f"Pod was rejected by {node}, which has a pressure condition: {message.strip()}"
        remedy = "The node is under pressure; the controller will place a new pod elsewhere. Check the node."
    else:
        summary = f"Pod was evicted from {node}: {message.strip()}"
        remedy = "Check the node's conditions and the pod's requests."
    yield finding(
        "evicted",
        context,
        summary,
        container=container,
        evidence=evidence,
        remedy=remedy,
        commands=[f"kubectl describe node {node}"] if node != "its node" else [],
    )
