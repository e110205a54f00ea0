"""Could this pod run on that node? Taints, selectors, cordons and resources, per node.

One implementation shared by ``doctor`` (why is it Pending?) and ``gpu`` (where could it run?), so the
same problem always gets the same answer and the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from kubectl_ml.model.accelerators import has_gpu_node_label, is_accelerator, is_companion
from kubectl_ml.model.resources import Resources, allocated_on, node_resources, pod_requests
from kubectl_ml.model.selectors import selector_mismatches
from kubectl_ml.model.tolerations import untolerated_taints

# Resources every node has implicitly; their absence from allocatable is not "unknown".
_BASIC = {"cpu", "memory", "ephemeral-storage", "pods"}


@dataclass(frozen=True)
class NodeFit:
    """How one node measures up against one pod.

    Attributes:
        node: the node's name.
        taints: untolerated NoSchedule/NoExecute taints.
        selector: readable reasons the node fails the pod's nodeSelector/affinity.
        cordoned: ``spec.unschedulable`` is set.
        over_capacity: resource -> (requested, allocatable) where the request exceeds allocatable.
        over_free: resource -> (requested, free) where it exceeds what is free now (empty when the
            node's pods were not known).
        gpu_node: the node advertises an accelerator.
    """

    node: str
    taints: tuple[dict[str, Any], ...] = ()
    selector: tuple[str, ...] = ()
    cordoned: bool = False
    over_capacity: Mapping[str, tuple[Fraction, Fraction]] = field(default_factory=dict)
    over_free: Mapping[str, tuple[Fraction, Fraction]] = field(default_factory=dict)
    gpu_node: bool = False

    @property
    def eligible(self) -> bool:
        """Selectors match, no blocking taint, not cordoned."""
        return not (self.taints or self.selector or self.cordoned)

    @property
    def could_ever_fit(self) -> bool:
        """Eligible and large enough when empty."""
        return self.eligible and not self.over_capacity

    @property
    def fits_now(self) -> bool:
        """Eligible, large enough, and enough is free now (as far as we know)."""
        return self.could_ever_fit and not self.over_free


def is_gpu_node(node: Mapping[str, Any]) -> bool:
    """True when the node advertises an accelerator resource, or carries a platform's GPU node label.

    The label matters while a GPU node's device plugin is not (yet) running: it then advertises no GPU,
    but its GPU taint is still there to keep CPU pods off, and must not be reported to them.
    """
    status = node.get("status") or {}
    names = set((status.get("capacity") or {}).keys()) | set((status.get("allocatable") or {}).keys())
    if any(is_accelerator(name) for name in names):
        return True
    return has_gpu_node_label((node.get("metadata") or {}).get("labels") or {})


def evaluate(
    pod: Mapping[str, Any],
    node: Mapping[str, Any],
    node_pods: Sequence[Mapping[str, Any]] | None = None,
    requests: Resources | None = None,
    *,
    allocated: Mapping[str, Fraction] | None = None,
) -> NodeFit:
    """Evaluate one node for one pod.

    Args:
        pod: the pod (or a pod template wrapped as ``{"spec": ...}``).
        node: the node.
        node_pods: the pods bound to that node, when known, to compute free capacity.
        requests: the pod's effective requests, when already computed.
        allocated: what the node's pods already hold, when already computed (it replaces ``node_pods``;
            a scan computes it once per node instead of once per pending pod and node).

    Returns:
        The node's verdict.
    """
    spec = pod.get("spec") or {}
    wanted = requests if requests is not None else pod_requests(pod)
    allocatable = node_resources(node)
    over_capacity: dict[str, tuple[Fraction, Fraction]] = {}
    over_free: dict[str, tuple[Fraction, Fraction]] = {}
    used = allocated if allocated is not None else (allocated_on(node_pods) if node_pods is not None else None)
    for resource, amount in wanted.items():
        # A sharing scheduler's qualifier (HAMi's nvidia.com/gpumem) is its extender's to check, not ours.
        if amount <= 0 or is_companion(resource):
            continue
        have = allocatable.get(resource, Fraction(0))
        if amount > have:
            over_capacity[resource] = (amount, have)
        elif used is not None and amount > have - used.get(resource, Fraction(0)):
            over_free[resource] = (amount, have - used.get(resource, Fraction(0)))
    return NodeFit(
        node=str((node.get("metadata") or {}).get("name", "")),
        taints=tuple(untolerated_taints((node.get("spec") or {}).get("taints") or [], spec.get("tolerations") or [])),
        selector=tuple(selector_mismatches(spec, node)),
        cordoned=bool((node.get("spec") or {}).get("unschedulable")),
        over_capacity=over_capacity,
        over_free=over_free,
        gpu_node=is_gpu_node(node),
    )


def unknown_resources(requests: Resources, nodes: Iterable[Mapping[str, Any]]) -> list[str]:
    """Requested extended resources that no node advertises at all (typos, wrong MIG/shared names)."""
    advertised: set[str] = set()
    for node in nodes:
        advertised |= set(((node.get("status") or {}).get("allocatable") or {}).keys())
        advertised |= set(((node.get("status") or {}).get("capacity") or {}).keys())
    return sorted(
        name
        for name, value in requests.items()
        if value > 0
        and name not in _BASIC
        and name not in advertised
        and not name.startswith("hugepages-")
        and not is_companion(name)
    )


def advertised_accelerators(nodes: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Accelerator resource names the nodes offer (allocatable above zero), each with the nodes that do.

    A name listed at zero is not on offer: the kubelet keeps a resource its device plugin stopped
    advertising (e.g. ``nvidia.com/gpu`` after the GPUs were split into MIG slices) at zero.
    """
    found: dict[str, list[str]] = {}
    for node in nodes:
        name = str((node.get("metadata") or {}).get("name", ""))
        for resource, amount in node_resources(node).items():
            if is_accelerator(resource) and amount > 0:
                found.setdefault(resource, []).append(name)
    return dict(sorted(found.items()))
