"""queue_admission on Kueue's own Workload and queue shapes (fixtures/operators/status/kueue, STATUS-NOTES.md §8)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kubectl_ml.model.context import WorkloadContext
from kubectl_ml.model.findings import ObjectRef, Severity
from kubectl_ml.rules import queue_admission, run_workload_rules
from tests.conftest import FIXTURES
from tests.rules.cases import Case, cases, check_case

KUEUE = FIXTURES / "operators" / "status" / "kueue"
CODES = ("queue-quota-insufficient", "queue-missing", "workload-preempted")


@pytest.mark.parametrize("case", [case for code in CODES for case in cases(code)], ids=lambda case: case.id)
def test_queue_admission_cases(case: Case) -> None:
    check_case(case)


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((KUEUE / name).read_text(encoding="utf-8"))
    return document


def queued_job(name: str, queue: str) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "ml-training", "uid": f"uid-{name}",
                     "labels": {"kueue.x-k8s.io/queue-name": queue}},
        "spec": {"suspend": True, "template": {"spec": {"containers": [{"name": "train", "image": "t:1"}]}}},
        "status": {},
    }  # fmt: skip


def context(job: dict[str, Any], workloads: list[dict[str, Any]], **queues: Any) -> WorkloadContext:
    ref = ObjectRef(job["kind"], "ml-training", job["metadata"]["name"])
    return WorkloadContext(controller=job, ref=ref, queue_workloads=workloads, queues_read=True, **queues)


def test_insufficient_quota_in_kueues_words_replaces_job_suspended() -> None:
    workload = load("workload-pending-insufficient-quota.json")
    job = queued_job("llm-finetune", "team-a")
    found = run_workload_rules(context(job, [workload]))
    assert [finding.code for finding in found] == ["queue-quota-insufficient"]
    assert "request > maximum capacity (8 > 4)" in found[0].summary
    assert found[0].evidence[1].value == workload["status"]["conditions"][0]["message"]


def test_a_localqueue_that_does_not_exist_in_the_workloads_message() -> None:
    (finding,) = queue_admission.check(
        context(queued_job("eval-batch", "user-queue"), [load("workload-localqueue-missing.json")])
    )
    assert finding.code == "queue-missing"
    assert "LocalQueue user-queue doesn't exist" in finding.summary


def test_preemption_is_reported_with_its_message() -> None:
    job = queued_job("resnet-low-prio", "team-a")
    (finding,) = queue_admission.check(context(job, [load("workload-evicted-preempted.json")]))
    assert finding.code == "workload-preempted"
    assert "Preempted to accommodate a workload" in finding.summary


def test_no_workload_and_no_localqueue_means_the_queue_is_missing() -> None:
    (finding,) = queue_admission.check(context(queued_job("x", "nope"), [], local_queues={}))
    assert finding.code == "queue-missing"
    assert "LocalQueue nope, which does not exist in ml-training" in finding.summary


def test_a_stopped_clusterqueue_behind_the_localqueue() -> None:
    cluster_queue = load("clusterqueue-stopped.json")
    name = cluster_queue["metadata"]["name"]
    local = {"metadata": {"name": "team-a", "namespace": "ml-training"}, "spec": {"clusterQueue": name}}
    queues = {"local_queues": {("ml-training", "team-a"): local}, "cluster_queues": {name: cluster_queue}}
    found = list(queue_admission.check(context(queued_job("x", "team-a"), [], **queues)))
    assert [finding.code for finding in found] == ["queue-missing"]
    assert "Can't admit new workloads: is stopped." in found[0].summary


def test_nothing_is_said_when_kueue_objects_were_not_read() -> None:
    job = queued_job("x", "team-a")
    ref = ObjectRef("Job", "ml-training", "x")
    assert list(queue_admission.check(WorkloadContext(controller=job, ref=ref))) == []


def test_waiting_for_quota_others_hold_is_a_warning_and_more_than_the_queue_holds_an_error() -> None:
    workload = load("workload-pending-insufficient-quota.json")
    job = queued_job("llm-finetune", "team-a")
    (never,) = queue_admission.check(context(job, [workload]))
    assert never.severity is Severity.ERROR
    assert "can never be admitted" in never.summary
    # Kueue's wording when the quota exists but others use it (STATUS-NOTES.md §8, any version).
    waiting = json.loads(json.dumps(workload))
    waiting["status"]["conditions"][0]["message"] = (
        "couldn't assign flavors to pod set main: insufficient unused quota for nvidia.com/gpu in flavor "
        "default-flavor, 4 more needed"
    )
    (found,) = queue_admission.check(context(job, [waiting]))
    assert (found.code, found.severity) == ("queue-quota-insufficient", Severity.WARNING)
    assert "is not admitted by Kueue" in found.summary
