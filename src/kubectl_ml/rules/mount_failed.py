"""Volumes that cannot be attached or mounted: the pod stays in ContainerCreating.

What: kubelet ``FailedMount`` events (``MountVolume.SetUp failed for volume "v" : ...``, ``Unable to
attach or mount volumes: unmounted volumes=[...]``) and attach-detach controller ``FailedAttachVolume``
events (``Multi-Attach error for volume "pvc-..." Volume is already exclusively attached to one node
and can't be attached to another``). Missing ConfigMaps and Secrets are left to ``config-missing``.

Why it matters: the pod shows only ``ContainerCreating``; the reason is in events that expire, and a
ReadWriteOnce volume still attached to the old node is the classic stall of a training job restarted
on another node.

Remedy: specific to the message: wait for or force the detach from the old node, use the Recreate
strategy for Deployments with ReadWriteOnce volumes, fix the hostPath or the CSI driver.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Finding
from kubectl_ml.rules._common import event_evidence, finding

_VOLUME = re.compile(r'(?:for volume|Multi-Attach error for volume) "([^"]+)"')
_UNMOUNTED = re.compile(r"unmounted volumes=\[([^\]]*)\]")
# Missing ConfigMaps/Secrets have their own code (config-missing).
_CONFIG_MISSING = re.compile(r'(configmap|secret)s? "[^"]+" not found')


def _advice(message: str) -> tuple[str, str]:
    """(what happened, what to do) for a mount/attach message."""
    if "Multi-Attach error" in message:
        return (
            "the ReadWriteOnce volume is still attached to another node (the previous pod's)",
            "Wait for the old pod to terminate and the volume to detach (about 6 minutes after a node is lost), "
            "use strategy Recreate for Deployments with ReadWriteOnce volumes, or a ReadWriteMany volume for "
            "pods on several nodes.",
        )
    if "hostPath type check failed" in message:
        return (
            "the hostPath does not exist on the node or is of the wrong type",
            "Create the path on the nodes, fix hostPath.path/type, or schedule the pod only where it exists.",
        )
    if "failed to sync configmap cache" in message or "failed to sync secret cache" in message:
        return (
            "the kubelet could not fetch the ConfigMap/Secret in time",
            "Check the kubelet's connection to the API server and the object's size; the mount usually "
            "succeeds on retry.",
        )
    return (
        "the volume could not be attached or mounted in time",
        "Check the PersistentVolumeClaim is Bound, the CSI driver's pods on the node, and the events of the "
        "PersistentVolume.",
    )


def check(context: PodContext) -> Iterator[Finding]:
    """Yield one finding for the newest mount/attach failure of a pod that is not running yet."""
    if (context.pod.get("status") or {}).get("phase") not in ("Pending", None):
        return
    for event in context.events:
        if event.reason not in ("FailedMount", "FailedAttachVolume") or _CONFIG_MISSING.search(event.message):
            continue
        volume = _VOLUME.search(event.message)
        unmounted = _UNMOUNTED.search(event.message)
        name = volume.group(1) if volume else (unmounted.group(1) if unmounted else "")
        what, remedy = _advice(event.message)
        label = f"volume {name}" if name else "a volume"
        yield finding(
            "volume-mount-failed",
            context,
            f"Pod {context.name} is stuck in ContainerCreating: {label} cannot be mounted: {what}.",
            evidence=[event_evidence(event, context.now)],
            remedy=remedy,
            commands=[f"kubectl describe pod -n {context.namespace} {context.name}"],
        )
        return
