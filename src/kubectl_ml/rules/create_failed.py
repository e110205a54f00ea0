"""Controllers that cannot create their pods: quota, PodSecurity, webhooks, ServiceAccounts.

What: ``FailedCreate`` events on a ReplicaSet, Job, StatefulSet or DaemonSet (``Error creating: pods
"x" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=4, used: ...,
limited: ...``), and the ReplicaSet condition ``ReplicaFailure`` that keeps the same text after the
events expire.

Why it matters: the workload has no pods at all, so a pod doctor sees nothing; the reason sits on the
ReplicaSet that ``kubectl describe deployment`` does not show.

Remedy: lower the requests or raise the quota; satisfy the policy; create the ServiceAccount.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kubectl_ml.model.context import WorkloadContext
from kubectl_ml.model.events import Event
from kubectl_ml.model.findings import Evidence, Finding, ObjectRef
from kubectl_ml.model.pods import condition_index
from kubectl_ml.rules._common import event_evidence, finding, status_evidence

_EXCEEDED = re.compile(r"[Ee]xceeded quota: ([^,]+), requested: (.*?), used: (.*?), limited: ([^\s]*)")
_FAILED_QUOTA = re.compile(r"[Ff]ailed quota: ([^:]+): must specify (.*)$")
_SERVICE_ACCOUNT = re.compile(r'serviceaccount "([^"]+)" not found')


def _classify(message: str, namespace: str) -> tuple[str, str, str, list[str]] | None:
    """(code, summary tail, remedy, commands) for a FailedCreate message, or None."""
    exceeded = _EXCEEDED.search(message)
    if exceeded:
        quota, requested, used, limited = exceeded.groups()
        return (
            "quota-exceeded",
            f"ResourceQuota {quota} refuses the pods: requested {requested}, used {used}, limited {limited}",
            f"Lower the pods' requests/limits, raise ResourceQuota {quota}, or free quota by scaling other "
            "workloads down.",
            [f"kubectl describe resourcequota {quota} -n {namespace}"],
        )
    failed = _FAILED_QUOTA.search(message)
    if failed:
        quota, what = failed.groups()
        return (
            "quota-exceeded",
            f"ResourceQuota {quota} requires every container to set {what.strip().rstrip('.')}",
            "Set requests and limits for cpu and memory on every container (quotas on a resource make them mandatory).",
            [f"kubectl describe resourcequota {quota} -n {namespace}"],
        )
    account = _SERVICE_ACCOUNT.search(message)
    if account:
        name = account.group(1)
        return (
            "admission-denied",
            f"ServiceAccount {name} does not exist",
            f"Create ServiceAccount {name} in the namespace, or fix serviceAccountName in the pod template.",
            [f"kubectl create serviceaccount {name} -n {namespace}"],
        )
    if "violates PodSecurity" in message:
        return (
            "admission-denied",
            "the pod template violates the namespace's Pod Security level",
            "Change the pod template's securityContext to meet the level named in the message (runAsNonRoot, "
            "no privilege escalation, dropped capabilities, seccompProfile), or change the namespace's level.",
            [f"kubectl get namespace {namespace} --show-labels"],
        )
    if "admission webhook" in message and "denied" in message:
        return (
            "admission-denied",
            "an admission webhook denied the pods",
            "Change the pod template to satisfy the webhook's policy quoted in the message.",
            [],
        )
    return None


def _failure_texts(
    controller: Mapping[str, Any], ref: ObjectRef, events: Sequence[Event], context: WorkloadContext
) -> list[tuple[str, Evidence]]:
    texts = [(event.message, event_evidence(event, context.now)) for event in events if event.reason == "FailedCreate"]
    index = condition_index(controller, "ReplicaFailure")
    if index is not None:
        condition = ((controller.get("status") or {}).get("conditions") or [])[index]
        if condition.get("status") == "True" and condition.get("message"):
            path = f"{ref.kind.lower()}s/{ref.name}.status.conditions[{index}].message"
            texts.append((str(condition["message"]), status_evidence(path, condition["message"])))
    return texts


def check(context: WorkloadContext) -> Iterator[Finding]:
    """Yield one finding per distinct creation failure of the controller or its children."""
    sources: list[tuple[Mapping[str, Any], ObjectRef, Sequence[Event]]] = [
        (context.controller, context.ref, context.events)
    ]
    for child in context.children:
        metadata = child.get("metadata") or {}
        child_ref = ObjectRef(
            str(child.get("kind", "")), str(metadata.get("namespace", "")), str(metadata.get("name", ""))
        )
        sources.append((child, child_ref, context.child_events.get(str(metadata.get("uid", "")), ())))
    seen: set[tuple[str, str]] = set()
    for controller, ref, events in sources:
        for text, evidence in _failure_texts(controller, ref, events, context):
            classified = _classify(text, ref.namespace)
            if classified is None:
                continue
            code, tail, remedy, commands = classified
            if (code, tail) in seen:
                continue
            seen.add((code, tail))
            yield finding(
                code,
                ref,
                f"{ref.kind} {ref.name} cannot create its pods: {tail}.",
                evidence=[evidence],
                remedy=remedy,
                commands=commands,
                workload=context.workload or context.ref,
            )
