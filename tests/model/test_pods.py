from __future__ import annotations

from typing import Any

import pytest

from kubectl_ml.model.pods import exit_code_meaning, log_requests, needs_diagnosis


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        (0, "exited successfully"),
        (1, "application error"),
        (2, "misuse of a shell builtin or bad arguments"),
        (126, "command found but not executable (permissions)"),
        (127, "command not found"),
        (128, "the process never started (runtime StartError)"),
        (130, "SIGINT: interrupted"),
        (134, "SIGABRT: aborted (e.g. an uncaught C++ exception or an NCCL abort)"),
        (135, "SIGBUS: bus error (often /dev/shm exhausted)"),
        (137, "SIGKILL: killed: out of memory, a failed liveness probe, or an eviction"),
        (139, "SIGSEGV: segmentation fault (native code crashed)"),
        (143, "SIGTERM: asked to stop (normal shutdown)"),
        (255, "exit(-1), or a sidecar killed when the job finished"),
    ],
)
def test_exit_code_meaning_of_the_reference_table(code: int, meaning: str) -> None:
    # doctor-anchors.md §4.4: the exit codes and the 128+N signal mapping kubectl-status prints.
    assert exit_code_meaning(code) == meaning


def test_exit_code_meaning_names_signals_without_a_story() -> None:
    assert exit_code_meaning(128 + 1) == "SIGHUP"
    assert exit_code_meaning(128 + 10) == "SIGUSR1"


@pytest.mark.parametrize("code", [3, 42, 100, 200, 254])
def test_exit_code_meaning_of_other_codes(code: int) -> None:
    assert exit_code_meaning(code) == "application-defined exit code"


def _pod(phase: str, status: dict[str, Any], restart_policy: str = "Always", **metadata: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "namespace": "ns", **metadata},
        "spec": {"containers": [{"name": "c"}], "restartPolicy": restart_policy},
        "status": {"phase": phase, "containerStatuses": [{"name": "c", **status}]},
    }


def _terminated(code: int, reason: str) -> dict[str, Any]:
    return {"terminated": {"exitCode": code, "reason": reason}}


def test_log_requests_reads_the_previous_instance_of_a_restarted_container() -> None:
    pod = _pod(
        "Running",
        {"state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": _terminated(1, "Error"), "restartCount": 3},
    )
    assert log_requests(pod) == [("c", True)]


def test_log_requests_reads_the_current_instance_of_a_never_restarted_container() -> None:
    pod = _pod("Failed", {"state": _terminated(1, "Error"), "restartCount": 0}, restart_policy="Never")
    assert log_requests(pod) == [("c", False)]


def test_log_requests_skips_oom_kills_and_clean_exits() -> None:
    oom = _pod(
        "Running",
        {"state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": _terminated(137, "OOMKilled")},
    )
    graceful = _pod("Running", {"state": {"running": {}}, "lastState": _terminated(143, "Error"), "ready": True})
    assert log_requests(oom) == []
    assert log_requests(graceful) == []


def test_log_requests_reads_the_previous_log_of_a_container_that_exits_zero_and_loops() -> None:
    pod = _pod(
        "Running",
        {"state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": _terminated(0, "Completed")},
    )
    assert log_requests(pod) == [("c", True)]


def test_needs_diagnosis_skips_succeeded_and_deleted_pods() -> None:
    succeeded = _pod("Succeeded", {"state": _terminated(0, "Completed"), "ready": False})
    deleted = _pod(
        "Running",
        {"state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": _terminated(1, "Error")},
        deletionTimestamp="2026-01-01T00:00:00Z",
    )
    assert not needs_diagnosis(succeeded)
    assert not needs_diagnosis(deleted)


def test_needs_diagnosis_looks_at_crash_loops_and_unready_containers() -> None:
    crashing = _pod("Running", {"state": {"waiting": {"reason": "CrashLoopBackOff"}}, "restartCount": 2})
    unready = _pod("Running", {"state": {"running": {}}, "ready": False})
    healthy = _pod("Running", {"state": {"running": {}}, "ready": True, "restartCount": 0})
    assert needs_diagnosis(crashing)
    assert needs_diagnosis(unready)
    assert not needs_diagnosis(healthy)
