"""``NVIDIA_VISIBLE_DEVICES`` set by hand in a pod spec: every GPU exposed, or the GPU it holds hidden.

What: a container's ``env`` that sets ``NVIDIA_VISIBLE_DEVICES`` itself. The NVIDIA container runtime
reads it to choose the GPUs a container gets (NVIDIA container toolkit, "Environment variables"):
``all`` is every GPU of the node; a list (``0,1``, ``GPU-<uuid>``) is those GPUs; ``none`` is no GPU but
the driver's libraries; ``void``, empty or unset is no GPU at all (the runtime acts as runc). The device
plugin sets it to the GPUs it allocated, and the kubelet appends the container's own ``env`` after the
plugin's, so the manifest's value wins wherever the runtime takes the device list from that variable
(the device plugin's default ``envvar`` strategy, with ``accept-nvidia-visible-devices-envvar-when-
unprivileged`` left true). What each combination means:

* a GPU request and ``all``: the container sees every GPU of the node, the ones the scheduler gave to
  other pods too (warning);
* a GPU request and a device list: it uses those GPUs, whichever it was allocated (warning);
* a GPU request and ``void``, ``none`` or empty: it holds a GPU and cannot see it; CUDA finds no device
  (error);
* no GPU request and ``all`` or a device list: the way pods squat on GPUs the scheduler does not count,
  wherever ``nvidia`` is the node's default runtime or the pod names it in ``runtimeClassName`` (warning);
* no GPU request and ``void`` or ``none``: the NVIDIA device plugin README's advice to keep a CUDA image
  off the node's GPUs; no finding.

Node agents that need every GPU (DCGM exporter, the GPU Operator's validator and toolkit: a DaemonSet's
privileged or host-device container, or a GPU agent's image) are not reported, nor is any privileged
container (it sees every device anyway; the GPU Operator's validation pods set ``all`` on purpose). A value from
``valueFrom`` or ``envFrom`` is not seen, and not judged.

Why it matters: GPUs are counted by the scheduler and isolated by the runtime; this variable bypasses
both. Pods that share GPUs they were not given run out of GPU memory or slow each other down, and nobody
sees why from the allocation; a hidden GPU idles while its pod fails.

Remedy: remove ``NVIDIA_VISIBLE_DEVICES`` from the pod spec and let the device plugin set it (the patch
deletes it where that is safe); a container that needs no GPU should set ``void``. Cluster-wide, the
NVIDIA toolkit's ``accept-nvidia-visible-devices-envvar-when-unprivileged = false`` with the device
plugin's ``volume-mounts`` or CDI strategy stops unprivileged pods from choosing their GPUs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.gpu._common import build
from kubectl_ml.lint._common import ContainerSpec, containers, gpu_resources
from kubectl_ml.lint.run_as_root import is_node_agent, is_privileged
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.subjects import Subject

CODES = declare(
    CodeInfo(
        "gpu-visible-devices-all",
        "lint",
        Severity.WARNING,
        "NVIDIA_VISIBLE_DEVICES set in the pod spec",
        "A container sets NVIDIA_VISIBLE_DEVICES itself: all (or a device list) exposes GPUs the scheduler "
        "did not give it, to pods with or without a GPU request; void or none hides the GPU it requested.",
        "Remove NVIDIA_VISIBLE_DEVICES and let the device plugin set it; set it to void only in containers "
        "that request no GPU.",
        docs="https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html",
        variants={
            "hidden": "Remove {variable} from the container's env: the device plugin sets it to the allocated GPU.",
            "shared": "Remove {variable} from the container's env: the device plugin sets it to the allocated GPUs.",
            "no-request": (
                "Request the GPUs it uses (limits nvidia.com/gpu) and remove {variable}; if it needs none, set "
                "{variable}=void."
            ),
        },
    ),
)


VARIABLE = "NVIDIA_VISIBLE_DEVICES"
# Values that give the container no GPU (void, empty: no GPU, no driver; none: the driver's libraries).
NO_GPU = frozenset({"void", "none", ""})


def visible_devices(container: Mapping[str, Any]) -> tuple[int, str] | None:
    """(index in env, value) of the container's literal NVIDIA_VISIBLE_DEVICES; None when not set literally."""
    for index, item in enumerate(container.get("env") or []):
        if isinstance(item, Mapping) and item.get("name") == VARIABLE and "valueFrom" not in item:
            value = item.get("value")
            return index, "" if value is None else str(value)
    return None


def requests_device(container: Mapping[str, Any]) -> bool:
    """An accelerator request above zero, or a DRA claim (``resources.claims``), which may be a GPU."""
    resources = container.get("resources")
    claims = resources.get("claims") if isinstance(resources, Mapping) else None
    return bool(gpu_resources(container)) or bool(claims)


def _delete_patch(subject: Subject, container: ContainerSpec) -> dict[str, Any] | None:
    body = {"name": container.name, "env": [{"name": VARIABLE, "$patch": "delete"}]}
    return subject.patch({container.key: [body]})


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``gpu-visible-devices-all`` per container that sets NVIDIA_VISIBLE_DEVICES against its request."""
    runtime = subject.spec.get("runtimeClassName")
    for container in containers(subject):
        found = visible_devices(container.body)
        if found is None or is_node_agent(subject, container) or is_privileged(container.body):
            continue
        index, value = found
        wanted = requests_device(container.body)
        word = value.strip().lower()
        evidence = [Evidence("spec", container.path(subject, f"env[{index}].value"), value)]
        where = f"{subject.noun}, container {container.name}"
        if word in NO_GPU and not wanted:
            continue
        if word in NO_GPU:
            shown = value or "(empty)"
            yield build(
                "gpu-visible-devices-all",
                subject.ref,
                f"{where} requests a GPU but sets {VARIABLE}={shown}, which tells the NVIDIA runtime to give it "
                "none: the GPU is allocated to it and hidden from it (CUDA finds no device).",
                container=container.name,
                evidence=evidence,
                fix="hidden",
                values={"variable": VARIABLE},
                patch=_delete_patch(subject, container),
                severity=Severity.ERROR,
            )
            continue
        every = "every GPU of the node" if word == "all" else f"the GPUs {value}"
        if wanted:
            summary = (
                f"{where} requests a GPU but sets {VARIABLE}={value}: where the NVIDIA runtime takes the devices "
                f"from this variable (the device plugin's default), it sees {every}, not the GPU it was allocated, "
                "and shares them with the pods they were given to."
            )
            fix = "shared"
            patch = _delete_patch(subject, container)
        else:
            on = f"with runtimeClassName {runtime}" if runtime else "on a node where nvidia is the default runtime"
            summary = (
                f"{where} requests no GPU but sets {VARIABLE}={value}: {on}, it uses {every} without the "
                "scheduler counting them."
            )
            fix = "no-request"
            patch = None  # requesting a GPU or hiding all of them: the author must choose
        yield build(
            "gpu-visible-devices-all",
            subject.ref,
            summary,
            container=container.name,
            evidence=evidence,
            fix=fix,
            values={"variable": VARIABLE},
            patch=patch,
        )
