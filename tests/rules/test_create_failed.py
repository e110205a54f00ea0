"""Fixture cases for quota-exceeded and admission-denied, plus the "is it still short of pods?" model."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_ml.rules.create_failed import missing_pods
from tests.rules.cases import Case, cases, check_case


@pytest.mark.parametrize("case", cases("quota-exceeded") + cases("admission-denied"), ids=lambda case: case.id)
def test_create_failed_cases(case: Case) -> None:
    check_case(case)


def _object(kind: str, spec: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "spec": spec, "status": status}


@pytest.mark.parametrize(
    ("controller", "expected"),
    [
        (_object("ReplicaSet", {"replicas": 1}, {"replicas": 0}), True),
        (_object("ReplicaSet", {"replicas": 0}, {"replicas": 0}), False),
        (_object("ReplicaSet", {"replicas": 3}, {"replicas": 3}), False),
        (_object("ReplicaSet", {}, {}), True),  # replicas defaults to 1
        (_object("StatefulSet", {"replicas": 2}, {"replicas": 1}), True),
        (_object("Deployment", {"replicas": 2}, {"replicas": 2, "updatedReplicas": 2}), False),
        (_object("Deployment", {"replicas": 2}, {"replicas": 2, "updatedReplicas": 0}), True),  # rollout stuck
        (_object("Deployment", {"replicas": 1}, {"unavailableReplicas": 1}), True),
        (_object("DaemonSet", {}, {"desiredNumberScheduled": 3, "currentNumberScheduled": 2}), True),
        (_object("DaemonSet", {}, {"desiredNumberScheduled": 3, "currentNumberScheduled": 3}), False),
        (_object("Job", {"parallelism": 1, "completions": 1}, {}), True),
        (_object("Job", {"parallelism": 4, "completions": 10}, {"active": 4}), False),
        (_object("Job", {"parallelism": 4, "completions": 10}, {"active": 2, "succeeded": 8}), False),
        (_object("Job", {"parallelism": 4, "completions": 10}, {"active": 1, "succeeded": 8}), True),
        (_object("Job", {"parallelism": 1, "suspend": True}, {}), False),
        (
            _object(
                "Job",
                {"parallelism": 1},
                {"conditions": [{"type": "Complete", "status": "True"}], "succeeded": 1},
            ),
            False,
        ),
        (_object("Job", {"parallelism": 1}, {"conditions": [{"type": "Failed", "status": "True"}]}), False),
        (_object("CronJob", {}, {}), True),
    ],
)
def test_missing_pods(controller: dict[str, Any], expected: bool) -> None:
    assert missing_pods(controller) is expected
