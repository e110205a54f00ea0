"""`kubectl ml gpu` end to end on snapshots of GPU clusters, and on manifests not yet applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.live.inprocess import run

GPU = FIXTURES / "gpu"


def test_json_report_has_nodes_and_findings(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "gpu", "-A", "--snapshot", str(GPU / "aks-untainted"), "-o", "json")
    document = result.report()
    assert document["kind"] == "GpuReport"
    assert list(document) == ["apiVersion", "kind", "source", "findings", "skipped", "nodes"]
    node = document["nodes"][0]
    assert node["resources"][0]["name"] == "nvidia.com/gpu"
    assert {"capacity", "allocatable", "allocated", "free"} <= set(node["resources"][0])
    codes = {finding["code"] for finding in document["findings"]}
    assert {"gpu-node-untainted", "gpu-node-squatter", "gpu-limit-missing", "gpu-request-limit-mismatch"} <= codes
    assert result.code == 1  # errors present, --fail-on error by default


def test_fail_on_never_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "gpu", "-A", "--snapshot", str(GPU / "aks-untainted"), "--fail-on", "never")
    assert result.code == 0
    assert "aks-gpunp" in result.out


def test_namespace_scope_keeps_node_findings_and_that_namespaces_objects(capsys: pytest.CaptureFixture[str]) -> None:
    document = run(capsys, "gpu", "-n", "kube-system", "--snapshot", str(GPU / "aks-untainted"), "-o", "json").report()
    namespaces = {finding["object"]["namespace"] for finding in document["findings"]}
    assert namespaces <= {"", "kube-system"}


def test_a_manifest_not_yet_applied_is_checked_against_the_snapshots_nodes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    manifest = tmp_path / "train.yaml"
    manifest.write_text(
        """\
apiVersion: batch/v1
kind: Job
metadata:
  name: pretrain
  namespace: ml-training
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: trainer
        image: ghcr.io/acme/trainer:1.4.2
        resources:
          limits:
            nvidia.com/gpu: 8
"""
    )
    document = run(
        capsys, "gpu", "-f", str(manifest), "--snapshot", str(FIXTURES / "demo"), "-A", "-o", "json"
    ).report()
    codes = [(finding["code"], finding["object"]["name"]) for finding in document["findings"]]
    assert ("request-exceeds-node-capacity", "pretrain") in codes
    assert all(name == "pretrain" for _code, name in codes)


def test_a_yaml_syntax_error_in_a_manifest_names_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    manifest = tmp_path / "broken.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n")
    result = run(capsys, "gpu", "-f", str(manifest), "--snapshot", str(FIXTURES / "demo"), "-A")
    assert result.code == 3
    assert "broken.yaml" in result.err
    assert "line" in result.err
    assert "Traceback" not in result.err


def test_text_output_lists_gpu_nodes_with_their_taints(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "gpu", "-A", "--snapshot", str(FIXTURES / "demo"), "--fail-on", "never").out
    assert "gke-ml-prod-a100-1" in out
    assert "nvidia.com/gpu=present:NoSchedule" in out


def test_what_was_checked_counts_pods_and_workloads_not_nodes(capsys: pytest.CaptureFixture[str]) -> None:
    """issue 10: "N pods checked" counted the GPU nodes."""
    cluster = GPU / "aks-untainted"
    pods = json.loads((cluster / "kube-system" / "pods.json").read_text())["items"]
    result = run(capsys, "gpu", "-n", "kube-system", "--snapshot", str(cluster), "--fail-on", "never")
    nodes = sum(1 for line in result.out.splitlines() if line.startswith("aks-gpunp"))
    summary = next(line for line in result.out.splitlines() if line.startswith("Summary:"))
    # kube-system holds pods only (no workload files): what was checked is exactly its pods.
    assert list((cluster / "kube-system").iterdir()) == [cluster / "kube-system" / "pods.json"]
    noun = "pod or workload" if len(pods) == 1 else "pods and workloads"
    assert summary.endswith(f" in {len(pods)} {noun} checked on {nodes} GPU node{'s' if nodes != 1 else ''}."), summary
