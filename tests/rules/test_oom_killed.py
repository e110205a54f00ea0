from __future__ import annotations

from typing import Any

import pytest

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Severity
from kubectl_ml.rules import oom_killed
from tests.rules.cases import Case, cases, check_case, run_case


@pytest.mark.parametrize("case", cases("oom-killed"), ids=lambda case: case.id)
def test_oom_killed_cases(case: Case) -> None:
    check_case(case)


def _case(kind: str, variant: str) -> Case:
    return next(case for case in cases("oom-killed") if case.kind == kind and case.path.name == variant)


def test_an_old_oom_kill_of_a_container_that_runs_and_serves_is_a_warning() -> None:
    [finding] = run_case(_case("fires", "long-ago-now-running-ready")).findings
    assert finding.severity == Severity.WARNING


@pytest.mark.parametrize("variant", ["limit-2gi", "job-pod-terminated", "no-memory-limit"])
def test_an_oom_kill_that_stops_the_container_is_an_error(variant: str) -> None:
    [finding] = run_case(_case("fires", variant)).findings
    assert finding.severity == Severity.ERROR


def test_a_memory_backed_volume_is_named_in_the_remedy() -> None:
    [finding] = run_case(_case("fires", "memory-backed-emptydir")).findings
    assert "(dshm) count against the same limit" in finding.remedy


def _pod(mounts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {
            "volumes": [{"name": "cache", "emptyDir": {"medium": "Memory"}}],
            "containers": [
                {"name": "app", "resources": {"limits": {"memory": "1Gi"}}, "volumeMounts": mounts},
                {"name": "sidecar", "volumeMounts": [{"name": "cache", "mountPath": "/cache"}]},
            ],
        },
        "status": {
            "containerStatuses": [
                {"name": "app", "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}},
                {"name": "sidecar", "state": {"running": {}}, "ready": True},
            ]
        },
    }


def test_only_memory_backed_volumes_the_container_mounts_count_against_its_limit() -> None:
    [unmounted] = oom_killed.check(PodContext(pod=_pod([])))
    [mounted] = oom_killed.check(PodContext(pod=_pod([{"name": "cache", "mountPath": "/cache"}])))
    assert "emptyDir" not in unmounted.remedy
    assert all(item.path != "spec.volumes[0].emptyDir" for item in unmounted.evidence)
    assert any(item.path == "spec.volumes[0].emptyDir" for item in mounted.evidence)
