"""What an operator says about its own object: failed, restarting, not ready, or silent with no pods.

What: the status an operator writes on the objects it runs, read per operator family:

* Kubeflow (PyTorchJob, TFJob, MPIJob, ...), Trainer's TrainJob and JobSet: ``status.conditions`` of type
  ``Failed`` (``PyTorchJob default/x has failed because 1 Worker replica(s) failed.``, ``jobset failed due
  to one or more job failures (first failed job: ...)``) and ``Restarting``; JobSet's ``restarts``.
* KubeRay: a RayJob's ``jobDeploymentStatus`` (``Failed``, ``Retrying``) with ``reason`` and ``message``
  (``DeadlineExceeded``, ``SubmissionFailed``, ``AppFailed``); a RayCluster's ``state: failed``, its
  ``ReplicaFailure`` condition and, when its head pod was not read, ``HeadPodReady`` (KubeRay v1.6+ copies
  the head container's reason and message there); a RayService's ``Ready`` condition and its applications'
  ``DEPLOY_FAILED``/``UNHEALTHY`` statuses.
* KServe: an InferenceService's ``Ready`` condition, the most specific failing one beside it
  (``RevisionFailed``: ``Revision "x-predictor-00001" failed with message: ...``) and
  ``status.modelStatus.lastFailureInfo`` (``NoSupportingRuntime``, ``ModelLoadFailed``).
* LeaderWorkerSet and DeploymentConfig: the ``Available`` condition; Volcano: ``status.state.phase``.

An object that should run but has no pods gets ``workload-no-pods``: with no status at all its operator
has not seen it (not installed, not running, or not watching the namespace); otherwise the operator saw
it and made no pods, and its newest Warning event says why. Suspended or queued objects are left to
``job-suspended`` and the Kueue rule.

Why it matters: ``kubectl get pytorchjob`` shows a state, not the reason, and an object with no pods
leaves nothing for a pod diagnosis to read: the operator's words are the first clue.

Remedy: the message names the failing replica, revision or model; the pods' findings say why it failed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import WorkloadContext
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import find_condition, indexed_conditions
from kubectl_ml.model.shapes import mapping, text
from kubectl_ml.model.workloads import WorkloadKind, has_finished, is_suspended, queue_name
from kubectl_ml.rules._common import event_evidence, finding, object_path, status_evidence

NEEDS = (Need("events"),)

CODES = declare(
    CodeInfo(
        "workload-failed",
        "operator",
        Severity.ERROR,
        "operator marked it failed",
        "The operator that runs the workload (Kubeflow, JobSet, KubeRay, Volcano, Trainer) marked it "
        "failed; its status says why, in the operator's words.",
        "Fix what the message and the failed pods' findings name, then submit the workload again.",
        docs="https://kubernetes.io/docs/tasks/debug/debug-application/",
    ),
    CodeInfo(
        "workload-not-ready",
        "operator",
        Severity.ERROR,
        "operator reports it not ready",
        "A serving or cluster object (InferenceService, LeaderWorkerSet, RayCluster, RayService) is not "
        "ready, by its own status conditions.",
        "Follow the condition's message: it usually names the revision, pod or model that fails.",
        docs="https://kubernetes.io/docs/tasks/debug/debug-application/",
    ),
    CodeInfo(
        "workload-restarting",
        "operator",
        Severity.WARNING,
        "operator restarts it",
        "The operator restarted the workload's pods after a failure (Kubeflow Restarting, JobSet "
        "restarts, RayJob retries): it will fail again for the same cause.",
        "Read the failed pods' findings for the cause before the restart budget runs out.",
        docs="https://kubernetes.io/docs/tasks/debug/debug-application/",
    ),
    CodeInfo(
        "workload-no-pods",
        "operator",
        Severity.ERROR,
        "no pods, and nothing says why",
        "The workload should be running but has no pods: with no status at all, its operator is not "
        "running or not watching this namespace; with a status, it could not create them.",
        "Check that the operator's controller runs (kubectl get pods -A | grep the operator) and its "
        "log, and the object's events.",
        docs="https://kubernetes.io/docs/concepts/extend-kubernetes/operator/",
    ),
)


_RAY_FAILED_APPLICATION = ("DEPLOY_FAILED", "UNHEALTHY")


def _is_true(obj: Mapping[str, Any], kind: str) -> tuple[int, Mapping[str, Any]] | None:
    found = find_condition(obj, kind)
    return found if found is not None and found[1].get("status") == "True" else None


def _path(context: WorkloadContext, inner: str) -> str:
    return object_path(context.ref, inner)


def _said(code: str, context: WorkloadContext, summary: str, **details: Any) -> Finding:
    """A finding about the operator object, grouped under its top workload (a RayJob's RayCluster under it)."""
    return finding(code, context.ref, summary, workload=context.workload or context.ref, **details)


def _condition_evidence(context: WorkloadContext, index: int, item: Mapping[str, Any]) -> list[Evidence]:
    evidence = [status_evidence(_path(context, f"status.conditions[{index}].reason"), item.get("reason"))]
    if item.get("message"):
        evidence.append(status_evidence(_path(context, f"status.conditions[{index}].message"), item.get("message")))
    return evidence


def _replica_failure(context: WorkloadContext, obj: Mapping[str, Any], *types: str) -> Iterator[Finding]:
    """``workload-not-ready`` when a condition of one of ``types`` (a ReplicaFailure) is True."""
    failure = next((found for kind in types if (found := _is_true(obj, kind)) is not None), None)
    if failure is not None:
        index, item = failure
        yield _said(
            "workload-not-ready",
            context,
            f"{_noun(context)} cannot create its pods: {item.get('message') or item.get('reason')}",
            evidence=_condition_evidence(context, index, item),
        )


def _noun(context: WorkloadContext) -> str:
    kind = context.entry.kind if context.entry else context.ref.kind
    return f"{kind} {context.ref.name}"


def _failure(context: WorkloadContext) -> Iterator[Finding]:
    """Failed and restarting, from conditions (Kubeflow, Trainer, JobSet, DeploymentConfig's kin)."""
    obj = context.controller
    failed = _is_true(obj, "Failed")
    if failed is not None:
        index, item = failed
        message = str(item.get("message") or item.get("reason") or "")
        yield _said(
            "workload-failed",
            context,
            f"{_noun(context)} failed: {message}" if message else f"{_noun(context)} failed.",
            evidence=_condition_evidence(context, index, item),
        )
        return
    restarting = _is_true(obj, "Restarting")
    if restarting is not None and not _is_true(obj, "Running"):
        index, item = restarting
        yield _said(
            "workload-restarting",
            context,
            f"{_noun(context)} is restarting: {item.get('message') or item.get('reason')}",
            evidence=_condition_evidence(context, index, item),
        )
    restarts = mapping(obj.get("status")).get("restarts")
    is_jobset = context.entry is not None and context.entry.kind == "JobSet"
    if is_jobset and isinstance(restarts, int) and restarts > 0 and not has_finished(obj):
        yield _said(
            "workload-restarting",
            context,
            f"{_noun(context)} was restarted {restarts} time{'s' if restarts != 1 else ''} after job failures.",
            evidence=[status_evidence(_path(context, "status.restarts"), restarts)],
        )


def _ray(context: WorkloadContext) -> Iterator[Finding]:
    obj = context.controller
    status = mapping(obj.get("status"))
    kind = context.entry.kind if context.entry else ""
    if kind == "RayJob":
        deployment = status.get("jobDeploymentStatus")
        if deployment in ("Failed", "Retrying") or status.get("jobStatus") == "FAILED":
            reason, message = status.get("reason"), status.get("message")
            evidence = [status_evidence(_path(context, "status.jobDeploymentStatus"), deployment)]
            if status.get("jobStatus"):
                evidence.append(status_evidence(_path(context, "status.jobStatus"), status.get("jobStatus")))
            if reason:
                evidence.append(status_evidence(_path(context, "status.reason"), reason))
            if message:
                evidence.append(status_evidence(_path(context, "status.message"), message))
            code = "workload-restarting" if deployment == "Retrying" else "workload-failed"
            said = "is retrying" if deployment == "Retrying" else "failed"
            tail = (
                f" ({reason}): {message}"
                if reason and message
                else f": {message or reason}"
                if message or reason
                else "."
            )
            yield _said(code, context, f"{_noun(context)} {said}{tail}", evidence=evidence)
        return
    if kind == "RayCluster" and str(status.get("state", "")).lower() == "failed":
        evidence = [status_evidence(_path(context, "status.state"), status.get("state"))]
        if status.get("reason"):
            evidence.append(status_evidence(_path(context, "status.reason"), status.get("reason")))
        yield _said(
            "workload-failed",
            context,
            f"{_noun(context)} failed: {status.get('reason') or 'state failed'}",
            evidence=evidence,
        )
        return
    # The Go constant is RayClusterReplicaFailure; the condition's type is ReplicaFailure (STATUS-NOTES §5).
    yield from _replica_failure(context, obj, "ReplicaFailure", "RayClusterReplicaFailure")
    head = find_condition(obj, "HeadPodReady")
    if kind == "RayCluster" and not context.pods and head is not None and head[1].get("status") == "False":
        index, item = head
        if item.get("message") and item.get("reason") not in (None, "", "Unknown"):
            # KubeRay v1.6+ copies the head container's reason and message here: with the head pod not
            # read (or gone), this is the one place that says why the cluster never came up.
            yield _said(
                "workload-not-ready",
                context,
                f"{_noun(context)}: its head pod is not ready ({item.get('reason')}): {item.get('message')}",
                evidence=_condition_evidence(context, index, item),
            )
    if kind == "RayService":
        yield from _ray_service(context)


def _ray_service(context: WorkloadContext) -> Iterator[Finding]:
    status = mapping(context.controller.get("status"))
    applications = mapping(mapping(status.get("activeServiceStatus")).get("applicationStatuses"))
    for name, application in sorted(applications.items()):
        if isinstance(application, Mapping) and application.get("status") in _RAY_FAILED_APPLICATION:
            path = f"status.activeServiceStatus.applicationStatuses['{name}']"
            yield _said(
                "workload-not-ready",
                context,
                f"{_noun(context)}: Serve application {name} is {application.get('status')}: "
                f"{application.get('message') or 'no message'}",
                evidence=[
                    status_evidence(_path(context, f"{path}.status"), application.get("status")),
                    status_evidence(_path(context, f"{path}.message"), application.get("message")),
                ],
            )
            return
    ready = find_condition(context.controller, "Ready")
    if ready is not None and ready[1].get("status") == "False" and ready[1].get("message"):
        index, item = ready
        yield _said(
            "workload-not-ready",
            context,
            f"{_noun(context)} is not ready: {item.get('message')}",
            evidence=_condition_evidence(context, index, item),
        )


def _most_specific(conditions: Sequence[tuple[int, Mapping[str, Any]]]) -> tuple[int, Mapping[str, Any]] | None:
    """The failing condition that names the cause: one that failed (RevisionFailed) over one that waits."""
    failing = [(index, item) for index, item in conditions if item.get("status") == "False" and item.get("message")]
    failed = [pair for pair in failing if "Failed" in str(pair[1].get("reason", ""))]
    chosen = failed or failing
    return chosen[0] if chosen else None


def _kserve(context: WorkloadContext) -> Iterator[Finding]:
    obj = context.controller
    status = mapping(obj.get("status"))
    model = mapping(status.get("modelStatus"))
    failure = mapping(model.get("lastFailureInfo"))
    ready = find_condition(obj, "Ready")
    if failure.get("reason") or failure.get("message"):
        evidence = [
            status_evidence(_path(context, "status.modelStatus.lastFailureInfo.reason"), failure.get("reason")),
            status_evidence(_path(context, "status.modelStatus.lastFailureInfo.message"), failure.get("message")),
        ]
        if model.get("transitionStatus"):
            transition = model.get("transitionStatus")
            evidence.append(status_evidence(_path(context, "status.modelStatus.transitionStatus"), transition))
        yield _said(
            "workload-not-ready",
            context,
            f"{_noun(context)} cannot load its model ({failure.get('reason')}): {failure.get('message')}",
            evidence=evidence,
        )
        return
    if ready is None or ready[1].get("status") != "False":
        return
    specific = _most_specific(indexed_conditions(obj)) or ready
    index, item = specific
    evidence = _condition_evidence(context, index, item)
    if specific is not ready and ready[1].get("message"):
        evidence += _condition_evidence(context, *ready)
    yield _said(
        "workload-not-ready",
        context,
        f"{_noun(context)} is not ready ({item.get('type')}: {item.get('reason')}): {item.get('message')}",
        evidence=evidence,
    )


def _available(context: WorkloadContext) -> Iterator[Finding]:
    """LeaderWorkerSet and DeploymentConfig: Available False, or never available with too few ready."""
    obj = context.controller
    status = mapping(obj.get("status"))
    available = find_condition(obj, "Available")
    if available is not None and available[1].get("status") == "False":
        index, item = available
        evidence = _condition_evidence(context, index, item)
        said = item.get("message") or item.get("reason")
        if context.entry is not None and context.entry.kind == "LeaderWorkerSet":
            # The LWS controller flips Available to False but keeps the AllGroupsReady reason and "All replicas
            # are ready" message (fixtures/operators/status/STATUS-NOTES.md §4): the counts are the truth.
            ready, wanted = status.get("readyReplicas", 0), status.get("replicas", 0)
            said = f"{ready} of {wanted} groups ready"
            evidence = [
                status_evidence(_path(context, "status.readyReplicas"), ready),
                status_evidence(_path(context, "status.replicas"), wanted),
                *evidence,
            ]
        yield _said(
            "workload-not-ready",
            context,
            f"{_noun(context)} is not available: {said}",
            evidence=evidence,
        )
        return
    # What OpenShift's console calls a failed DeploymentConfig (openshift/console#8463): Progressing False
    # with ProgressDeadlineExceeded, or ReplicaFailure True.
    progress = find_condition(obj, "Progressing")
    if progress is not None and progress[1].get("reason") == "ProgressDeadlineExceeded":
        index, item = progress
        yield _said(
            "workload-not-ready",
            context,
            f"{_noun(context)} did not finish its rollout: {item.get('message') or item.get('reason')}",
            evidence=_condition_evidence(context, index, item),
        )
        return
    yield from _replica_failure(context, obj, "ReplicaFailure")


def _volcano(context: WorkloadContext) -> Iterator[Finding]:
    state = mapping(mapping(context.controller.get("status")).get("state"))
    phase = state.get("phase")
    if phase not in ("Failed", "Aborted", "Terminated"):
        return
    evidence = [status_evidence(_path(context, "status.state.phase"), phase)]
    for key in ("reason", "message"):
        if state.get(key):
            evidence.append(status_evidence(_path(context, f"status.state.{key}"), state.get(key)))
    said = state.get("message") or state.get("reason") or f"phase {phase}"
    yield _said("workload-failed", context, f"{_noun(context)} is {phase}: {said}", evidence=evidence)


# The Deployments that run each operator's controller, as the operators' own manifests name them.
_CONTROLLERS = {
    "kubeflow.org": "training-operator|mpi-operator|notebook-controller",
    "trainer.kubeflow.org": "trainer-controller-manager",
    "jobset.x-k8s.io": "jobset-controller-manager",
    "leaderworkerset.x-k8s.io": "lws-controller-manager",
    "ray.io": "kuberay-operator",
    "serving.kserve.io": "kserve-controller-manager",
    "batch.volcano.sh": "volcano-controllers",
    "apps.openshift.io": "openshift-controller-manager",
    "argoproj.io": "workflow-controller",
    "machinelearning.seldon.io": "seldon-controller-manager",
}


def _controller_command(entry: WorkloadKind) -> str:
    """The command that shows whether the operator's controller runs."""
    if entry.group == "serving.knative.dev":
        return "kubectl get deployments -n knative-serving"
    pattern = _CONTROLLERS.get(entry.group, entry.group.split(".", 1)[0])
    return f"kubectl get deployments -A | grep -E '{pattern}'"


def _counts_pods(status: Mapping[str, Any]) -> bool:
    """True when the status counts pods that exist or are being made.

    Kubeflow's ``replicaStatuses.*.active``, Volcano's ``pending``/``running``, LeaderWorkerSet's
    ``readyReplicas``, KubeRay's ``head.podName``.
    """
    replicas = mapping(status.get("replicaStatuses"))
    if any(isinstance(mapping(item).get("active"), int) and mapping(item)["active"] > 0 for item in replicas.values()):
        return True
    for key in ("pending", "running", "readyReplicas"):
        value = status.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return True
    return bool(text(mapping(status.get("head")).get("podName")))


def _telling_condition(obj: Mapping[str, Any]) -> tuple[int, Mapping[str, Any]] | None:
    """The condition that says most: one that is False with a message, else the newest with a message."""
    conditions = [(index, item) for index, item in indexed_conditions(obj) if item.get("message")]
    failing = [pair for pair in conditions if pair[1].get("status") == "False"]
    if failing:
        return failing[-1]
    ordered = sorted(conditions, key=lambda pair: str(pair[1].get("lastTransitionTime") or ""))
    return ordered[-1] if ordered else None


def _no_pods(context: WorkloadContext, entry: WorkloadKind) -> Iterator[Finding]:
    obj = context.controller
    if context.pods:
        return
    if not entry.pod_label or is_suspended(entry, obj) or queue_name(obj) or has_finished(obj):
        return
    ready = find_condition(obj, "Ready") or find_condition(obj, "Available")
    if ready is not None and ready[1].get("status") == "True":
        return  # scaled to zero on purpose (KServe's minReplicas: 0)
    status = mapping(obj.get("status"))
    operator = entry.operator or "its operator"
    if not status:
        yield _said(
            "workload-no-pods",
            context,
            f"{_noun(context)} has no pods and no status: {operator} has not seen it (not installed, not "
            "running, or not watching this namespace).",
            evidence=[status_evidence(_path(context, "status"), None)],
            commands=[_controller_command(entry)],
        )
        return
    if _counts_pods(status):
        return  # the operator counts pods this read did not find (another label, or gone since): no claim
    warnings = [event for event in context.events if event.type == "Warning"]
    evidence = [event_evidence(warnings[0], context.now)] if warnings else []
    telling = _telling_condition(obj)
    if telling is not None:
        evidence += [item for item in _condition_evidence(context, *telling) if item.value not in (None, "")]
    said = f": {warnings[0].message}" if warnings else "; its events say nothing (they expire after an hour)."
    yield _said(
        "workload-no-pods",
        context,
        f"{_noun(context)} has a status but no pods: {operator} did not create them{said}",
        evidence=evidence,
        severity=Severity.ERROR,
    )


def check(context: WorkloadContext) -> Iterator[Finding]:
    """Yield what the operator's own status says is wrong with the object, or that it has no pods."""
    entry = context.entry
    if entry is None or entry.builtin:
        return
    if entry.group == "ray.io":
        said = list(_ray(context))
    elif entry.group == "serving.kserve.io":
        said = list(_kserve(context))
    elif entry.kind in ("LeaderWorkerSet", "DeploymentConfig"):
        said = list(_available(context))
    elif entry.group == "batch.volcano.sh":
        said = list(_volcano(context))
    else:
        said = list(_failure(context))
    yield from said
    if not said:
        # When the status already says what is wrong (a failed revision, no serving runtime), "no pods"
        # is its consequence, not a second problem.
        yield from _no_pods(context, entry)
