from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.events import normalize_event
from kubectl_ml.model.findings import Severity
from kubectl_ml.rules import crash_loop
from tests.rules.cases import RULE_FIXTURES, Case, cases, check_case, run_case

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("case", cases("crash-loop"), ids=lambda case: case.id)
def test_crash_loop_cases(case: Case) -> None:
    check_case(case)


def _case(kind: str, variant: str) -> Case:
    return next(case for case in cases("crash-loop") if case.kind == kind and case.path.name == variant)


def _pod(status: dict[str, Any], phase: str = "Running", **pod_status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "trainer-0", "namespace": "ml-training", "uid": "u-1"},
        "spec": {"containers": [{"name": "trainer", "image": "trainer:1"}], "restartPolicy": "Always"},
        "status": {"phase": phase, **pod_status, "containerStatuses": [{"name": "trainer", **status}]},
    }


@pytest.mark.parametrize("variant", ["backoff-new-wording", "restart-never-failed-pod", "init-container-crash"])
def test_a_container_that_does_not_run_is_an_error(variant: str) -> None:
    report = run_case(_case("fires", variant))
    assert [finding.severity for finding in report.findings] == [Severity.ERROR]


def test_a_recent_restart_of_a_container_that_runs_again_is_a_warning() -> None:
    pod = _pod(
        {
            "state": {"running": {"startedAt": "2026-06-01T11:50:05Z"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-06-01T11:50:00Z"}},
            "ready": True,
            "restartCount": 2,
        }
    )
    log = 'Traceback (most recent call last):\n  File "/app/train.py", line 3\nValueError: bad shard 17\n'
    [finding] = crash_loop.check(PodContext(pod=pod, now=NOW, previous_logs={"trainer": log}))
    assert finding.severity == Severity.WARNING
    assert "ValueError: bad shard 17" in finding.summary


def test_a_restart_older_than_an_hour_is_history() -> None:
    pod = _pod(
        {
            "state": {"running": {"startedAt": "2026-06-01T09:00:05Z"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-06-01T09:00:00Z"}},
            "ready": True,
            "restartCount": 1,
        }
    )
    assert list(crash_loop.check(PodContext(pod=pod, now=NOW))) == []


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("Evicted", "Pod ephemeral local storage usage exceeds the total limit of containers 10Gi. "),
        ("Terminated", "Pod was terminated in response to imminent node shutdown."),
        ("DeadlineExceeded", "Pod was active on the node longer than the specified deadline"),
    ],
)
def test_containers_stopped_by_the_kubelet_did_not_crash(reason: str, message: str) -> None:
    pod = _pod(
        {"state": {"terminated": {"exitCode": 137, "reason": "Error"}}, "restartCount": 0},
        phase="Failed",
        reason=reason,
        message=message,
    )
    assert list(crash_loop.check(PodContext(pod=pod, now=NOW))) == []


def test_an_image_pull_back_off_event_is_not_a_restart_back_off() -> None:
    pod = _pod(
        {
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}},
            "restartCount": 4,
        }
    )
    pull = normalize_event(
        {
            "metadata": {"name": "trainer-0.1"},
            "involvedObject": {"kind": "Pod", "uid": "u-1", "fieldPath": "spec.containers{trainer}"},
            "reason": "BackOff",
            "message": 'Back-off pulling image "trainer:1"',
            "type": "Normal",
        }
    )
    [finding] = crash_loop.check(PodContext(pod=pod, now=NOW, events=[pull]))
    assert all(item.source != "event" for item in finding.evidence)


def test_no_log_says_how_to_see_the_error() -> None:
    pod = _pod(
        {
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}},
            "restartCount": 4,
        }
    )
    [finding] = crash_loop.check(PodContext(pod=pod, now=NOW))
    assert "No log survived" in finding.remedy
    assert any("--copy-to=trainer-0-debug" in command for command in finding.commands)


def test_exit_code_remedies_follow_the_code() -> None:
    not_executable = run_case(_case("fires", "exit-126-not-executable")).findings[0]
    bad_arguments = run_case(_case("fires", "exit-2-bad-arguments")).findings[0]
    assert "chmod +x" in not_executable.remedy
    assert "usage line" in bad_arguments.remedy


def test_the_fixture_waiting_messages_carry_the_pod_uid() -> None:
    # The kubelet writes pod=<name>_<namespace>(<uid>); the fixtures must agree with their own metadata.
    for variant in ("backoff-old-wording", "backoff-new-wording"):
        pod = json.loads((RULE_FIXTURES / "crash-loop" / "fires" / variant / "pods.json").read_text())["items"][0]
        message = pod["status"]["containerStatuses"][0]["state"]["waiting"]["message"]
        metadata = pod["metadata"]
        assert message.endswith(f"pod={metadata['name']}_{metadata['namespace']}({metadata['uid']})")


def test_a_crash_without_an_exit_code_never_says_code_none() -> None:
    from kubectl_ml.model.pods import ContainerView
    from kubectl_ml.rules.crash_loop import _words

    view = ContainerView("trainer", {"name": "trainer"}, {"restartCount": 3}, False, "spec.containers[0]", "")
    summary, _remedy = _words("container", view, None, None)
    assert "None" not in summary
    assert "no exit code was recorded" in summary
