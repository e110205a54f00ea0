"""Pods evicted by the kubelet under node pressure (memory, disk, ephemeral storage, PIDs).

What: ``status.reason: Evicted`` with a message such as ``The node was low on resource: memory.
Threshold quantity: 100Mi, available: 50Mi. Container trainer was using 3Gi, request is 1Gi, has
larger consumption of memory.`` (older kubelets: ``which exceeds its request of``), an ephemeral-storage
or emptyDir ``sizeLimit`` breach, or an admission rejection ``The node had condition: [DiskPressure].``.

Why it matters: the pods that use most above their requests go first; ML pods with small requests and
large real usage are the usual victims.

Remedy: set requests to real usage (``kubectl ml rightsize``), limit ephemeral storage, or give the
node more room.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Finding, Severity
from kubectl_ml.rules._common import finding, status_evidence

CODES = declare(
    CodeInfo(
        "evicted",
        "running",
        Severity.WARNING,
        "evicted by node pressure",
        "The kubelet evicted the pod because the node ran short of memory, disk or another resource.",
        "Set requests close to real usage so the pod is not the first to go; limit ephemeral storage; check the node.",
        docs="https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/",
        variants={
            "container-storage": (
                "Write large files (checkpoints, datasets, caches) to a volume (a PVC, or an emptyDir with a "
                "sizeLimit), or raise limits.ephemeral-storage."
            ),
            "pod-storage": (
                "Write large files to a volume (a PVC, or an emptyDir with a sizeLimit), or raise the "
                "containers' limits.ephemeral-storage."
            ),
            "empty-dir": (
                'Raise the sizeLimit of volume "{volume}", clean it up as the job goes, or use a PVC for data '
                "that large."
            ),
            "node-pressure": (
                "Set requests.{resource} close to real usage so this pod is not first in line (kubectl ml "
                "rightsize measures it), and check what fills the node."
            ),
            "node-out-of": "Check node {node}: it ran out of {resource}.",
            "rejected": (
                "The node was under pressure; a controller places a new pod elsewhere (a bare pod must be "
                "recreated). Check what fills the node."
            ),
            "other": "Check the node's conditions and the pod's requests.",
        },
    ),
)


_LOW_ON = re.compile(r"The node was low on resource: ([\w.-]+)")
_USING = re.compile(r"Container (\S+) was using (\S+?),? (?:request is|which exceeds its request of) (\S+?)[,.]")
_CONTAINER_STORAGE = re.compile(r'Container (\S+) exceeded its local ephemeral storage limit "([^"]+)"')
_POD_STORAGE = re.compile(r"Pod ephemeral local storage usage exceeds the total limit of containers (\S+?)\.? ?$")
_EMPTY_DIR = re.compile(r'Usage of EmptyDir volume "([^"]+)" exceeds the limit "([^"]+)"')
_HAD_CONDITION = re.compile(r"The node had condition: \[([^\]]*)\]")


def _classify(message: str, node: str) -> tuple[str, str, dict[str, str], str | None]:
    """(summary, fix, its values, container) for an eviction message; the kubelet writes one of five shapes."""
    storage = _CONTAINER_STORAGE.search(message)
    if storage:
        return (
            f"Pod was evicted from {node}: container {storage.group(1)} exceeded its {storage.group(2)} "
            "ephemeral storage limit.",
            "container-storage",
            {},
            storage.group(1),
        )
    pod_storage = _POD_STORAGE.search(message.strip())
    if pod_storage:
        return (
            f"Pod was evicted from {node}: its containers together exceeded their {pod_storage.group(1)} "
            "ephemeral storage limit.",
            "pod-storage",
            {},
            None,
        )
    empty_dir = _EMPTY_DIR.search(message)
    if empty_dir:
        volume, size = empty_dir.groups()
        return (
            f'Pod was evicted from {node}: emptyDir volume "{volume}" grew past its {size} sizeLimit.',
            "empty-dir",
            {"volume": volume},
            None,
        )
    low = _LOW_ON.search(message)
    if low:
        # Resource names may hold dots (vendor resources) but the sentence ends with one: "memory. ".
        resource = low.group(1).rstrip(".")
        using = _USING.search(message)
        usage = (
            f" (container {using.group(1)} used {using.group(2)} against a request of {using.group(3)})"
            if using
            else ""
        )
        return (
            f"Pod was evicted because {node} ran low on {resource}{usage}.",
            "node-pressure" if resource in ("memory", "ephemeral-storage") else "node-out-of",
            {"resource": resource, "node": node},
            using.group(1) if using else None,
        )
    condition = _HAD_CONDITION.search(message)
    if condition:
        # An admission rejection: the pod never ran there ("Pod was rejected: The node had condition: ...").
        return (
            f"Pod was rejected by {node}, which had condition {condition.group(1)} when the pod arrived.",
            "rejected",
            {},
            None,
        )
    return (
        f"Pod was evicted from {node}: {message.strip()}",
        "other",
        {},
        None,
    )


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding for an evicted pod, naming the resource and the heaviest container."""
    status = context.pod.get("status") or {}
    if status.get("reason") != "Evicted":
        return
    message = str(status.get("message") or "")
    evidence = [status_evidence("status.reason", "Evicted"), status_evidence("status.message", message)]
    node = (context.pod.get("spec") or {}).get("nodeName") or "its node"
    summary, fix, values, container = _classify(message, node)
    yield finding(
        "evicted",
        context,
        summary,
        container=container,
        evidence=evidence,
        fix=fix,
        values=values,
        commands=[f"kubectl describe node {node}"] if node != "its node" else [],
    )
