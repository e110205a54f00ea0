"""What a review of lint as a user found (issue 12): each defect, fixed, as the user met it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kubectl_ml.lint import LintInput, lint_objects
from tests.conftest import FIXTURES
from tests.live.inprocess import run

# Rendered output of a chart: Go templates inside values are not Helm (kube-prometheus-stack's
# Alertmanager templates, a --log-format argument).
RENDERED = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: alertmanager-templates}
data:
  slack.tmpl: |
    {{ define "slack.title" }}{{ range .Alerts }}{{ .Labels.alertname }}{{ end }}{{ end }}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx:latest
        args: ["--log-format", "{{- .Time -}} {{ .Message }}"]
"""


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """Standard input as a process gets it: bytes under a text wrapper (``sys.stdin.buffer``)."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_rendered_output_with_go_templates_in_its_values_is_linted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, RENDERED.encode())
    result = run(capsys, "lint", "-", "-o", "json", "--fail-on", "never")
    report = json.loads(result.out)
    assert report["skipped"] == []
    assert "image-tag-latest" in {finding["code"] for finding in report["findings"]}


def test_stdin_in_latin_1_is_read_and_utf_16_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pod = (FIXTURES / "lint" / "nvidia-pod.yaml").read_text().replace("# The example", "# Café: the example")
    _stdin(monkeypatch, pod.encode("latin-1"))
    assert run(capsys, "lint", "-", "-o", "json", "--fail-on", "never").code == 0
    _stdin(monkeypatch, pod.encode("utf-16"))
    result = run(capsys, "lint", "-", "-o", "json", "--fail-on", "never")
    assert result.code == 3
    assert json.loads(result.out)["skipped"] == [
        "standard input: UTF-16 (or UTF-32) text, not UTF-8: save it as UTF-8; not linted"
    ]


def test_empty_input_is_never_a_green(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # `helm template ./chart | kubectl ml lint -` when helm failed: nothing arrives.
    _stdin(monkeypatch, b"")
    result = run(capsys, "lint", "-")
    assert result.code == 3
    assert "No problems found" not in result.out
    assert "no Kubernetes object found (1 file read in standard input); nothing was linted" in result.out


def test_a_document_that_is_no_object_is_said(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    listed = tmp_path / "pods.yaml"
    listed.write_text("- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n")
    result = run(capsys, "lint", str(listed), "-o", "json")
    assert result.code == 3
    assert json.loads(result.out)["skipped"][0] == f"{listed}:1: a document that is a list, not an object; not linted"


def test_a_windows_pod_gets_no_run_as_root() -> None:
    # runAsUser is refused for Windows pods; windowsOptions.runAsUserName is their way.
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "win-webserver"},
        "spec": {
            "os": {"name": "windows"},
            "containers": [{"name": "web", "image": "mcr.microsoft.com/windows/servercore:ltsc2022"}],
        },
    }
    codes = {finding.code for finding in lint_objects([LintInput(pod, "win.yaml", 1)])}
    assert "run-as-root" not in codes


def test_a_liveness_period_of_zero_is_the_apis_default_of_ten() -> None:
    container = {
        "name": "triton",
        "image": "nvcr.io/nvidia/tritonserver:24.05-py3",
        "command": ["tritonserver", "--model-repository=/models"],
        "ports": [{"containerPort": 8000, "name": "http"}],
        "resources": {"limits": {"nvidia.com/gpu": 1}},
        "livenessProbe": {"httpGet": {"path": "/v2/health/live", "port": 8000}, "periodSeconds": 0},
        "readinessProbe": {"httpGet": {"path": "/v2/health/ready", "port": 8000}},
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "triton"},
        "spec": {"template": {"spec": {"containers": [container]}}},
    }
    (finding,) = [
        finding
        for finding in lint_objects([LintInput(deployment, "d.yaml", 1)])
        if finding.code == "startup-probe-missing"
    ]
    assert "within 30 s" in finding.summary
