from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from kubectl_ml.model.context import Availability, PodContext
from kubectl_ml.model.findings import Severity
from kubectl_ml.rules import readiness_probe
from tests.rules.cases import Case, cases, check_case, run_case

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("case", cases("readiness-probe-failing"), ids=lambda case: case.id)
def test_readiness_probe_cases(case: Case) -> None:
    check_case(case)


def _case(kind: str, variant: str) -> Case:
    return next(case for case in cases("readiness-probe-failing") if case.kind == kind and case.path.name == variant)


def test_a_refused_probe_on_an_undeclared_port_names_both_ports() -> None:
    [finding] = run_case(_case("fires", "connection-refused-wrong-port")).findings
    assert finding.severity == Severity.ERROR
    assert finding.remedy.startswith("The probe checks port 8080, but the container declares port 8000")


@pytest.mark.parametrize(
    ("variant", "advice"),
    [
        ("http-503-model-loading", "still loading the model"),
        ("http-404-wrong-path", "path does not exist"),
        ("timeout", "raise timeoutSeconds"),
    ],
)
def test_the_advice_follows_the_failure(variant: str, advice: str) -> None:
    [finding] = run_case(_case("fires", variant)).findings
    assert advice in finding.remedy


def _pod(started_at: str, probe: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {"name": "server-0", "namespace": "ml-serving"},
        "spec": {"containers": [{"name": "server", "readinessProbe": probe}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {"name": "server", "state": {"running": {"startedAt": started_at}}, "ready": False, "started": True}
            ],
        },
    }


def test_unready_long_after_start_without_failure_events_is_reported_as_info() -> None:
    pod = _pod("2026-07-01T10:00:00Z", {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 10})
    [finding] = readiness_probe.check(PodContext(pod=pod, now=NOW))
    assert finding.severity == Severity.INFO


def test_without_events_an_unready_container_is_a_warning_even_while_starting() -> None:
    pod = _pod("2026-07-01T11:59:50Z", {"httpGet": {"path": "/ready", "port": 8080}, "initialDelaySeconds": 60})
    [finding] = readiness_probe.check(PodContext(pod=pod, now=NOW, available=Availability(events=False)))
    assert finding.severity == Severity.WARNING
