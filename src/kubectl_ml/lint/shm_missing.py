"""GPU containers without a memory-backed ``/dev/shm``.

What: every container that asks for an accelerator and has no ``volumeMount`` at ``/dev/shm`` of an
``emptyDir`` with ``medium: Memory`` (a pod with ``hostIPC: true`` uses the node's and is not flagged).
A mount of another kind of volume at ``/dev/shm`` is flagged too.

Why it matters: the container runtime gives ``/dev/shm`` 64Mi. PyTorch DataLoader workers pass batches
through it and NCCL uses it between processes on one node; both fail with bus errors or hangs that look
like random crashes (``shm-exhausted`` in ``kubectl ml doctor``). No other linter checks it.

Remedy: mount an ``emptyDir`` with ``medium: Memory`` and a ``sizeLimit`` at ``/dev/shm`` (its use counts
against the container's memory limit). The patch adds a volume ``dshm`` and its mount.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from kubectl_ml.gpu._common import build
from kubectl_ml.lint._common import containers, gpu_resources
from kubectl_ml.model.findings import Evidence, Finding
from kubectl_ml.model.subjects import Subject

_SHM = "/dev/shm"


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``shm-missing`` per GPU container without a memory-backed /dev/shm."""
    if subject.spec.get("hostIPC") is True or subject.injects.shm or subject.partial:
        return  # the host's /dev/shm, KubeRay's own memory-backed mount, or placement defined elsewhere
    volumes = {
        str(volume.get("name")): volume for volume in subject.spec.get("volumes") or [] if isinstance(volume, Mapping)
    }
    for container in containers(subject):
        gpus = gpu_resources(container.body)
        if not gpus:
            continue
        mounts = [
            (index, mount)
            for index, mount in enumerate(container.body.get("volumeMounts") or [])
            if isinstance(mount, Mapping) and str(mount.get("mountPath", "")).rstrip("/") == _SHM
        ]
        if any(
            ((volumes.get(str(mount.get("name"))) or {}).get("emptyDir") or {}).get("medium") == "Memory"
            for _, mount in mounts
        ):
            continue
        if mounts:
            index, mount = mounts[0]
            volume = volumes.get(str(mount.get("name")))
            evidence = Evidence("spec", container.path(subject, f"volumeMounts[{index}]"), dict(mount))
            said = f"mounts volume {mount.get('name')} at /dev/shm, which is not an emptyDir with medium: Memory"
            if volume is None:
                said = f"mounts volume {mount.get('name')} at /dev/shm, which the pod does not define"
        else:
            evidence = Evidence("spec", container.path(subject, "volumeMounts"), container.body.get("volumeMounts"))
            said = "has no memory-backed /dev/shm (the runtime's default is 64Mi)"
        patch = subject.patch(
            {
                "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "16Gi"}}],
                "containers": [{"name": container.name, "volumeMounts": [{"name": "dshm", "mountPath": _SHM}]}],
            }
        )
        yield build(
            "shm-missing",
            subject.ref,
            f"{subject.noun}, container {container.name} asks for {', '.join(gpus)} but {said}.",
            container=container.name,
            evidence=[evidence],
            patch=patch,
        )
