from __future__ import annotations

from typing import Any

import pytest

from kubectl_ml.model.context import PodContext
from kubectl_ml.rules import shm_exhausted
from tests.rules.cases import Case, cases, check_case


@pytest.mark.parametrize("case", cases("shm-exhausted"), ids=lambda case: case.id)
def test_shm_exhausted_cases(case: Case) -> None:
    check_case(case)


def _pod(mount_path: str) -> dict[str, Any]:
    return {
        "metadata": {"name": "worker-0", "namespace": "ml-training"},
        "spec": {
            "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "4Gi"}}],
            "containers": [{"name": "pytorch", "volumeMounts": [{"name": "dshm", "mountPath": mount_path}]}],
        },
        "status": {
            "containerStatuses": [
                {"name": "pytorch", "lastState": {"terminated": {"exitCode": 135, "reason": "Error"}}}
            ]
        },
    }


def test_a_memory_volume_mounted_elsewhere_does_not_enlarge_dev_shm() -> None:
    [finding] = shm_exhausted.check(PodContext(pod=_pod("/shm")))
    assert "64Mi default" in finding.summary
    assert finding.patch is not None


def test_a_bus_error_with_a_dev_shm_volume_and_no_shm_message_is_not_blamed_on_shm() -> None:
    assert list(shm_exhausted.check(PodContext(pod=_pod("/dev/shm")))) == []
