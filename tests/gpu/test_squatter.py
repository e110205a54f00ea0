from __future__ import annotations

from typing import Any

from kubectl_ml.gpu import squatter
from kubectl_ml.gpu.nodes import gpu_nodes
from kubectl_ml.model.findings import ObjectRef, Severity
from tests.gpu.scenarios import by_object, evidence, load

GKE_A = "gke-ml-prod-a100-pool-0d6e2f1a-7qzc"
GKE_B = "gke-ml-prod-a100-pool-0d6e2f1a-m2hd"


def _findings(scenario: str):
    cluster = load(scenario)
    return by_object(list(squatter.squatters(cluster.table(), cluster.pods)), "gpu-node-squatter")


def test_cpu_pod_tolerating_everything_on_a_tainted_gpu_node() -> None:
    finding = _findings("gke")["Pod/log-shipper-7c9d5b8f4-2xqkz"]
    assert finding.severity is Severity.WARNING
    assert finding.object == ObjectRef("Pod", "monitoring", "log-shipper-7c9d5b8f4-2xqkz")
    assert finding.workload == ObjectRef("ReplicaSet", "monitoring", "log-shipper-7c9d5b8f4")
    assert "tolerates every taint" in finding.summary
    assert "operator Exists without a key" in finding.summary
    assert evidence(finding) == {"spec.nodeName": GKE_A, "spec.tolerations[0]": {"operator": "Exists"}}


def test_daemonset_agents_and_mirror_pods_are_not_squatters() -> None:
    findings = _findings("gke")
    # The device plugin and fluent-bit (which tolerates everything) are DaemonSet pods; kube-proxy is static.
    assert sorted(findings) == ["Pod/feature-cache-0", "Pod/log-shipper-7c9d5b8f4-2xqkz"]
    assert "Pod/web-frontend-6d4f8b7c9-kx2vb" in _findings("aks-untainted")
    assert "Pod/nvidia-device-plugin-daemonset-8xk2p" not in _findings("aks-untainted")


def test_gpu_pods_are_not_squatters() -> None:
    assert "Pod/trainer-0" not in _findings("gke")


def test_zero_gpu_request_is_named() -> None:
    finding = _findings("gke")["Pod/feature-cache-0"]
    assert "tolerates nvidia.com/gpu=present:NoSchedule (spec.tolerations[0])" in finding.summary
    assert "requests nvidia.com/gpu: 0" in finding.summary
    assert "ExtendedResourceToleration" in finding.summary
    assert finding.remedy.startswith("Drop the zero nvidia.com/gpu request")
    assert evidence(finding)["spec.nodeName"] == GKE_B


def test_untainted_node_is_named_as_the_cause() -> None:
    finding = _findings("aks-untainted")["Pod/web-frontend-6d4f8b7c9-kx2vb"]
    assert "the node has no taint to keep such pods off" in finding.summary
    assert "(1 nvidia.com/gpu)" in finding.summary
    assert "sku=gpu:NoSchedule" in finding.remedy
    assert evidence(finding) == {
        "spec.nodeName": "aks-gpunp-30518822-vmss000000",
        "nodes/aks-gpunp-30518822-vmss000000.spec.taints": None,
    }


def _pod(name: str, phase: str = "Running", **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "x"},
        "spec": {"nodeName": "gpu-1", "containers": [{"name": "c", "resources": {}}], **spec},
        "status": {"phase": phase},
    }


NODE = {
    "metadata": {"name": "gpu-1"},
    "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]},
    "status": {"capacity": {"nvidia.com/gpu": "4"}, "allocatable": {"nvidia.com/gpu": "4"}},
}


def test_finished_pods_and_mirror_annotation_only() -> None:
    mirror = _pod("static")
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "abc"}
    done = _pod("done", "Succeeded", tolerations=[{"operator": "Exists"}])
    assert list(squatter.squatters(gpu_nodes([NODE], [mirror, done]), [mirror, done])) == []


def test_toleration_with_key_and_empty_effect() -> None:
    pod = _pod("copy", tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists"}])
    [finding] = squatter.squatters(gpu_nodes([NODE], [pod]), [pod])
    assert "tolerates nvidia.com/gpu=present:NoSchedule (spec.tolerations[0])" in finding.summary
