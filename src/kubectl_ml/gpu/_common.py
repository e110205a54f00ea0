"""Helpers shared by the GPU checks: platforms, object references, pod templates and findings.

Kept here so each check module stays about its one problem. Which kinds carry pod templates, and where,
is ``model.workloads``' table; a Subject is one pod or one template read through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_ml.model.codes import make_finding
from kubectl_ml.model.findings import ObjectRef
from kubectl_ml.model.workloads import (
    Injected,
    OperatorPods,
    PodTemplate,
    WorkloadKind,
    kind_key,
    pod_templates,
    workload_kind,
)

# Taints that nodes get from Kubernetes or the cloud while they are unhealthy, starting or being removed:
# they do not keep ordinary pods off a healthy GPU node, so they are not the GPU node's taint.
SYSTEM_TAINT_PREFIXES = (
    "node.kubernetes.io/",
    "node-role.kubernetes.io/control-plane",
    "node-role.kubernetes.io/master",
    "node.cloudprovider.kubernetes.io/",
    "ToBeDeletedByClusterAutoscaler",
    "karpenter.sh/",
)


def name_of(obj: Mapping[str, Any]) -> str:
    """``metadata.name``; a manifest's ``generateName`` (``sample-job-``) when it has none; else empty."""
    metadata = obj.get("metadata") or {}
    return str(metadata.get("name") or metadata.get("generateName") or "")


def ref_of(obj: Mapping[str, Any], default_kind: str = "Pod") -> ObjectRef:
    """The ObjectRef of any API object (its kind key, or ``default_kind`` when the item lacks a kind)."""
    metadata = obj.get("metadata") or {}
    return ObjectRef(kind_key(obj) or default_kind, str(metadata.get("namespace", "")), name_of(obj))


@dataclass(frozen=True)
class Subject:
    """A pod, or one pod template of a workload, seen as a pod.

    Attributes:
        ref: the object a finding names (the Pod, or the Deployment/PyTorchJob/... itself).
        pod: the pod, or the template wrapped as ``{"spec": template.spec}`` (what ``model.fit`` reads).
        template: True for a workload's pod template (its pods may not exist yet).
        source: the template it was read from (None for a pod): its role, and where its fields are.
        entry: the workload kind's table entry (None for a pod).
    """

    ref: ObjectRef
    pod: Mapping[str, Any]
    template: bool
    source: PodTemplate | None = None
    entry: WorkloadKind | None = None

    @property
    def spec(self) -> Mapping[str, Any]:
        """The pod spec."""
        return self.pod.get("spec") or {}

    @property
    def role(self) -> str:
        """The template's role (``Worker``, ``leader``), empty for pods and single-template kinds."""
        return self.source.role if self.source else ""

    @property
    def partial(self) -> bool:
        """Only the containers' own fields are here: the pod's volumes and security come from elsewhere.

        Trainer's ``spec.trainer`` (its runtime's template), a KServe predictor that only names its model
        (its ServingRuntime's container and pod).
        """
        return bool(self.source and self.source.partial)

    @property
    def placed_elsewhere(self) -> bool:
        """Its tolerations and node selectors are in another object (Trainer's runtime): fit by size only."""
        return bool(self.source and self.source.placed_elsewhere)

    @property
    def injects(self) -> Injected:
        """What the workload's operator adds to the pods it makes."""
        return self.entry.injects if self.entry else Injected()

    def path(self, inner: str) -> str:
        """The JSON path of ``inner`` (a path inside the pod, e.g. ``spec.tolerations``) in the object."""
        return self.source.path(inner) if self.source else inner

    def patch(self, spec_body: Mapping[str, Any]) -> dict[str, Any] | None:
        """A patch of the object that sets ``spec_body`` in its pod spec, or None where none is safe.

        Built-in kinds take strategic-merge patches (lists of containers merge by name). Custom resources
        take only merge patches, which replace lists whole: a patch is given for them only when it names
        no container and its path has no list item (a PyTorchJob's tolerations, not a JobSet's).
        """
        if self.source is None or self.entry is None:
            return {"spec": dict(spec_body)}
        keys = self.source.keys
        if not self.entry.builtin and (
            any(isinstance(key, int) for key in keys)
            or self.source.slot.inline
            or self.partial
            or {"containers", "initContainers"} & set(spec_body)
        ):
            return None
        result: dict[str, Any] = dict(spec_body)
        for key in reversed(keys):
            result = {str(key): result}
        return result

    @property
    def noun(self) -> str:
        """``Pod trainer-0``, ``Deployment llm (pod template)`` or ``Worker template of PyTorchJob x``."""
        if not self.template:
            return f"{self.ref.kind} {self.ref.name}"
        if self.role:
            return f"{self.role} template of {self.ref.kind} {self.ref.name}"
        return f"{self.ref.kind} {self.ref.name} (pod template)"


def pod_subject(pod: Mapping[str, Any]) -> Subject:
    """A pod as a Subject."""
    return Subject(ref_of(pod), pod, template=False)


def template_subjects(workload: Mapping[str, Any]) -> list[Subject]:
    """Every pod template of a workload as a Subject (empty for a kind without one, or empty templates)."""
    entry = workload_kind(workload)
    if entry is None:
        return []
    ref = ref_of(workload)
    return [
        Subject(ref, {"spec": template.spec, "metadata": template.metadata}, True, template, entry)
        for template in pod_templates(workload)
    ]


def owner_key(obj: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(kind key, namespace, name) of the object's controller, from its ownerReferences."""
    metadata = obj.get("metadata") or {}
    owners = metadata.get("ownerReferences") or []
    owner = next((item for item in owners if item.get("controller")), owners[0] if owners else None)
    if owner is None:
        return None
    return kind_key(owner), str(metadata.get("namespace", "")), str(owner.get("name", ""))


def key_of(obj: Mapping[str, Any]) -> tuple[str, str, str]:
    """(kind, namespace, name) of an object."""
    ref = ref_of(obj, default_kind="")
    return ref.kind, ref.namespace, ref.name


def top_workload(obj: Mapping[str, Any], index: OwnerIndex) -> tuple[str, str, str] | None:
    """The outermost listed controller of ``obj``.

    A pod's ReplicaSet's Deployment, a Job's CronJob, or the operator object whose label it carries (a
    LeaderWorkerSet's worker StatefulSet, which a pod owns; a Knative Revision's Deployment). Only
    controllers present in ``index`` count: an owner we were not given cannot be checked instead.
    """
    found = None
    current = owner_key(obj)
    seen: set[tuple[str, str, str]] = set()
    while current is not None and current in index and current not in seen:
        seen.add(current)
        found = current
        current = owner_key(index[current])
    labelled = index.operators.owner_of(obj)
    if labelled is not None and key_of(labelled) in index and key_of(labelled) != key_of(obj):
        return key_of(labelled)
    return found


class OwnerIndex(dict[tuple[str, str, str], Mapping[str, Any]]):
    """Workloads by (kind key, namespace, name), with the operators' pod labels to find their owners by."""

    def __init__(self, workloads: Iterable[Mapping[str, Any]]) -> None:
        items = list(workloads)
        super().__init__((key_of(item), item) for item in items)
        self.operators = OperatorPods(items)


def workload_index(workloads: Iterable[Mapping[str, Any]]) -> OwnerIndex:
    """Workloads by (kind, namespace, name)."""
    return OwnerIndex(workloads)


def top_level_templates(workloads: Sequence[Mapping[str, Any]]) -> Iterator[Subject]:
    """The pod templates of the workloads no other listed workload controls.

    A Deployment's ReplicaSets and a CronJob's Jobs carry a copy of its template: checking them too
    would report each problem twice, and the fix belongs in the owner's template.
    """
    index = workload_index(workloads)
    for workload in workloads:
        if top_workload(workload, index) is not None:
            continue
        entry = workload_kind(workload)
        if entry is not None and entry.pod_template_copy:
            continue  # Kueue's Workload copies its job's templates
        yield from template_subjects(workload)


def is_system_taint(taint: Mapping[str, Any]) -> bool:
    """True for node-lifecycle and cloud bookkeeping taints (not-ready, unschedulable, being deleted...)."""
    return str(taint.get("key", "")).startswith(SYSTEM_TAINT_PREFIXES)


# The GPU checks build findings exactly as the doctor rules do.
build = make_finding


def plural(count: int, word: str) -> str:
    """``1 node``, ``3 nodes``."""
    return f"{count} {word}{'' if count == 1 else 's'}"
