"""Every generated manifest of a built-in kind is valid for the Kubernetes OpenAPI schema (strict: no unknown field).

The operators' kinds (PyTorchJob, JobSet) are checked against their CRDs in test_crd_schema.py.
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.conftest import FIXTURES
from tests.scaffold.cases import CASES
from tests.scaffold.crd_schema import is_vendored
from tests.scaffold.schema import VERSIONS, schema_errors


def _golden_objects() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.stem}:{obj['kind']}", obj)
        for path in sorted((FIXTURES / "scaffold").glob("*.yaml"))
        for obj in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if not is_vendored(obj)
    ]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("label", "obj"), _golden_objects(), ids=lambda value: value if isinstance(value, str) else "")
def test_golden_object_is_schema_valid(label: str, obj: dict[str, Any], version: str) -> None:
    assert schema_errors(obj, version) == [], label


@pytest.mark.parametrize("case", sorted(CASES))
def test_library_api_agrees(case: str) -> None:
    """The public ``kubernetes_validate.validate`` (uncached) accepts them too, for the newest version."""
    for obj in CASES[case]():
        if not is_vendored(obj):
            kubernetes_validate.validate(obj, VERSIONS[-1], strict=True)


def test_validator_catches_a_misspelt_field() -> None:
    (job,) = CASES["job-cpu"]()
    job["spec"]["template"]["spec"]["restartPolicyy"] = "Never"
    job["spec"]["backoffLimit"] = "3"
    errors = schema_errors(job, VERSIONS[0])
    assert any("restartPolicyy" in error for error in errors), errors
    assert any(error.startswith("spec.backoffLimit") for error in errors), errors


def test_pod_failure_policy_without_status_is_rejected_by_old_schemas() -> None:
    """Why the scaffold writes ``status: "True"``: schemas before 1.37 require it (reference §3.6)."""
    (job,) = CASES["job-gpu"]()
    del job["spec"]["podFailurePolicy"]["rules"][0]["onPodConditions"][0]["status"]
    assert any("status" in error for error in schema_errors(job, "1.33"))
