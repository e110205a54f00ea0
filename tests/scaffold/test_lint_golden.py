"""Every golden manifest passes ``kubectl ml lint`` without warnings (issue 5, point 4)."""

from __future__ import annotations

import pytest
import yaml

from kubectl_ml.lint import LintInput, lint_objects
from kubectl_ml.model.findings import Severity
from tests.conftest import FIXTURES

GOLDEN = sorted((FIXTURES / "scaffold").glob("*.yaml"))


def _inputs(name: str) -> list[LintInput]:
    path = FIXTURES / "scaffold" / f"{name}.yaml"
    return [LintInput(obj, str(path), 1) for obj in yaml.safe_load_all(path.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("name", [path.stem for path in GOLDEN])
def test_golden_file_lints_clean(name: str) -> None:
    findings = lint_objects(_inputs(name))
    assert [(f.code, f.summary) for f in findings if f.severity >= Severity.WARNING] == []


def test_lint_is_not_vacuous_on_a_broken_scaffold() -> None:
    """Take /dev/shm and the probes away from a golden server: lint must notice, or the test above proves nothing."""
    inputs = _inputs("serving-vllm")
    deployment = next(item.object for item in inputs if item.object["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    for probe in ("startupProbe", "readinessProbe"):
        del container[probe]
    container["volumeMounts"] = [m for m in container["volumeMounts"] if m["mountPath"] != "/dev/shm"]
    codes = {finding.code for finding in lint_objects(inputs)}
    assert {"shm-missing", "probes-missing", "startup-probe-missing"} <= codes
