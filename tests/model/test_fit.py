"""Per-node verdicts: taints, selectors, cordons, capacity and free capacity."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from kubectl_ml.model.fit import (
    advertised_accelerators,
    evaluate,
    is_gpu_node,
    unknown_resources,
)
from kubectl_ml.model.resources import pod_requests

GKE_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}


def _node(name: str, allocatable: dict[str, str], labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {
        "kind": "Node",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": spec,
        "status": {"capacity": dict(allocatable), "allocatable": dict(allocatable)},
    }


CPU_NODE = _node("cpu-1", {"cpu": "7910m", "memory": "28902872Ki", "pods": "110"})
GPU_NODE = _node(
    "gpu-1",
    {"cpu": "47780m", "memory": "186877432Ki", "nvidia.com/gpu": "4", "pods": "110"},
    {"cloud.google.com/gke-accelerator": "nvidia-l4"},
    taints=[GKE_TAINT],
)
MIG_NODE = _node("mig-1", {"cpu": "30", "memory": "200Gi", "nvidia.com/mig-1g.5gb": "7", "pods": "110"})


def _pod(requests: dict[str, str], limits: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    resources: dict[str, Any] = {"requests": requests}
    if limits:
        resources["limits"] = limits
    return {"spec": {"containers": [{"name": "c", "resources": resources}], **spec}, "status": {"phase": "Pending"}}


GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


def test_gpu_pod_with_toleration_fits_an_empty_gpu_node() -> None:
    fit = evaluate(_pod({"cpu": "4"}, {"nvidia.com/gpu": "1"}, tolerations=[GPU_TOLERATION]), GPU_NODE)
    assert fit.node == "gpu-1"
    assert fit.gpu_node
    assert fit.eligible
    assert fit.could_ever_fit
    assert fit.fits_now


def test_missing_toleration_is_reported_per_taint() -> None:
    fit = evaluate(_pod({"cpu": "4"}, {"nvidia.com/gpu": "1"}), GPU_NODE)
    assert fit.taints == (GKE_TAINT,)
    assert not fit.eligible
    assert not fit.over_capacity


def test_request_over_allocatable_can_never_fit() -> None:
    fit = evaluate(_pod({"cpu": "8"}, {"nvidia.com/gpu": "8"}, tolerations=[GPU_TOLERATION]), GPU_NODE)
    assert fit.over_capacity == {"nvidia.com/gpu": (Fraction(8), Fraction(4))}
    assert fit.eligible
    assert not fit.could_ever_fit


def test_resource_the_node_lacks_counts_as_zero() -> None:
    fit = evaluate(_pod({"cpu": "1"}, {"nvidia.com/gpu": "1"}), CPU_NODE)
    assert fit.over_capacity == {"nvidia.com/gpu": (Fraction(1), Fraction(0))}
    assert not fit.gpu_node


def test_free_capacity_from_the_nodes_pods() -> None:
    holder = {**_pod({"cpu": "4"}, {"nvidia.com/gpu": "4"}), "status": {"phase": "Running"}}
    finished = {**_pod({"cpu": "4"}, {"nvidia.com/gpu": "4"}), "status": {"phase": "Succeeded"}}
    pod = _pod({"cpu": "4"}, {"nvidia.com/gpu": "1"}, tolerations=[GPU_TOLERATION])
    busy = evaluate(pod, GPU_NODE, [holder])
    assert busy.could_ever_fit
    assert not busy.fits_now
    assert busy.over_free == {"nvidia.com/gpu": (Fraction(1), Fraction(0))}
    assert evaluate(pod, GPU_NODE, [finished]).fits_now
    # unknown pods: nothing is known to be taken
    assert evaluate(pod, GPU_NODE, None).over_free == {}


def test_selector_and_cordon() -> None:
    pod = _pod(
        {"cpu": "1"},
        nodeSelector={"cloud.google.com/gke-accelerator": "nvidia-tesla-a100"},
        tolerations=[GPU_TOLERATION],
    )
    fit = evaluate(pod, GPU_NODE)
    assert fit.selector == (
        "nodeSelector cloud.google.com/gke-accelerator=nvidia-tesla-a100 "
        "(node has cloud.google.com/gke-accelerator=nvidia-l4)",
    )
    cordoned = evaluate(_pod({"cpu": "1"}), {**CPU_NODE, "spec": {"unschedulable": True}})
    assert cordoned.cordoned
    assert not cordoned.eligible


def test_precomputed_requests_are_used() -> None:
    pod = _pod({"cpu": "1"})
    assert evaluate(pod, CPU_NODE, requests={"cpu": Fraction(100)}).over_capacity == {
        "cpu": (Fraction(100), Fraction(7910, 1000))
    }
    assert evaluate(pod, CPU_NODE, requests=pod_requests(pod)).could_ever_fit


def test_zero_requests_never_exceed() -> None:
    assert evaluate(_pod({"cpu": "1"}, {"nvidia.com/gpu": "0"}), CPU_NODE).could_ever_fit


def test_unknown_resources() -> None:
    nodes = [CPU_NODE, GPU_NODE, MIG_NODE]
    assert unknown_resources({"cpu": Fraction(1), "nvidia.com/gpus": Fraction(1)}, nodes) == ["nvidia.com/gpus"]
    assert unknown_resources({"nvidia.com/mig-1g.5gb": Fraction(1)}, nodes) == []
    assert unknown_resources({"nvidia.com/gpu": Fraction(1)}, [CPU_NODE, MIG_NODE]) == ["nvidia.com/gpu"]
    assert unknown_resources({"nvidia.com/gpu.shared": Fraction(0)}, nodes) == []
    # basic resources and hugepages are never "unknown", even where a node does not list them
    assert unknown_resources({"ephemeral-storage": Fraction(1), "hugepages-2Mi": Fraction(2**30)}, [MIG_NODE]) == []


def test_gpu_node_by_resource_or_label() -> None:
    assert is_gpu_node(GPU_NODE)
    assert is_gpu_node(MIG_NODE)
    assert not is_gpu_node(CPU_NODE)
    # a GPU node whose device plugin has not advertised the GPUs yet
    for labels in (
        {"cloud.google.com/gke-accelerator": "nvidia-l4"},
        {"accelerator": "nvidia"},
        {"nvidia.com/gpu.present": "true"},
        {"karpenter.k8s.aws/instance-gpu-count": "4"},
    ):
        assert is_gpu_node(_node("plugin-not-ready", {"cpu": "48"}, labels)), labels
    assert not is_gpu_node(_node("cpu", {"cpu": "8"}, {"karpenter.k8s.aws/instance-gpu-count": "0"}))


def test_advertised_accelerators() -> None:
    assert advertised_accelerators([CPU_NODE, GPU_NODE, MIG_NODE]) == {
        "nvidia.com/gpu": ["gpu-1"],
        "nvidia.com/mig-1g.5gb": ["mig-1"],
    }
