"""OOMKilled: the container went over its memory limit and the kernel killed it.

What: ``lastState.terminated.reason: OOMKilled`` (exit 137). There is no pod event for it, only the
status. On cgroup v2 with Kubernetes 1.28+ one process over the limit kills the whole container, so a
single DataLoader worker's OOM now ends the trainer.

Why it matters: the fix is the memory limit (host memory), the opposite of a CUDA OOM (GPU memory),
and a memory-backed /dev/shm counts against the same limit.

Remedy: raise ``limits.memory`` above the limit that was hit (the finding proposes a value and a
patch); ``kubectl ml rightsize`` measures the real need.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Finding, Severity
from kubectl_ml.model.pods import ContainerView, containers
from kubectl_ml.model.quantity import format_memory, next_memory_step, try_parse_quantity
from kubectl_ml.rules._common import (
    container_patch,
    finding,
    spec_evidence,
    status_evidence,
    terminated_recently,
)

CODES = declare(
    CodeInfo(
        "oom-killed",
        "running",
        Severity.ERROR,
        "container memory limit hit",
        "The kernel killed the container because it used more memory than its limit.",
        "Raise limits.memory (kubectl ml rightsize gives a measured value), or use less memory.",
        docs="https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/",
        variants={
            "raise": "Raise limits.memory to at least {proposal}, or lower the memory the process uses.",
            "raise-shm": (
                "Raise limits.memory to at least {proposal}, or lower the memory the process uses. "
                "Memory-backed emptyDir volumes ({volumes}) count against the same limit."
            ),
            "no-limit": (
                "Set requests.memory to what the container really uses so the node reserves it, and a "
                "limits.memory above its peak."
            ),
            "no-limit-shm": (
                "Set requests.memory to what the container really uses so the node reserves it, and a "
                "limits.memory above its peak. Memory-backed emptyDir volumes ({volumes}) count against the "
                "same limit."
            ),
        },
    ),
)


def _memory_backed_volumes(context: PodContext, container: ContainerView) -> list[tuple[int, Mapping[str, Any]]]:
    """The memory-backed emptyDir volumes this container mounts, with their index in ``spec.volumes``.

    tmpfs pages are charged to the memory cgroup of the container that writes them, so only the
    volumes it mounts count against its limit.
    """
    mounted = {mount.get("name") for mount in container.spec.get("volumeMounts") or []}
    volumes = (context.pod.get("spec") or {}).get("volumes") or []
    return [
        (index, volume)
        for index, volume in enumerate(volumes)
        if volume.get("name") in mounted and ((volume.get("emptyDir") or {}).get("medium") or "") == "Memory"
    ]


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container whose latest termination was OOMKilled."""
    for container in containers(context.pod):
        termination, path = container.latest_termination()
        if termination.get("reason") != "OOMKilled":
            continue
        limit_text = ((container.spec.get("resources") or {}).get("limits") or {}).get("memory")
        limit = try_parse_quantity(limit_text)
        evidence = [status_evidence(f"{path}.reason", "OOMKilled")]
        if termination.get("exitCode") is not None:
            evidence.append(status_evidence(f"{path}.exitCode", termination.get("exitCode")))
        times = f" (restarted {container.restart_count} times)" if container.restart_count > 1 else ""
        patch = None
        commands = [f"kubectl ml rightsize -n {context.namespace}"]
        if limit:
            evidence.append(spec_evidence(f"{container.spec_path}.resources.limits.memory", limit_text))
            proposal = format_memory(next_memory_step(limit))
            summary = f"Container {container.name} was killed for exceeding its {limit_text} memory limit{times}."
            fix, values = "raise", {"proposal": proposal}
            body = {"resources": {"limits": {"memory": proposal}}}
            requests = (container.spec.get("resources") or {}).get("requests") or {}
            request = try_parse_quantity(requests.get("memory"))
            if request is not None and request > next_memory_step(limit):
                body["resources"]["requests"] = {"memory": proposal}
            patch = container_patch(container, body)
        else:
            summary = (
                f"Container {container.name} was OOM-killed{times} without a memory limit of its own: the "
                "pod or node ran out of memory."
            )
            fix, values = "no-limit", {}
        shm = _memory_backed_volumes(context, container)
        for index, volume in shm:
            evidence.append(spec_evidence(f"spec.volumes[{index}].emptyDir", dict(volume.get("emptyDir") or {})))
        if shm:
            names = ", ".join(str(volume.get("name", "")) for _, volume in shm)
            fix, values = f"{fix}-shm", {**values, "volumes": names}
        running = bool((container.status.get("state") or {}).get("running"))
        recent = terminated_recently(termination, context.now, 3600)
        severity = Severity.WARNING if running and container.status.get("ready") and not recent else None
        yield finding(
            "oom-killed",
            context,
            summary,
            container=container.name,
            evidence=evidence,
            fix=fix,
            values=values,
            patch=patch,
            commands=commands,
            severity=severity,
        )
