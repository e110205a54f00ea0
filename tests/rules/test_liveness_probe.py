from __future__ import annotations

from typing import Any

import pytest

from kubectl_ml.model.findings import Severity
from kubectl_ml.rules.liveness_probe import kill_budget
from tests.rules.cases import Case, cases, check_case, run_case


@pytest.mark.parametrize("case", cases("liveness-probe-restarts"), ids=lambda case: case.id)
def test_liveness_probe_cases(case: Case) -> None:
    check_case(case)


def _case(kind: str, variant: str) -> Case:
    return next(case for case in cases("liveness-probe-restarts") if case.kind == kind and case.path.name == variant)


@pytest.mark.parametrize(
    ("probe", "seconds"),
    [
        ({}, 30),  # API defaults: failureThreshold 3 × periodSeconds 10
        ({"initialDelaySeconds": 30, "periodSeconds": 10, "failureThreshold": 3}, 60),
        ({"periodSeconds": 5, "failureThreshold": 60}, 300),
        ({"initialDelaySeconds": 5, "periodSeconds": 5, "failureThreshold": 3, "timeoutSeconds": 10}, 20),
    ],
)
def test_kill_budget(probe: dict[str, Any], seconds: int) -> None:
    assert kill_budget(probe) == seconds


@pytest.mark.parametrize("variant", ["probable-exit-137-events-expired", "probable-exit-143-events-expired"])
def test_a_probe_kill_inferred_from_the_exit_code_is_a_warning_and_says_events_are_gone(variant: str) -> None:
    report = run_case(_case("fires", variant))
    [finding] = report.findings
    assert finding.severity == Severity.WARNING
    assert any(note.startswith("events: none left for") for note in report.skipped)


@pytest.mark.parametrize("variant", ["http-500", "startup-probe", "exit-143-handled-sigterm"])
def test_a_probe_kill_seen_in_events_is_an_error(variant: str) -> None:
    [finding] = run_case(_case("fires", variant)).findings
    assert finding.severity == Severity.ERROR


def test_a_startup_probe_kill_asks_for_a_larger_startup_budget() -> None:
    [finding] = run_case(_case("fires", "startup-probe")).findings
    assert "raise its failureThreshold" in finding.remedy
    assert finding.patch is None
