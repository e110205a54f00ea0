"""Fixture cases for every code of the unschedulable rule, plus pure checks the case runner cannot reach."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_ml.model.context import Availability, PodContext
from kubectl_ml.model.events import normalize_event
from kubectl_ml.rules import unschedulable
from tests.rules.cases import Case, cases, check_case

CODES = (
    "insufficient-resources",
    "request-exceeds-node-capacity",
    "untolerated-taint",
    "node-selector-mismatch",
    "pvc-unbound",
    "gpu-resource-unknown",
    "scheduling-constraint",
)
ALL_CASES = [case for code in CODES for case in cases(code)]


def test_every_code_has_fires_and_passes_or_fires() -> None:
    for code in CODES:
        assert any(case.kind == "fires" for case in cases(code)), code


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_unschedulable_cases(case: Case) -> None:
    check_case(case)


# -- pure checks: contexts the snapshot runner does not build ----------------------------------------

GPU_NODE: dict[str, Any] = {
    "metadata": {"name": "gpu-1", "labels": {"cloud.google.com/gke-accelerator": "nvidia-l4"}},
    "spec": {},
    "status": {"allocatable": {"cpu": "47780m", "memory": "186887404Ki", "nvidia.com/gpu": "4", "pods": "110"}},
}
MESSAGE = (
    "0/1 nodes are available: 1 Insufficient nvidia.com/gpu. preemption: 0/1 nodes are available: "
    "1 No preemption victims found for incoming pod."
)


def _pod(name: str, gpus: str, phase: str = "Pending", node: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [{"name": "c", "resources": {"requests": {"cpu": "1"}, "limits": {"nvidia.com/gpu": gpus}}}]
    }
    status: dict[str, Any] = {"phase": phase}
    if node:
        spec["nodeName"] = node
    else:
        status["conditions"] = [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": MESSAGE}
        ]
    return {"metadata": {"name": name, "namespace": "ml-training", "uid": name}, "spec": spec, "status": status}


def test_busy_gpus_name_their_holders_when_every_pod_is_known() -> None:
    holders = [_pod(f"holder-{index}", "1", "Running", "gpu-1") for index in range(4)]
    done = _pod("finished", "4", "Succeeded", "gpu-1")
    context = PodContext(pod=_pod("waiting", "1"), nodes=[GPU_NODE], node_pods={"gpu-1": [*holders, done]})
    [finding] = list(unschedulable.check(context))
    assert finding.code == "insufficient-resources"
    assert "4 pods hold the 4 nvidia.com/gpu of the 1 node it may use" in finding.summary


def test_nodes_forbidden_falls_back_to_the_message() -> None:
    context = PodContext(pod=_pod("waiting", "1"), nodes=[], available=Availability(nodes=False))
    [finding] = list(unschedulable.check(context))
    assert finding.code == "insufficient-resources"
    assert "nodes were not read" in finding.summary


def test_triggered_scale_up_lowers_severity() -> None:
    scale_up = normalize_event(
        {
            "metadata": {"name": "waiting.1"},
            "involvedObject": {"kind": "Pod", "name": "waiting", "uid": "waiting"},
            "reason": "TriggeredScaleUp",
            "type": "Normal",
            "message": "pod triggered scale-up",
            "count": 1,
        }
    )
    context = PodContext(pod=_pod("waiting", "1"), nodes=[GPU_NODE], events=[scale_up])
    [finding] = list(unschedulable.check(context))
    assert finding.severity.label == "warning"
    assert "autoscaler is adding a node" in finding.summary


def test_gated_bound_and_running_pods_are_not_checked() -> None:
    gated = _pod("gated", "1")
    gated["spec"]["schedulingGates"] = [{"name": "kueue.x-k8s.io/admission"}]
    bound = _pod("bound", "1", node="gpu-1")
    running = _pod("running", "1", "Running")
    for pod in (gated, bound, running):
        assert list(unschedulable.check(PodContext(pod=pod, nodes=[GPU_NODE]))) == []


def test_unknown_wording_is_quoted_not_dropped() -> None:
    """A Pending pod always gets a finding (issue 10): the scheduler's words, verbatim, when unreadable."""
    pod = _pod("waiting", "1")
    pod["status"]["conditions"][0]["message"] = "waiting for a future scheduler"
    (found,) = unschedulable.check(PodContext(pod=pod))
    assert found.code == "scheduling-constraint"
    assert "the scheduler says: waiting for a future scheduler" in found.summary
    assert found.evidence[0].value == "waiting for a future scheduler"


def test_a_gpu_request_where_no_node_advertises_any_gpu_points_at_the_device_plugin() -> None:
    """issue 10: with no accelerator on any node, MIG names are no help; the device plugin is the cause."""
    cpu_node = {
        "metadata": {"name": "cpu-1", "labels": {"cloud.google.com/gke-nodepool": "default-pool"}},
        "spec": {},
        "status": {"allocatable": {"cpu": "15890m", "memory": "57499744Ki", "pods": "110"}},
    }
    (found,) = unschedulable.check(PodContext(pod=_pod("train-0", "1"), nodes=[cpu_node]))
    assert found.code == "gpu-resource-unknown"
    assert "but no node advertises any accelerator" in found.summary
    assert "device plugin is not running on any node" in found.remedy
    assert "MIG" not in found.remedy
