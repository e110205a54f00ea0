"""Which workload a pod's usage belongs to, including pods that no longer exist.

A pod of an earlier ReplicaSet (replaced by a rollout inside the window) is gone from the API, but its
usage still counts for its Deployment: its owner comes from the objects when the pod exists, else from
kube-state-metrics' ``kube_pod_owner`` and ``kube_replicaset_owner``/``kube_job_owner`` history, else from
Kubernetes' naming (a ReplicaSet is ``<deployment>-<pod-template-hash>``) when such a Deployment exists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_ml.model.pods import controller_of
from kubectl_ml.model.workloads import OperatorPods, kind_key, pod_templates, template_for_role, workload_kind

_TEMPLATE_HASH = re.compile(r"^(.+)-[a-z0-9]{6,10}$")
# A ReplicaSet's pods are <replicaset>-<5 random characters>.
_POD_SUFFIX = re.compile(r"^(.+)-[a-z0-9]{5}$")
# Jobs created by a CronJob are named <cronjob>-<scheduled minute since the epoch>.
_CRONJOB_RUN = re.compile(r"^(.+)-\d{8,}$")


@dataclass(frozen=True)
class Workload:
    """A workload: its kind, namespace and name, and the object when it exists (for its pod template).

    ``role`` names the pod template of a kind with several (a PyTorchJob's ``Worker``): each role's pods
    are sized together, apart from the other roles'.
    """

    kind: str
    namespace: str
    name: str
    obj: Mapping[str, Any] | None = None
    role: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        """(namespace, kind, name, role): what pods are grouped by."""
        return self.namespace, self.kind, self.name, self.role


@dataclass
class WorkloadIndex:
    """Objects of the namespaces being sized, indexed for ownership lookups.

    Attributes:
        pods: existing pods by (namespace, name).
        controllers: controllers by (namespace, kind, name).
        pod_owners: kube_pod_owner history by (namespace, pod).
        controller_owners: kube_replicaset_owner/kube_job_owner history by (namespace, kind, name).
    """

    pods: dict[tuple[str, str], Mapping[str, Any]]
    controllers: dict[tuple[str, str, str], Mapping[str, Any]]
    pod_owners: Mapping[tuple[str, str], tuple[str, str]]
    controller_owners: Mapping[tuple[str, str, str], tuple[str, str]]
    operators: OperatorPods = field(default_factory=lambda: OperatorPods(()))

    @classmethod
    def build(
        cls,
        pods: Sequence[Mapping[str, Any]],
        controllers: Sequence[Mapping[str, Any]],
        pod_owners: Mapping[tuple[str, str], tuple[str, str]],
        controller_owners: Mapping[tuple[str, str, str], tuple[str, str]],
    ) -> WorkloadIndex:
        """Index lists of API objects."""

        def key(obj: Mapping[str, Any]) -> tuple[str, str]:
            metadata = obj.get("metadata") or {}
            return str(metadata.get("namespace", "")), str(metadata.get("name", ""))

        return cls(
            pods={key(pod): pod for pod in pods},
            controllers={(key(item)[0], kind_key(item), key(item)[1]): item for item in controllers},
            pod_owners=pod_owners,
            controller_owners=controller_owners,
            operators=OperatorPods(controllers),
        )

    def _workload(self, namespace: str, kind: str, name: str, pod: str = "") -> Workload:
        obj = self.controllers.get((namespace, kind, name))
        return Workload(kind, namespace, name, obj, _role_from_name(obj, name, pod) if obj and pod else "")

    def _lift(self, namespace: str, kind: str, name: str) -> Workload:
        """From a direct owner to the top-level workload (ReplicaSet -> Deployment, Job -> CronJob)."""
        if kind not in ("ReplicaSet", "Job"):
            return self._workload(namespace, kind, name)
        obj = self.controllers.get((namespace, kind, name))
        owner = controller_of(obj) if obj is not None else None
        if owner is not None:
            return self._workload(namespace, str(owner.get("kind")), str(owner.get("name")))
        recorded = self.controller_owners.get((namespace, kind, name))
        if recorded is not None and recorded[0] not in ("", "<none>"):
            return self._workload(namespace, *recorded)
        parent_kind, pattern = ("Deployment", _TEMPLATE_HASH) if kind == "ReplicaSet" else ("CronJob", _CRONJOB_RUN)
        match = pattern.match(name)
        if match and (namespace, parent_kind, match.group(1)) in self.controllers:
            return self._workload(namespace, parent_kind, match.group(1))
        return self._workload(namespace, kind, name)

    def workload_of(self, namespace: str, pod: str) -> Workload:
        """The top-level workload a pod belongs (or belonged) to; the pod itself when it has no owner."""
        existing = self.pods.get((namespace, pod))
        if existing is not None:
            operator = self.operators.owner_of(existing)
            if operator is not None:
                metadata = operator.get("metadata") or {}
                role = self.operators.template_role(operator, existing)
                return Workload(kind_key(operator), namespace, str(metadata.get("name", "")), operator, role)
            owner = controller_of(existing)
            if owner is None:
                return Workload("Pod", namespace, pod, existing)
            return self._lift(namespace, str(owner.get("kind")), str(owner.get("name")))
        recorded = self.pod_owners.get((namespace, pod))
        if recorded is not None and recorded[0] not in ("", "<none>"):
            if (namespace, *recorded) in self.controllers and recorded[0] not in ("ReplicaSet", "Job"):
                return self._workload(namespace, recorded[0], recorded[1], pod)
            return self._lift(namespace, *recorded)
        match = _POD_SUFFIX.match(pod)
        if match and _TEMPLATE_HASH.match(match.group(1)):
            return self._lift(namespace, "ReplicaSet", match.group(1))
        return Workload("Pod", namespace, pod, None)


def _role_from_name(obj: Mapping[str, Any], name: str, pod: str) -> str:
    """A gone pod's role from its name: Kubeflow and Volcano name pods ``<job>-<role>-<index>``."""
    for template in pod_templates(obj):
        if template.role and pod.lower().startswith(f"{name}-{template.role.lower()}-"):
            return template.role
    return ""


def pod_spec(workload: Workload, pods: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The pod spec that defines the workload's current requests: its template, else a live pod's spec."""
    obj = workload.obj or {}
    entry = workload_kind(obj) if obj else None
    if entry is not None and not entry.builtin:
        template = template_for_role(obj, workload.role)
        if template is not None:
            return template.spec
        return (pods[0].get("spec") or {}) if pods else None
    if workload.kind != "Pod":
        spec = obj.get("spec") or {}
        if workload.kind == "CronJob":
            spec = (spec.get("jobTemplate") or {}).get("spec") or {}
        template = spec.get("template")
        if template:
            return template.get("spec") or {}
    elif obj:
        return obj.get("spec") or {}
    return (pods[0].get("spec") or {}) if pods else None
