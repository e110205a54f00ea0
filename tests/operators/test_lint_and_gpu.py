"""`lint` and `gpu -f` on the operators' own example manifests: every pod template checked, by role.

The corpus (fixtures/operators/manifests, sources in SOURCE.md) is what new users point the plugin at
first; before the workload table, every object in it was reported clean without being checked.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_ml.model.workloads import carries_containers, pod_templates
from tests.conftest import FIXTURES
from tests.live.inprocess import run

MANIFESTS = FIXTURES / "operators" / "manifests"
GKE = FIXTURES / "gpu" / "gke"  # GPU nodes of 4 (and 3) nvidia.com/gpu


def lint_json(capsys: pytest.CaptureFixture[str], *paths: Path) -> dict[str, Any]:
    result = run(capsys, "lint", *map(str, paths), "-o", "json", "--fail-on", "never")
    assert result.code == 0, result
    document: dict[str, Any] = json.loads(result.out)
    return document


def registry_kind(ref: dict[str, Any]) -> str:
    """``Job`` for batch/v1, ``Job.batch.volcano.sh`` for Volcano's: JSON carries the group apart."""
    return f"{ref['kind']}.{ref['apiGroup']}" if "apiGroup" in ref else str(ref["kind"])


def corpus_objects() -> list[dict[str, Any]]:
    return [
        item
        for path in sorted(MANIFESTS.rglob("*.yaml"))
        for item in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if isinstance(item, dict)
    ]


def test_every_object_with_containers_in_the_corpus_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    document = lint_json(capsys, MANIFESTS)
    assert document["skipped"] == []
    with_templates = [item for item in corpus_objects() if pod_templates(item)]
    # KServe's predictor.model and Trainer's spec.trainer carry no containers list, and are checked too.
    assert all(pod_templates(item) for item in corpus_objects() if carries_containers(item))
    assert len(with_templates) > len([item for item in corpus_objects() if carries_containers(item)])
    result = run(capsys, "lint", str(MANIFESTS), "--fail-on", "never")
    assert f"in {len(with_templates)} objects." in result.out
    kinds = {registry_kind(finding["object"]) for finding in document["findings"]}
    # Findings reach every family of operator kinds, not only the built-in ones.
    assert {"PyTorchJob", "MPIJob", "JobSet", "LeaderWorkerSet", "RayCluster", "InferenceService"} <= kinds
    assert "Job.batch.volcano.sh" in kinds


def test_findings_name_the_template_role_and_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = MANIFESTS / "kubeflow-training" / "pytorchjob-mnist-nccl-gpu.yaml"
    document = lint_json(capsys, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    worker_line = next(index for index, line in enumerate(lines, 1) if line.strip() == "Worker:")
    by_role: dict[str, list[dict[str, Any]]] = {}
    for finding in document["findings"]:
        role = finding["summary"].split(" template of ", 1)[0]
        by_role.setdefault(role, []).append(finding)
    assert set(by_role) == {"Master", "Worker"}
    for finding in by_role["Worker"]:
        assert finding["line"] > worker_line, finding
        assert finding["evidence"][0]["path"].startswith("spec.pytorchReplicaSpecs.Worker.template.spec.")
    for finding in by_role["Master"]:
        assert finding["line"] < worker_line, finding


def test_gpu_training_template_without_shm_is_flagged_but_kuberay_mounts_its_own(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytorch = lint_json(capsys, MANIFESTS / "kubeflow-training" / "pytorchjob-mnist-nccl-gpu.yaml")
    assert any(finding["code"] == "shm-missing" for finding in pytorch["findings"])
    ray = lint_json(capsys, MANIFESTS / "kuberay")
    gpu_templates = [
        template
        for item in corpus_objects()
        if str(item.get("apiVersion", "")).startswith("ray.io/")
        for template in pod_templates(item)
        if "nvidia.com/gpu" in json.dumps(template.spec)
    ]
    assert gpu_templates, "the KubeRay corpus has GPU templates"
    assert not [finding for finding in ray["findings"] if finding["code"] == "shm-missing"]


def test_kserve_model_resources_are_checked_where_they_are_written(capsys: pytest.CaptureFixture[str]) -> None:
    source = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "llm"},
        "spec": {"predictor": {"model": {"modelFormat": {"name": "huggingface"},
                                         "resources": {"requests": {"nvidia.com/gpus": "1"}}}}},
    }  # fmt: skip
    path = Path(pytest.importorskip("tempfile").mkdtemp()) / "isvc.yaml"
    path.write_text(yaml.safe_dump(source), encoding="utf-8")
    document = lint_json(capsys, path)
    unknown = [finding for finding in document["findings"] if finding["code"] == "gpu-resource-unknown"]
    assert unknown, document["findings"]
    assert unknown[0]["evidence"][0]["path"] == "spec.predictor.model.resources.requests['nvidia.com/gpus']"
    assert unknown[0]["summary"].startswith("predictor template of InferenceService llm")


def test_unknown_kind_with_containers_is_listed_not_clean(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    manifest = tmp_path / "custom.yaml"
    manifest.write_text(
        "apiVersion: example.com/v1\nkind: Trainer\nmetadata:\n  name: mine\nspec:\n  worker:\n    template:\n"
        "      spec:\n        containers:\n        - name: main\n          image: trainer:1.0\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n",
        encoding="utf-8",
    )
    document = lint_json(capsys, manifest)
    assert document["findings"] == []
    assert len(document["skipped"]) == 1
    assert "Trainer/mine" in document["skipped"][0]
    assert f"{manifest}:1" in document["skipped"][0]
    text = run(capsys, "lint", str(manifest))
    assert "✔" not in text.out
    assert "not checked: 1 object of kinds it does not know" in text.out
    gpu = run(capsys, "gpu", "-f", str(manifest), "--snapshot", str(GKE), "-o", "json")
    assert any("Trainer/mine" in line for line in gpu.report()["skipped"]), gpu.out


def test_gpu_f_catches_a_leaderworkerset_larger_than_any_node(capsys: pytest.CaptureFixture[str]) -> None:
    manifest = MANIFESTS / "lws" / "lws-tensorrt-llm-gpu.yaml"
    result = run(capsys, "gpu", "-f", str(manifest), "--snapshot", str(GKE), "-o", "json")
    assert result.code == 1, result
    too_big = [item for item in result.report()["findings"] if item["code"] == "request-exceeds-node-capacity"]
    assert {item["summary"].split(" template of ")[0] for item in too_big} == {"leader", "worker"}
    assert all(item["object"]["kind"] == "LeaderWorkerSet" for item in too_big)
    worker_gpus = "spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].resources.limits['nvidia.com/gpu']"
    assert any(
        evidence["path"] == worker_gpus and str(evidence["value"]) == "8"
        for item in too_big
        for evidence in item["evidence"]
    )


def test_gpu_f_on_the_whole_corpus_checks_every_gpu_template(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "gpu", "-f", str(MANIFESTS), "--snapshot", str(GKE), "-o", "json", "--fail-on", "never")
    assert result.code == 0, result
    findings = result.report()["findings"]
    named = {(registry_kind(item["object"]), item["object"]["name"]) for item in findings}
    gpu_objects = {
        (str(item["kind"]) if not str(item.get("apiVersion", "")).startswith("batch.volcano.sh") else
         "Job.batch.volcano.sh", item["metadata"].get("name") or item["metadata"]["generateName"])
        for item in corpus_objects()
        if any(re.search(r"nvidia\.com/gpu", json.dumps(template.spec)) for template in pod_templates(item))
    }  # fmt: skip
    # Every object whose templates ask for a GPU gets a word from gpu -f (a fit, or what blocks it).
    assert gpu_objects <= named, gpu_objects - named


def test_gke_adds_the_gpu_toleration_to_pods_not_yet_applied_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """GKE's ExtendedResourceToleration admits a GPU Pod with the toleration it lacks; AKS does not."""
    source = yaml.safe_load((FIXTURES / "lint" / "nvidia-pod.yaml").read_text(encoding="utf-8"))
    source["spec"].pop("tolerations")
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(yaml.safe_dump(source), encoding="utf-8")

    def codes(snapshot: str) -> set[str]:
        result = run(capsys, "gpu", "-f", str(manifest), "--snapshot", str(FIXTURES / "gpu" / snapshot), "-o", "json")
        return {item["code"] for item in result.report()["findings"]}

    assert codes("gke") == {"gpu-placement"}
    assert "untolerated-taint" in codes("aks-tainted")


def test_a_kserve_model_runs_in_its_runtimes_pod_but_custom_containers_are_the_users(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model_only = lint_json(capsys, MANIFESTS / "kserve" / "isvc-model-huggingface-gpu.yaml")
    # /dev/shm, the security context and default resources are the ServingRuntime's, not the predictor's.
    assert {item["code"] for item in model_only["findings"]} & {
        "shm-missing",
        "run-as-root",
        "resources-missing",
    } == set()
    source = yaml.safe_load((MANIFESTS / "kserve" / "isvc-model-huggingface-gpu.yaml").read_text(encoding="utf-8"))
    model = source["spec"]["predictor"].pop("model")
    source["spec"]["predictor"]["containers"] = [
        {"name": "kserve-container", "image": "kserve/huggingfaceserver:v0.15.2", "resources": model["resources"]}
    ]
    custom = tmp_path / "custom.yaml"
    custom.write_text(yaml.safe_dump(source), encoding="utf-8")
    codes = {item["code"] for item in lint_json(capsys, custom)["findings"]}
    assert {"shm-missing", "run-as-root"} <= codes


def test_gpu_checks_an_lws_once_not_again_through_its_statefulsets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The LWS controller makes a leader StatefulSet (owned by the LWS) and, per group, a worker StatefulSet
    owned by the leader pod; both carry leaderworkerset.sigs.k8s.io/name, so both are seen through the LWS.
    """
    lws = next(
        item
        for item in yaml.safe_load_all((MANIFESTS / "lws" / "lws-tensorrt-llm-gpu.yaml").read_text(encoding="utf-8"))
        if item and item["kind"] == "LeaderWorkerSet"
    )
    name = lws["metadata"]["name"]
    lws["metadata"].update(namespace="ml-serving", uid="7d2c1b0a-9e8f-4a6b-8c5d-3e2f1a0b9c8d")
    label = {"leaderworkerset.sigs.k8s.io/name": name}

    def statefulset(sts_name: str, template: dict[str, Any], owner: dict[str, Any]) -> dict[str, Any]:
        return {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": sts_name, "namespace": "ml-serving", "uid": f"uid-{sts_name}", "labels": label,
                         "ownerReferences": [owner]},
            "spec": {"replicas": 1, "template": template},
        }  # fmt: skip

    templates = lws["spec"]["leaderWorkerTemplate"]
    leader = statefulset(name, templates["leaderTemplate"],
                         {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "name": name,
                          "uid": lws["metadata"]["uid"], "controller": True})  # fmt: skip
    workers = statefulset(f"{name}-0", templates["workerTemplate"],
                          {"apiVersion": "v1", "kind": "Pod", "name": f"{name}-0", "uid": "uid-leader-pod",
                           "controller": True})  # fmt: skip
    folder = tmp_path / "cluster"
    shutil.copytree(GKE, folder)
    (folder / "lws.json").write_text(json.dumps({"kind": "List", "apiVersion": "v1", "items": [lws, leader, workers]}))
    result = run(capsys, "gpu", "-n", "ml-serving", "--snapshot", str(folder), "-o", "json", "--fail-on", "never")
    findings = [item for item in result.report()["findings"] if item["code"] == "request-exceeds-node-capacity"]
    assert {item["object"]["kind"] for item in findings} == {"LeaderWorkerSet"}, findings
    assert len(findings) == 2  # the leader and the worker template


def test_a_kind_of_a_known_name_in_another_group_is_not_checked_as_if_it_were(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Cloud Run's Job has a template with containers, but it is not batch/v1's: say so, do not lint it as one.
    manifest = tmp_path / "cloudrun.yaml"
    manifest.write_text(
        "apiVersion: run.googleapis.com/v1\nkind: Job\nmetadata:\n  name: batch-embed\nspec:\n  template:\n"
        "    spec:\n      template:\n        spec:\n          containers:\n"
        "          - image: us-docker.pkg.dev/x/y:latest\n",
        encoding="utf-8",
    )
    document = lint_json(capsys, manifest)
    assert document["findings"] == []
    assert "Job.run.googleapis.com/batch-embed" in document["skipped"][0]


def test_json_names_the_api_kind_and_its_group(capsys: pytest.CaptureFixture[str]) -> None:
    document = lint_json(capsys, MANIFESTS / "volcano")
    refs = {(item["object"]["kind"], item["object"].get("apiGroup")) for item in document["findings"]}
    assert refs == {("Job", "batch.volcano.sh")}
