"""Controllers that cannot create their pods: quota, PodSecurity, webhooks, ServiceAccounts.

What: ``FailedCreate`` events on a ReplicaSet, Job, StatefulSet or DaemonSet (``Error creating: pods
"x" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=4, used: ...,
limited: ...``), and the ReplicaSet condition ``ReplicaFailure`` that keeps the same text after the
events expire.

Why it matters: the workload has no pods at all, so a pod doctor sees nothing; the reason sits on the
ReplicaSet that ``kubectl describe deployment`` does not show. Only controllers that are short of pods
are reported: an old ReplicaSet scaled to zero, or one that has since created all its pods, keeps its
``FailedCreate`` events for an hour, and they are history, not a problem.

Remedy: lower the requests or raise the quota; satisfy the policy; create the ServiceAccount.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import WorkloadContext
from kubectl_ml.model.events import Event
from kubectl_ml.model.findings import Evidence, Finding, ObjectRef, Severity
from kubectl_ml.model.pods import condition_index
from kubectl_ml.rules._common import event_evidence, finding, status_evidence

NEEDS = (Need("events"),)

CODES = declare(
    CodeInfo(
        "quota-exceeded",
        "scheduling",
        Severity.ERROR,
        "ResourceQuota refused the pods",
        "The namespace's ResourceQuota refused to admit the pods.",
        "Lower the pods' requests/limits, raise the quota, or free quota by removing other workloads.",
        docs="https://kubernetes.io/docs/concepts/policy/resource-quotas/",
        variants={
            "exceeded": (
                "Lower the pods' requests/limits, raise ResourceQuota {quota}, or free quota by scaling other "
                "workloads down."
            ),
            "must-specify": (
                "Set requests and limits for cpu and memory on every container (quotas on a resource make them "
                "mandatory)."
            ),
        },
    ),
    CodeInfo(
        "admission-denied",
        "start",
        Severity.ERROR,
        "pod rejected at creation",
        "The API server refused to create the pods (PodSecurity, an admission webhook, or a missing ServiceAccount).",
        "Change the pod template to satisfy the policy, or fix the named object.",
        docs="https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/",
        variants={
            "service-account": (
                "Create ServiceAccount {name} in the namespace, or fix serviceAccountName in the pod template."
            ),
            "pod-security": (
                "Change the pod template's securityContext to meet the level named in the message "
                "(runAsNonRoot, no privilege escalation, dropped capabilities, seccompProfile), or change the "
                "namespace's level."
            ),
            "webhook": (
                "Change the pod template to satisfy the webhook's policy quoted in the message, or ask its "
                "owners for an exception."
            ),
        },
    ),
)


# The reason of "cannot create the pod" events: FailedCreate (Kubernetes' controllers), FailedCreatePod
# (the Kubeflow training operator's pod control).
_FAILED_CREATE = ("FailedCreate", "FailedCreatePod")
_EXCEEDED = re.compile(r"[Ee]xceeded quota: ([^,]+), requested: (.*?), used: (.*?), limited: ([^\s]*)")
_FAILED_QUOTA = re.compile(r"[Ff]ailed quota: ([^:]+): must specify (.*)$")
_MUST_SPECIFY_FOR = re.compile(r"^\s*(\S+) for: (.+?)\s*$")
_SERVICE_ACCOUNT = re.compile(r'serviceaccount "([^"]+)" not found')
_POD_SECURITY = re.compile(r'violates PodSecurity "([^"]+)": (.*)$')
# Each violation reads `<check> (<what to set>)`; the checks are the short names users search for.
_POD_SECURITY_CHECK = re.compile(r"(?:^|\), )([^()]+?) \(")
_WEBHOOK = re.compile(r'admission webhook "([^"]+)" denied the request(?:: (.*))?$')


def _must_specify(text: str) -> str:
    """``limits.cpu for: a; requests.cpu for: a`` (newer) or ``limits.cpu,requests.cpu`` (older), readable."""
    resources: list[str] = []
    containers: list[str] = []
    for part in text.strip().rstrip(".").split(";"):
        per_container = _MUST_SPECIFY_FOR.match(part)
        names = [per_container.group(1)] if per_container else [item.strip() for item in part.split(",")]
        resources += [name for name in names if name and name not in resources]
        if per_container:
            containers += [name.strip() for name in per_container.group(2).split(",") if name.strip() not in containers]
    where = f" (missing in container{'s' if len(containers) > 1 else ''} {', '.join(containers)})" if containers else ""
    return ", ".join(resources) + where


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _finished(controller: Mapping[str, Any]) -> bool:
    conditions = (controller.get("status") or {}).get("conditions") or []
    return any(
        item.get("type") in ("Complete", "Failed", "SuccessCriteriaMet", "FailureTarget")
        and item.get("status") == "True"
        for item in conditions
    )


def missing_pods(controller: Mapping[str, Any]) -> bool:
    """True when the controller has fewer pods than it wants now (unknown kinds: assume it does).

    A Job wants ``parallelism`` pods (default 1), fewer when fewer completions remain, none when it is
    finished or suspended. A DaemonSet wants one per eligible node.
    """
    kind = controller.get("kind")
    spec = controller.get("spec") or {}
    status = controller.get("status") or {}
    if kind in ("ReplicaSet", "ReplicationController", "StatefulSet"):
        return _int(status.get("replicas")) < _int(spec.get("replicas"), 1)
    if kind == "Deployment":
        wanted = _int(spec.get("replicas"), 1)
        return min(_int(status.get("replicas")), _int(status.get("updatedReplicas"))) < wanted
    if kind == "DaemonSet":
        return _int(status.get("currentNumberScheduled")) < _int(status.get("desiredNumberScheduled"))
    if kind == "Job":
        if spec.get("suspend") or _finished(controller):
            return False
        wanted = _int(spec.get("parallelism"), 1)
        if isinstance(spec.get("completions"), int):
            wanted = min(wanted, spec["completions"] - _int(status.get("succeeded")))
        return _int(status.get("active")) < wanted
    return True


def _classify(message: str, namespace: str) -> tuple[str, str, str, dict[str, str], list[str]] | None:
    """(code, summary tail, fix, its values, commands) for a FailedCreate message, or None."""
    exceeded = _EXCEEDED.search(message)
    if exceeded:
        quota, requested, used, limited = exceeded.groups()
        return (
            "quota-exceeded",
            f"ResourceQuota {quota} refuses the pods: requested {requested}, used {used}, limited {limited}",
            "exceeded",
            {"quota": quota},
            [f"kubectl describe resourcequota {quota} -n {namespace}"],
        )
    failed = _FAILED_QUOTA.search(message)
    if failed:
        quota, what = failed.groups()
        return (
            "quota-exceeded",
            f"ResourceQuota {quota} requires every container to set {_must_specify(what)}",
            "must-specify",
            {},
            [f"kubectl describe resourcequota {quota} -n {namespace}"],
        )
    account = _SERVICE_ACCOUNT.search(message)
    if account:
        name = account.group(1)
        return (
            "admission-denied",
            f"ServiceAccount {name} does not exist",
            "service-account",
            {"name": name},
            [f"kubectl create serviceaccount {name} -n {namespace}"],
        )
    security = _POD_SECURITY.search(message)
    if security:
        level, details = security.groups()
        checks = _POD_SECURITY_CHECK.findall(details)
        return (
            "admission-denied",
            f'the pod template violates the namespace\'s Pod Security level "{level}"'
            + (f" ({', '.join(checks)})" if checks else ""),
            "pod-security",
            {},
            [f"kubectl get namespace {namespace} --show-labels"],
        )
    webhook = _WEBHOOK.search(message)
    if webhook:
        name, reason = webhook.groups()
        return (
            "admission-denied",
            f"admission webhook {name} denied the pods" + (f": {reason.strip()}" if reason else ""),
            "webhook",
            {},
            ["kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations"],
        )
    return None


def _failure_texts(
    controller: Mapping[str, Any], ref: ObjectRef, events: Sequence[Event], context: WorkloadContext
) -> list[tuple[str, Evidence]]:
    texts = [(event.message, event_evidence(event, context.now)) for event in events if event.reason in _FAILED_CREATE]
    index = condition_index(controller, "ReplicaFailure")
    if index is not None:
        condition = ((controller.get("status") or {}).get("conditions") or [])[index]
        if condition.get("status") == "True" and condition.get("message"):
            path = f"{ref.kind.lower()}s/{ref.name}.status.conditions[{index}].message"
            texts.append((str(condition["message"]), status_evidence(path, condition["message"])))
    return texts


def check(context: WorkloadContext) -> Iterator[Finding]:
    """Yield one finding per distinct creation failure of a controller (or child) that lacks pods.

    Children (a Deployment's ReplicaSets) come first: the failure lives there; the Deployment's own
    ``ReplicaFailure`` condition repeats it and joins the same finding as further evidence.
    """
    sources: list[tuple[Mapping[str, Any], ObjectRef, Sequence[Event]]] = []
    for child in context.children:
        metadata = child.get("metadata") or {}
        child_ref = ObjectRef(
            str(child.get("kind", "")), str(metadata.get("namespace", "")), str(metadata.get("name", ""))
        )
        sources.append((child, child_ref, context.child_events.get(str(metadata.get("uid", "")), ())))
    sources.append((context.controller, context.ref, context.events))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for controller, ref, events in sources:
        if not missing_pods(controller):
            continue
        for text, evidence in _failure_texts(controller, ref, events, context):
            classified = _classify(text, ref.namespace)
            if classified is None:
                continue
            code, tail, fix, values, commands = classified
            if (code, tail) in found:
                # One item per object and kind of evidence: the newest event, not each retry's event.
                if (ref, evidence.source) not in found[(code, tail)]["seen"]:
                    found[(code, tail)]["seen"].add((ref, evidence.source))
                    found[(code, tail)]["evidence"].append(evidence)
                continue
            found[(code, tail)] = {
                "code": code,
                "ref": ref,
                "summary": f"{ref.kind} {ref.name} cannot create its pods: {tail}.",
                "evidence": [evidence],
                "seen": {(ref, evidence.source)},
                "fix": fix,
                "values": values,
                "commands": commands,
            }
    for item in found.values():
        yield finding(
            item["code"],
            item["ref"],
            item["summary"],
            evidence=item["evidence"],
            fix=item["fix"],
            values=item["values"],
            commands=item["commands"],
            workload=context.workload or context.ref,
        )
