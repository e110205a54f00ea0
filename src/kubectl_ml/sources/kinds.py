"""The API kinds the plugin reads, with their REST paths. Secrets are deliberately absent.

Workload kinds (built-in and operator) come from ``model.workloads``' table; the rest (events, nodes,
claims, quotas, Kueue's queues) are listed here. Each kind is filed under its registry key: its kind
name, or ``Kind.group`` where two groups share a name (Volcano's ``Job.batch.volcano.sh``).
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_ml.model.workloads import (
    BUILTIN_CONTROLLERS,
    OPERATOR_CONTROLLERS,
    WORKLOAD_KINDS,
    WorkloadKind,
    group_of,
    resolve_workload_kind,
)


@dataclass(frozen=True)
class Kind:
    """An API resource: its kind, preferred apiVersion, plural and whether it is namespaced.

    Attributes:
        kind: the API kind.
        api_version: ``group/version`` of the preferred version (``v1`` for the core group).
        plural: the resource name in paths.
        namespaced: False for cluster-scoped kinds.
        short: other names kubectl accepts.
        versions: every version the plugin reads, preferred first (a live source picks the first the
            server serves).
        key: the registry key (``kind`` unless two groups share the name).
    """

    kind: str
    api_version: str
    plural: str
    namespaced: bool = True
    short: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    key: str = ""

    @property
    def group(self) -> str:
        """The API group (empty for the core group)."""
        return group_of(self.api_version)

    @property
    def name(self) -> str:
        """The registry key."""
        return self.key or self.kind

    @property
    def resource(self) -> str:
        """The name kubectl takes: ``pytorchjobs.kubeflow.org``; the plural alone for built-in groups."""
        return f"{self.plural}.{self.group}" if self.group and "." in self.group else self.plural

    def collection_path(self, namespace: str | None, api_version: str | None = None) -> str:
        """The list path, namespaced when ``namespace`` is given and the kind is namespaced."""
        version = api_version or self.api_version
        base = "/api/v1" if version == "v1" else f"/apis/{version}"
        if self.namespaced and namespace:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"


def _from_workload(entry: WorkloadKind) -> Kind:
    namespaced = not entry.kind.startswith("Cluster")
    return Kind(entry.kind, entry.api_version, entry.plural, namespaced, entry.short, entry.versions, entry.key)


def _kueue(kind: str, plural: str, namespaced: bool, short: tuple[str, ...]) -> Kind:
    return Kind(kind, "kueue.x-k8s.io/v1beta1", plural, namespaced, short, ("v1beta1",))


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        *(_from_workload(entry) for entry in WORKLOAD_KINDS.values()),
        Kind("Event", "v1", "events", short=("ev", "event")),
        Kind("Node", "v1", "nodes", namespaced=False, short=("no", "node")),
        Kind("Namespace", "v1", "namespaces", namespaced=False, short=("ns", "namespace")),
        Kind("Service", "v1", "services", short=("svc", "service")),
        Kind("PersistentVolumeClaim", "v1", "persistentvolumeclaims", short=("pvc", "persistentvolumeclaim")),
        Kind("ResourceQuota", "v1", "resourcequotas", short=("quota", "resourcequota")),
        _kueue("LocalQueue", "localqueues", True, ("localqueue", "lq", "queue", "queues")),
        _kueue("ClusterQueue", "clusterqueues", False, ("clusterqueue", "cq")),
        Kind(
            "PodGroup",
            "scheduling.volcano.sh/v1beta1",
            "podgroups",
            short=("podgroup", "pg"),
            versions=("v1beta1",),
        ),
    )
}

# The reason of the NotFoundError a live source raises for a kind whose CRD is not installed.
NO_RESOURCE_TYPE = "NoResourceType"

# The controllers that own pods through a pod template, in the order they are listed.
CONTROLLER_KINDS = BUILTIN_CONTROLLERS
# Operator kinds, listed when the server serves their group.
OPERATOR_KINDS = OPERATOR_CONTROLLERS
# What ``doctor KIND/NAME`` accepts.
DOCTOR_KINDS = (*BUILTIN_CONTROLLERS, "ReplicationController", *OPERATOR_CONTROLLERS)


def resolve_kind(word: str) -> Kind | None:
    """The Kind kubectl would take ``word`` for, or None.

    ``deploy``, ``deployments``, ``Deployment``, ``pytorchjob``, ``isvc``, ``deployments.apps``...
    """
    entry = resolve_workload_kind(word)
    if entry is not None:
        return KINDS[entry.name]
    lowered = word.lower()
    head, _dot, group = lowered.partition(".")
    for kind in KINDS.values():
        names = {kind.kind.lower(), kind.plural, *kind.short}
        if (lowered in names and not kind.key) or (group and head in names and group == kind.group):
            return kind
    return None


def is_builtin_group(group: str) -> bool:
    """Groups every API server serves (core, apps, batch, ...): no discovery needed for them."""
    return "." not in group
