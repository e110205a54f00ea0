from __future__ import annotations

import pytest

from tests.rules.cases import Case, cases, check_case, run_case
from tests.rules.commands import check_commands


@pytest.mark.parametrize("case", cases("config-missing"), ids=lambda case: case.id)
def test_config_missing_cases(case: Case) -> None:
    check_case(case)
    check_commands(case)


def test_config_missing_fires_when_key_is_missing_with_patch_not_create() -> None:
    # The ConfigMap exists (only the key is missing): `kubectl create configmap` would fail with AlreadyExists.
    case = next(case for case in cases("config-missing") if case.path.name == "configmap-key-missing")
    finding = next(finding for finding in run_case(case).findings if finding.code == "config-missing")
    assert finding.container == "finetune"
    assert finding.remedy == "Add key MODEL_PATH to ConfigMap trainer-config, or fix the key name in the pod spec."
    assert all(not command.startswith("kubectl create") for command in finding.commands)


def test_config_missing_fires_when_volume_object_is_missing_at_pod_level() -> None:
    case = next(case for case in cases("config-missing") if case.path.name == "failedmount-secret-volume")
    finding = next(finding for finding in run_case(case).findings if finding.code == "config-missing")
    assert finding.container is None
    assert finding.summary == "A volume cannot be mounted because Secret inference-tls does not exist."
