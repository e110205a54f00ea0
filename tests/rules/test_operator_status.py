"""operator_status on the operators' own status shapes (fixtures/operators/status, sources in STATUS-NOTES.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kubectl_ml.model.context import WorkloadContext
from kubectl_ml.model.findings import ObjectRef, Severity
from kubectl_ml.model.workloads import kind_key
from kubectl_ml.rules import operator_status
from tests.conftest import FIXTURES
from tests.rules.cases import Case, cases, check_case

STATUS = FIXTURES / "operators" / "status"
CODES = ("workload-failed", "workload-not-ready", "workload-restarting", "workload-no-pods")


@pytest.mark.parametrize("case", [case for code in CODES for case in cases(code)], ids=lambda case: case.id)
def test_operator_status_cases(case: Case) -> None:
    check_case(case)


def load(relative: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((STATUS / relative).read_text(encoding="utf-8"))
    return document


def findings(obj: dict[str, Any], pods: tuple[dict[str, Any], ...] = ({"metadata": {"name": "p"}},)) -> list[Any]:
    metadata = obj["metadata"]
    ref = ObjectRef(kind_key(obj), metadata.get("namespace", ""), metadata["name"])
    context = WorkloadContext(controller=obj, ref=ref, pods=pods)
    return list(operator_status.check(context))


@pytest.mark.parametrize(
    ("relative", "code", "words"),
    [
        ("training-operator/pytorchjob-failed-worker.json", "workload-failed", "because 1 Worker replica(s) failed"),
        ("training-operator/pytorchjob-restarting.json", "workload-restarting", "restarting because 1 Master"),
        ("training-operator/mpijob-v2beta1-launcher-failed.json", "workload-failed", "MPIJob horovod-resnet failed"),
        ("jobset/jobset-failed-jobs.json", "workload-failed", "first failed job: llm-pretrain-workers-2"),
        ("jobset/jobset-reached-max-restarts.json", "workload-failed", "reaching max number of restarts"),
        ("trainer/trainjob-failed.json", "workload-failed", "first failed job: qwen-ft-node-0"),
        ("kuberay/rayjob-deadline-exceeded.json", "workload-failed", "(DeadlineExceeded): The RayJob has passed"),
        ("kuberay/rayjob-submission-failed.json", "workload-failed", "Job submission has failed."),
        ("kserve/isvc-revision-failed.json", "workload-not-ready", "RevisionFailed"),
        ("kserve/isvc-no-supporting-runtime.json", "workload-not-ready", "No runtime found to support"),
        ("kserve/isvc-raw-minimum-replicas-unavailable.json", "workload-not-ready", "minimum availability"),
        ("lws/lws-lost-availability.json", "workload-not-ready", "groups ready"),
    ],
)
def test_the_operators_words_reach_the_summary(relative: str, code: str, words: str) -> None:
    found = findings(load(relative))
    assert [finding.code for finding in found] == [code], found
    assert words in found[0].summary, found[0].summary
    assert all(item.value is not None for item in found[0].evidence)


def test_kserve_names_the_failing_revision_not_only_the_aggregate() -> None:
    (finding,) = findings(load("kserve/isvc-revision-failed.json"))
    assert "Unable to fetch image" in finding.summary
    assert any(item.path.endswith(".reason") and item.value == "RevisionMissing" for item in finding.evidence)


def test_lws_counts_override_the_stale_all_groups_ready_message() -> None:
    (finding,) = findings(load("lws/lws-lost-availability.json"))
    assert "All replicas are ready" not in finding.summary


def test_no_pods_and_no_status_points_at_the_operator() -> None:
    job = load("training-operator/pytorchjob-failed-worker.json")
    job.pop("status")
    (finding,) = findings(job, pods=())
    assert finding.code == "workload-no-pods"
    assert "the Kubeflow training operator has not seen it" in finding.summary


def test_no_pods_with_a_status_says_the_operator_made_none() -> None:
    (finding,) = findings(load("training-operator/pytorchjob-created-pending.json"), pods=())
    assert finding.code == "workload-no-pods"
    assert finding.severity is Severity.ERROR
    assert "did not create them" in finding.summary


def test_suspended_or_finished_objects_without_pods_are_not_reported() -> None:
    assert findings(load("trainer/trainjob-suspended.json"), pods=()) == []
    failed = findings(load("jobset/jobset-failed-jobs.json"), pods=())
    assert [finding.code for finding in failed] == ["workload-failed"]


def test_a_running_object_is_quiet() -> None:
    job = load("training-operator/pytorchjob-created-pending.json")
    job["status"]["conditions"].append(
        {
            "type": "Running",
            "status": "True",
            "reason": "PyTorchJobRunning",
            "message": "PyTorchJob llama-sft is running.",
        }
    )
    assert findings(job) == []


def test_raycluster_replica_failure_quotes_the_api_error() -> None:
    cluster = load("kuberay/raycluster-head-pending-unschedulable.json")
    # KubeRay's ReplicaFailure: reason FailedCreateWorkerPod, message "<reason>\n<api error>" (STATUS-NOTES §5);
    # the API error is the ResourceQuota denial of fixtures/rules/quota-exceeded.
    error = (
        'pods "raycluster-gpu-worker-gpu-group-x2x7n" is forbidden: exceeded quota: gpu-quota, requested: '
        "requests.nvidia.com/gpu=1, used: requests.nvidia.com/gpu=4, limited: requests.nvidia.com/gpu=4"
    )
    cluster["status"]["conditions"].append(
        {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreateWorkerPod",
         "message": f"FailedCreateWorkerPod\n{error}", "lastTransitionTime": "2025-06-12T13:36:00Z"}
    )  # fmt: skip
    (finding,) = findings(cluster)
    assert finding.code == "workload-not-ready"
    assert error in finding.summary


RAY_SERVE_FAILURE = (
    "Deploying app 'hello' failed:\n"
    "RuntimeError: Deployment hello_Hello is UNHEALTHY: The Deployment failed to start 3 times in a row. This may be "
    "due to a problem with the deployment constructor or the initial health check failing. See logs for details. "
    "Retrying after 1 seconds."
)


def test_rayservice_application_that_failed_to_deploy() -> None:
    service = {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": {"name": "llm-serve", "namespace": "ml-serving"},
        "spec": {},
        # The shape of activeServiceStatus: STATUS-NOTES §5 (rayservice_types.go); the message is Ray Serve's,
        # as pasted in ray-project/ray#34750 (a deployment whose constructor raises).
        "status": {
            "activeServiceStatus": {
                "rayClusterName": "llm-serve-raycluster-abcde",
                "applicationStatuses": {"llm": {"status": "DEPLOY_FAILED", "message": RAY_SERVE_FAILURE}},
            }
        },
    }
    (finding,) = findings(service)
    assert finding.code == "workload-not-ready"
    assert "Serve application llm is DEPLOY_FAILED" in finding.summary
    assert "The Deployment failed to start 3 times in a row" in finding.summary


def test_no_pods_is_not_claimed_when_the_status_counts_pods() -> None:
    # Volcano counts 3 pending pods (volcano#1094's status): they exist, this read just did not find them.
    assert findings(load("volcano/vcjob-pending.json"), pods=()) == []


def test_no_pods_evidence_is_the_condition_that_says_most() -> None:
    (finding,) = findings(load("training-operator/pytorchjob-created-pending.json"), pods=())
    assert all(item.value is not None for item in finding.evidence)
    assert any(str(item.value).startswith("PyTorchJob llama-sft is created") for item in finding.evidence)


@pytest.mark.parametrize(
    "condition",
    [
        # The two states OpenShift's console shows as a failed DeploymentConfig (openshift/console#8463).
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"},
        {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate"},
    ],
)
def test_a_failed_deploymentconfig(condition: dict[str, Any]) -> None:
    dc = {
        "apiVersion": "apps.openshift.io/v1",
        "kind": "DeploymentConfig",
        "metadata": {"name": "frontend", "namespace": "ml-serving"},
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:1"}]}}},
        "status": {"conditions": [{"type": "Available", "status": "True"}, condition]},
    }
    (finding,) = findings(dc)
    assert finding.code == "workload-not-ready"
    assert condition["reason"] in finding.summary


def test_a_raycluster_whose_head_pod_was_not_read_says_why_from_its_condition() -> None:
    cluster = load("kuberay/raycluster-head-image-pull.json")
    (finding,) = findings(cluster, pods=())
    assert finding.code == "workload-not-ready"
    assert 'Back-off pulling image "rayproject/roy:2.46.0"' in finding.summary
    # With the head pod read, its own finding says it; the cluster's condition would only repeat it.
    assert findings(cluster) == []
