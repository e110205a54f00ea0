"""A JobSet (``kubectl ml new job --kind jobset``): ``workers`` Indexed pods, restarted together.

For jobset.x-k8s.io/v1alpha2 (kubernetes-sigs/jobset; every field used here exists since v0.6):

* One replicated Job, ``workers`` (replicas 1), Indexed with completions = parallelism = workers: the
  pod of completion index ``i`` is node rank ``i``.
* ``network.enableDNSHostnames``: JobSet creates the headless Service itself, named after the JobSet and
  publishing not-ready addresses (peers resolve rank 0 before any pod is ready), and sets it as the
  pods' subdomain; pod ``i`` is ``<name>-workers-0-<i>.<name>``, so MASTER_ADDR is
  ``<name>-workers-0-0.<name>``. No Service is written. JobSet injects no torchrun variables: the
  manifest sets them, as for the Job.
* ``backoffLimit: 0`` and ``failurePolicy.maxRestarts: 3``: a pod replaced alone cannot rejoin ranks
  that are already training (torchrun's static rendezvous is over, and they would wait in a collective
  until NCCL's timeout), so any failure fails the Job and JobSet recreates all the pods together,
  up to three times.
* Disruptions (eviction, preemption, node drain: ``DisruptionTarget``) fail the Job through its pod
  failure policy, and the ``disrupted`` rule restarts the JobSet at once without counting it, as
  JobSet's host-maintenance example does: the Job's ``Ignore`` would replace the one pod and leave the
  others waiting. A command that cannot run (126/127) is then an ordinary failure, retried like a
  crash: JobSet tells failures apart by the Job's reason only, and both would be ``PodFailurePolicy``.
* With ``--active-deadline``, ``activeDeadlineSeconds`` is on the Job (JobSet has none), so it runs
  again with each restart; the ``deadline`` rule fails the JobSet when the Job's deadline passes
  instead of starting it over.
* ``successPolicy`` All of ``workers``: done when every rank is.
* ``ttlSecondsAfterFinished`` on the JobSet (its Jobs and pods go with it), none on the Job it owns.
"""

from __future__ import annotations

from typing import Any

from kubectl_ml.scaffold.common import DNS_LABEL_LENGTH, check_dns_label, labels, metadata
from kubectl_ml.scaffold.placement import Placement
from kubectl_ml.scaffold.training import (
    BACKOFF_LIMIT,
    COMPONENT,
    CONTAINER,
    MASTER_PORT,
    TTL_AFTER_FINISHED,
    JobParams,
    disruption_condition,
    pod_template,
    torchrun_env,
    trainer_container,
)

API_VERSION = "jobset.x-k8s.io/v1alpha2"
REPLICATED_JOB = "workers"
# The random suffix the Job controller appends to pod names (JobSet's webhook counts it too).
_POD_SUFFIX = "-abcde"


def _check_name(params: JobParams) -> None:
    # JobSet's webhook refuses a name whose pods' names (<name>-workers-0-<index>-xxxxx) pass 63 characters.
    longest = f"-{REPLICATED_JOB}-0-{params.workers - 1}{_POD_SUFFIX}"
    why = f"JobSet names its pods <name>{longest[: -len(_POD_SUFFIX)]}-xxxxx, at most {DNS_LABEL_LENGTH} characters"
    check_dns_label(params.name, "JobSet", DNS_LABEL_LENGTH - len(longest), why)


def _failure_policy(params: JobParams) -> dict[str, Any]:
    disrupted = {"name": "disrupted", "action": "RestartJobSetAndIgnoreMaxRestarts"}
    rules: list[dict[str, Any]] = [{**disrupted, "onJobFailureReasons": ["PodFailurePolicy"]}]
    if params.active_deadline_seconds is not None:
        rules.append({"name": "deadline", "action": "FailJobSet", "onJobFailureReasons": ["DeadlineExceeded"]})
    return {"maxRestarts": BACKOFF_LIMIT, "rules": rules}


def _job_spec(params: JobParams, placement: Placement) -> dict[str, Any]:
    master = f"{params.name}-{REPLICATED_JOB}-0-0.{params.name}"
    ports = [{"name": "rendezvous", "containerPort": MASTER_PORT}]
    container = trainer_container(params, CONTAINER, ports, torchrun_env(params, master))
    spec: dict[str, Any] = {"completionMode": "Indexed", "completions": params.workers, "parallelism": params.workers}
    spec["backoffLimit"] = 0
    if params.active_deadline_seconds is not None:
        spec["activeDeadlineSeconds"] = params.active_deadline_seconds
    spec["podFailurePolicy"] = {"rules": [{"action": "FailJob", "onPodConditions": [disruption_condition()]}]}
    spec["template"] = pod_template(params, placement, container, "Never")
    return spec


def build_jobset(params: JobParams, placement: Placement) -> list[dict[str, Any]]:
    """The JobSet: one replicated Job of ``workers`` Indexed pods, with torchrun's environment."""
    _check_name(params)
    replicated_job = {
        "name": REPLICATED_JOB,
        "replicas": 1,
        "template": {"metadata": {"labels": labels(params.name, COMPONENT)}, "spec": _job_spec(params, placement)},
    }
    spec: dict[str, Any] = {
        "failurePolicy": _failure_policy(params),
        "successPolicy": {"operator": "All", "targetReplicatedJobs": [REPLICATED_JOB]},
        "network": {"enableDNSHostnames": True},
        "ttlSecondsAfterFinished": TTL_AFTER_FINISHED,
        "replicatedJobs": [replicated_job],
    }
    manifest = {"apiVersion": API_VERSION, "kind": "JobSet"}
    return [{**manifest, "metadata": metadata(params.name, params.namespace, COMPONENT), "spec": spec}]
