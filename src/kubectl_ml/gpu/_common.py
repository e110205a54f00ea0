"""Helpers shared by the GPU checks: platforms, object references, pod templates and findings.

Kept here so each check module stays about its one problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_ml.model.codes import make_finding
from kubectl_ml.model.findings import ObjectRef

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

# The pod template of each controller kind, as a path of keys from the object (CronJob nests a Job's).
TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


def name_of(obj: Mapping[str, Any]) -> str:
    """``metadata.name`` (empty when absent)."""
    return str((obj.get("metadata") or {}).get("name", ""))


def ref_of(obj: Mapping[str, Any], default_kind: str = "Pod") -> ObjectRef:
    """The ObjectRef of any API object (its ``kind``, or ``default_kind`` when the item lacks one)."""
    metadata = obj.get("metadata") or {}
    return ObjectRef(str(obj.get("kind") or default_kind), str(metadata.get("namespace", "")), name_of(obj))


@dataclass(frozen=True)
class Subject:
    """A pod, or a workload's pod template, seen as a pod.

    Attributes:
        ref: the object a finding names (the Pod, or the Deployment/Job/... itself).
        pod: the pod, or the template wrapped as ``{"spec": template.spec}`` (what ``model.fit`` reads).
        prefix: the JSON path from the object to the pod spec's parent: ``""`` for a pod,
            ``spec.template.`` for a Deployment, ``spec.jobTemplate.spec.template.`` for a CronJob.
        keys: the same path as keys, to build strategic-merge patches.
        template: True for a workload's pod template (its pods may not exist yet).
    """

    ref: ObjectRef
    pod: Mapping[str, Any]
    prefix: str
    keys: tuple[str, ...]
    template: bool

    @property
    def spec(self) -> Mapping[str, Any]:
        """The pod spec."""
        return self.pod.get("spec") or {}

    def path(self, inner: str) -> str:
        """The JSON path of ``inner`` (a path inside the pod, e.g. ``spec.tolerations``) in the object."""
        return f"{self.prefix}{inner}"

    def patch(self, spec_body: Mapping[str, Any]) -> dict[str, Any]:
        """A strategic-merge patch of the object that sets ``spec_body`` in its pod spec."""
        body: dict[str, Any] = {"spec": dict(spec_body)}
        for key in reversed(self.keys):
            body = {key: body}
        return body

    @property
    def noun(self) -> str:
        """``Pod trainer-0`` or ``Deployment llm (pod template)`` for summaries."""
        return f"{self.ref.kind} {self.ref.name}" + (" (pod template)" if self.template else "")


def pod_subject(pod: Mapping[str, Any]) -> Subject:
    """A pod as a Subject."""
    return Subject(ref_of(pod), pod, "", (), template=False)


def template_subject(workload: Mapping[str, Any]) -> Subject | None:
    """A workload's pod template as a Subject, or None for a kind without one (or an empty template)."""
    kind = str(workload.get("kind") or "")
    keys = TEMPLATE_PATHS.get(kind)
    if keys is None:
        return None
    node: Any = workload
    for key in keys:
        node = (node or {}).get(key) if isinstance(node, Mapping) else None
    if not isinstance(node, Mapping) or not node.get("spec"):
        return None
    return Subject(ref_of(workload), {"spec": node["spec"]}, ".".join(keys) + ".", keys, template=True)


def owner_key(obj: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(kind, namespace, name) of the object's controller, from its ownerReferences."""
    metadata = obj.get("metadata") or {}
    owners = metadata.get("ownerReferences") or []
    owner = next((item for item in owners if item.get("controller")), owners[0] if owners else None)
    if owner is None:
        return None
    return str(owner.get("kind", "")), str(metadata.get("namespace", "")), str(owner.get("name", ""))


def key_of(obj: Mapping[str, Any]) -> tuple[str, str, str]:
    """(kind, namespace, name) of an object."""
    ref = ref_of(obj, default_kind="")
    return ref.kind, ref.namespace, ref.name


def top_workload(
    obj: Mapping[str, Any], index: Mapping[tuple[str, str, str], Mapping[str, Any]]
) -> tuple[str, str, str] | None:
    """The outermost listed controller of ``obj``: a pod's ReplicaSet's Deployment, a Job's CronJob.

    Only controllers present in ``index`` count: an owner we were not given cannot be checked instead.
    """
    found = None
    current = owner_key(obj)
    seen: set[tuple[str, str, str]] = set()
    while current is not None and current in index and current not in seen:
        seen.add(current)
        found = current
        current = owner_key(index[current])
    return found


def workload_index(workloads: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    """Workloads by (kind, namespace, name)."""
    return {key_of(item): item for item in workloads}


def top_level_templates(workloads: Sequence[Mapping[str, Any]]) -> Iterator[Subject]:
    """The pod templates of the workloads no other listed workload controls.

    A Deployment's ReplicaSets and a CronJob's Jobs carry a copy of its template: checking them too
    would report each problem twice, and the fix belongs in the owner's template.
    """
    index = workload_index(workloads)
    for workload in workloads:
        if top_workload(workload, index) is not None:
            continue
        subject = template_subject(workload)
        if subject is not None:
            yield subject


def is_system_taint(taint: Mapping[str, Any]) -> bool:
    """True for node-lifecycle and cloud bookkeeping taints (not-ready, unschedulable, being deleted...)."""
    return str(taint.get("key", "")).startswith(SYSTEM_TAINT_PREFIXES)


# The GPU checks build findings exactly as the doctor rules do.
build = make_finding


def plural(count: int, word: str) -> str:
    """``1 node``, ``3 nodes``."""
    return f"{count} {word}{'' if count == 1 else 's'}"
