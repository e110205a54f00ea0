"""The JSON envelope of DESIGN §2, exactly: scripts depend on these keys."""

from __future__ import annotations

import io
import json

import yaml

from kubectl_ml.flows import doctor as doctor_flow
from kubectl_ml.render.data import render_json, render_yaml
from kubectl_ml.sources.snapshot import SnapshotSource
from tests.conftest import FIXTURES

# DESIGN §2's keys, and ``docs`` (the page behind the code, added in issue 14).
FINDING_KEYS = {"code", "severity", "object", "container", "summary", "evidence", "remedy", "patch", "commands", "docs"}


def _demo_document() -> dict:
    report = doctor_flow.doctor_scan(SnapshotSource(FIXTURES / "demo"), None)
    stream = io.StringIO()
    render_json(report.as_dict(), stream)
    return json.loads(stream.getvalue())


def test_envelope_has_exactly_the_contract_keys() -> None:
    document = _demo_document()
    assert list(document) == ["apiVersion", "kind", "source", "findings", "skipped"]
    assert document["apiVersion"] == "kubectl-ml/v1"
    assert document["kind"] == "DoctorReport"
    assert document["source"] == {"type": "snapshot", "path": str(FIXTURES / "demo")}


def test_every_finding_has_exactly_the_contract_keys() -> None:
    findings = _demo_document()["findings"]
    assert findings
    for finding in findings:
        assert set(finding) == FINDING_KEYS
        assert finding["docs"].startswith("https://"), finding["code"]
        assert finding["severity"] in ("error", "warning", "info")
        assert set(finding["object"]) == {"kind", "namespace", "name"}
        assert all(set(item) == {"source", "path", "value"} for item in finding["evidence"])
        assert isinstance(finding["commands"], list)
        assert finding["patch"] is None or isinstance(finding["patch"], dict)


def test_yaml_is_the_same_document() -> None:
    report = doctor_flow.doctor_scan(SnapshotSource(FIXTURES / "demo"), None)
    stream = io.StringIO()
    render_yaml(report.as_dict(), stream)
    assert yaml.safe_load(stream.getvalue()) == _demo_document()


def test_demo_shows_every_headline_failure() -> None:
    codes = {finding["code"] for finding in _demo_document()["findings"]}
    headline = {
        "image-pull-unauthorized",
        "image-not-found",
        "crash-loop",
        "oom-killed",
        "cuda-oom",
        "shm-exhausted",
        "config-missing",
        "exec-format-error",
        "liveness-probe-restarts",
        "request-exceeds-node-capacity",
        "untolerated-taint",
        "quota-exceeded",
        # Operators and queues: a PyTorchJob's first failure and its collateral, a Job Kueue cannot admit.
        "nccl-timeout",
        "queue-quota-insufficient",
    }
    assert headline <= codes


def test_a_deployment_patch_comes_with_its_kubectl_patch_command_in_json() -> None:
    """issue 14: the text output computed the command, so -o json never had it."""
    findings = _demo_document()["findings"]
    patched = [item for item in findings if item["patch"] and item["object"]["name"].startswith("llm-server-")]
    assert patched
    for finding in patched:
        body = json.dumps({"spec": {"template": finding["patch"]}}, separators=(",", ":"))
        assert finding["commands"][0] == (
            f"kubectl patch deployment llm-server -n ml-serving --type=strategic -p '{body}'"
        )
    # A Job's template cannot change: its patch is the change to make, with no command to apply it.
    jobs = [item for item in findings if item["patch"] and item["object"]["name"].startswith("vit-train-")]
    assert jobs
    assert not any(command.startswith("kubectl patch") for item in jobs for command in item["commands"])
