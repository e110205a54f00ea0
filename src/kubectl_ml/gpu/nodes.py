"""GPU nodes: what each advertises, how much of it is healthy, held and free, and how it is tainted.

What: every node that advertises an accelerator resource (``nvidia.com/gpu``, MIG ``nvidia.com/mig-*``,
time-sliced ``*.shared``, ``amd.com/gpu``, ``gpu.intel.com/*``, TPU, Neuron, Gaudi), or carries a
platform's GPU label while its device plugin advertises nothing yet. Per resource: capacity,
allocatable, the amount held by the node's non-terminated pods, and what is free; plus the product, a
guess of the platform (GKE, AKS, EKS) and the taints.

Why it matters: allocatable below capacity means the device plugin marked GPUs unhealthy; a GPU label
without a GPU resource means the driver, toolkit or device plugin is not working. Tools such as
kubectl-view-allocations hide tainted nodes by default, which are exactly the GPU nodes.

Remedy: none by itself; the other GPU checks read this table, and the command prints it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from kubectl_ml.model.accelerators import is_accelerator
from kubectl_ml.model.fit import is_gpu_node
from kubectl_ml.model.quantity import format_quantity
from kubectl_ml.model.resources import allocated_on, node_resources
from kubectl_ml.model.subjects import name_of

# Where the GPU model is written, best first: GFD's product label is the most precise; the cloud labels
# are what the platform knows (scaffold-gpu-lint-anchors §1.2).
_PRODUCT_LABELS = (
    "nvidia.com/gpu.product",
    "cloud.google.com/gke-accelerator",
    "karpenter.k8s.aws/instance-gpu-name",
    "k8s.amazonaws.com/accelerator",
    "amd.com/gpu.product-name",
    "gpu.intel.com/product",
    "karpenter.k8s.aws/instance-accelerator-name",
    "kubernetes.azure.com/accelerator",
    "accelerator",
)
# Label prefixes that give the platform away when the providerID does not.
_PLATFORM_LABELS = (
    ("cloud.google.com/", "gke"),
    ("kubernetes.azure.com/", "aks"),
    ("eks.amazonaws.com/", "eks"),
    ("karpenter.k8s.aws/", "eks"),
    ("k8s.amazonaws.com/", "eks"),
)
_PROVIDERS = (("gce://", "gke"), ("azure://", "aks"), ("aws://", "eks"))


@dataclass(frozen=True)
class GpuResource:
    """One accelerator resource of one node.

    Attributes:
        name: the resource name, e.g. ``nvidia.com/gpu`` or ``nvidia.com/mig-1g.5gb``.
        capacity: what the device plugin found.
        allocatable: what the scheduler may hand out (below capacity when devices are unhealthy).
        allocated: what the node's non-terminated pods request.
    """

    name: str
    capacity: Fraction
    allocatable: Fraction
    allocated: Fraction

    @property
    def free(self) -> Fraction:
        """Allocatable minus allocated (never below zero)."""
        return max(self.allocatable - self.allocated, Fraction(0))

    @property
    def unhealthy(self) -> Fraction:
        """Capacity minus allocatable: devices the plugin reported but withholds."""
        return max(self.capacity - self.allocatable, Fraction(0))

    def as_dict(self) -> dict[str, Any]:
        """JSON numbers as the API writes counts (integers; a decimal string if one is fractional)."""
        return {
            "name": self.name,
            "capacity": _number(self.name, self.capacity),
            "allocatable": _number(self.name, self.allocatable),
            "allocated": _number(self.name, self.allocated),
            "free": _number(self.name, self.free),
            "unhealthy": _number(self.name, self.unhealthy),
        }


@dataclass(frozen=True)
class GpuNode:
    """A node with accelerators.

    Attributes:
        name: the node's name.
        platform: ``gke``, ``aks``, ``eks`` or ``other``.
        product: the GPU model from the node's labels (empty when no label names it).
        resources: its accelerator resources, by name.
        taints: its taints, verbatim.
        unschedulable: the node is cordoned.
        labels: the labels the product and platform were read from, for the text view.
    """

    name: str
    platform: str
    product: str
    resources: tuple[GpuResource, ...]
    taints: tuple[Mapping[str, Any], ...] = ()
    unschedulable: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)

    def resource(self, name: str) -> GpuResource | None:
        """The resource named ``name``, or None."""
        return next((item for item in self.resources if item.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        """The member of the ``nodes`` list of a GpuReport."""
        return {
            "name": self.name,
            "platform": self.platform,
            "product": self.product or None,
            "resources": [item.as_dict() for item in self.resources],
            "taints": [dict(taint) for taint in self.taints],
            "unschedulable": self.unschedulable,
        }


def _number(resource: str, value: Fraction) -> int | str:
    return value.numerator if value.denominator == 1 else format_quantity(resource, value)


def platform_of(node: Mapping[str, Any]) -> str:
    """``gke``, ``aks``, ``eks`` or ``other``, from ``spec.providerID`` or, failing that, the labels."""
    provider = str((node.get("spec") or {}).get("providerID") or "")
    for prefix, platform in _PROVIDERS:
        if provider.startswith(prefix):
            return platform
    labels = (node.get("metadata") or {}).get("labels") or {}
    for prefix, platform in _PLATFORM_LABELS:
        if any(str(key).startswith(prefix) for key in labels):
            return platform
    return "other"


def product_of(node: Mapping[str, Any]) -> str:
    """The GPU model the node's labels name (GFD, GKE, Karpenter, EKS, AMD, Intel, AKS), or empty."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    return next((str(labels[key]) for key in _PRODUCT_LABELS if labels.get(key)), "")


def pods_by_node(pods: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Pods bound to a node (``spec.nodeName`` set), by node name."""
    bound: dict[str, list[Mapping[str, Any]]] = {}
    for pod in pods:
        node = (pod.get("spec") or {}).get("nodeName")
        if node:
            bound.setdefault(str(node), []).append(pod)
    return bound


def gpu_node(node: Mapping[str, Any], node_pods: Sequence[Mapping[str, Any]] = ()) -> GpuNode:
    """Build the GpuNode of one node from the pods bound to it."""
    capacity = node_resources(node, "capacity")
    allocatable = node_resources(node)
    held = allocated_on(node_pods)
    names = sorted(name for name in set(capacity) | set(allocatable) if is_accelerator(name))
    labels = (node.get("metadata") or {}).get("labels") or {}
    return GpuNode(
        name=name_of(node),
        platform=platform_of(node),
        product=product_of(node),
        resources=tuple(
            GpuResource(
                name,
                capacity.get(name, Fraction(0)),
                allocatable.get(name, Fraction(0)),
                held.get(name, Fraction(0)),
            )
            for name in names
        ),
        taints=tuple(dict(taint) for taint in (node.get("spec") or {}).get("taints") or []),
        unschedulable=bool((node.get("spec") or {}).get("unschedulable")),
        labels={key: str(labels[key]) for key in _PRODUCT_LABELS if key in labels},
    )


def gpu_nodes(nodes: Iterable[Mapping[str, Any]], pods: Iterable[Mapping[str, Any]]) -> list[GpuNode]:
    """Every GPU node, sorted by name, with what its pods hold.

    Args:
        nodes: Node objects.
        pods: Pod objects (any namespace; those not bound to a GPU node are ignored; Succeeded and
            Failed pods hold nothing).

    Returns:
        One GpuNode per node that advertises an accelerator or carries a GPU node label.
    """
    bound = pods_by_node(pods)
    found = [gpu_node(node, bound.get(name_of(node), [])) for node in nodes if is_gpu_node(node)]
    return sorted(found, key=lambda item: item.name)
