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

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Finding, Severity
from kubectl_ml.rules._common import event_evidence, finding

NEEDS = (Need("events"),)

CODES = declare(
    CodeInfo(
        "volume-mount-failed",
        "start",
        Severity.ERROR,
        "volume cannot be attached or mounted",
        "A volume of the pod could not be attached to the node or mounted (a ReadWriteOnce volume "
        "still attached elsewhere, a missing hostPath, a CSI driver failure).",
        "Follow the message: wait for or force the detach, fix the path or the driver, or use a volume "
        "access mode that fits the pods.",
        docs="https://kubernetes.io/docs/concepts/storage/volumes/",
        variants={
            "multi-attach": (
                "Wait for the old pod to terminate and the volume to detach (about 6 minutes after a node is "
                "lost), use strategy Recreate for Deployments with ReadWriteOnce volumes, or a ReadWriteMany "
                "volume for pods on several nodes."
            ),
            "host-path": (
                "Create the path on the nodes, fix hostPath.path/type, or schedule the pod only where it exists."
            ),
            "csi-not-registered": (
                "Check that the driver's node DaemonSet has a running pod on this node (kubectl get pods -A -o "
                "wide | grep -i {driver_short}) and read its node-driver-registrar container's log; install the"
                " driver if it is absent."
            ),
            "nfs-access-denied": (
                "Allow the node's address in the server's export (/etc/exports, or the NAS's share "
                "permissions), then the kubelet retries on its own."
            ),
            "nfs-no-such-path": (
                "Create the directory on the NFS server, or fix the PersistentVolume's nfs.path; with a dynamic"
                " provisioner, check its pod and the base path it was given."
            ),
            "config-cache": (
                "Check the kubelet's connection to the API server and the object's size; the mount usually "
                "succeeds on retry."
            ),
            "mount-command": (
                "Fix what the mount command names (the server, the export or share, the credentials, the mount "
                "helper installed on the node: nfs-common, cifs-utils), then the kubelet retries on its own."
            ),
            "attach-timeout": (
                "Check the PersistentVolumeClaim is Bound, the CSI driver's pods on the node, and the events of"
                " the PersistentVolume."
            ),
        },
    ),
)


_VOLUME = re.compile(r'(?:for volume|Multi-Attach error for volume) "([^"]+)"')
_UNMOUNTED = re.compile(r"unmounted volumes=\[([^\]]*)\]")
# Missing ConfigMaps/Secrets have their own code (config-missing).
_CONFIG_MISSING = re.compile(r'(configmap|secret)s? "[^"]+" not found')
# kubernetes-sigs/aws-efs-csi-driver#180: `driver name efs.csi.aws.com not found in the list of registered CSI drivers`
_CSI_NOT_REGISTERED = re.compile(r"driver name (\S+) not found in the list of registered CSI drivers")
# mount(8)'s own words after `Output: `: what the node's mount command said.
_MOUNT_OUTPUT = re.compile(r"Output: (.+?)\s*$", re.DOTALL)
# Follow-ups that only repeat that a volume is not mounted yet; the specific event says why.
_GENERIC = "Unable to attach or mount volumes"


def _advice(message: str) -> tuple[str, str, dict[str, str]]:
    """(what happened, the fix to name, its values) for a mount/attach message."""
    if "Multi-Attach error" in message:
        return (
            "the ReadWriteOnce volume is still attached to another node (the previous pod's)",
            "multi-attach",
            {},
        )
    if "hostPath type check failed" in message:
        return (
            "the hostPath does not exist on the node or is of the wrong type",
            "host-path",
            {},
        )
    csi = _CSI_NOT_REGISTERED.search(message)
    if csi:
        driver = csi.group(1)
        return (
            f"CSI driver {driver} is not registered on this node (its node plugin is not running there)",
            "csi-not-registered",
            {"driver_short": driver.split(".")[0]},
        )
    if "mount.nfs: access denied by server" in message:
        # kubernetes/kubernetes#108963
        return (
            "the NFS server refused to export the share to this node (mount.nfs: access denied by server)",
            "nfs-access-denied",
            {},
        )
    if "mount.nfs" in message and "reason given by server: No such file or directory" in message:
        # alibaba/nacos#5203
        return (
            "the NFS export path does not exist on the server (reason given by server: No such file or directory)",
            "nfs-no-such-path",
            {},
        )
    if "failed to sync configmap cache" in message or "failed to sync secret cache" in message:
        return (
            "the kubelet could not fetch the ConfigMap/Secret in time",
            "config-cache",
            {},
        )
    output = _MOUNT_OUTPUT.search(message)
    if "mount failed" in message and output:
        said = " ".join(output.group(1).split())
        return (
            f"the node's mount command failed: {said}",
            "mount-command",
            {},
        )
    return (
        "the volume could not be attached or mounted in time",
        "attach-timeout",
        {},
    )


def check(context: PodContext) -> Iterator[Finding]:
    """Yield one finding for the newest mount/attach failure of a pod that is not running yet.

    A specific event (``MountVolume.SetUp failed ...``) is preferred to the kubelet's generic follow-up
    (``Unable to attach or mount volumes: unmounted volumes=[x] ... timed out``); a follow-up about volumes
    whose only problem is a missing ConfigMap or Secret belongs to ``config-missing``.
    """
    if (context.pod.get("status") or {}).get("phase") not in ("Pending", None):
        return
    failures = [event for event in context.events if event.reason in ("FailedMount", "FailedAttachVolume")]
    config_volumes = {
        match.group(1)
        for event in failures
        if _CONFIG_MISSING.search(event.message) and (match := _VOLUME.search(event.message))
    }
    candidates = []
    for event in failures:
        if _CONFIG_MISSING.search(event.message):
            continue
        unmounted = _UNMOUNTED.search(event.message)
        names = {name.strip() for name in unmounted.group(1).split(",")} - {""} if unmounted else set()
        if _GENERIC in event.message and names and names <= config_volumes:
            continue
        candidates.append(event)
    specific = [event for event in candidates if _GENERIC not in event.message]
    generic = [event for event in candidates if _GENERIC in event.message]
    for event in (specific or candidates)[:1]:
        volume = _VOLUME.search(event.message)
        # The follow-up names the pod's volume; a Multi-Attach error names the PersistentVolume.
        unmounted = next((match for item in generic if (match := _UNMOUNTED.search(item.message))), None)
        pod_volume = unmounted.group(1) if unmounted else ""
        name = volume.group(1) if volume else pod_volume
        label = f"volume {name}" if name else "a volume"
        if pod_volume and volume and pod_volume != name:
            label = f"volume {pod_volume} ({name})"
        what, fix, values = _advice(event.message)
        evidence = [event_evidence(event, context.now)]
        if generic and event is not generic[0]:
            evidence.append(event_evidence(generic[0], context.now))
        yield finding(
            "volume-mount-failed",
            context,
            f"Pod {context.name} is stuck in ContainerCreating: {label} cannot be mounted: {what}.",
            evidence=evidence,
            fix=fix,
            values=values,
            commands=[f"kubectl describe pod -n {context.namespace} {context.name}"],
        )
