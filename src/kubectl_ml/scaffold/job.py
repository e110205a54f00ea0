"""A training job (``kubectl ml new job``): by default a Job, one pod or ``workers`` pods for torchrun.

``--kind`` picks the API that runs it: ``job`` (here, no operator needed), ``pytorchjob``
(``scaffold.pytorchjob``) or ``jobset`` (``scaffold.jobset``); the pod is the same (``scaffold.training``).

The Job, and why:

* ``restartPolicy: Never`` and a ``podFailurePolicy``: evictions and preemptions (``DisruptionTarget``)
  do not count against ``backoffLimit``; exit codes 126/127 (command not executable / not found) fail the
  Job at once, since a retry runs the same command.
* ``workers > 1``: an Indexed Job (completions = parallelism = workers), a headless Service giving pod
  ``<name>-0.<name>`` a DNS name, and torchrun's environment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubectl_ml.errors import UsageError
from kubectl_ml.scaffold import jobset, pytorchjob
from kubectl_ml.scaffold.common import metadata, selector
from kubectl_ml.scaffold.placement import Placement, default_placement
from kubectl_ml.scaffold.training import (
    BACKOFF_LIMIT,
    COMPONENT,
    CONTAINER,
    MASTER_PORT,
    TTL_AFTER_FINISHED,
    JobParams,
    check_params,
    disruption_condition,
    fatal_exit_codes_rule,
    pod_template,
    torchrun_env,
    trainer_container,
)

__all__ = ["JOB_KINDS", "JobParams", "build_job"]


def _headless_service(params: JobParams) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(params.name, params.namespace, COMPONENT),
        "spec": {
            "clusterIP": "None",
            # Peers must resolve rank 0 before any pod is ready (a Job's pods have no readiness probe).
            "publishNotReadyAddresses": True,
            "selector": selector(params.name, COMPONENT),
            "ports": [{"name": "rendezvous", "port": MASTER_PORT, "targetPort": MASTER_PORT}],
        },
    }


def _indexed_job(params: JobParams, placement: Placement) -> list[dict[str, Any]]:
    """The Job (and, for ``workers > 1``, its headless Service first)."""
    distributed = params.workers > 1
    ports = [{"name": "rendezvous", "containerPort": MASTER_PORT}] if distributed else []
    rendezvous = torchrun_env(params, f"{params.name}-0.{params.name}") if distributed else []
    container = trainer_container(params, CONTAINER, ports, rendezvous)
    subdomain = params.name if distributed else None
    spec: dict[str, Any] = {}
    if distributed:
        spec.update(completionMode="Indexed", completions=params.workers, parallelism=params.workers)
    spec["backoffLimit"] = BACKOFF_LIMIT
    spec["ttlSecondsAfterFinished"] = TTL_AFTER_FINISHED
    if params.active_deadline_seconds is not None:
        spec["activeDeadlineSeconds"] = params.active_deadline_seconds
    spec["podFailurePolicy"] = {
        "rules": [
            {"action": "Ignore", "onPodConditions": [disruption_condition()]},
            fatal_exit_codes_rule(CONTAINER),
        ]
    }
    spec["template"] = pod_template(params, placement, container, "Never", subdomain)
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata(params.name, params.namespace, COMPONENT)}
    job["spec"] = spec
    return [_headless_service(params), job] if distributed else [job]


# The kinds ``--kind`` takes, in the order the help lists them; ``job`` needs no operator.
JOB_KINDS: dict[str, Callable[[JobParams, Placement], list[dict[str, Any]]]] = {
    "job": _indexed_job,
    "pytorchjob": pytorchjob.build_pytorchjob,
    "jobset": jobset.build_jobset,
}


def build_job(params: JobParams, placement: Placement | None = None) -> list[dict[str, Any]]:
    """The manifests of ``params.kind``, in the order to apply them, as dicts ready to serialize.

    Args:
        params: what was asked for.
        placement: tolerations and nodeSelector fitted to a cluster; None: the generic GPU toleration.

    Raises:
        UsageError: an unknown kind, or a value that kind cannot take (exit 2).
    """
    builder = JOB_KINDS.get(params.kind)
    if builder is None:
        raise UsageError(f"unknown kind {params.kind!r}", f"Use one of: {', '.join(JOB_KINDS)}.")
    check_params(params)
    return builder(params, placement or default_placement(params.gpus))
