"""What a rule sees: one pod (or one controller) with everything already loaded.

Rules never call a source. The view in ``sources/view.py`` builds these contexts from data that was
fetched once, so a rule is a pure function of its context and is tested with plain dicts.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from kubectl_ml.model.events import Event
from kubectl_ml.model.findings import ObjectRef
from kubectl_ml.model.workloads import WORKLOAD_KINDS, WorkloadKind


@dataclass(frozen=True)
class Availability:
    """Whether optional data could be read; rules say less, never something wrong, when it could not.

    Attributes:
        events: False when events were forbidden or not fetched.
        nodes: False when nodes were forbidden or not fetched.
        logs: False when logs were forbidden or not fetched.
    """

    events: bool = True
    nodes: bool = True
    logs: bool = True


@dataclass(frozen=True)
class PodContext:
    """One pod and the data around it.

    Attributes:
        pod: the Pod as the API returns it.
        events: events about this pod (joined by uid), newest first.
        node: the Node the pod is bound to, when loaded.
        nodes: every Node, when loaded (scheduling checks); empty with ``available.nodes`` False.
        node_pods: pods per node name, when the whole namespace set was loaded (for free capacity).
        previous_logs: the previous instance's log per container name (tail), when fetched.
        current_logs: the current instance's log per container (for containers that never restarted).
        workload: the owning workload (Deployment, StatefulSet, Job, ...), or None for a bare pod.
        now: the reference time (the clock for live data, the newest timestamp in a snapshot).
        available: which optional data could be read.
        claims: PersistentVolumeClaims of the namespace by name, when loaded.
        node_allocated: what the pods on each node hold (by node name), when ``node_pods`` is known.
        memo: a scratch cache shared by the contexts of one view, for pure results that many pods
            share (the node verdicts of identical pending replicas); keys name what they hold.
    """

    pod: Mapping[str, Any]
    events: Sequence[Event] = ()
    node: Mapping[str, Any] | None = None
    nodes: Sequence[Mapping[str, Any]] = ()
    node_pods: Mapping[str, Sequence[Mapping[str, Any]]] | None = None
    previous_logs: Mapping[str, str] = field(default_factory=dict)
    current_logs: Mapping[str, str] = field(default_factory=dict)
    workload: ObjectRef | None = None
    now: datetime | None = None
    available: Availability = field(default_factory=Availability)
    claims: Mapping[str, Mapping[str, Any]] | None = None
    node_allocated: Mapping[str, Mapping[str, Fraction]] | None = None
    memo: MutableMapping[Hashable, Any] = field(default_factory=dict)

    @property
    def namespace(self) -> str:
        """The pod's namespace."""
        return str((self.pod.get("metadata") or {}).get("namespace", ""))

    @property
    def name(self) -> str:
        """The pod's name."""
        return str((self.pod.get("metadata") or {}).get("name", ""))


@dataclass(frozen=True)
class WorkloadContext:
    """A controller (ReplicaSet, Job, Deployment, StatefulSet, DaemonSet, CronJob) and its surroundings.

    Attributes:
        controller: the controller object.
        ref: its ObjectRef.
        events: events about the controller itself, newest first.
        pods: the pods it currently owns (directly or through a ReplicaSet).
        children: owned controllers (a Deployment's ReplicaSets, a CronJob's Jobs).
        child_events: events of each child, by the child's uid.
        workload: the top-level workload for grouping (the Deployment of a ReplicaSet).
        now: the reference time.
        available: which optional data could be read.
        entry: the kind's row in the workload table (None for a kind outside it).
        queue_workloads: Kueue Workloads owned by the controller.
        local_queues: Kueue LocalQueues by (namespace, name), when read.
        cluster_queues: Kueue ClusterQueues by name, when read.
        queues_read: True when Kueue's objects were read (their absence then means something).
    """

    controller: Mapping[str, Any]
    ref: ObjectRef
    events: Sequence[Event] = ()
    pods: Sequence[Mapping[str, Any]] = ()
    children: Sequence[Mapping[str, Any]] = ()
    child_events: Mapping[str, Sequence[Event]] = field(default_factory=dict)
    workload: ObjectRef | None = None
    now: datetime | None = None
    available: Availability = field(default_factory=Availability)
    entry: WorkloadKind | None = None
    queue_workloads: Sequence[Mapping[str, Any]] = ()
    local_queues: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    cluster_queues: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    queues_read: bool = False

    def __post_init__(self) -> None:
        if self.entry is None:
            # Contexts built by hand (tests, tools) name the kind in ref; the table has the rest.
            object.__setattr__(self, "entry", WORKLOAD_KINDS.get(self.ref.kind))
