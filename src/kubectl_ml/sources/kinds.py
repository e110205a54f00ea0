"""The API kinds the plugin reads, with their REST paths. Secrets are deliberately absent."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """An API resource: its kind, apiVersion, plural and whether it is namespaced."""

    kind: str
    api_version: str
    plural: str
    namespaced: bool = True
    short: tuple[str, ...] = ()

    def collection_path(self, namespace: str | None) -> str:
        """The list path, namespaced when ``namespace`` is given and the kind is namespaced."""
        base = "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"
        if self.namespaced and namespace:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"


KINDS: dict[str, Kind] = {
    kind.kind: kind
    for kind in (
        Kind("Pod", "v1", "pods", short=("po", "pod", "pods")),
        Kind("Event", "v1", "events", short=("ev", "event", "events")),
        Kind("Node", "v1", "nodes", namespaced=False, short=("no", "node", "nodes")),
        Kind("Namespace", "v1", "namespaces", namespaced=False),
        Kind("Service", "v1", "services", short=("svc",)),
        Kind("PersistentVolumeClaim", "v1", "persistentvolumeclaims", short=("pvc",)),
        Kind("ResourceQuota", "v1", "resourcequotas", short=("quota",)),
        Kind("ReplicationController", "v1", "replicationcontrollers", short=("rc",)),
        Kind("ReplicaSet", "apps/v1", "replicasets", short=("rs", "replicaset", "replicasets")),
        Kind("Deployment", "apps/v1", "deployments", short=("deploy", "deployment", "deployments")),
        Kind("StatefulSet", "apps/v1", "statefulsets", short=("sts", "statefulset", "statefulsets")),
        Kind("DaemonSet", "apps/v1", "daemonsets", short=("ds", "daemonset", "daemonsets")),
        Kind("Job", "batch/v1", "jobs", short=("job", "jobs")),
        Kind("CronJob", "batch/v1", "cronjobs", short=("cj", "cronjob", "cronjobs")),
    )
}

# The controllers that own pods through a pod template, in the order they are listed.
CONTROLLER_KINDS = ("ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")

WORKLOAD_KINDS = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicaSet",
    "ReplicationController",
)


def resolve_kind(word: str) -> Kind | None:
    """Map ``deploy``, ``deployments``, ``Deployment``, ``sts``... to a Kind (None if unknown)."""
    lowered = word.lower()
    for kind in KINDS.values():
        if lowered == kind.kind.lower() or lowered == kind.plural or lowered in kind.short:
            return kind
    # Resource names with a group, as kubectl accepts them: deployments.apps
    head = lowered.split(".", 1)[0]
    return next((kind for kind in KINDS.values() if head in (kind.plural, kind.kind.lower())), None)
