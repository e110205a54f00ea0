"""Each flow called as the CLI calls it, without the CLI: a source and options in, a typed report out.

These are the seams a new command or a test of a rule builds on (docs/architecture.md); the CLI tests
check the same answers through typer and a process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_ml.errors import UsageError
from kubectl_ml.flows import doctor as doctor_flow
from kubectl_ml.flows import gpu as gpu_flow
from kubectl_ml.flows import rightsize as rightsize_flow
from kubectl_ml.flows.lint import lint_paths
from kubectl_ml.flows.new import new_job
from kubectl_ml.flows.snapshot import save_snapshot
from kubectl_ml.rightsize.settings import RightsizeSettings
from kubectl_ml.scaffold.training import JobParams
from kubectl_ml.sources.metrics_file import MetricsFileSource
from kubectl_ml.sources.snapshot import SnapshotSource
from tests.conftest import FIXTURES

DEMO = FIXTURES / "demo"


def test_doctor_gpu_and_rightsize_return_reports_of_their_kinds() -> None:
    source = SnapshotSource(DEMO)
    doctor = doctor_flow.doctor_scan(source, "ml-training")
    assert doctor.kind == "DoctorReport"
    assert {finding.object.namespace for finding in doctor.findings} == {"ml-training"}
    gpu = gpu_flow.gpu_report(source, None)
    assert gpu.kind == "GpuReport"
    assert gpu.extra["nodes"], "the demo has GPU nodes"
    rightsize = rightsize_flow.rightsize(source, MetricsFileSource(DEMO), "ml-serving", RightsizeSettings())
    workloads = {recommendation.workload.name for recommendation in rightsize.recommendations}
    assert "llm-server" in workloads


def test_lint_reads_paths_and_weighs_what_it_could_not_read(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("kind: Pod\nmetadata: {name: x\n", encoding="utf-8")
    outcome = lint_paths([str(tmp_path)], None, tmp_path)
    assert outcome.report.kind == "LintReport"
    assert outcome.files == 1
    assert outcome.incomplete
    assert any("broken.yaml" in line for line in outcome.report.skipped)


def test_gpu_checks_manifests_named_by_path_against_the_nodes_of_the_source(tmp_path: Path) -> None:
    manifest = tmp_path / "job.yaml"
    manifest.write_text(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: train, namespace: ml-training}\nspec:\n"
        "  template:\n    spec:\n      restartPolicy: Never\n      containers:\n"
        "      - name: trainer\n        image: pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime\n"
        "        resources: {limits: {nvidia.com/gpu: 1}}\n",
        encoding="utf-8",
    )
    report = gpu_flow.gpu_report(SnapshotSource(DEMO), None, [str(manifest)])
    assert report.checked == 1
    assert {finding.object.name for finding in report.findings} <= {"train"}


def test_new_fits_to_the_nodes_it_is_given_and_notes_a_cluster_that_does_not_answer() -> None:
    params = JobParams("train", "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", gpus=1)
    fitted = new_job(params, lambda: SnapshotSource(DEMO))
    generic = new_job(params, None)
    assert fitted.objects != generic.objects  # the demo's GPU nodes' labels and taints went in
    assert not generic.notes

    def unreachable() -> SnapshotSource:
        raise UsageError("the cluster is away", None)

    noted = new_job(params, unreachable)
    assert noted.objects == generic.objects
    assert noted.notes == ["cannot read the cluster's nodes (the cluster is away); not fitted to its GPU nodes"]
    with pytest.raises(UsageError):
        new_job(params, unreachable, strict=True)


def test_a_saved_snapshot_gives_the_same_diagnosis(tmp_path: Path) -> None:
    source = SnapshotSource(DEMO)
    target = tmp_path / "copy"
    save_snapshot(source, target, "ml-training", redact=False)  # redaction would change evidence, by design
    before = doctor_flow.doctor_scan(source, "ml-training")
    after = doctor_flow.doctor_scan(SnapshotSource(target), "ml-training")
    assert [finding.as_dict() for finding in after.findings] == [finding.as_dict() for finding in before.findings]
    with pytest.raises(UsageError, match="not empty"):
        save_snapshot(source, target, "ml-training")


def test_a_gpu_count_that_is_a_template_placeholder_is_said_not_passed(tmp_path: Path) -> None:
    """An envsubst template's `nvidia.com/gpu: "${TP_SIZE}"` read as "no GPU" gave a green."""
    manifest = tmp_path / "serve.yaml.tpl"
    manifest.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: vllm, namespace: serving}\nspec:\n"
        "  selector: {matchLabels: {app: vllm}}\n  template:\n    metadata: {labels: {app: vllm}}\n"
        "    spec:\n      nodeSelector: {cloud.google.com/gke-accelerator: nvidia-l4}\n      containers:\n"
        "      - name: vllm\n        image: vllm/vllm-openai:v0.11.0\n"
        '        resources: {limits: {nvidia.com/gpu: "${TP_SIZE}"}}\n',
        encoding="utf-8",
    )
    report = gpu_flow.gpu_report(SnapshotSource(DEMO), None, [str(manifest)])
    assert report.checked == 1
    assert any("nvidia.com/gpu is '${TP_SIZE}', not a count" in line for line in report.skipped), report.skipped
