"""Helpers shared by the GPU checks: platforms, object references, pod templates and findings.

Kept here so each check module stays about its one problem. Which kinds carry pod templates, and where,
is ``model.workloads``' table; a Subject is one pod or one template read through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from kubectl_ml.model.codes import make_finding
from kubectl_ml.model.subjects import Subject, ref_of, template_subjects
from kubectl_ml.model.workloads import (
    OperatorPods,
    kind_key,
    workload_kind,
)


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


# The GPU checks build findings exactly as the doctor rules do.
build = make_finding
