from __future__ import annotations

import json
from fractions import Fraction

from kubectl_ml.gpu.nodes import gpu_nodes, platform_of
from tests.gpu.scenarios import load

GKE_A = "gke-ml-prod-a100-pool-0d6e2f1a-7qzc"
GKE_B = "gke-ml-prod-a100-pool-0d6e2f1a-m2hd"


def test_gke_table_counts_capacity_allocatable_allocated_and_free() -> None:
    table = {node.name: node for node in load("gke").table()}
    assert sorted(table) == [GKE_A, GKE_B]  # the CPU pool is not a GPU node
    first = table[GKE_A].resource("nvidia.com/gpu")
    assert first is not None
    # trainer-0 holds 2; the device plugin, fluent-bit, kube-proxy and the squatters hold none.
    assert (first.capacity, first.allocatable, first.allocated, first.free) == (4, 4, 2, 2)
    assert table[GKE_A].platform == "gke"
    assert table[GKE_A].product == "nvidia-tesla-a100"
    assert table[GKE_A].taints == ({"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"},)


def test_allocatable_below_capacity_shows_unhealthy_gpus() -> None:
    node = next(item for item in load("gke").table() if item.name == GKE_B)
    gpu = node.resource("nvidia.com/gpu")
    assert gpu is not None
    assert (gpu.capacity, gpu.allocatable, gpu.unhealthy, gpu.free) == (4, 3, 1, 3)
    assert node.as_dict()["resources"] == [
        {"name": "nvidia.com/gpu", "capacity": 4, "allocatable": 3, "allocated": 0, "free": 3, "unhealthy": 1}
    ]


def test_as_dict_is_json() -> None:
    for scenario in ("gke", "aks-untainted", "aks-tainted", "eks-karpenter", "mig-shared"):
        for node in load(scenario).table():
            document = node.as_dict()
            assert json.loads(json.dumps(document)) == document
            assert set(document) == {"name", "platform", "product", "resources", "taints", "unschedulable"}


def test_platforms_and_products_from_labels() -> None:
    aks = load("aks-untainted").table()
    assert [(node.platform, node.product) for node in aks] == [("aks", "nvidia")]
    eks = {node.name: node for node in load("eks-karpenter").table()}
    assert {node.platform for node in eks.values()} == {"eks"}
    assert eks["ip-192-168-77-142.us-west-2.compute.internal"].product == "a10g"  # Karpenter's label
    assert eks["ip-192-168-5-203.us-west-2.compute.internal"].product == "nvidia-tesla-t4"  # cluster-autoscaler's


def test_mig_mixed_and_time_sliced_resources() -> None:
    table = {node.name: node for node in load("mig-shared").table()}
    mig = table["dgx-a100-01"]
    assert [item.name for item in mig.resources] == ["nvidia.com/gpu", "nvidia.com/mig-1g.5gb"]
    assert mig.resource("nvidia.com/gpu").allocatable == 0  # type: ignore[union-attr]
    assert mig.resource("nvidia.com/mig-1g.5gb").allocatable == 56  # type: ignore[union-attr]
    assert mig.platform == "other"
    assert mig.product == "A100-SXM4-40GB"
    shared = table["t4-node-01"]
    assert [(item.name, item.capacity) for item in shared.resources] == [("nvidia.com/gpu.shared", Fraction(40))]


def test_finished_pods_hold_nothing_and_other_vendors_count() -> None:
    node = {
        "metadata": {"name": "mi300-1", "labels": {"amd.com/gpu.product-name": "AMD_Instinct_MI300X_OAM"}},
        "spec": {},
        "status": {"capacity": {"amd.com/gpu": "8"}, "allocatable": {"amd.com/gpu": "8"}},
    }

    def pod(name: str, phase: str) -> dict[str, object]:
        return {
            "metadata": {"name": name, "namespace": "x"},
            "spec": {
                "nodeName": "mi300-1",
                "containers": [{"name": "c", "resources": {"limits": {"amd.com/gpu": "4"}}}],
            },
            "status": {"phase": phase},
        }

    [gpu] = gpu_nodes([node], [pod("done", "Succeeded"), pod("busy", "Running"), pod("failed", "Failed")])
    assert gpu.product == "AMD_Instinct_MI300X_OAM"
    resource = gpu.resource("amd.com/gpu")
    assert resource is not None
    assert (resource.allocated, resource.free) == (4, 4)


def test_gpu_label_without_resource_is_listed_with_no_resources() -> None:
    # A Karpenter node before its device plugin advertises the GPU (scaffold-gpu-lint-anchors §1.3).
    node = {
        "metadata": {"name": "n", "labels": {"karpenter.k8s.aws/instance-gpu-count": "1"}},
        "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]},
        "status": {"capacity": {"cpu": "4"}, "allocatable": {"cpu": "4"}},
    }
    [gpu] = gpu_nodes([node], [])
    assert gpu.resources == ()
    assert platform_of(node) == "eks"


def test_cpu_only_nodes_are_not_gpu_nodes() -> None:
    assert gpu_nodes([{"metadata": {"name": "cpu"}, "status": {"capacity": {"cpu": "8"}}}], []) == []
