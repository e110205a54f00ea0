"""The in-memory index: objects loaded once, joined by uid, turned into rule contexts.

Events are indexed by the uid of the object they are about (kubectl describe joins by
name+namespace+uid; k8sgpt by name only, which shows a recreated StatefulSet pod the events of its
predecessor). Events are normalized lazily, only for the objects being diagnosed, which keeps a
50,000-event scan cheap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubectl_ml.model.context import Availability, PodContext, WorkloadContext
from kubectl_ml.model.events import Event, newest_first, normalize_event
from kubectl_ml.model.findings import ObjectRef
from kubectl_ml.model.pods import controller_of, spec_containers
from kubectl_ml.model.resources import allocated_on
from kubectl_ml.model.workloads import OPERATOR_CONTROLLERS, WORKLOAD_KINDS, OperatorPods, kind_key


@dataclass
class ClusterView:
    """Everything a command loaded, indexed.

    Attributes:
        pods: the pods in scope.
        events: raw events (either shape).
        nodes: every node, when they were loaded.
        controllers: controllers by kind (ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, CronJob).
        claims: PersistentVolumeClaims.
        previous_logs / current_logs: log tails by (namespace, pod, container).
        now: reference time.
        available: which optional data could be read.
        node_pods_known: every pod of the cluster was loaded (so what each node holds is known).
        queues_read: Kueue's Workloads (and queues) were read, so their absence means something.
        siblings_read: the other pods of each pod's controller were read (a scan, or ``doctor POD`` of a
            failed pod), so "no running replacement" means something.
        skipped: what could not be read, one sentence each.
    """

    pods: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    controllers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    claims: list[dict[str, Any]] = field(default_factory=list)
    previous_logs: dict[tuple[str, str, str], str] = field(default_factory=dict)
    current_logs: dict[tuple[str, str, str], str] = field(default_factory=dict)
    now: datetime | None = None
    available: Availability = field(default_factory=Availability)
    skipped: list[str] = field(default_factory=list)
    _events_by_uid: dict[str, list[dict[str, Any]]] | None = None
    _by_uid: dict[str, dict[str, Any]] | None = None
    _pods_by_node: dict[str, list[dict[str, Any]]] | None = None
    _claims_by_key: dict[tuple[str, str], dict[str, Any]] | None = None
    _nodes_by_name: dict[str, dict[str, Any]] | None = None
    _normalized: dict[str, list[Event]] = field(default_factory=dict)
    node_pods_known: bool = False
    queues_read: bool = False
    siblings_read: bool = False
    _allocated: dict[str, dict[str, Any]] | None = None
    _memo: dict[Any, Any] = field(default_factory=dict)
    _labelled: OperatorPods | None = None

    # -- indexes (built on first use) --------------------------------------------------------

    def events_for(self, uid: str) -> list[Event]:
        """Normalized events about the object with this uid, newest first (computed once per uid)."""
        if uid in self._normalized:
            return self._normalized[uid]
        if self._events_by_uid is None:
            index: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for raw in self.events:
                regarding = raw.get("involvedObject") or raw.get("regarding") or {}
                index[str(regarding.get("uid") or "")].append(raw)
            self._events_by_uid = dict(index)
        result = newest_first([normalize_event(raw) for raw in self._events_by_uid.get(uid, [])])
        self._normalized[uid] = result
        return result

    def node_named(self, name: str) -> dict[str, Any] | None:
        """A loaded node by name."""
        if self._nodes_by_name is None:
            self._nodes_by_name = {str((item.get("metadata") or {}).get("name")): item for item in self.nodes}
        return self._nodes_by_name.get(name)

    def add_controller(self, kind: str, obj: dict[str, Any]) -> None:
        """Add a controller read after the view was built (a failed pod's Job)."""
        self.controllers.setdefault(kind, []).append(obj)
        self._by_uid = None

    def by_uid(self, uid: str) -> dict[str, Any] | None:
        """A controller by uid."""
        if self._by_uid is None:
            self._by_uid = {
                str((item.get("metadata") or {}).get("uid")): item
                for items in self.controllers.values()
                for item in items
            }
        return self._by_uid.get(uid)

    def pods_on_nodes(self) -> dict[str, list[dict[str, Any]]] | None:
        """Pods per node name, when every pod of the cluster was loaded (else None)."""
        if not self.node_pods_known:
            return None
        if self._pods_by_node is None:
            index: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for pod in self.pods:
                node = (pod.get("spec") or {}).get("nodeName")
                if node:
                    index[node].append(pod)
            self._pods_by_node = dict(index)
        return self._pods_by_node

    def allocated_on_nodes(self) -> dict[str, dict[str, Any]] | None:
        """What the pods on each node hold (computed once), when every pod of the cluster was loaded."""
        by_node = self.pods_on_nodes()
        if by_node is None:
            return None
        if self._allocated is None:
            self._allocated = {name: allocated_on(pods) for name, pods in by_node.items()}
        return self._allocated

    def claim_map(self, namespace: str) -> dict[str, Any] | None:
        """The namespace's PersistentVolumeClaims by name, when claims were loaded."""
        if not self.claims:
            return None
        if self._claims_by_key is None:
            self._claims_by_key = {
                (
                    (item.get("metadata") or {}).get("namespace", ""),
                    (item.get("metadata") or {}).get("name", ""),
                ): item
                for item in self.claims
            }
        return {name: item for (space, name), item in self._claims_by_key.items() if space == namespace}

    # -- ownership -------------------------------------------------------------------------

    def _labelled_workload(self, obj: dict[str, Any]) -> ObjectRef | None:
        """The operator object whose pod label the object carries (``training.kubeflow.org/job-name: x``)."""
        if self._labelled is None:
            self._labelled = OperatorPods(item for items in self.controllers.values() for item in items)
        owner = self._labelled.owner_of(obj)
        if owner is None:
            return None
        metadata = owner.get("metadata") or {}
        return ObjectRef(kind_key(owner), str(metadata.get("namespace", "")), str(metadata.get("name", "")))

    def workload_of(self, obj: dict[str, Any]) -> ObjectRef | None:
        """The top-level workload owning a pod or controller.

        A ReplicaSet's Deployment, a Job's CronJob, a pod's PyTorchJob or JobSet.
        """
        labelled = self._labelled_workload(obj)
        if labelled is not None:
            return labelled
        namespace = str((obj.get("metadata") or {}).get("namespace", ""))
        owner = controller_of(obj)
        if owner is None:
            return None
        kind, name = kind_key(owner), str(owner.get("name", ""))
        parent = self.by_uid(str(owner.get("uid", "")))
        if parent is not None:
            higher = self.workload_of(parent)
            return higher or ObjectRef(kind, namespace, name)
        # Not loaded: infer what Kubernetes' naming guarantees (ReplicaSet = <deployment>-<pod-template-hash>).
        labels = (obj.get("metadata") or {}).get("labels") or {}
        if (
            kind == "ReplicaSet"
            and labels.get("pod-template-hash")
            and name.endswith("-" + labels["pod-template-hash"])
        ):
            return ObjectRef("Deployment", namespace, name[: -len(labels["pod-template-hash"]) - 1])
        return ObjectRef(kind, namespace, name)

    # -- contexts ----------------------------------------------------------------------------

    def pod_context(self, pod: dict[str, Any]) -> PodContext:
        """The rule context for one pod."""
        metadata = pod.get("metadata") or {}
        namespace, name = str(metadata.get("namespace", "")), str(metadata.get("name", ""))
        node_name = (pod.get("spec") or {}).get("nodeName")
        node = self.node_named(node_name) if node_name else None
        container_names = [str(item.get("name", "")) for _key, _index, item in spec_containers(pod.get("spec"))]
        previous = {
            c: self.previous_logs[(namespace, name, c)]
            for c in container_names
            if (namespace, name, c) in self.previous_logs
        }
        current = {
            c: self.current_logs[(namespace, name, c)]
            for c in container_names
            if (namespace, name, c) in self.current_logs
        }
        return PodContext(
            pod=pod,
            events=self.events_for(str(metadata.get("uid", ""))),
            node=node,
            nodes=self.nodes,
            node_pods=self.pods_on_nodes(),
            node_allocated=self.allocated_on_nodes(),
            memo=self._memo,
            previous_logs=previous,
            current_logs=current,
            workload=self.workload_of(pod),
            now=self.now,
            available=self.available,
            claims=self.claim_map(namespace),
        )

    def _descendants(self, uid: str, children_of: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Every loaded controller below ``uid`` (a JobSet's Jobs, a KServe Deployment's ReplicaSets)."""
        found: list[dict[str, Any]] = []
        pending = list(children_of.get(uid, []))
        seen: set[str] = {uid}
        while pending:
            child = pending.pop(0)
            child_uid = str((child.get("metadata") or {}).get("uid", ""))
            if child_uid in seen:
                continue
            seen.add(child_uid)
            found.append(child)
            pending.extend(children_of.get(child_uid, []))
        return found

    def workload_contexts(self, kinds: Iterable[str]) -> list[WorkloadContext]:
        """Contexts for the top-level controllers of the given kinds, with their children and pods.

        A built-in controller that an operator object owns (a JobSet's Job, a LeaderWorkerSet's
        StatefulSet) is seen through that object, as a ReplicaSet is through its Deployment.
        """
        children_of = _by_owner_uid(
            item for key, items in self.controllers.items() if key not in _QUEUE_KINDS for item in items
        )
        pods_of = _by_owner_uid(self.pods)
        kinds = list(kinds)
        pods_by_workload: dict[ObjectRef, list[dict[str, Any]]] = defaultdict(list)
        operator_objects = any(self.controllers.get(kind) for kind in kinds if kind in OPERATOR_CONTROLLERS)
        for pod in self.pods if operator_objects else ():
            top = self.workload_of(pod)
            if top is not None:
                pods_by_workload[top].append(pod)
        queue_workloads = _by_owner_uid(self.controllers.get("Workload", []))
        local_queues = {_namespaced_name(item): item for item in self.controllers.get("LocalQueue", [])}
        cluster_queues = {_namespaced_name(item)[1]: item for item in self.controllers.get("ClusterQueue", [])}
        contexts = []
        for kind in kinds:
            entry = WORKLOAD_KINDS.get(kind)
            for item in self.controllers.get(kind, []):
                metadata = item.get("metadata") or {}
                uid = str(metadata.get("uid", ""))
                if self._seen_through_owner(kind, item):
                    continue
                ref = ObjectRef(kind, str(metadata.get("namespace", "")), str(metadata.get("name", "")))
                if entry is not None and not entry.builtin:
                    children = self._descendants(uid, children_of)
                    if entry.children:
                        # Found by the operator's label when their owners were not read (a predictor's
                        # ReplicaSets without their Deployment).
                        seen = {id(child) for child in children}
                        labelled = self._labelled_children(entry.children).get(ref, [])
                        children += [child for child in labelled if id(child) not in seen]
                    pods = list(pods_by_workload.get(ref, []))
                else:
                    children = children_of.get(uid, []) if kind == "Deployment" else []
                    pods = list(pods_of.get(uid, []))
                    for child in children:
                        pods.extend(pods_of.get(str((child.get("metadata") or {}).get("uid", "")), []))
                contexts.append(
                    WorkloadContext(
                        controller=item,
                        ref=ref,
                        events=self.events_for(uid),
                        pods=pods,
                        children=children,
                        child_events={
                            str((c.get("metadata") or {}).get("uid")): self.events_for(
                                str((c.get("metadata") or {}).get("uid"))
                            )
                            for c in children
                        },
                        workload=self.workload_of(item) or ref,
                        now=self.now,
                        available=self.available,
                        entry=entry,
                        queue_workloads=queue_workloads.get(uid, []),
                        local_queues=local_queues,
                        cluster_queues=cluster_queues,
                        queues_read=self.queues_read,
                    )
                )
        return contexts

    def _labelled_children(self, kind: str) -> dict[ObjectRef, list[dict[str, Any]]]:
        """Controllers of ``kind`` by the operator object whose label they carry (one pass, then cached)."""
        key = ("labelled-children", kind)
        if key not in self._memo:
            index: dict[ObjectRef, list[dict[str, Any]]] = defaultdict(list)
            for child in self.controllers.get(kind, []):
                owner = self._labelled_workload(child)
                if owner is not None:
                    index[owner].append(child)
            self._memo[key] = dict(index)
        found: dict[ObjectRef, list[dict[str, Any]]] = self._memo[key]
        return found

    def _seen_through_owner(self, kind: str, item: dict[str, Any]) -> bool:
        """A ReplicaSet of a Deployment, or a built-in controller of an operator object (a JobSet's Job)."""
        owner = controller_of(item)
        if owner is None:
            return False
        if kind == "ReplicaSet":
            return True
        entry = WORKLOAD_KINDS.get(kind)
        parent = self.by_uid(str(owner.get("uid", "")))
        if entry is None or not entry.builtin or parent is None:
            return False
        parent_entry = WORKLOAD_KINDS.get(kind_key(parent))
        return parent_entry is not None and not parent_entry.builtin


def _by_owner_uid(items: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Objects by the uid of their controller (ownerReferences)."""
    index: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        owner = controller_of(item)
        if owner is not None:
            index[str(owner.get("uid", ""))].append(item)
    return index


# Kueue's objects: read beside the workloads, but they make no pods.
_QUEUE_KINDS = ("Workload", "LocalQueue", "ClusterQueue")


def _namespaced_name(obj: dict[str, Any]) -> tuple[str, str]:
    metadata = obj.get("metadata") or {}
    return str(metadata.get("namespace", "")), str(metadata.get("name", ""))
