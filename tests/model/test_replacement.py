"""failed_pod_outcome: did a failed pod's work go on (a warning) or stop (an error)?"""

from __future__ import annotations

from typing import Any

from kubectl_ml.model.replacement import failed_pod_outcome

OWNER = {"apiVersion": "batch/v1", "kind": "Job", "name": "train", "uid": "job-uid", "controller": True}


def _pod(
    name: str, phase: str, created: str, index: str | None = None, owner: dict[str, Any] | None = OWNER
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "uid": f"uid-{name}", "creationTimestamp": created, "labels": {}}
    if owner:
        metadata["ownerReferences"] = [owner]
    if index is not None:
        metadata["labels"]["batch.kubernetes.io/job-completion-index"] = index
    return {"metadata": metadata, "status": {"phase": phase}}


def test_a_later_running_pod_of_the_job_is_its_replacement() -> None:
    failed = _pod("train-a", "Failed", "2026-06-10T08:00:00Z")
    outcome = failed_pod_outcome(failed, [failed, _pod("train-b", "Running", "2026-06-10T09:00:00Z")], None)
    assert outcome is not None
    assert outcome.went_on
    assert "train-b runs" in outcome.note


def test_an_earlier_pod_and_another_index_are_not_replacements() -> None:
    failed = _pod("train-0-a", "Failed", "2026-06-10T08:00:00Z", index="0")
    others = [
        _pod("train-1-a", "Running", "2026-06-10T09:00:00Z", index="1"),
        _pod("old", "Running", "2026-06-10T07:00:00Z", index="0"),
    ]
    job = {"status": {"active": 1}}
    outcome = failed_pod_outcome(failed, [failed, *others], job)
    assert outcome is not None
    assert not outcome.went_on


def test_a_failed_job_stopped_the_work_even_before_its_pods_are_read() -> None:
    job = {"status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}}
    outcome = failed_pod_outcome(_pod("train-a", "Failed", "2026-06-10T08:00:00Z"), None, job)
    assert outcome is not None
    assert not outcome.went_on
    assert "BackoffLimitExceeded" in outcome.note


def test_unknowns_keep_the_rule_grade() -> None:
    failed = _pod("train-a", "Failed", "2026-06-10T08:00:00Z")
    assert failed_pod_outcome(failed, None, None) is None  # siblings not read
    operator = {"kind": "PyTorchJob", "name": "ddp", "uid": "u", "controller": True}
    assert failed_pod_outcome(_pod("ddp-worker-0", "Failed", "t", owner=operator), [], None) is None
    assert failed_pod_outcome(_pod("running", "Running", "t"), [], None) is None


def test_a_bare_pod_is_never_replaced() -> None:
    outcome = failed_pod_outcome(_pod("once", "Failed", "2026-06-10T08:00:00Z", owner=None), None, None)
    assert outcome is not None
    assert not outcome.went_on
