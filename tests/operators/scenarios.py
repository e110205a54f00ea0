"""Whole-cluster scenarios of operator workloads, built from real-shaped fixtures.

Each scenario is written as a snapshot folder (DESIGN §3) so the same data runs through the snapshot
source and, served by the local API server, through the live source. The pods come from the rule
fixtures (fixtures/rules/...: real API shapes, message strings from the references), relabelled and
re-owned as the Kubeflow training operator labels and owns its pods; the PyTorchJob's status strings are
the operator's format strings (fixtures/operators/status/STATUS-NOTES.md §1).
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES

NAMESPACE = "ml-training"
JOB = "llama-pretrain"
JOB_UID = "5a6843ed-a21d-40a4-9c57-a8477830bc24"
NCCL_CASE = FIXTURES / "rules" / "nccl-timeout" / "fires" / "watchdog-timeout-sigabrt"
OOM_CASE = FIXTURES / "rules" / "oom-killed" / "fires" / "job-pod-terminated"
STATUS = FIXTURES / "operators" / "status" / "training-operator" / "pytorchjob-failed-worker.json"


def _items(path: Path) -> list[dict[str, Any]]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return list(document["items"])


def _relabel(pod: dict[str, Any], role: str, index: int, uid: str) -> dict[str, Any]:
    pod = copy.deepcopy(pod)
    name = f"{JOB}-{role}-{index}"
    metadata = pod["metadata"]
    metadata.pop("generateName", None)
    metadata.update(name=name, namespace=NAMESPACE, uid=uid)
    metadata["labels"] = {
        "training.kubeflow.org/job-name": JOB,
        "training.kubeflow.org/operator-name": "pytorchjob-controller",
        "training.kubeflow.org/replica-index": str(index),
        "training.kubeflow.org/replica-type": role,
        **({"training.kubeflow.org/job-role": "master"} if role == "master" else {}),
    }
    metadata["ownerReferences"] = [
        {"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob", "name": JOB, "uid": JOB_UID, "controller": True,
         "blockOwnerDeletion": True}
    ]  # fmt: skip
    return pod


def _pytorchjob(master: dict[str, Any], worker: dict[str, Any]) -> dict[str, Any]:
    job: dict[str, Any] = json.loads(STATUS.read_text(encoding="utf-8"))
    job["metadata"].update(name=JOB, namespace=NAMESPACE, uid=JOB_UID, creationTimestamp="2026-10-01T09:59:58Z")
    for role, pod in (("Master", master), ("Worker", worker)):
        spec = job["spec"]["pytorchReplicaSpecs"][role]
        spec["template"]["spec"] = {"containers": copy.deepcopy(pod["spec"]["containers"])}
    job["spec"]["pytorchReplicaSpecs"]["Worker"]["replicas"] = 2
    conditions = job["status"]["conditions"]
    for condition in conditions:
        condition["message"] = condition["message"].replace("pytorchjob", JOB)
        condition["lastTransitionTime"] = condition["lastUpdateTime"] = "2026-10-01T10:23:25Z"
    return job


def oom_then_nccl(folder: Path) -> Path:
    """A failed PyTorchJob: worker 1 OOM-killed at 10:12:11, the master and worker 0 then time out in NCCL."""
    nccl = _items(NCCL_CASE / "pods.json")[0]
    oom = _items(OOM_CASE / "pods.json")[0]
    master = _relabel(nccl, "master", 0, "f5063432-bf2c-445c-b9ab-f81c0a11288a")
    worker_0 = _relabel(nccl, "worker", 0, "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f")
    worker_0["status"]["containerStatuses"][0]["lastState"]["terminated"]["finishedAt"] = "2026-10-01T10:23:21Z"
    worker_1 = _relabel(oom, "worker", 1, "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b")
    worker_1["spec"]["containers"][0]["name"] = "pytorch"
    status = worker_1["status"]["containerStatuses"][0]
    status["name"] = "pytorch"
    status["state"]["terminated"].update(startedAt="2026-10-01T10:00:08Z", finishedAt="2026-10-01T10:12:11Z")
    for condition in worker_1["status"].get("conditions") or []:
        condition["lastTransitionTime"] = "2026-10-01T10:12:11Z"
    worker_1["metadata"]["creationTimestamp"] = "2026-10-01T10:00:00Z"
    worker_1["status"]["startTime"] = "2026-10-01T10:00:00Z"
    pods = [master, worker_0, worker_1]
    namespace = folder / NAMESPACE
    namespace.mkdir(parents=True, exist_ok=True)
    (namespace / "pods.json").write_text(json.dumps({"kind": "PodList", "apiVersion": "v1", "items": pods}))
    (namespace / "events.json").write_text(json.dumps({"kind": "EventList", "apiVersion": "v1", "items": []}))
    (folder / "operators.json").write_text(json.dumps({"kind": "List", "apiVersion": "v1",
                                                       "items": [_pytorchjob(master, worker_1)]}))  # fmt: skip
    for pod in (master, worker_0):
        target = namespace / pod["metadata"]["name"]
        target.mkdir(exist_ok=True)
        shutil.copy(NCCL_CASE / NAMESPACE / "llama-pretrain-master-0" / "pytorch-previous.txt", target)
    return folder
