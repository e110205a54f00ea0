from __future__ import annotations

import pytest

from kubectl_ml.model.findings import Finding
from tests.rules.cases import Case, cases, check_case, run_case
from tests.rules.commands import check_commands


@pytest.mark.parametrize("case", cases("gpu-runtime-error"), ids=lambda case: case.id)
def test_gpu_runtime_cases(case: Case) -> None:
    check_case(case)
    check_commands(case)


def _finding(variant: str) -> Finding:
    case = next(case for case in cases("gpu-runtime-error") if case.path.name == variant)
    return next(finding for finding in run_case(case).findings if finding.code == "gpu-runtime-error")


def test_gpu_runtime_fires_when_device_admission_fails_at_pod_level() -> None:
    finding = _finding("unexpected-admission-error")
    assert finding.container is None
    assert finding.commands == ("kubectl describe node gke-ml-prod-gpu-pool-3c1e9a2b-k7x2",)


def test_gpu_runtime_fires_when_driver_mismatches_and_says_reboot() -> None:
    finding = _finding("driver-library-version-mismatch")
    assert finding.container == "trainer"
    assert (finding.remedy or "").startswith("Reboot or drain the node")


def test_gpu_runtime_fires_when_previous_log_shows_old_driver_while_container_runs() -> None:
    finding = _finding("log-cuda-driver-insufficient")
    assert finding.container == "whisper"
    assert "CUDA runtime is newer than the node's driver" in finding.summary
