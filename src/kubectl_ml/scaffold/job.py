"""A training Job (``kubectl ml new job``): one pod, or ``workers`` pods rendezvousing for torchrun.

What it sets, and why (scaffold-gpu-lint-anchors §2.4):

* ``restartPolicy: Never`` and a ``podFailurePolicy``: evictions and preemptions (``DisruptionTarget``)
  do not count against ``backoffLimit``; exit codes 126/127 (command not executable / not found) fail the
  Job at once, since a retry runs the same command.
* ``ttlSecondsAfterFinished``: finished Jobs and their pods are cleaned up after a day (logs read by then).
* ``activeDeadlineSeconds`` when asked: a hard cap on GPU hours.
* requests and limits (GPUs as an integer limit), the GPU toleration, a memory-backed ``/dev/shm``
  (DataLoader workers and NCCL need more than the default 64Mi).
* ``terminationGracePeriodSeconds: 120``: time to write a checkpoint on SIGTERM.
* ``workers > 1``: an Indexed Job (completions = parallelism = workers), a headless Service giving pod
  ``<name>-0.<name>`` a DNS name, and torchrun's environment (plain and ``PET_*``), so that
  ``torchrun train.py`` needs no rendezvous flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_ml.errors import UsageError
from kubectl_ml.scaffold.common import (
    SHM_MOUNT,
    container_security_context,
    default_cpu,
    default_memory,
    env,
    labels,
    metadata,
    pod_security_context,
    resources,
    selector,
    shm_volume,
)
from kubectl_ml.scaffold.placement import Placement, default_placement

CONTAINER = "trainer"
MASTER_PORT = 29500
BACKOFF_LIMIT = 3
TTL_AFTER_FINISHED = 86400
GRACE_PERIOD = 120
# 126: found but not executable; 127: command not found. Retrying runs the same command again.
FATAL_EXIT_CODES = (126, 127)
DATASET_MOUNT = "/data"
CHECKPOINT_MOUNT = "/checkpoints"
_INDEX_ANNOTATION = "metadata.annotations['batch.kubernetes.io/job-completion-index']"


@dataclass(frozen=True)
class JobParams:
    """What ``kubectl ml new job`` was asked for (quantities as the user wrote them; None: default)."""

    name: str
    image: str
    gpus: int = 0
    cpu: str | None = None
    memory: str | None = None
    namespace: str | None = None
    workers: int = 1
    dataset_pvc: str | None = None
    checkpoint_pvc: str | None = None
    active_deadline_seconds: int | None = None
    command: Sequence[str] = field(default_factory=tuple)


def _torchrun_env(params: JobParams) -> list[dict[str, Any]]:
    nproc = max(params.gpus, 1)
    items = env(
        MASTER_ADDR=f"{params.name}-0.{params.name}",
        MASTER_PORT=str(MASTER_PORT),
        NNODES=str(params.workers),
        NPROC_PER_NODE=str(nproc),
        WORLD_SIZE=str(params.workers * nproc),
    )
    items.append({"name": "NODE_RANK", "valueFrom": {"fieldRef": {"fieldPath": _INDEX_ANNOTATION}}})
    # torchrun reads PET_<FLAG> as the default of --<flag>.
    for flag in ("NNODES", "NPROC_PER_NODE", "NODE_RANK", "MASTER_ADDR", "MASTER_PORT"):
        items.append({"name": f"PET_{flag}", "value": f"$({flag})"})
    return items


def _container(params: JobParams, cpu: str, memory: str) -> dict[str, Any]:
    container: dict[str, Any] = {"name": CONTAINER, "image": params.image}
    if params.command:
        container["command"] = list(params.command)
    variables = env(HOME="/tmp")
    if params.dataset_pvc:
        variables += env(DATASET_DIR=DATASET_MOUNT)
    if params.checkpoint_pvc:
        variables += env(CHECKPOINT_DIR=CHECKPOINT_MOUNT)
    if params.workers > 1:
        variables += _torchrun_env(params)
        container["ports"] = [{"name": "rendezvous", "containerPort": MASTER_PORT}]
    container["env"] = variables
    container["resources"] = resources(cpu, memory, params.gpus)
    mounts: list[dict[str, Any]] = [dict(SHM_MOUNT)]
    if params.dataset_pvc:
        mounts.append({"name": "dataset", "mountPath": DATASET_MOUNT, "readOnly": True})
    if params.checkpoint_pvc:
        mounts.append({"name": "checkpoints", "mountPath": CHECKPOINT_MOUNT})
    container["volumeMounts"] = mounts
    container["securityContext"] = container_security_context()
    return container


def _volumes(params: JobParams, memory: str) -> list[dict[str, Any]]:
    volumes = [shm_volume(memory)]
    if params.dataset_pvc:
        claim = {"claimName": params.dataset_pvc, "readOnly": True}
        volumes.append({"name": "dataset", "persistentVolumeClaim": claim})
    if params.checkpoint_pvc:
        volumes.append({"name": "checkpoints", "persistentVolumeClaim": {"claimName": params.checkpoint_pvc}})
    return volumes


def _pod_failure_policy() -> dict[str, Any]:
    # ``status: "True"`` is the default, but schemas 1.25-1.36 require it (scaffold-gpu-lint-anchors §3.6).
    return {
        "rules": [
            {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
            {
                "action": "FailJob",
                "onExitCodes": {"containerName": CONTAINER, "operator": "In", "values": list(FATAL_EXIT_CODES)},
            },
        ]
    }


def _headless_service(params: JobParams) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(params.name, params.namespace, "training"),
        "spec": {
            "clusterIP": "None",
            # Peers must resolve rank 0 before any pod is ready (a Job's pods have no readiness probe).
            "publishNotReadyAddresses": True,
            "selector": selector(params.name, "training"),
            "ports": [{"name": "rendezvous", "port": MASTER_PORT, "targetPort": MASTER_PORT}],
        },
    }


def build_job(params: JobParams, placement: Placement | None = None) -> list[dict[str, Any]]:
    """The Job (and, for ``workers > 1``, its headless Service first), as dicts ready to serialize."""
    if params.workers < 1:
        raise UsageError(f"invalid --workers {params.workers}", "Give 1 (one pod) or more (distributed training).")
    if params.active_deadline_seconds is not None and params.active_deadline_seconds <= 0:
        raise UsageError("--active-deadline must be positive", "Give a duration such as 12h or 2d.")
    placement = placement or default_placement(params.gpus)
    cpu = params.cpu or default_cpu(params.gpus)
    memory = params.memory or default_memory(params.gpus)
    pod_spec: dict[str, Any] = {"restartPolicy": "Never", "terminationGracePeriodSeconds": GRACE_PERIOD}
    if params.workers > 1:
        pod_spec["subdomain"] = params.name
    pod_spec["securityContext"] = pod_security_context()
    pod_spec["containers"] = [_container(params, cpu, memory)]
    pod_spec["volumes"] = _volumes(params, memory)
    if placement.node_selector:
        pod_spec["nodeSelector"] = dict(placement.node_selector)
    if placement.tolerations:
        pod_spec["tolerations"] = [dict(item) for item in placement.tolerations]
    spec: dict[str, Any] = {}
    if params.workers > 1:
        spec.update(completionMode="Indexed", completions=params.workers, parallelism=params.workers)
    spec["backoffLimit"] = BACKOFF_LIMIT
    spec["ttlSecondsAfterFinished"] = TTL_AFTER_FINISHED
    if params.active_deadline_seconds is not None:
        spec["activeDeadlineSeconds"] = params.active_deadline_seconds
    spec["podFailurePolicy"] = _pod_failure_policy()
    spec["template"] = {"metadata": {"labels": labels(params.name, "training")}, "spec": pod_spec}
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata(params.name, params.namespace, "training")}
    job["spec"] = spec
    return [_headless_service(params), job] if params.workers > 1 else [job]
