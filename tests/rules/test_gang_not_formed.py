"""gang_not_formed: some pods of a distributed job Pending while the others run and wait."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from kubectl_ml.model.context import WorkloadContext
from kubectl_ml.model.findings import ObjectRef
from kubectl_ml.rules import gang_not_formed
from tests.conftest import FIXTURES
from tests.operators.scenarios import JOB, NAMESPACE, oom_then_nccl
from tests.rules.cases import Case, cases, check_case


@pytest.mark.parametrize("case", cases("gang-not-formed"), ids=lambda case: case.id)
def test_gang_not_formed_cases(case: Case) -> None:
    check_case(case)


PENDING_CASE = FIXTURES / "rules" / "insufficient-resources" / "fires"


def pending_pod() -> dict[str, Any]:
    for folder in sorted(PENDING_CASE.glob("*")):
        pods = sorted(folder.rglob("pods.json"))
        for pod in (item for path in pods for item in json.loads(path.read_text())["items"]):
            conditions = pod.get("status", {}).get("conditions") or []
            if any(item.get("type") == "PodScheduled" and item.get("message") for item in conditions):
                return dict(pod)
    raise AssertionError("no pending pod with a PodScheduled message in the fixtures")


def test_a_pending_master_with_running_workers(tmp_path: Any) -> None:
    cluster = oom_then_nccl(tmp_path)
    pods = json.loads((cluster / NAMESPACE / "pods.json").read_text())["items"]
    job = json.loads((cluster / "operators.json").read_text())["items"][0]
    running = []
    for pod in pods[:2]:
        pod = copy.deepcopy(pod)
        pod["status"]["phase"] = "Running"
        running.append(pod)
    master = pending_pod()
    master["metadata"]["labels"] = {
        "training.kubeflow.org/job-name": JOB,
        "training.kubeflow.org/replica-type": "master",
        "training.kubeflow.org/replica-index": "0",
    }
    message = next(item["message"] for item in master["status"]["conditions"] if item["type"] == "PodScheduled")
    context = WorkloadContext(controller=job, ref=ObjectRef("PyTorchJob", NAMESPACE, JOB), pods=[master, *running])
    (finding,) = gang_not_formed.check(context)
    assert finding.code == "gang-not-formed"
    assert f"master 0 {master['metadata']['name']} is Pending: {message.rstrip('.')}; " in finding.summary
    assert "2 of its 3 pods run and wait for it" in finding.summary
    # All running, or all pending: no gang problem.
    assert list(gang_not_formed.check(WorkloadContext(controller=job, ref=context.ref, pods=running))) == []
    assert list(gang_not_formed.check(WorkloadContext(controller=job, ref=context.ref, pods=[master]))) == []


def test_a_serving_replica_pending_beside_running_ones_is_not_a_gang(tmp_path: Any) -> None:
    cluster = oom_then_nccl(tmp_path)
    pods = json.loads((cluster / NAMESPACE / "pods.json").read_text())["items"][:1]
    running = copy.deepcopy(pods[0])
    running["status"]["phase"] = "Running"
    isvc = {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
            "metadata": {"name": "llm", "namespace": NAMESPACE}, "spec": {"predictor": {}}}  # fmt: skip
    ref = ObjectRef("InferenceService", NAMESPACE, "llm")
    context = WorkloadContext(controller=isvc, ref=ref, pods=[running, pending_pod()])
    assert list(gang_not_formed.check(context)) == []
