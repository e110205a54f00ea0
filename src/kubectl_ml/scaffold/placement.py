"""Where GPU pods go: tolerations and nodeSelector, generic or fitted to a cluster's GPU nodes.

Without a cluster, a GPU pod gets NVIDIA's toleration ``nvidia.com/gpu Exists NoSchedule``: it tolerates
GKE's ``nvidia.com/gpu=present`` and the common ``nvidia.com/gpu=true`` taints. With the cluster's nodes,
it tolerates exactly the taints of the GPU nodes that can hold the requested GPUs (none when they are
untainted; AKS's ``sku=gpu`` too, which the generic toleration misses), and selects them by a platform
accelerator label when they all share one that other GPU nodes do not have.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_ml.model.accelerators import is_system_taint
from kubectl_ml.model.fit import is_gpu_node
from kubectl_ml.model.resources import node_resources
from kubectl_ml.model.tolerations import BLOCKING_EFFECTS, describe_taint, toleration_for

GENERIC_GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
# Labels that name the accelerator model, the platform's own first: GFD's product label changes under
# sharing and MIG (``-SHARED``, ``-MIG-1g.5gb``), so it comes last (scaffold-gpu-lint-anchors §1.2, §1.5).
_SELECTOR_LABELS = (
    "cloud.google.com/gke-accelerator",
    "k8s.amazonaws.com/accelerator",
    "karpenter.k8s.aws/instance-gpu-name",
    "kubernetes.azure.com/accelerator",
    "nvidia.com/gpu.product",
)


@dataclass(frozen=True)
class Placement:
    """Tolerations and nodeSelector for GPU pods, and what the fitting noticed (for stderr)."""

    tolerations: list[dict[str, Any]] = field(default_factory=list)
    node_selector: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def default_placement(gpus: int) -> Placement:
    """No cluster known: the generic NVIDIA toleration for GPU pods, nothing for CPU pods."""
    return Placement([dict(GENERIC_GPU_TOLERATION)] if gpus else [])


def _labels(node: Mapping[str, Any]) -> Mapping[str, str]:
    return (node.get("metadata") or {}).get("labels") or {}


def _gpus(node: Mapping[str, Any]) -> int:
    return int(node_resources(node).get("nvidia.com/gpu", 0))


def _selector(candidates: Sequence[Mapping[str, Any]], others: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The first accelerator label all candidates share with one value that excludes the other GPU nodes."""
    if not others:
        return {}  # every GPU node fits: a GPU request alone already keeps the pod on them
    for label in _SELECTOR_LABELS:
        values = {_labels(node).get(label) for node in candidates}
        if len(values) == 1 and None not in values:
            (value,) = values
            if all(_labels(node).get(label) != value for node in others):
                return {label: str(value)}
    return {}


def fit_placement(nodes: Sequence[Mapping[str, Any]], gpus: int) -> Placement:
    """Fit tolerations and nodeSelector to the GPU nodes of ``nodes`` that can hold ``gpus`` GPUs.

    CPU pods (``gpus == 0``) get nothing: they belong off the GPU nodes.
    """
    if not gpus:
        return Placement()
    gpu_nodes = [node for node in nodes if is_gpu_node(node)]
    if not gpu_nodes:
        fallback = default_placement(gpus)
        note = "the cluster has no GPU node; kept the generic nvidia.com/gpu toleration"
        return Placement(fallback.tolerations, {}, [note])
    notes: list[str] = []
    candidates = [node for node in gpu_nodes if _gpus(node) >= gpus]
    if not candidates:
        largest = max(_gpus(node) for node in gpu_nodes)
        notes.append(f"no node has {gpus} nvidia.com/gpu (the largest has {largest}); the pod would stay Pending")
        candidates = gpu_nodes
    others = [node for node in gpu_nodes if node not in candidates]
    tolerations: list[dict[str, Any]] = []
    shown: list[str] = []
    for node in candidates:
        for taint in (node.get("spec") or {}).get("taints") or []:
            if taint.get("effect") not in BLOCKING_EFFECTS or is_system_taint(taint):
                continue
            toleration = toleration_for(taint)
            if toleration not in tolerations:
                tolerations.append(toleration)
                shown.append(describe_taint(taint))
    if tolerations:
        notes.append(f"tolerating the GPU nodes' taint{'s' if len(shown) > 1 else ''}: {', '.join(shown)}")
    else:
        notes.append("the GPU nodes carry no taint: added no toleration")
    arches = sorted({_labels(node).get("kubernetes.io/arch", "") for node in candidates} - {""})
    if len(arches) > 1:
        notes.append(
            f"the GPU nodes have architectures {', '.join(arches)}: add a nodeSelector kubernetes.io/arch "
            "matching your image unless it is multi-arch"
        )
    return Placement(tolerations, _selector(candidates, others), notes)
