"""Write ``fixtures/demo``: a small ML cluster in the `kubectl cluster-info dump` layout.

It shows every headline failure `kubectl ml doctor` explains, next to healthy workloads and the noise
it must ignore. The objects are synthetic but shaped exactly like API output; every message string is
taken verbatim (placeholders filled in) from shared/reference/doctor-anchors.md §4.

    python scripts/make_demo_snapshot.py            # rewrite fixtures/demo
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster_builders import (
    ago,
    as_list,
    container,
    container_status,
    event,
    node,
    owner,
    pod,
    running_conditions,
    short_hash,
    uid_for,
    unscheduled_conditions,
)

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "demo"
GPU_TAINT = [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]
GPU_TOLERATION = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
TRAIN, SERVE, SYSTEM = "ml-training", "ml-serving", "kube-system"


def nodes() -> list[dict[str, Any]]:
    gke = {"cloud.google.com/gke-nodepool": "gpu-a100", "cloud.google.com/gke-accelerator": "nvidia-tesla-a100"}
    return [
        node("gke-ml-prod-cpu-1", labels={"cloud.google.com/gke-nodepool": "cpu-pool"}),
        node("gke-ml-prod-cpu-2", labels={"cloud.google.com/gke-nodepool": "cpu-pool"}),
        node("gke-ml-prod-cpu-3", labels={"cloud.google.com/gke-nodepool": "cpu-pool"}),
        node(
            "gke-ml-prod-a100-1",
            cpu="48",
            memory="340Gi",
            gpus=4,
            product="NVIDIA-A100-SXM4-40GB",
            labels=gke,
            taints=GPU_TAINT,
        ),
        node(
            "gke-ml-prod-a100-2",
            cpu="48",
            memory="340Gi",
            gpus=4,
            product="NVIDIA-A100-SXM4-40GB",
            labels=gke,
            taints=GPU_TAINT,
        ),
        node(
            "gke-ml-prod-gh200-1",
            cpu="72",
            memory="480Gi",
            gpus=1,
            product="NVIDIA-GH200-480GB",
            arch="arm64",
            labels={"cloud.google.com/gke-nodepool": "gh200"},
            taints=GPU_TAINT,
        ),
    ]


def job_owner(name: str, namespace: str) -> dict[str, Any]:
    return owner("Job", name, namespace, api_version="batch/v1")


def job_pod(name: str, index: int, **kwargs: Any) -> dict[str, Any]:
    labels = {
        "batch.kubernetes.io/job-name": name,
        "job-name": name,
        "batch.kubernetes.io/controller-uid": uid_for("Job", TRAIN, name),
    }
    return pod(
        f"{name}-{index}-{short_hash(name, str(index), length=5)}",
        TRAIN,
        owner_ref=job_owner(name, TRAIN),
        labels=labels,
        **kwargs,
    )


def job(
    name: str,
    namespace: str,
    *,
    suspend: bool = False,
    labels: dict[str, str] | None = None,
    completions: int = 1,
    complete: bool = False,
) -> dict[str, Any]:
    status: dict[str, Any] = {}
    if suspend:
        status["conditions"] = [
            {
                "type": "Suspended",
                "status": "True",
                "lastProbeTime": ago(900),
                "lastTransitionTime": ago(900),
                "reason": "JobSuspended",
                "message": "Job suspended",
            }
        ]
    elif complete:
        status = {
            "succeeded": completions,
            "startTime": ago(7200),
            "completionTime": ago(5400),
            "conditions": [
                {"type": "Complete", "status": "True", "lastProbeTime": ago(5400), "lastTransitionTime": ago(5400)}
            ],
        }
    else:
        status = {"active": completions, "startTime": ago(3600)}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid_for("Job", namespace, name),
            "resourceVersion": "48100",
            "creationTimestamp": ago(3600),
            "labels": labels or {},
        },
        "spec": {
            "completions": completions,
            "parallelism": completions,
            "backoffLimit": 6,
            "suspend": suspend,
            "completionMode": "NonIndexed",
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": uid_for("Job", namespace, name)}},
            "template": {
                "metadata": {"labels": {"job-name": name}},
                "spec": {"restartPolicy": "OnFailure", "containers": [container("main", "ghcr.io/acme/sweep:2.0.1")]},
            },
        },
        "status": status,
    }


def deployment(
    name: str, namespace: str, replicas: int, ready: int, image: str, template_spec: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], str]:
    template_hash = short_hash(name, image, length=10)
    selector = {"app": name}
    template = {"metadata": {"labels": {**selector, "pod-template-hash": template_hash}}, "spec": template_spec}
    unavailable = replicas - ready
    conditions = [
        {
            "type": "Available",
            "status": "True" if ready == replicas else "False",
            "lastUpdateTime": ago(3000),
            "lastTransitionTime": ago(3000),
            "reason": "MinimumReplicasAvailable" if ready == replicas else "MinimumReplicasUnavailable",
            "message": "Deployment has minimum availability."
            if ready == replicas
            else "Deployment does not have minimum availability.",
        }
    ]
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid_for("Deployment", namespace, name),
            "resourceVersion": "47001",
            "generation": 1,
            "creationTimestamp": ago(3600),
            "labels": selector,
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": selector},
            "template": {"metadata": {"labels": selector}, "spec": template_spec},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {
            "observedGeneration": 1,
            "replicas": ready if ready else 0,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "updatedReplicas": ready,
            **({"unavailableReplicas": unavailable} if unavailable else {}),
            "conditions": conditions,
        },
    }
    if not ready:
        for key in ("readyReplicas", "availableReplicas", "updatedReplicas"):
            deploy["status"].pop(key)
    rs_name = f"{name}-{template_hash}"
    replica_set = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": rs_name,
            "namespace": namespace,
            "uid": uid_for("ReplicaSet", namespace, rs_name),
            "resourceVersion": "47002",
            "generation": 1,
            "creationTimestamp": ago(3600),
            "labels": {**selector, "pod-template-hash": template_hash},
            "annotations": {
                "deployment.kubernetes.io/desired-replicas": str(replicas),
                "deployment.kubernetes.io/revision": "1",
            },
            "ownerReferences": [owner("Deployment", name, namespace)],
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {**selector, "pod-template-hash": template_hash}},
            "template": template,
        },
        "status": {
            "replicas": ready,
            "fullyLabeledReplicas": ready,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": 1,
        },
    }
    if not ready:
        replica_set["status"] = {"replicas": 0, "observedGeneration": 1}
    return deploy, replica_set, rs_name


def crash_status(
    name: str,
    image: str,
    *,
    restarts: int,
    exit_code: int,
    ran: tuple[float, float],
    container_id: str,
    message: str,
    reason: str = "Error",
) -> dict[str, Any]:
    """A crash-looping container: waiting in CrashLoopBackOff after a termination ``ran`` seconds ago."""
    return container_status(
        name,
        image,
        ready=False,
        restarts=restarts,
        state={"waiting": {"reason": "CrashLoopBackOff", "message": message}},
        last={
            "terminated": {
                "exitCode": exit_code,
                "reason": reason,
                "startedAt": ago(ran[0]),
                "finishedAt": ago(ran[1]),
                "containerID": container_id,
            }
        },
    )


def training() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], dict[tuple[str, str], str]]:
    pods: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    jobs: list[dict[str, Any]] = []
    logs: dict[tuple[str, str], str] = {}

    # 1. OOMKilled fine-tuning run.
    image = "ghcr.io/acme/bert-finetune:3.2.0"
    spec = container(
        "trainer",
        image,
        command=["python", "train.py"],
        resources={"requests": {"cpu": "4", "memory": "16Gi"}, "limits": {"memory": "16Gi"}},
    )
    oom = job_pod(
        "bert-finetune",
        0,
        containers=[spec],
        node_name="gke-ml-prod-cpu-1",
        conditions=running_conditions(False, unready=["trainer"]),
        statuses=[
            crash_status(
                "trainer",
                image,
                restarts=4,
                exit_code=137,
                ran=(400, 160),
                container_id="containerd://7f3c",
                message="back-off 2m40s restarting failed container=trainer pod=bert-finetune-0-x_ml-training(1)",
                reason="OOMKilled",
            )
        ],
    )
    oom["status"]["containerStatuses"][0]["state"]["waiting"]["message"] = (
        f"back-off 2m40s restarting failed container=trainer pod={oom['metadata']['name']}_{TRAIN}({oom['metadata']['uid']})"
    )
    pods.append(oom)
    events.append(
        event(
            oom,
            "BackOff",
            f"Back-off restarting failed container trainer in pod {oom['metadata']['name']}_{TRAIN}({oom['metadata']['uid']})",
            count=9,
            last=150,
            field_path="spec.containers{trainer}",
        )
    )
    jobs.append(job("bert-finetune", TRAIN))

    # 2. Eight GPUs per pod where the largest node has four.
    image = "ghcr.io/acme/llama-pretrain:0.9.1"
    spec = container(
        "trainer",
        image,
        resources={
            "limits": {"nvidia.com/gpu": "8", "memory": "300Gi"},
            "requests": {"cpu": "40", "memory": "300Gi", "nvidia.com/gpu": "8"},
        },
    )
    message = (
        "0/6 nodes are available: 6 Insufficient nvidia.com/gpu. preemption: 0/6 nodes are available: "
        "6 No preemption victims found for incoming pod."
    )
    big = job_pod(
        "llama-pretrain",
        0,
        containers=[spec],
        phase="Pending",
        node_name=None,
        statuses=None,
        conditions=unscheduled_conditions(message),
        extra_spec={"tolerations": GPU_TOLERATION},
        qos="Guaranteed",
    )
    pods.append(big)
    events.append(
        event(big, "FailedScheduling", message, component="default-scheduler", count=14, last=70, shape="events.k8s.io")
    )
    jobs.append(job("llama-pretrain", TRAIN))

    # 3. CUDA out of memory (the GPU, not the container limit).
    image = "ghcr.io/acme/resnet-train:1.8.0"
    spec = container(
        "trainer",
        image,
        resources={"limits": {"nvidia.com/gpu": "1", "memory": "48Gi"}, "requests": {"cpu": "8", "memory": "48Gi"}},
    )
    cuda = job_pod(
        "resnet-train",
        0,
        containers=[spec],
        node_name="gke-ml-prod-a100-1",
        conditions=running_conditions(False, unready=["trainer"]),
        extra_spec={"tolerations": GPU_TOLERATION},
        statuses=[
            crash_status(
                "trainer",
                image,
                restarts=2,
                exit_code=1,
                ran=(300, 120),
                container_id="containerd://a1b2",
                message="back-off 20s restarting failed container=trainer",
            )
        ],
    )
    pods.append(cuda)
    events.append(
        event(
            cuda,
            "BackOff",
            f"Back-off restarting failed container trainer in pod {cuda['metadata']['name']}_{TRAIN}({cuda['metadata']['uid']})",
            count=4,
            last=45,
            field_path="spec.containers{trainer}",
        )
    )
    logs[(cuda["metadata"]["name"], "trainer")] = (
        "Epoch 1/90: 100%|##########| 5005/5005 [11:02<00:00,  7.55it/s, loss=6.91]\n"
        "Traceback (most recent call last):\n"
        '  File "/workspace/train.py", line 212, in <module>\n'
        "    main()\n"
        '  File "/workspace/train.py", line 188, in main\n'
        "    loss = criterion(model(images), target)\n"
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 146.00 MiB. GPU 0 has a total capacity of 8.00 GiB of which 0 bytes is free.\n"
    )
    jobs.append(job("resnet-train", TRAIN))

    # 4. Private image without pull credentials (1.32+ back-off message keeps the cause; no rpc wrapper).
    image = "ghcr.io/acme/data-prep:1.0"
    cause = (
        f'failed to pull and unpack image "{image}": failed to resolve reference "{image}": failed to authorize: '
        "failed to fetch anonymous token: unexpected status: 403 Forbidden"
    )
    spec = container("prep", image, resources={"requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"memory": "4Gi"}})
    pull = job_pod(
        "data-prep",
        0,
        containers=[spec],
        phase="Pending",
        node_name="gke-ml-prod-cpu-2",
        conditions=running_conditions(False, unready=["prep"]),
        statuses=[
            container_status(
                "prep",
                image,
                ready=False,
                state={
                    "waiting": {
                        "reason": "ImagePullBackOff",
                        "message": f'Back-off pulling image "{image}": ErrImagePull: {cause}',
                    }
                },
            )
        ],
    )
    pods.append(pull)
    events.append(
        event(
            pull,
            "Failed",
            f'Failed to pull image "{image}": {cause}',
            count=5,
            last=240,
            field_path="spec.containers{prep}",
        )
    )
    events.append(
        event(
            pull,
            "BackOff",
            f'Back-off pulling image "{image}"',
            type_="Normal",
            count=21,
            last=10,
            field_path="spec.containers{prep}",
        )
    )
    jobs.append(job("data-prep", TRAIN))

    # 5. A Secret key that does not exist.
    image = "ghcr.io/acme/tokenizer:0.4.2"
    spec = container(
        "tokenize",
        image,
        env=[{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-credentials", "key": "HF_TOKEN"}}}],
    )
    config = job_pod(
        "tokenize-corpus",
        0,
        containers=[spec],
        phase="Pending",
        node_name="gke-ml-prod-cpu-3",
        conditions=running_conditions(False, unready=["tokenize"]),
        statuses=[
            container_status(
                "tokenize",
                image,
                ready=False,
                state={
                    "waiting": {
                        "reason": "CreateContainerConfigError",
                        "message": f"couldn't find key HF_TOKEN in Secret {TRAIN}/hf-credentials",
                    }
                },
            )
        ],
    )
    pods.append(config)
    events.append(
        event(
            config,
            "Failed",
            f"Error: couldn't find key HF_TOKEN in Secret {TRAIN}/hf-credentials",
            count=12,
            last=35,
            field_path="spec.containers{tokenize}",
        )
    )
    jobs.append(job("tokenize-corpus", TRAIN))

    # 6. DataLoader workers out of shared memory.
    image = "ghcr.io/acme/vit-train:2.1.0"
    spec = container(
        "trainer",
        image,
        resources={"limits": {"nvidia.com/gpu": "1", "memory": "64Gi"}, "requests": {"cpu": "8", "memory": "64Gi"}},
    )
    shm = job_pod(
        "vit-train",
        0,
        containers=[spec],
        node_name="gke-ml-prod-a100-2",
        conditions=running_conditions(False, unready=["trainer"]),
        extra_spec={"tolerations": GPU_TOLERATION},
        statuses=[
            crash_status(
                "trainer",
                image,
                restarts=3,
                exit_code=1,
                ran=(200, 90),
                container_id="containerd://c3d4",
                message="back-off 40s restarting failed container=trainer",
            )
        ],
    )
    pods.append(shm)
    events.append(
        event(
            shm,
            "BackOff",
            f"Back-off restarting failed container trainer in pod {shm['metadata']['name']}_{TRAIN}({shm['metadata']['uid']})",
            count=6,
            last=80,
            field_path="spec.containers{trainer}",
        )
    )
    logs[(shm["metadata"]["name"], "trainer")] = (
        "ERROR: Unexpected bus error encountered in worker. This might be caused by insufficient shared memory (shm).\n"
        "Traceback (most recent call last):\n"
        '  File "/opt/conda/lib/python3.11/site-packages/torch/utils/data/dataloader.py", line 1133, in _try_get_data\n'
        "    data = self._data_queue.get(timeout=timeout)\n"
        "RuntimeError: DataLoader worker (pid 214) is killed by signal: Bus error. It is possible that dataloader's workers are out of shared memory. Please try to raise your shared memory limit.\n"
    )
    jobs.append(job("vit-train", TRAIN))

    # 7. A GPU pod without the GPU nodes' toleration.
    image = "ghcr.io/acme/vision-eval:1.1.0"
    spec = container(
        "eval", image, resources={"limits": {"nvidia.com/gpu": "1"}, "requests": {"cpu": "4", "memory": "16Gi"}}
    )
    message = (
        "0/6 nodes are available: 3 Insufficient nvidia.com/gpu, 3 node(s) had untolerated taint {nvidia.com/gpu: present}. "
        "preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling."
    )
    taint = job_pod(
        "vision-eval",
        0,
        containers=[spec],
        phase="Pending",
        node_name=None,
        statuses=None,
        conditions=unscheduled_conditions(message),
    )
    pods.append(taint)
    events.append(
        event(
            taint, "FailedScheduling", message, component="default-scheduler", count=6, last=100, shape="events.k8s.io"
        )
    )
    jobs.append(job("vision-eval", TRAIN))

    # 8. A sweep queued by Kueue: suspended, no pods at all.
    jobs.append(
        job("hparam-sweep", TRAIN, suspend=True, labels={"kueue.x-k8s.io/queue-name": "team-a-gpu"}, completions=4)
    )

    # Noise that must stay quiet: a finished preprocessing job.
    image = "ghcr.io/acme/shard-writer:1.0.3"
    done = job_pod(
        "shard-writer",
        0,
        containers=[container("writer", image)],
        phase="Succeeded",
        node_name="gke-ml-prod-cpu-1",
        conditions=running_conditions(False),
        statuses=[
            container_status(
                "writer",
                image,
                ready=False,
                state={
                    "terminated": {
                        "exitCode": 0,
                        "reason": "Completed",
                        "startedAt": ago(7000),
                        "finishedAt": ago(5400),
                        "containerID": "containerd://e5f6",
                    }
                },
            )
        ],
    )
    pods.append(done)
    jobs.append(job("shard-writer", TRAIN, complete=True))
    return pods, events, jobs, logs


# The NCCL watchdog's words for a rank left waiting on a peer (doctor-anchors.md §4.10).
NCCL_TIMEOUT_LOG = (
    "[E ProcessGroupNCCL.cpp:475] [Rank {rank}] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=1842, "
    "OpType=ALLREDUCE, NumelIn=25557032, NumelOut=25557032, Timeout(ms)=600000) ran for 600214 milliseconds before "
    "timing out.\n"
    "[E ProcessGroupNCCL.cpp:489] Some NCCL operations have failed or timed out. Due to the asynchronous nature of "
    "CUDA kernels, subsequent GPU operations might run on corrupted/incomplete data.\n"
)


def pytorchjob_pod(
    job_name: str, role: str, index: int, status: dict[str, Any], spec: dict[str, Any]
) -> dict[str, Any]:
    """A pod of a Kubeflow PyTorchJob, named, labelled and owned as the training operator does."""
    labels = {
        "training.kubeflow.org/job-name": job_name,
        "training.kubeflow.org/operator-name": "pytorchjob-controller",
        "training.kubeflow.org/replica-type": role,
        "training.kubeflow.org/replica-index": str(index),
        **({"training.kubeflow.org/job-role": "master"} if role == "master" else {}),
    }
    owner_ref = owner("PyTorchJob", job_name, TRAIN, api_version="kubeflow.org/v1")
    return pod(
        f"{job_name}-{role}-{index}",
        TRAIN,
        containers=[spec],
        statuses=[status],
        owner_ref=owner_ref,
        labels=labels,
        node_name=f"gke-ml-prod-a100-{1 + index % 2}",
        conditions=running_conditions(False, unready=["pytorch"]),
        extra_spec={"tolerations": GPU_TOLERATION, "restartPolicy": "OnFailure"},
    )


def operators() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[tuple[str, str], str]]:
    """Operator workloads: a Kubeflow PyTorchJob whose worker 1 was OOM-killed first (the other ranks then
    time out in NCCL), and Kueue's view of the queued hparam-sweep Job (not enough GPU quota).
    """
    objects: list[dict[str, Any]] = []
    pods: list[dict[str, Any]] = []
    logs: dict[tuple[str, str], str] = {}
    name, image = "resnet-ddp", "ghcr.io/acme/resnet-ddp:2.4.0"
    spec = container(
        "pytorch",
        image,
        command=["python", "train.py", "--epochs", "90"],
        resources={"limits": {"nvidia.com/gpu": "1", "memory": "24Gi"}, "requests": {"cpu": "6", "memory": "24Gi"}},
    )
    ranks = (("master", 0, "Error", 134, 640), ("worker", 0, "Error", 134, 638), ("worker", 1, "OOMKilled", 137, 1240),
             ("worker", 2, "Error", 134, 636))  # fmt: skip
    for rank, (role, index, reason, code, finished) in enumerate(ranks):
        message = (
            f"back-off 1m20s restarting failed container=pytorch pod={name}-{role}-{index}_{TRAIN}"
            f"({uid_for('pod', TRAIN, f'{name}-{role}-{index}')})"
        )
        status = crash_status("pytorch", image, restarts=2, exit_code=code, ran=(finished + 1200, finished),
                              container_id=f"containerd://9a{rank}c", message=message, reason=reason)  # fmt: skip
        pods.append(pytorchjob_pod(name, role, index, status, spec))
        if reason == "Error":
            logs[(f"{name}-{role}-{index}", "pytorch")] = NCCL_TIMEOUT_LOG.format(rank=rank)
    replica = {"replicas": 1, "restartPolicy": "OnFailure", "template": {"spec": {"containers": [spec],
               "tolerations": GPU_TOLERATION}}}  # fmt: skip
    objects.append(
        {
            "apiVersion": "kubeflow.org/v1",
            "kind": "PyTorchJob",
            "metadata": {
                "name": name,
                "namespace": TRAIN,
                "uid": uid_for("PyTorchJob", TRAIN, name),
                "resourceVersion": "48150",
                "creationTimestamp": ago(3000),
                "generation": 1,
            },
            "spec": {
                "runPolicy": {"cleanPodPolicy": "None", "suspend": False},
                "pytorchReplicaSpecs": {"Master": replica, "Worker": {**replica, "replicas": 3}},
            },
            # The training operator's words (fixtures/operators/status/STATUS-NOTES.md §1).
            "status": {
                "conditions": [
                    {
                        "type": "Created",
                        "status": "True",
                        "reason": "PyTorchJobCreated",
                        "message": f"PyTorchJob {name} is created.",
                        "lastUpdateTime": ago(3000),
                        "lastTransitionTime": ago(3000),
                    },
                    {
                        "type": "Running",
                        "status": "True",
                        "reason": "PyTorchJobRunning",
                        "message": f"PyTorchJob {name} is running.",
                        "lastUpdateTime": ago(2900),
                        "lastTransitionTime": ago(2900),
                    },
                ],
                "replicaStatuses": {"Master": {"active": 1}, "Worker": {"active": 3}},
                "startTime": ago(3000),
            },
        }
    )
    # Kueue (v0.13) for the hparam-sweep Job the training namespace queues: its Workload cannot reserve quota.
    sweep_uid = uid_for("Job", TRAIN, "hparam-sweep")
    workload = f"job-hparam-sweep-{short_hash('hparam-sweep', length=5)}"
    objects.append(
        {
            "apiVersion": "kueue.x-k8s.io/v1beta1",
            "kind": "Workload",
            "metadata": {
                "name": workload,
                "namespace": TRAIN,
                "uid": uid_for("Workload", TRAIN, workload),
                "resourceVersion": "48160",
                "creationTimestamp": ago(900),
                "labels": {"kueue.x-k8s.io/job-uid": sweep_uid},
                "ownerReferences": [
                    {
                        "apiVersion": "batch/v1",
                        "kind": "Job",
                        "name": "hparam-sweep",
                        "uid": sweep_uid,
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": {"queueName": "team-a-gpu", "active": True, "podSets": [{"name": "main", "count": 4}]},
            "status": {
                "conditions": [
                    {
                        "type": "QuotaReserved",
                        "status": "False",
                        "reason": "Pending",
                        "message": "couldn't assign flavors to pod set main: insufficient quota for nvidia.com/gpu in "
                        "flavor a100, request > maximum capacity (8 > 4)",
                        "observedGeneration": 1,
                        "lastTransitionTime": ago(890),
                    }
                ],
                "resourceRequests": [{"name": "main", "resources": {"cpu": "16", "nvidia.com/gpu": "8"}}],
            },
        }
    )
    objects.append(
        {
            "apiVersion": "kueue.x-k8s.io/v1beta1",
            "kind": "LocalQueue",
            "metadata": {
                "name": "team-a-gpu",
                "namespace": TRAIN,
                "uid": uid_for("LocalQueue", TRAIN, "team-a-gpu"),
                "resourceVersion": "47000",
                "creationTimestamp": ago(86400),
            },
            "spec": {"clusterQueue": "gpu-a100"},
            "status": {
                "pendingWorkloads": 1,
                "admittedWorkloads": 0,
                "conditions": [
                    {
                        "type": "Active",
                        "status": "True",
                        "reason": "Ready",
                        "message": "Can submit new workloads to localQueue",
                        "lastTransitionTime": ago(86400),
                    }
                ],
            },
        }
    )
    return objects, pods, logs


def serving() -> tuple[
    list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], dict[tuple[str, str], str]
]:
    pods: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    deployments: list[dict[str, Any]] = []
    replica_sets: list[dict[str, Any]] = []
    logs: dict[tuple[str, str], str] = {}

    # 9. vLLM killed by a liveness probe sized for a web app, while the model loads.
    image = "vllm/vllm-openai:v0.6.4"
    probe = {
        "httpGet": {"path": "/health", "port": 8000, "scheme": "HTTP"},
        "initialDelaySeconds": 30,
        "periodSeconds": 10,
        "timeoutSeconds": 1,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    spec = container(
        "vllm",
        image,
        args=["--model", "meta-llama/Llama-3.1-8B-Instruct"],
        ports=[{"containerPort": 8000, "name": "http", "protocol": "TCP"}],
        livenessProbe=probe,
        readinessProbe={**probe, "initialDelaySeconds": 0},
        resources={
            "limits": {"nvidia.com/gpu": "1", "memory": "40Gi"},
            "requests": {"cpu": "6", "memory": "40Gi", "nvidia.com/gpu": "1"},
        },
    )
    template = {"containers": [spec], "tolerations": GPU_TOLERATION}
    deploy, replica_set, rs_name = deployment("llm-server", SERVE, 2, 0, image, template)
    deployments.append(deploy)
    replica_sets.append(replica_set)
    for index, node_name in enumerate(("gke-ml-prod-a100-1", "gke-ml-prod-a100-2")):
        name = f"{rs_name}-{short_hash(rs_name, str(index), length=5)}"
        item = pod(
            name,
            SERVE,
            [spec],
            [
                crash_status(
                    "vllm",
                    image,
                    restarts=7,
                    exit_code=137,
                    ran=(380, 300),
                    container_id="containerd://0a9b",
                    message=f"back-off 5m0s restarting failed container=vllm pod={name}_{SERVE}({uid_for('pod', SERVE, name)})",
                )
            ],
            node_name=node_name,
            owner_ref=owner("ReplicaSet", rs_name, SERVE),
            labels=replica_set["spec"]["template"]["metadata"]["labels"],
            conditions=running_conditions(False, unready=["vllm"]),
            extra_spec={"tolerations": GPU_TOLERATION},
        )
        pods.append(item)
        ip = f"10.44.{index + 1}.23"
        events.append(
            event(
                item,
                "Unhealthy",
                f'Liveness probe failed: Get "http://{ip}:8000/health": dial tcp {ip}:8000: connect: connection refused',
                count=21,
                last=310 + index * 40,
                field_path="spec.containers{vllm}",
            )
        )
        events.append(
            event(
                item,
                "Killing",
                "Container vllm failed liveness probe, will be restarted",
                type_="Normal",
                count=7,
                last=300 + index * 40,
                field_path="spec.containers{vllm}",
            )
        )

    # 10. An embedding service the GPU quota refuses: the Deployment has no pods at all.
    image = "ghcr.io/acme/embedder:2.3.1"
    spec = container(
        "embedder",
        image,
        resources={
            "limits": {"nvidia.com/gpu": "1", "memory": "16Gi"},
            "requests": {"cpu": "2", "memory": "16Gi", "nvidia.com/gpu": "1"},
        },
    )
    deploy, replica_set, rs_name = deployment(
        "embedder", SERVE, 2, 0, image, {"containers": [spec], "tolerations": GPU_TOLERATION}
    )
    quota_message = (
        f'pods "{rs_name}-7xkq2" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=1, '
        "used: requests.nvidia.com/gpu=4, limited: requests.nvidia.com/gpu=4"
    )
    replica_set["status"]["conditions"] = [
        {
            "type": "ReplicaFailure",
            "status": "True",
            "lastTransitionTime": ago(1800),
            "reason": "FailedCreate",
            "message": quota_message,
        }
    ]
    deployments.append(deploy)
    replica_sets.append(replica_set)
    events.append(
        event(
            replica_set,
            "FailedCreate",
            f"Error creating: {quota_message}",
            count=19,
            last=95,
            component="replicaset-controller",
        )
    )

    def one_replica(
        deployment_name: str,
        spec: dict[str, Any],
        status: dict[str, Any],
        *,
        node_name: str,
        gpu: bool = True,
        ready: bool = False,
        phase: str = "Running",
    ) -> dict[str, Any]:
        """A one-replica Deployment with its ReplicaSet and its pod, added to the namespace's lists."""
        extra = {"tolerations": GPU_TOLERATION} if gpu else {}
        deploy, replica_set, rs_name = deployment(
            deployment_name, SERVE, 1, int(ready), spec["image"], {"containers": [spec], **extra}
        )
        if not ready:
            deploy["status"]["replicas"] = 1
            replica_set["status"]["replicas"] = 1
        deployments.append(deploy)
        replica_sets.append(replica_set)
        item = pod(
            f"{rs_name}-{short_hash(rs_name, length=5)}",
            SERVE,
            [spec],
            [status],
            phase=phase,
            node_name=node_name,
            owner_ref=owner("ReplicaSet", rs_name, SERVE),
            labels=replica_set["spec"]["template"]["metadata"]["labels"],
            conditions=running_conditions(ready, unready=[] if ready else [spec["name"]]),
            extra_spec=extra,
        )
        pods.append(item)
        return item

    # 11. An amd64-only image on the arm64 GH200 node.
    image = "ghcr.io/acme/reranker:0.3.0"
    spec = container(
        "reranker",
        image,
        resources={
            "limits": {"nvidia.com/gpu": "1", "memory": "24Gi"},
            "requests": {"cpu": "4", "memory": "24Gi", "nvidia.com/gpu": "1"},
        },
    )
    status = crash_status(
        "reranker",
        image,
        restarts=5,
        exit_code=255,
        ran=(200, 199),
        container_id="containerd://dd11",
        message="back-off 2m40s restarting failed container=reranker",
    )
    arm = one_replica("reranker", spec, status, node_name="gke-ml-prod-gh200-1")
    name = arm["metadata"]["name"]
    events.append(
        event(
            arm,
            "BackOff",
            f"Back-off restarting failed container reranker in pod {name}_{SERVE}({arm['metadata']['uid']})",
            count=11,
            last=20,
            field_path="spec.containers{reranker}",
        )
    )
    logs[(name, "reranker")] = "exec /usr/local/bin/python3: exec format error\n"

    # 12. A tag that does not exist (containerd, rpc NotFound wrapper).
    image = "ghcr.io/huggingface/text-generation-inference:2.4.7"
    spec = container(
        "tgi", image, resources={"limits": {"nvidia.com/gpu": "1"}, "requests": {"cpu": "4", "memory": "24Gi"}}
    )
    error = (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{image}": failed to resolve reference '
        f'"{image}": {image}: not found'
    )
    status = container_status(
        "tgi", image, ready=False, state={"waiting": {"reason": "ErrImagePull", "message": error}}
    )
    missing = one_replica("tgi-canary", spec, status, node_name="gke-ml-prod-a100-2", phase="Pending")
    events.append(
        event(
            missing,
            "Failed",
            f'Failed to pull image "{image}": {error}',
            count=3,
            last=5,
            field_path="spec.containers{tgi}",
        )
    )

    # 13. A feature service that crashes on start (a plain application error: exit code and log tail).
    image = "ghcr.io/acme/feature-server:4.0.2"
    spec = container(
        "server",
        image,
        command=["python", "-m", "features.serve"],
        resources={"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "2Gi"}},
    )
    rs_name = f"feature-server-{short_hash('feature-server', image, length=10)}"
    name = f"{rs_name}-{short_hash(rs_name, length=5)}"
    status = crash_status(
        "server",
        image,
        restarts=9,
        exit_code=1,
        ran=(330, 326),
        container_id="containerd://5e6f",
        message=f"back-off 5m0s restarting failed container=server pod={name}_{SERVE}({uid_for('pod', SERVE, name)})",
    )
    crash = one_replica("feature-server", spec, status, node_name="gke-ml-prod-cpu-2", gpu=False)
    events.append(
        event(
            crash,
            "BackOff",
            f"Back-off restarting failed container server in pod {name}_{SERVE}({crash['metadata']['uid']})",
            count=40,
            last=12,
            field_path="spec.containers{server}",
        )
    )
    logs[(name, "server")] = (
        "INFO:     Loading feature definitions from /etc/features/registry.yaml\n"
        "Traceback (most recent call last):\n"
        '  File "/app/features/serve.py", line 41, in <module>\n'
        '    store = FeatureStore(url=os.environ["FEATURE_STORE_URL"])\n'
        '  File "<frozen os>", line 679, in __getitem__\n'
        "KeyError: 'FEATURE_STORE_URL'\n"
    )

    # 14. A healthy Triton server.
    image = "nvcr.io/nvidia/tritonserver:24.08-py3"
    spec = container(
        "triton",
        image,
        resources={
            "limits": {"nvidia.com/gpu": "1", "memory": "16Gi"},
            "requests": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"},
        },
    )
    one_replica("triton", spec, container_status("triton", image), node_name="gke-ml-prod-a100-1", ready=True)
    return pods, events, deployments, replica_sets, logs


def system() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The NVIDIA device plugin DaemonSet; one pod restarted once when its node rebooted (noise)."""
    image = "nvcr.io/nvidia/k8s-device-plugin:v0.17.0"
    spec = container("nvidia-device-plugin-ctr", image)
    daemon_set = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {
            "name": "nvidia-device-plugin",
            "namespace": SYSTEM,
            "uid": uid_for("DaemonSet", SYSTEM, "nvidia-device-plugin"),
            "resourceVersion": "1200",
            "generation": 1,
            "creationTimestamp": ago(86400 * 30),
        },
        "spec": {
            "selector": {"matchLabels": {"name": "nvidia-device-plugin-ds"}},
            "template": {
                "metadata": {"labels": {"name": "nvidia-device-plugin-ds"}},
                "spec": {"containers": [spec], "tolerations": GPU_TOLERATION},
            },
        },
        "status": {
            "currentNumberScheduled": 3,
            "desiredNumberScheduled": 3,
            "numberAvailable": 3,
            "numberReady": 3,
            "numberMisscheduled": 0,
            "observedGeneration": 1,
            "updatedNumberScheduled": 3,
        },
    }
    pods = []
    for index, node_name in enumerate(("gke-ml-prod-a100-1", "gke-ml-prod-a100-2", "gke-ml-prod-gh200-1")):
        last = {}
        restarts = 0
        if index == 1:
            restarts = 1
            last = {
                "terminated": {
                    "exitCode": 255,
                    "reason": "Unknown",
                    "startedAt": ago(86400 * 2),
                    "finishedAt": ago(86400),
                    "containerID": "containerd://77aa",
                }
            }
        pods.append(
            pod(
                f"nvidia-device-plugin-{short_hash(node_name, length=5)}",
                SYSTEM,
                [spec],
                [container_status("nvidia-device-plugin-ctr", image, restarts=restarts, last=last)],
                node_name=node_name,
                owner_ref=owner("DaemonSet", "nvidia-device-plugin", SYSTEM),
                labels={"name": "nvidia-device-plugin-ds"},
                conditions=running_conditions(True),
                extra_spec={"tolerations": GPU_TOLERATION},
                qos="BestEffort",
            )
        )
    return pods, [daemon_set]


def write(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    write(OUT / "nodes.json", as_list("Node", nodes()))
    train_pods, train_events, jobs, train_logs = training()
    for item in jobs:
        # A Job's template holds the containers its pods run (the pods are built first, above).
        ran = [pod for pod in train_pods if pod["metadata"]["labels"].get("job-name") == item["metadata"]["name"]]
        if ran:
            item["spec"]["template"]["spec"]["containers"] = ran[0]["spec"]["containers"]
    operator_objects, operator_pods, operator_logs = operators()
    train_pods += operator_pods
    train_logs.update(operator_logs)
    serve_pods, serve_events, deployments, replica_sets, serve_logs = serving()
    system_pods, daemon_sets = system()
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {
            "name": "gpu-quota",
            "namespace": SERVE,
            "uid": uid_for("ResourceQuota", SERVE, "gpu-quota"),
            "resourceVersion": "900",
            "creationTimestamp": ago(86400),
        },
        "spec": {"hard": {"requests.nvidia.com/gpu": "4"}},
        "status": {"hard": {"requests.nvidia.com/gpu": "4"}, "used": {"requests.nvidia.com/gpu": "4"}},
    }
    per_namespace = {
        TRAIN: {"Pod": train_pods, "Event": train_events, "ReplicaSet": [], "Deployment": [], "DaemonSet": []},
        SERVE: {
            "Pod": serve_pods,
            "Event": serve_events,
            "ReplicaSet": replica_sets,
            "Deployment": deployments,
            "DaemonSet": [],
        },
        SYSTEM: {"Pod": system_pods, "Event": [], "ReplicaSet": [], "Deployment": [], "DaemonSet": daemon_sets},
    }
    stems = {
        "Pod": "pods",
        "Event": "events",
        "ReplicaSet": "replicasets",
        "Deployment": "deployments",
        "DaemonSet": "daemonsets",
    }
    for namespace, kinds in per_namespace.items():
        for kind, items in kinds.items():
            write(OUT / namespace / f"{stems[kind]}.json", as_list(kind, items))
        write(OUT / namespace / "services.json", as_list("Service", []))
        write(OUT / namespace / "replicationcontrollers.json", as_list("ReplicationController", []))
    write(
        OUT / TRAIN / "jobs.json",
        {"kind": "JobList", "apiVersion": "batch/v1", "metadata": {"resourceVersion": "48400"}, "items": jobs},
    )
    write(
        OUT / SERVE / "resourcequotas.json",
        {"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": ""}, "items": [quota]},
    )
    # Operator and Kueue objects, as `kubectl ml snapshot` saves them (loaded back by kind).
    write(OUT / TRAIN / "operators.json", {"kind": "List", "apiVersion": "v1", "items": operator_objects})
    for namespace, logs in ((TRAIN, train_logs), (SERVE, serve_logs)):
        for (pod_name, container_name), text in logs.items():
            (OUT / namespace / pod_name).mkdir(parents=True, exist_ok=True)
            (OUT / namespace / pod_name / f"{container_name}-previous.txt").write_text(text, encoding="utf-8")
    (OUT / "SOURCE.md").write_text(
        "# Demo snapshot\n\nWritten by `python scripts/make_demo_snapshot.py`: synthetic objects in the exact shapes of\n"
        "`kubectl cluster-info dump` / `kubectl get -o json` (Kubernetes 1.31 on GKE), with message strings taken\n"
        "verbatim from `shared/reference/doctor-anchors.md` §4, and `metrics.om`: three days of cAdvisor,\n"
        "kube-state-metrics and dcgm-exporter series for rightsize (`scripts/make_demo_metrics.py`).\n"
        "Regenerate rather than edit by hand.\n",
        encoding="utf-8",
    )
    # Three days of usage history for rightsize (scripts/make_demo_metrics.py), written last: it reads the pods.
    from make_demo_metrics import main as write_metrics

    write_metrics()


if __name__ == "__main__":
    main()
