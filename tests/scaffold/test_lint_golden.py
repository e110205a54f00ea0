"""Every golden manifest passes ``kubectl ml lint`` without warnings (issue 5, point 4).

Until lint reads PyTorchJob and JobSet itself, their pod templates are linted inside plain Jobs.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from kubectl_ml.lint import LintInput, lint_objects, lintable
from kubectl_ml.model.findings import Severity
from tests.conftest import FIXTURES
from tests.scaffold.crd_schema import is_vendored, pod_template_objects

GOLDEN = sorted((FIXTURES / "scaffold").glob("*.yaml"))


def _as_job(inner: dict[str, Any]) -> dict[str, Any]:
    if inner["kind"] == "Job":
        return inner
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": inner["metadata"], "spec": inner}


def _lintable(obj: dict[str, Any]) -> list[dict[str, Any]]:
    if is_vendored(obj) and not lintable(obj):
        return [_as_job(inner) for inner in pod_template_objects(obj)]
    return [obj]


def _inputs(name: str) -> list[LintInput]:
    path = FIXTURES / "scaffold" / f"{name}.yaml"
    objects = yaml.safe_load_all(path.read_text(encoding="utf-8"))
    return [LintInput(item, str(path), 1) for obj in objects for item in _lintable(obj)]


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


def _containers(node: Any) -> list[dict[str, Any]]:
    """Every container anywhere in ``node``, whatever the kind's layout."""
    if isinstance(node, list):
        return [container for item in node for container in _containers(item)]
    if not isinstance(node, dict):
        return []
    found = [item for item in node.get("containers") or [] if isinstance(item, dict)]
    return found + [container for key, value in node.items() if key != "containers" for container in _containers(value)]


@pytest.mark.parametrize("name", ["pytorchjob-distributed", "jobset-distributed"])
def test_lint_sees_the_pods_of_operator_kinds(name: str) -> None:
    """Take /dev/shm away from every container of an operator's manifest: lint must notice."""
    path = FIXTURES / "scaffold" / f"{name}.yaml"
    (obj,) = yaml.safe_load_all(path.read_text(encoding="utf-8"))
    for container in _containers(obj):
        container["volumeMounts"] = [m for m in container["volumeMounts"] if m["mountPath"] != "/dev/shm"]
    inputs = [LintInput(item, str(path), 1) for item in _lintable(obj)]
    assert "shm-missing" in {finding.code for finding in lint_objects(inputs)}
