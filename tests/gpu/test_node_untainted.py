from __future__ import annotations

from kubectl_ml.gpu import node_untainted
from kubectl_ml.gpu.nodes import gpu_nodes
from kubectl_ml.model.findings import Severity
from tests.gpu.scenarios import by_object, evidence, load


def _findings(scenario: str):
    return list(node_untainted.untainted_nodes(load(scenario).table()))


def test_gke_nodes_tainted_automatically_are_not_reported() -> None:
    assert _findings("gke") == []


def test_aks_untainted_node_gets_the_sku_gpu_taint() -> None:
    [finding] = _findings("aks-untainted")
    assert finding.code == "gpu-node-untainted"
    assert finding.severity is Severity.WARNING
    assert (finding.object.kind, finding.object.namespace, finding.object.name) == (
        "Node",
        "",
        "aks-gpunp-30518822-vmss000000",
    )
    assert finding.commands == ("kubectl taint nodes aks-gpunp-30518822-vmss000000 sku=gpu:NoSchedule",)
    assert evidence(finding) == {
        "nodes/aks-gpunp-30518822-vmss000000.spec.taints": None,
        "nodes/aks-gpunp-30518822-vmss000000.status.allocatable['nvidia.com/gpu']": 1,
    }
    assert "sku=gpu:NoSchedule" in finding.remedy
    assert finding.patch is None


def test_aks_node_tainted_sku_gpu_is_not_reported() -> None:
    assert _findings("aks-tainted") == []


def test_eks_managed_group_untainted_karpenter_node_tainted() -> None:
    findings = by_object(_findings("eks-karpenter"), "gpu-node-untainted")
    assert list(findings) == ["Node/ip-192-168-5-203.us-west-2.compute.internal"]
    [command] = findings["Node/ip-192-168-5-203.us-west-2.compute.internal"].commands
    assert command == "kubectl taint nodes ip-192-168-5-203.us-west-2.compute.internal nvidia.com/gpu=true:NoSchedule"


def test_mig_and_shared_nodes_tainted_are_not_reported() -> None:
    assert _findings("mig-shared") == []


def _node(name: str, taints: list[dict[str, str]], provider: str = "gce://p/z/n", resource: str = "nvidia.com/gpu"):
    return {
        "metadata": {"name": name, "labels": {}},
        "spec": {"providerID": provider, "taints": taints},
        "status": {"capacity": {resource: "8"}, "allocatable": {resource: "8"}},
    }


def test_prefer_no_schedule_and_system_taints_do_not_count() -> None:
    nodes = [
        _node("soft", [{"key": "nvidia.com/gpu", "value": "present", "effect": "PreferNoSchedule"}]),
        _node("cordoned", [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]),
        _node("dedicated", [{"key": "dedicated", "value": "ml", "effect": "NoExecute"}]),
    ]
    findings = by_object(list(node_untainted.untainted_nodes(gpu_nodes(nodes, []))), "gpu-node-untainted")
    assert sorted(findings) == ["Node/cordoned", "Node/soft"]
    # GKE's own taint for a GKE node, and the soft taint named as only a preference.
    assert findings["Node/soft"].commands == ("kubectl taint nodes soft nvidia.com/gpu=present:NoSchedule",)
    assert "nvidia.com/gpu=present:PreferNoSchedule taint is only a preference" in findings["Node/soft"].summary


def test_other_vendors_and_platforms() -> None:
    nodes = [
        _node("mi300", [], provider="", resource="amd.com/gpu"),
        _node("onprem", [], provider="", resource="nvidia.com/mig-1g.5gb"),
    ]
    findings = by_object(list(node_untainted.untainted_nodes(gpu_nodes(nodes, []))), "gpu-node-untainted")
    assert findings["Node/mi300"].commands == ("kubectl taint nodes mi300 amd.com/gpu=true:NoSchedule",)
    assert findings["Node/onprem"].commands == ("kubectl taint nodes onprem nvidia.com/gpu=true:NoSchedule",)
