"""first_failure: of several failed pods of one training run, the first is the cause, the rest collateral."""

from __future__ import annotations

from pathlib import Path

from kubectl_ml.flows import doctor as doctor_flow
from kubectl_ml.model.findings import Severity
from kubectl_ml.rules import first_failure
from kubectl_ml.sources.snapshot import SnapshotSource
from tests.operators.scenarios import JOB, NAMESPACE, oom_then_nccl


def test_the_earliest_termination_is_the_cause(tmp_path: Path) -> None:
    report = doctor_flow.doctor_workload(SnapshotSource(oom_then_nccl(tmp_path)), NAMESPACE, "PyTorchJob", JOB)
    pods = [finding for finding in report.findings if finding.object.kind == "Pod"]
    assert [(finding.object.name, finding.severity) for finding in pods] == [
        (f"{JOB}-worker-1", Severity.ERROR),  # listed first: the cause
        (f"{JOB}-master-0", Severity.WARNING),
        (f"{JOB}-worker-0", Severity.WARNING),
    ]
    assert all(finding.summary.startswith(first_failure.COLLATERAL_PREFIX) for finding in pods[1:])


def test_simultaneous_failures_name_no_cause(tmp_path: Path) -> None:
    cluster = oom_then_nccl(tmp_path)
    source = SnapshotSource(cluster)
    for pod in source.objects["Pod"]:
        for status in pod["status"]["containerStatuses"]:
            for state in (status.get("state") or {}, status.get("lastState") or {}):
                if "terminated" in state:
                    state["terminated"]["finishedAt"] = "2026-10-01T10:23:20Z"
    report = doctor_flow.doctor_workload(source, NAMESPACE, "PyTorchJob", JOB)
    assert not [finding for finding in report.findings if finding.summary.startswith(first_failure.COLLATERAL_PREFIX)]
    assert all(finding.severity is Severity.ERROR for finding in report.findings)


def test_pods_of_different_workloads_are_never_tied(tmp_path: Path) -> None:
    report = doctor_flow.doctor_scan(SnapshotSource(oom_then_nccl(tmp_path)), NAMESPACE)
    collateral = [finding for finding in report.findings if finding.summary.startswith(first_failure.COLLATERAL_PREFIX)]
    assert {finding.workload.name for finding in collateral if finding.workload} == {JOB}


def _retries_of_a_plain_job(tmp_path: Path, *, indexed: bool) -> SnapshotSource:
    """Three failed pods of one Job: retries one after another (plain), or three indexes side by side."""
    cluster = oom_then_nccl(tmp_path)
    source = SnapshotSource(cluster)
    job_uid = "c9c939da-9e9a-4a28-8078-075e9fd7ef88"
    for number, pod in enumerate(source.objects["Pod"]):
        labels = {"batch.kubernetes.io/job-name": "tokenize", "job-name": "tokenize"}
        if indexed:
            labels["batch.kubernetes.io/job-completion-index"] = str(number)
        pod["metadata"]["labels"] = labels
        pod["metadata"]["creationTimestamp"] = f"2026-10-01T1{number}:00:00Z"
        pod["metadata"]["ownerReferences"] = [
            {"apiVersion": "batch/v1", "kind": "Job", "name": "tokenize", "uid": job_uid, "controller": True}
        ]
    source.objects.pop("PyTorchJob", None)
    return source


def test_retries_of_a_plain_job_are_not_collateral_of_each_other(tmp_path: Path) -> None:
    report = doctor_flow.doctor_scan(_retries_of_a_plain_job(tmp_path, indexed=False), NAMESPACE)
    assert not [finding for finding in report.findings if finding.summary.startswith(first_failure.COLLATERAL_PREFIX)]


def test_the_indexes_of_an_indexed_job_are_ranks_of_one_run(tmp_path: Path) -> None:
    report = doctor_flow.doctor_scan(_retries_of_a_plain_job(tmp_path, indexed=True), NAMESPACE)
    collateral = [finding for finding in report.findings if finding.summary.startswith(first_failure.COLLATERAL_PREFIX)]
    assert len(collateral) == 2
