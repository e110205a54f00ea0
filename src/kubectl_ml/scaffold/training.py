"""What every kind of ``kubectl ml new job`` shares: its parameters and the trainer pod.

``--kind job`` (an Indexed Job), ``pytorchjob`` (Kubeflow training operator) and ``jobset`` (JobSet) differ
in how pods are grouped, restarted and told each other's address; the pod itself is the same, and right
the first time (scaffold-gpu-lint-anchors §2.4):

* requests and limits (GPUs as an integer limit), the GPU toleration (fitted to the cluster's GPU nodes
  by ``placement``), a memory-backed ``/dev/shm`` (DataLoader workers and NCCL need more than the default
  64Mi), the dataset and checkpoint PVCs, the non-root security context, the command after ``--``.
* ``terminationGracePeriodSeconds: 120``: time to write a checkpoint on SIGTERM.
* ``ttlSecondsAfterFinished``: finished jobs and their pods are cleaned up after a day (logs read by then).
* ``activeDeadlineSeconds`` when asked: a hard cap on GPU hours.
* torchrun's environment where no operator injects it (plain and ``PET_*``), so that ``torchrun
  train.py`` needs no rendezvous flags.
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
    pod_security_context,
    resources,
    shm_volume,
)
from kubectl_ml.scaffold.placement import Placement

COMPONENT = "training"
CONTAINER = "trainer"
MASTER_PORT = 29500
BACKOFF_LIMIT = 3
TTL_AFTER_FINISHED = 86400
GRACE_PERIOD = 120
# 126: found but not executable; 127: command not found. Retrying runs the same command again.
FATAL_EXIT_CODES = (126, 127)
DATASET_MOUNT = "/data"
CHECKPOINT_MOUNT = "/checkpoints"
INDEX_ANNOTATION = "metadata.annotations['batch.kubernetes.io/job-completion-index']"


@dataclass(frozen=True)
class JobParams:
    """What ``kubectl ml new job`` was asked for (quantities as the user wrote them; None: default).

    ``kind`` is ``job``, ``pytorchjob`` or ``jobset`` (``scaffold.job.JOB_KINDS``).
    """

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
    kind: str = "job"


def check_params(params: JobParams) -> None:
    """Raise UsageError (exit 2) for a worker count or deadline that no kind can use."""
    if params.workers < 1:
        raise UsageError(f"invalid --workers {params.workers}", "Give 1 (one pod) or more (distributed training).")
    if params.active_deadline_seconds is not None and params.active_deadline_seconds <= 0:
        raise UsageError("--active-deadline must be positive", "Give a duration such as 12h or 2d.")


def pod_size(params: JobParams) -> tuple[str, str]:
    """The CPU and memory request of each pod: the user's, else the defaults for its GPU count."""
    return params.cpu or default_cpu(params.gpus), params.memory or default_memory(params.gpus)


def torchrun_env(params: JobParams, master_address: str) -> list[dict[str, Any]]:
    """The rendezvous of torchrun for ``workers`` pods whose Job completion index is the node rank.

    Args:
        params: the job; its GPUs per pod are the processes per node (one process per GPU).
        master_address: the DNS name of the pod of index 0.
    """
    nproc = max(params.gpus, 1)
    items = env(
        MASTER_ADDR=master_address,
        MASTER_PORT=str(MASTER_PORT),
        NNODES=str(params.workers),
        NPROC_PER_NODE=str(nproc),
        WORLD_SIZE=str(params.workers * nproc),
    )
    items.append({"name": "NODE_RANK", "valueFrom": {"fieldRef": {"fieldPath": INDEX_ANNOTATION}}})
    # torchrun reads PET_<FLAG> as the default of --<flag>.
    for flag in ("NNODES", "NPROC_PER_NODE", "NODE_RANK", "MASTER_ADDR", "MASTER_PORT"):
        items.append({"name": f"PET_{flag}", "value": f"$({flag})"})
    return items


def trainer_container(
    params: JobParams,
    name: str,
    ports: Sequence[dict[str, Any]] = (),
    rendezvous: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The training container.

    Args:
        params: the job.
        name: the container's name (an operator may require its own).
        ports: the container ports (the rendezvous port of distributed training).
        rendezvous: environment entries that tell the pod its rank and its peers, after the common ones.
    """
    cpu, memory = pod_size(params)
    container: dict[str, Any] = {"name": name, "image": params.image}
    if params.command:
        container["command"] = list(params.command)
    if ports:
        container["ports"] = [dict(port) for port in ports]
    variables = env(HOME="/tmp")
    if params.dataset_pvc:
        variables += env(DATASET_DIR=DATASET_MOUNT)
    if params.checkpoint_pvc:
        variables += env(CHECKPOINT_DIR=CHECKPOINT_MOUNT)
    container["env"] = variables + [dict(item) for item in rendezvous]
    container["resources"] = resources(cpu, memory, params.gpus)
    mounts: list[dict[str, Any]] = [dict(SHM_MOUNT)]
    if params.dataset_pvc:
        mounts.append({"name": "dataset", "mountPath": DATASET_MOUNT, "readOnly": True})
    if params.checkpoint_pvc:
        mounts.append({"name": "checkpoints", "mountPath": CHECKPOINT_MOUNT})
    container["volumeMounts"] = mounts
    container["securityContext"] = container_security_context()
    return container


def _volumes(params: JobParams) -> list[dict[str, Any]]:
    _cpu, memory = pod_size(params)
    volumes = [shm_volume(memory)]
    if params.dataset_pvc:
        claim = {"claimName": params.dataset_pvc, "readOnly": True}
        volumes.append({"name": "dataset", "persistentVolumeClaim": claim})
    if params.checkpoint_pvc:
        volumes.append({"name": "checkpoints", "persistentVolumeClaim": {"claimName": params.checkpoint_pvc}})
    return volumes


def pod_template(
    params: JobParams,
    placement: Placement,
    container: dict[str, Any],
    restart_policy: str | None,
    subdomain: str | None = None,
) -> dict[str, Any]:
    """The pod template around ``container``: volumes, security context and placement.

    Args:
        params: the job.
        placement: tolerations and nodeSelector for its GPU pods.
        container: from ``trainer_container``.
        restart_policy: the pod's, or None where the operator sets it.
        subdomain: the headless Service that gives the pods DNS names, when the manifest writes one.
    """
    spec: dict[str, Any] = {}
    if restart_policy:
        spec["restartPolicy"] = restart_policy
    spec["terminationGracePeriodSeconds"] = GRACE_PERIOD
    if subdomain:
        spec["subdomain"] = subdomain
    spec["securityContext"] = pod_security_context()
    spec["containers"] = [container]
    spec["volumes"] = _volumes(params)
    if placement.node_selector:
        spec["nodeSelector"] = dict(placement.node_selector)
    if placement.tolerations:
        spec["tolerations"] = [dict(item) for item in placement.tolerations]
    return {"metadata": {"labels": labels(params.name, COMPONENT)}, "spec": spec}


def fatal_exit_codes_rule(container: str) -> dict[str, Any]:
    """The pod failure policy rule that fails the Job at once when the command cannot run (126, 127)."""
    return {
        "action": "FailJob",
        "onExitCodes": {"containerName": container, "operator": "In", "values": list(FATAL_EXIT_CODES)},
    }


def disruption_condition() -> dict[str, Any]:
    """``onPodConditions`` entry of evictions and preemptions (``DisruptionTarget``).

    ``status: "True"`` is the default, but schemas 1.25-1.36 require it (scaffold-gpu-lint-anchors §3.6).
    """
    return {"type": "DisruptionTarget", "status": "True"}
