"""rightsize on operator workloads: pods grouped by their operator object and role, patches on its template.

The PyTorchJob is the training operator's own example (fixtures/operators/manifests), its pods labelled
as the operator labels them (training.kubeflow.org/job-name, replica-type, replica-index; owned by the
job); the usage is a real metrics.om, evaluated as Prometheus would.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_ml.rightsize.workloads import WorkloadIndex, pod_spec
from tests.conftest import FIXTURES
from tests.live.inprocess import run
from tests.metrics_file.om import cadvisor, every, write_om

MANIFESTS = FIXTURES / "operators" / "manifests"
NAMESPACE = "ml-training"
END = 1_765_000_000.0  # the snapshot's clock (newest timestamp)


def pytorchjob() -> dict[str, Any]:
    text = (MANIFESTS / "kubeflow-training" / "pytorchjob-simple.yaml").read_text(encoding="utf-8")
    job: dict[str, Any] = yaml.safe_load(text)
    job["metadata"].update(namespace=NAMESPACE, uid="4b7c2f1e-9d3a-4e8b-a1c5-6f2e8d9b0a17",
                           creationTimestamp="2025-12-05T05:00:00Z")  # fmt: skip
    for spec in job["spec"]["pytorchReplicaSpecs"].values():
        spec["template"]["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "8", "memory": "32Gi"}}
    return job


def pod(job: dict[str, Any], role: str, index: int) -> dict[str, Any]:
    name = f"{job['metadata']['name']}-{role}-{index}"
    template = job["spec"]["pytorchReplicaSpecs"][role.capitalize()]["template"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "uid": f"uid-{name}",
            "creationTimestamp": "2025-12-05T05:00:10Z",
            "labels": {
                "training.kubeflow.org/job-name": job["metadata"]["name"],
                "training.kubeflow.org/operator-name": "pytorchjob-controller",
                "training.kubeflow.org/replica-type": role,
                "training.kubeflow.org/replica-index": str(index),
            },
            "ownerReferences": [
                {
                    "apiVersion": "kubeflow.org/v1",
                    "kind": "PyTorchJob",
                    "name": job["metadata"]["name"],
                    "uid": job["metadata"]["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": copy.deepcopy(template["spec"]),
        "status": {"phase": "Running", "startTime": "2025-12-05T05:00:12Z"},
    }


def test_pods_group_by_operator_object_and_role() -> None:
    job = pytorchjob()
    master, worker = pod(job, "master", 0), pod(job, "worker", 0)
    index = WorkloadIndex.build([master, worker], [job], {}, {})
    workload = index.workload_of(NAMESPACE, worker["metadata"]["name"])
    assert (workload.kind, workload.name, workload.role) == ("PyTorchJob", "pytorch-simple", "Worker")
    assert index.workload_of(NAMESPACE, master["metadata"]["name"]).role == "Master"
    assert pod_spec(workload, []) == job["spec"]["pytorchReplicaSpecs"]["Worker"]["template"]["spec"]
    # A worker that is gone (a restarted rank) still counts for the Worker role, by kube_pod_owner and name.
    owners = {(NAMESPACE, "pytorch-simple-worker-3"): ("PyTorchJob", "pytorch-simple")}
    with_history = WorkloadIndex.build([master, worker], [job], owners, {})
    assert with_history.workload_of(NAMESPACE, "pytorch-simple-worker-3").key == (
        NAMESPACE, "PyTorchJob", "pytorch-simple", "Worker")  # fmt: skip


def snapshot(tmp_path: Path) -> Path:
    job = pytorchjob()
    pods = [pod(job, "master", 0), pod(job, "worker", 0)]
    folder = tmp_path / "cluster"
    (folder / NAMESPACE).mkdir(parents=True)
    (folder / NAMESPACE / "pods.json").write_text(json.dumps({"kind": "PodList", "apiVersion": "v1", "items": pods}))
    (folder / "extra.json").write_text(json.dumps({"kind": "List", "apiVersion": "v1", "items": [job]}))
    step = 60.0
    start = END - 2 * 86400
    values = [float(index % 7) for index in range(int(2 * 86400 / step) + 1)]
    families = []
    for item, cores in ((pods[0], 1.0), (pods[1], 3.0)):
        labels = cadvisor(NAMESPACE, item["metadata"]["name"], "pytorch")
        cpu_total = [(seconds, cores * (seconds - start)) for seconds, _value in every(start, step, values)]
        families.append(("container_cpu_usage_seconds_total", labels, cpu_total))
        memory = [(seconds, (8 + value) * 2**30) for seconds, value in every(start, step, values)]
        families.append(("container_memory_working_set_bytes", labels, memory))
    write_om(folder, families)
    # The snapshot's clock: its newest timestamp.
    pods[0]["status"]["conditions"] = [
        {"type": "Ready", "status": "True", "lastTransitionTime": "2025-12-06T05:46:40Z"}
    ]
    (folder / NAMESPACE / "pods.json").write_text(json.dumps({"kind": "PodList", "apiVersion": "v1", "items": pods}))
    return folder


@pytest.mark.kubectl
def test_rightsize_sizes_each_role_and_patches_its_template(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = snapshot(tmp_path)
    result = run(capsys, "rightsize", "-n", NAMESPACE, "--snapshot", str(folder), "--window", "1d", "-o", "json")
    assert result.code == 0, result.err
    rows = {(row["workload"]["kind"], row["workload"].get("role"), row["container"]): row
            for row in result.report()["recommendations"]}  # fmt: skip
    assert set(rows) == {("PyTorchJob", "Master", "pytorch"), ("PyTorchJob", "Worker", "pytorch")}
    master, worker = rows[("PyTorchJob", "Master", "pytorch")], rows[("PyTorchJob", "Worker", "pytorch")]
    assert master["current"]["requests"] == {"cpu": "8", "memory": "32Gi"}
    # The worker used three times the master's CPU: each role is sized from its own pods.
    assert worker["usage"]["cpu"]["p50"] == pytest.approx(3 * master["usage"]["cpu"]["p50"], rel=0.01)
    assert any("next run" in note for note in worker["notes"])
    patches = run(capsys, "rightsize", "-n", NAMESPACE, "--snapshot", str(folder), "--window", "1d", "-o", "patch")
    assert patches.code == 0, patches.err
    assert "# kubectl patch pytorchjobs.kubeflow.org pytorch-simple -n ml-training --type=json -p '" in patches.out
    documents = [item for item in yaml.safe_load_all(patches.out) if item]
    patched = pytorchjob()
    for document in documents:
        patched = _apply(patched, document)
    for role, row in (("Worker", worker), ("Master", master)):
        applied = patched["spec"]["pytorchReplicaSpecs"][role]["template"]["spec"]["containers"][0]["resources"]
        assert applied["requests"] == {key: value for key, value in row["recommended"]["requests"].items() if value}
    kubectl = run(capsys, "rightsize", "-n", NAMESPACE, "--snapshot", str(folder), "--window", "1d", "-o", "kubectl")
    assert "kubectl set resources" not in kubectl.out  # custom resources take no set resources


def _apply(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON patch applied by the real kubectl (``patch --local``: no cluster), as a user would apply it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "object.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        kubectl = shutil.which("kubectl")
        assert kubectl, "kubectl is installed by scripts/test.sh"
        environment = {**os.environ, "KUBECONFIG": os.devnull}
        result = subprocess.run(
            [kubectl, "patch", "--local", "-f", str(path), "--type=json", "-p", json.dumps(operations), "-o", "json"],
            capture_output=True, text=True, check=False, env=environment, timeout=60,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    patched: dict[str, Any] = json.loads(result.stdout)
    return patched


@pytest.mark.kubectl
@pytest.mark.parametrize("resources", ["with-gpus", "none"])
def test_json_patches_keep_other_resources_and_create_missing_parents(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, resources: str
) -> None:
    folder = snapshot(tmp_path)
    job = json.loads((folder / "extra.json").read_text())["items"][0]
    for spec in job["spec"]["pytorchReplicaSpecs"].values():
        container = spec["template"]["spec"]["containers"][0]
        if resources == "none":
            container.pop("resources")
        else:
            container["resources"] = {
                "requests": {"cpu": "8", "nvidia.com/gpu": "1"},
                "limits": {"nvidia.com/gpu": "1"},
            }
    (folder / "extra.json").write_text(json.dumps({"kind": "List", "apiVersion": "v1", "items": [job]}))
    result = run(capsys, "rightsize", "-n", NAMESPACE, "--snapshot", str(folder), "--window", "1d", "-o", "patch")
    assert result.code == 0, result.err
    patched = job
    for document in yaml.safe_load_all(result.out):
        if document:
            patched = _apply(patched, document)
    worker = patched["spec"]["pytorchReplicaSpecs"]["Worker"]["template"]["spec"]["containers"][0]
    assert worker["resources"]["requests"]["cpu"].endswith("m")
    assert "memory" in worker["resources"]["limits"]
    if resources == "with-gpus":
        assert worker["resources"]["requests"]["nvidia.com/gpu"] == "1"
        assert worker["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert worker["image"] == job["spec"]["pytorchReplicaSpecs"]["Worker"]["template"]["spec"]["containers"][0]["image"]


def _corpus(relative: str, kind: str) -> dict[str, Any]:
    text = (MANIFESTS / relative).read_text(encoding="utf-8")
    found: dict[str, Any] = next(item for item in yaml.safe_load_all(text) if item and item.get("kind") == kind)
    found["metadata"].setdefault("namespace", NAMESPACE)
    found["metadata"]["namespace"] = NAMESPACE
    found["metadata"].setdefault("name", found["metadata"].get("generateName", "x"))
    return found


@pytest.mark.parametrize(
    ("relative", "kind", "labels", "expected_role"),
    [
        # The labels each operator puts on its pods (model/workloads.py's docstring has the sources); a kind
        # with one template (this TFJob has Workers only) needs no role.
        ("jobset/jobset-depends-on.yaml", "JobSet",
         {"jobset.sigs.k8s.io/jobset-name": "{name}", "jobset.sigs.k8s.io/replicatedjob-name": "worker"}, "worker"),
        ("lws/lws-vllm-gpu.yaml", "LeaderWorkerSet",
         {"leaderworkerset.sigs.k8s.io/name": "{name}", "leaderworkerset.sigs.k8s.io/worker-index": "1"}, "worker"),
        ("kuberay/raycluster-complete.yaml", "RayCluster",
         {"ray.io/cluster": "{name}", "ray.io/node-type": "worker", "ray.io/group": "small-group"},
         "worker group small-group"),
        ("kserve/isvc-torchserve-gpu.yaml", "InferenceService",
         {"serving.kserve.io/inferenceservice": "{name}", "component": "predictor"}, ""),
        ("kubeflow-mpi/mpijob-v2beta1-pi.yaml", "MPIJob",
         {"training.kubeflow.org/job-name": "{name}", "training.kubeflow.org/job-role": "worker"}, "Worker"),
        ("kubeflow-training/tfjob-multi-worker-gpu.yaml", "TFJob",
         {"training.kubeflow.org/job-name": "{name}", "training.kubeflow.org/replica-type": "worker"}, ""),
        ("kubeflow-notebooks/notebook-v1-sample.yaml", "Notebook", {"notebook-name": "{name}"}, ""),
    ],
)  # fmt: skip
def test_each_operators_pods_are_sized_with_their_object_and_template(
    relative: str, kind: str, labels: dict[str, str], expected_role: str
) -> None:
    owner = _corpus(relative, kind)
    name = owner["metadata"]["name"]
    # A pod the operator made, through whatever controller (a Job, a StatefulSet, a ReplicaSet) owns it.
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"{name}-abc12", "namespace": NAMESPACE, "uid": "uid-pod",
                     "labels": {key: value.format(name=name) for key, value in labels.items()},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": f"{name}-0",
                                          "uid": "uid-sts", "controller": True}]},
        "spec": {"containers": [{"name": "main", "image": "x:1"}]},
    }  # fmt: skip
    index = WorkloadIndex.build([pod], [owner], {}, {})
    workload = index.workload_of(NAMESPACE, pod["metadata"]["name"])
    assert (workload.kind, workload.name, workload.role) == (kind, name, expected_role)
    assert pod_spec(workload, [pod]) is not None
