"""One placement verdict: ``doctor`` (a Pending pod) and ``gpu`` (every pending GPU pod) say the same thing.

DESIGN §2 promises one code for one problem; issue 10 found the two commands building the same verdicts
in parallel with different words, evidence and patches. Each scenario here is run through both.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubectl_ml.gpu import fit as gpu_fit
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.resources import allocated_on
from kubectl_ml.rules import unschedulable


def _node(name: str, gpus: str = "4", taints: list[dict[str, Any]] | None = None, **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **labels}},
        "spec": {"taints": taints or []},
        "status": {"allocatable": {"cpu": "47780m", "memory": "186887404Ki", "nvidia.com/gpu": gpus, "pods": "110"}},
    }


def _pod(name: str, gpus: str = "1", node: str | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "containers": [
            {"name": "trainer", "resources": {"requests": {"cpu": "8"}, "limits": {"nvidia.com/gpu": gpus}}}
        ],
        **spec,
    }
    if node:
        body["nodeName"] = node
    return {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "ml-training", "uid": f"uid-{name}"},
        "spec": body,
        "status": {"phase": "Running" if node else "Pending"},
    }


GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}
CORDONED = _node("a100-2")
CORDONED["spec"]["unschedulable"] = True

SCENARIOS: dict[str, tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]], str]] = {
    "selector": (
        [_node("l4-1", **{"cloud.google.com/gke-accelerator": "nvidia-l4"})],
        _pod("eval", nodeSelector={"cloud.google.com/gke-accelerator": "nvidia-tesla-a100"}),
        [],
        "node-selector-mismatch",
    ),
    "capacity": ([_node("a100-1")], _pod("pretrain", "8"), [], "request-exceeds-node-capacity"),
    "taint": ([_node("a100-1", taints=[GPU_TAINT])], _pod("eval"), [], "untolerated-taint"),
    "busy": (
        [_node("a100-1", "2")],
        _pod("waiting"),
        [_pod("holder-0", node="a100-1"), _pod("holder-1", node="a100-1")],
        "insufficient-resources",
    ),
    "unknown": (
        [_node("a100-1")],
        _pod("typo", containers=[{"name": "c", "resources": {"limits": {"nvidia.com/gpus": "1"}}}]),
        [],
        "gpu-resource-unknown",
    ),
    "cordoned": ([CORDONED], _pod("waiting"), [], "insufficient-resources"),
}


def _doctor(nodes: list[dict[str, Any]], pod: dict[str, Any], bound: list[dict[str, Any]]) -> list[Any]:
    node_pods = {
        node["metadata"]["name"]: [p for p in bound if p["spec"].get("nodeName") == node["metadata"]["name"]]
        for node in nodes
    }
    context = PodContext(
        pod=pod,
        nodes=nodes,
        node_pods=node_pods,
        node_allocated={name: allocated_on(pods) for name, pods in node_pods.items()},
    )
    return list(unschedulable.check(context))


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_doctor_and_gpu_give_the_same_finding(scenario: str) -> None:
    nodes, pod, bound, code = SCENARIOS[scenario]
    from_doctor = _doctor(copy.deepcopy(nodes), copy.deepcopy(pod), copy.deepcopy(bound))
    from_gpu = list(gpu_fit.placement_findings(copy.deepcopy(nodes), [copy.deepcopy(pod), *copy.deepcopy(bound)], []))
    assert [item.code for item in from_doctor] == [code]
    assert [item.code for item in from_gpu] == [code]
    [doctor], [gpu] = from_doctor, from_gpu
    assert doctor.summary == gpu.summary
    assert doctor.remedy == gpu.remedy
    assert doctor.patch == gpu.patch
    assert doctor.commands == gpu.commands
    assert doctor.severity == gpu.severity
    assert doctor.evidence == gpu.evidence  # no scheduler event here: the nodes are the whole evidence


def test_a_gpu_pool_taint_beside_full_nodes_is_one_way_out_not_the_only_blocker() -> None:
    nodes = [_node("a100-1", "1"), _node("h100-1", taints=[GPU_TAINT])]
    findings = _doctor(nodes, _pod("waiting"), [_pod("holder", node="a100-1")])
    assert [item.code for item in findings] == ["untolerated-taint", "insufficient-resources"]
    assert "can run only on full nodes" in findings[0].summary


def test_anti_affinity_on_every_node_outweighs_busy_gpus() -> None:
    """kubernetes-sigs/kubespray#4101's message: anti-affinity excludes every node, so capacity cannot help."""
    message = (
        "0/3 nodes are available: 3 node(s) didn't match pod affinity/anti-affinity, 3 node(s) didn't satisfy "
        "existing pods anti-affinity rules."
    )
    nodes = [_node(f"a100-{index}", "1") for index in range(3)]
    pod = _pod("replica-1")
    pod["status"]["conditions"] = [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}
    ]
    bound = [_pod(f"replica-0-{index}", node=f"a100-{index}") for index in range(3)]
    [found] = _doctor(nodes, pod, bound)
    assert found.code == "scheduling-constraint"
    assert "anti-affinity" in found.summary
    assert "preferred instead of required" in (found.remedy or "")
