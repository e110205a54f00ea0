"""What judging lint on the real-manifest corpus taught, each on the corpus file it came from.

Each case was a finding judged wrong in tests/lint/corpus-baseline.yaml; the corpus test keeps them from
coming back as a whole, these say why, one rule at a time.
"""

from __future__ import annotations

import json

import pytest

from kubectl_ml.lint import LintInput, lint_manifests
from kubectl_ml.sources.manifests import read_manifest_set
from tests.lint.judged import CORPUS
from tests.live.inprocess import run


def _findings(name: str, code: str) -> list[tuple[str, str]]:
    manifests = read_manifest_set([str(CORPUS / name)])
    assert manifests.objects, name
    result = lint_manifests([LintInput(item.object, item.file, item.line, item.lines) for item in manifests.objects])
    return [(finding.object.name, finding.container or "") for finding in result.findings if finding.code == code]


@pytest.mark.parametrize(
    "name",
    [
        "kubeflow-trainer/torch_distributed.yaml",  # ClusterTrainingRuntime: the TrainJob sets resourcesPerNode
        "kserve/kserve-huggingfaceserver-multinode.yaml",  # ClusterServingRuntime: the InferenceService asks
        "ai-on-eks/vllm-rayserve-gpu.ray-service-vllm.yaml",  # the Ray head, on a CPU node group
        "triton/gke-marketplace.triton_client.yaml",  # Triton's -sdk client image: perf_analyzer
    ],
)
def test_gpu_image_without_gpu_leaves_blueprints_ray_heads_and_clients(name: str) -> None:
    assert _findings(name, "gpu-image-without-gpu") == []


def test_resources_missing_trusts_kserves_defaults() -> None:
    # KServe's webhook sets 1 CPU / 2Gi on a predictor container without requests (inferenceservice-config).
    assert _findings("kserve/custom.custom_model.yaml", "resources-missing") == []


def test_gpu_visible_devices_all_leaves_a_privileged_validator() -> None:
    # The GPU Operator's CUDA validation pod is privileged and tests every GPU of the node on purpose.
    assert _findings("nvidia-gpu-operator/validator.cuda-workload-validation.yaml", "gpu-visible-devices-all") == []


def test_image_tag_latest_reads_prose_as_a_placeholder() -> None:
    # image: "FILLED BY THE OPERATOR" was "has no tag (so latest)": it is the operator's to fill in.
    manifests = read_manifest_set([str(CORPUS / "nvidia-gpu-operator/assets.state-device-plugin.daemonset.yaml")])
    result = lint_manifests([LintInput(item.object, item.file, item.line, item.lines) for item in manifests.objects])
    found = [finding for finding in result.findings if finding.code == "image-tag-latest"]
    assert found
    assert all("placeholder" in finding.summary and finding.severity.label == "info" for finding in found)


@pytest.mark.parametrize(
    ("name", "code", "container"),
    [
        ("jobset/depends-on.yaml", "image-tag-latest", "worker"),  # bash:latest running sleep
        ("nvidia-gpu-operator/tests.gpu-pod.yaml", "resources-missing", "cuda-vector-add"),  # a CUDA sample
    ],
)
def test_containers_that_do_no_lasting_work_are_not_sized_or_pinned(name: str, code: str, container: str) -> None:
    # Judged noise by every owner: what runs sleep or vectorAdd needs no requests and no pinned version.
    assert (code, container) not in {(found_code, found) for found_code, (_n, found) in _coded(name)}


def test_a_demo_server_still_needs_its_tag_and_requests() -> None:
    # nginx is deployed for real: Polaris' fixture keeps both findings (tests/lint/corpus/polaris).
    found = {code for code, _where in _coded("polaris/checks.cpuLimitsMissing.failure.yaml")}
    assert {"image-tag-latest", "resources-missing"} <= found


def _coded(name: str) -> list[tuple[str, tuple[str, str]]]:
    manifests = read_manifest_set([str(CORPUS / name)])
    result = lint_manifests([LintInput(item.object, item.file, item.line, item.lines) for item in manifests.objects])
    return [(finding.code, (finding.object.name, finding.container or "")) for finding in result.findings]


def test_every_object_not_checked_is_named_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    # The skipped line names a few ("... and 1 more"); -o json names them all.
    result = run(capsys, "lint", str(CORPUS), "-o", "json", "--fail-on", "never")
    report = json.loads(result.out)
    names = {f"{item['kind']}/{item['name']}" for item in report["notChecked"]}
    assert len(names) == report["counts"]["notChecked"] >= 6
    assert "AppWrapper/sample-appwrapper-pytorch-job" in names
