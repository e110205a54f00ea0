"""A Kubeflow PyTorchJob (``kubectl ml new job --kind pytorchjob``): a Master and ``workers - 1`` Workers.

For the training operator's v1 API (kubeflow.org/v1, kubeflow/training-operator v1.9, now kubeflow/trainer),
whose source decides what is written here:

* The container is named ``pytorch``: the operator's webhook refuses a replica without a container of
  that name, and only that container's port and exit code are read.
* No MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK or PET_* variables: the operator adds them to every
  container of every replica (pkg/controller.v1/pytorch/envvar.go, master.go): MASTER_ADDR is
  ``<name>-master-0`` (it creates a Service per pod), MASTER_PORT the container port named
  ``pytorchjob-port``, and PET_NNODES, PET_NODE_RANK, PET_NPROC_PER_NODE (from ``nprocPerNode``),
  PET_MASTER_ADDR and PET_MASTER_PORT, so ``torchrun train.py`` needs no flags. Written here too, each
  would appear twice in the pod, the operator's copy last and winning.
* ``nprocPerNode`` = GPUs per pod (one process per GPU): the operator computes WORLD_SIZE from it; with
  its default ``auto`` WORLD_SIZE would count pods, not processes.
* ``restartPolicy: OnFailure``, not ``ExitCode``: ExitCode fails at once on exit codes 1-127 and retries
  128-255 (killed by a signal), but it retries by recreating pods while ``backoffLimit`` counts container
  restarts, so its retries have no bound (kubeflow/trainer#2045): an OOM-killed trainer (137) would run
  again until ``activeDeadlineSeconds``. OnFailure restarts the container in place, counted; a pod lost to
  an eviction or a preemption is recreated without counting.
* ``backoffLimit`` = 3 per pod: the operator sums the restarts of all pods, and a rank that fails takes
  the others down with it (the collective breaks), so one retry of the whole job costs a restart per pod.
* ``cleanPodPolicy: Running``: when the job has failed or succeeded, pods still running (other ranks,
  holding their GPUs) are deleted; finished ones stay, with their logs, until the TTL.
* No ``restartPolicy`` in the pod templates: the operator sets it from the replica's and warns when a
  template has one.
"""

from __future__ import annotations

from typing import Any

from kubectl_ml.scaffold.common import DNS_LABEL_LENGTH, check_dns_label, metadata
from kubectl_ml.scaffold.placement import Placement
from kubectl_ml.scaffold.training import (
    BACKOFF_LIMIT,
    COMPONENT,
    TTL_AFTER_FINISHED,
    JobParams,
    pod_template,
    trainer_container,
)

API_VERSION = "kubeflow.org/v1"
CONTAINER = "pytorch"  # PyTorchJobDefaultContainerName: the operator requires it
PORT_NAME = "pytorchjob-port"  # PyTorchJobDefaultPortName: MASTER_PORT comes from this port
PORT = 23456  # PyTorchJobDefaultPort: what the operator's defaulting would add


def _check_name(params: JobParams) -> None:
    # The operator names a Service after each pod (<name>-master-0, <name>-worker-<i>): an RFC 1035 label.
    longest = f"-worker-{params.workers - 2}" if params.workers > 1 else "-master-0"
    why = f"the operator names a pod and a Service <name>{longest}, at most {DNS_LABEL_LENGTH} characters"
    check_dns_label(params.name, "PyTorchJob", DNS_LABEL_LENGTH - len(longest), why)


def _replica(params: JobParams, placement: Placement, replicas: int) -> dict[str, Any]:
    # Every replica declares the port, as the operator's defaulting does: Workers' Services expose it too.
    container = trainer_container(params, CONTAINER, [{"name": PORT_NAME, "containerPort": PORT}])
    return {
        "replicas": replicas,
        "restartPolicy": "OnFailure",
        "template": pod_template(params, placement, container, restart_policy=None),
    }


def build_pytorchjob(params: JobParams, placement: Placement) -> list[dict[str, Any]]:
    """The PyTorchJob: Master (rank 0) and, for ``workers > 1``, ``workers - 1`` Workers."""
    _check_name(params)
    run_policy: dict[str, Any] = {
        "backoffLimit": BACKOFF_LIMIT * params.workers,
        "ttlSecondsAfterFinished": TTL_AFTER_FINISHED,
    }
    if params.active_deadline_seconds is not None:
        run_policy["activeDeadlineSeconds"] = params.active_deadline_seconds
    run_policy["cleanPodPolicy"] = "Running"
    replica_specs = {"Master": _replica(params, placement, 1)}
    if params.workers > 1:
        replica_specs["Worker"] = _replica(params, placement, params.workers - 1)
    spec = {"nprocPerNode": str(max(params.gpus, 1)), "runPolicy": run_policy, "pytorchReplicaSpecs": replica_specs}
    manifest = {"apiVersion": API_VERSION, "kind": "PyTorchJob"}
    return [{**manifest, "metadata": metadata(params.name, params.namespace, COMPONENT), "spec": spec}]
