from __future__ import annotations

from typing import Any

import pytest

from kubectl_ml.model.context import WorkloadContext
from kubectl_ml.model.findings import ObjectRef
from kubectl_ml.rules import job_suspended
from tests.rules.cases import Case, cases, check_case


@pytest.mark.parametrize("case", cases("job-suspended"), ids=lambda case: case.id)
def test_job_suspended_cases(case: Case) -> None:
    check_case(case)


def _job(metadata: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "kind": "Job",
        "metadata": {"name": "train", "namespace": "ml-training", **metadata},
        "spec": {"suspend": True},
        "status": status or {},
    }


def test_queue_from_the_older_annotation() -> None:
    job = _job({"annotations": {"kueue.x-k8s.io/queue-name": "team-a-queue"}})
    [finding] = list(job_suspended.check(WorkloadContext(controller=job, ref=ObjectRef("Job", "ml-training", "train"))))
    assert "team-a-queue" in finding.summary
    assert any(item.path == "jobs/train.metadata.annotations['kueue.x-k8s.io/queue-name']" for item in finding.evidence)


def test_finished_job_is_not_reported() -> None:
    job = _job({}, {"conditions": [{"type": "Complete", "status": "True"}]})
    ref = ObjectRef("Job", "ml-training", "train")
    assert list(job_suspended.check(WorkloadContext(controller=job, ref=ref))) == []


def test_other_kinds_are_ignored() -> None:
    cronjob = {**_job({}), "kind": "CronJob"}
    ref = ObjectRef("CronJob", "ml-training", "train")
    assert list(job_suspended.check(WorkloadContext(controller=cronjob, ref=ref))) == []
