"""/dev/shm exhausted: PyTorch DataLoader workers need more shared memory than the 64Mi default.

What: ``ERROR: Unexpected bus error encountered in worker. This might be caused by insufficient shared
memory (shm).``, ``DataLoader worker (pid N) is killed by signal: Bus error``, or ``unable to write to
file </torch_...>: No space left on device`` (PyTorch's shared-memory segments live in /dev/shm) in the
log, or a bus error (SIGBUS, exit 135) in a container without a memory-backed /dev/shm.

Why it matters: the container runtime gives /dev/shm 64Mi; data loading with several workers needs
far more, and the error looks like a random crash.

Remedy: mount an ``emptyDir`` with ``medium: Memory`` at ``/dev/shm`` (set ``sizeLimit``; it counts
against the memory limit), or raise its ``sizeLimit``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import ContainerView, containers
from kubectl_ml.rules._common import find_line, finding, log_evidence, status_evidence

NEEDS = (Need("logs"),)

CODES = declare(
    CodeInfo(
        "shm-exhausted",
        "running",
        Severity.ERROR,
        "/dev/shm too small",
        "Shared memory ran out (the container default is 64Mi); PyTorch DataLoader workers need more.",
        "Mount an emptyDir with medium: Memory at /dev/shm (its size counts against the memory limit).",
        docs="https://kubernetes.io/docs/concepts/storage/volumes/#emptydir",
        variants={
            "no-volume": (
                "Mount an emptyDir with medium: Memory at /dev/shm (for example sizeLimit 8Gi) and keep "
                "limits.memory above what the process and the shared memory use together."
            ),
            "small-volume": (
                "Raise the /dev/shm emptyDir's sizeLimit (and limits.memory with it), or use fewer DataLoader workers."
            ),
        },
    ),
)


# The worker's own report first: it names shm; the main process's lines below come after it.
_NEEDLES = (
    "insufficient shared memory (shm)",
    "No space left on device: '/dev/shm",
    "/dev/shm: No space left",
)
_ALSO = (
    # pytorch/pytorch#108861: `DataLoader worker (pid 11011) is killed by signal: Bus error. It is possible
    # that dataloader's workers are out of shared memory.`
    "is killed by signal: Bus error",
    "workers are out of shared memory",
    # idiap/ESLAM#20: `unable to write to file </torch_31911_952036340_6686>: No space left on device (28)`:
    # /torch_* files are PyTorch's shared-memory segments, in /dev/shm.
    "unable to write to file </torch_",
)


def _shm_volume(context: PodContext, container: ContainerView) -> Mapping[str, Any] | None:
    """The memory-backed emptyDir mounted at /dev/shm in this container, if any."""
    mounts = {mount.get("name"): mount for mount in container.spec.get("volumeMounts") or []}
    for volume in (context.pod.get("spec") or {}).get("volumes") or []:
        mount = mounts.get(volume.get("name"))
        if mount and mount.get("mountPath") == "/dev/shm" and "emptyDir" in volume:
            return volume  # type: ignore[no-any-return]
    return None


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container that ran out of shared memory."""
    for container in containers(context.pod):
        log = context.previous_logs.get(container.name) or context.current_logs.get(container.name) or ""
        line = find_line(log, _NEEDLES) or find_line(log, _ALSO)
        termination, path = container.latest_termination()
        volume = _shm_volume(context, container)
        evidence: list[Evidence] = []
        if line:
            evidence.append(log_evidence(container.name, line, container.name in context.previous_logs))
        elif termination.get("exitCode") == 135 and volume is None:
            evidence.append(status_evidence(f"{path}.exitCode", 135, label="SIGBUS"))
        else:
            continue
        size = ((volume or {}).get("emptyDir") or {}).get("sizeLimit")
        if volume is None:
            summary = f"Container {container.name} ran out of shared memory: /dev/shm is the runtime's 64Mi default."
            fix = "no-volume"
            patch: dict[str, Any] | None = {
                "spec": {
                    "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}}],
                    "containers": [
                        {"name": container.name, "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}]}
                    ],
                }
            }
        else:
            summary = (
                f"Container {container.name} ran out of shared memory: its /dev/shm volume "
                f"{volume.get('name')} is limited to {size or 'the memory limit'}."
            )
            fix = "small-volume"
            patch = None
        yield finding(
            "shm-exhausted",
            context,
            summary,
            container=container.name,
            evidence=evidence,
            fix=fix,
            patch=patch,
        )
