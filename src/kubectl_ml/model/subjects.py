"""A pod, or one pod template of a workload, seen as a pod: what the placement, GPU and lint checks read.

Which kinds carry pod templates, and where, is ``model.workloads``' table; a Subject is one pod or one
template read through it, with the evidence paths and patches of its own object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_ml.model.findings import ObjectRef
from kubectl_ml.model.workloads import Injected, PodTemplate, WorkloadKind, kind_key, pod_templates, workload_kind


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


def plural(count: int, word: str) -> str:
    """``1 node``, ``3 nodes``."""
    return f"{count} {word}{'' if count == 1 else 's'}"
