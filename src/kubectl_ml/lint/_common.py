"""Helpers shared by the lint rules: the input type, containers of a pod spec, GPU and image facts.

Which model server a container runs is decided in ``lint.model_servers``.

Kept here so each rule module stays about its one problem. The pod-template handling (which kinds carry a
template, and where: a CronJob's is under ``jobTemplate``) is ``gpu._common``'s, reused, not copied.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubectl_ml.model.accelerators import looks_like_accelerator
from kubectl_ml.model.pods import spec_containers
from kubectl_ml.model.quantity import try_parse_quantity
from kubectl_ml.model.resources import container_resources
from kubectl_ml.model.subjects import Subject, pod_subject, template_subjects


@dataclass(frozen=True)
class LintInput:
    """One API object read from a manifest.

    Attributes:
        object: the object, as a plain dict.
        file: the file it came from (``-`` for standard input).
        line: the 1-based line where the object starts.
        lines: JSON path inside the object (``spec.template.spec.containers[0].image``, keys that are not
            plain words as ``['nvidia.com/gpu']``) -> 1-based line; may be empty.
    """

    object: Mapping[str, Any]
    file: str
    line: int
    lines: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ContainerSpec:
    """One container of a pod spec, with where it sits.

    Attributes:
        key: ``containers`` or ``initContainers``.
        index: its position in that list.
        body: the container dict.
    """

    key: str
    index: int
    body: Mapping[str, Any]

    @property
    def name(self) -> str:
        """The container's name."""
        return str(self.body.get("name", ""))

    def path(self, subject: Subject, inner: str = "") -> str:
        """The JSON path of the container (or of ``inner`` inside it) in the object."""
        return subject.path(f"spec.{self.key}[{self.index}]" + (f".{inner}" if inner else ""))


def subjects_of(obj: Mapping[str, Any]) -> list[Subject]:
    """A Pod, or every pod template of a workload kind (``model.workloads``' table); else empty."""
    if obj.get("kind") == "Pod":
        return [pod_subject(obj)] if isinstance(obj.get("spec"), Mapping) else []
    return template_subjects(obj)


def serves_traffic(subject: Subject) -> bool:
    """True when its pods serve for as long as they run and need a readinessProbe from the user.

    Deployment, StatefulSet, LeaderWorkerSet, DeploymentConfig; not pods, Jobs or node agents, nor kinds
    whose operator adds readiness itself (KServe through Knative's queue-proxy, KubeRay's probes).
    """
    return bool(subject.entry and subject.entry.serving)


def runs_to_completion(subject: Subject) -> bool:
    """Its pods finish (Jobs, CronJobs, training operators' jobs)."""
    return bool(subject.entry and subject.entry.finishes)


def containers(subject: Subject, *, init: bool = True) -> Iterator[ContainerSpec]:
    """The init containers (unless ``init`` is False), then the app containers."""
    for key, index, body in spec_containers(subject.spec, init=init):
        yield ContainerSpec(key, index, body)


def resources_of(container: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """(requests, limits) of a container, empty mappings when absent or of another shape."""
    return container_resources(container)


def gpu_resources(container: Mapping[str, Any]) -> list[str]:
    """The accelerator resources (misspellings included) the container asks a non-zero count of."""
    requests, limits = resources_of(container)
    names = []
    for name in sorted({*requests, *limits}):
        raw = limits.get(name, requests.get(name))
        value = try_parse_quantity(raw)
        if looks_like_accelerator(str(name)) and (value is None or value > 0):
            names.append(str(name))
    return names


def serves(container: Mapping[str, Any]) -> bool:
    """True when the container declares a containerPort."""
    return any(isinstance(port, Mapping) and port.get("containerPort") for port in container.get("ports") or [])


def image_repository(image: str) -> str:
    """The image reference without its tag or digest (``nvcr.io/nvidia/tritonserver``)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    return name
