"""Pending pods the scheduler cannot place: resources, taints, selectors, volumes.

What: reads the newest ``FailedScheduling`` event (either event shape) or the ``PodScheduled``
condition, in every historical wording, and, when nodes could be read, evaluates every node itself to
tell "no node could ever hold this" (``request-exceeds-node-capacity``: 8 GPUs where the largest node
has 4) from "waiting for capacity" (``insufficient-resources``), and which taint or label is missing.

Why it matters: the scheduler's message counts nodes per reason but does not say which reason is the
real blocker; since 1.35 it hides taint keys. For a pod that requests no GPU, a GPU node's taint is the
intended barrier, not the cause, so we never tell a CPU pod to tolerate it. Without nodes, a taint is
reported only when it is plausibly the fix: a hardware or control-plane taint next to ``Insufficient
cpu`` is not.

Remedy: the exact toleration, label or request change; or wait/scale for capacity.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from kubectl_ml.model.accelerators import (
    KNOWN_ACCELERATORS,
    asks_for_accelerator,
    closest_name,
    is_gpu_taint_text,
    is_misspelt_accelerator,
    is_system_taint_key,
    looks_like_accelerator,
)
from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.events import Event, newest_first
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.fit import NodeFit, evaluate
from kubectl_ml.model.placement import SCHEDULING_CODES, judge, resource_evidence
from kubectl_ml.model.placement import insufficient as insufficient_finding
from kubectl_ml.model.pods import condition, condition_index
from kubectl_ml.model.resources import Resources, pod_requests, rename_resources
from kubectl_ml.model.scheduler_messages import (
    SchedulingMessage,
    SchedulingReason,
    constraint_excludes_every_node,
    parse_scheduling_message,
)
from kubectl_ml.model.selectors import selector_keys
from kubectl_ml.model.subjects import name_of, pod_subject
from kubectl_ml.model.tolerations import toleration_for, tolerations_with
from kubectl_ml.rules._common import event_evidence, finding, spec_evidence, status_evidence

NEEDS = (Need("events"), Need("nodes"), Need("claims"))

CODES = SCHEDULING_CODES + declare(
    CodeInfo(
        "pvc-unbound",
        "scheduling",
        Severity.ERROR,
        "PersistentVolumeClaim not bound",
        "A PersistentVolumeClaim the pod mounts is missing or not bound to a volume.",
        "Create the claim, fix its StorageClass, or provision a volume.",
        docs="https://kubernetes.io/docs/concepts/storage/persistent-volumes/",
        variants={
            "create-or-bind": (
                "Create the claim, or make it bindable: an existing StorageClass with a working provisioner, or"
                " a matching PersistentVolume."
            ),
        },
    ),
    CodeInfo(
        "scheduling-constraint",
        "scheduling",
        Severity.ERROR,
        "other scheduling constraint",
        "The scheduler rejected every node for another reason: pod affinity or anti-affinity, "
        "topology spread, host ports, volume zone or node name.",
        "Relax the named constraint, or add nodes that satisfy it.",
        docs="https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#affinity-and-anti-affinity",
        variants={
            "follow-message": (
                "Do what the scheduler's message asks (it names the constraint or the resource), or add nodes "
                "that satisfy it."
            ),
            "relax": "Relax the constraint the scheduler names, or add nodes that satisfy it.",
            "pod-affinity": (
                "Make the pod affinity/anti-affinity preferred instead of required, or add nodes where it holds"
                " (a required anti-affinity needs one node or zone per replica)."
            ),
            "topology": (
                "Relax the topology spread constraint (maxSkew, whenUnsatisfiable: ScheduleAnyway), or add "
                "nodes in the missing zones."
            ),
            "ports": "Drop the hostPort, or let fewer replicas share a node.",
            "volume-affinity": (
                "The pod's volume is tied to a zone or node where no usable node is: add nodes there, or "
                "recreate the volume where the nodes are (a StorageClass with volumeBindingMode: "
                "WaitForFirstConsumer avoids it)."
            ),
            "unschedulable": "Uncordon the nodes (kubectl uncordon) when their maintenance is over, or add nodes.",
            "node-name": "Remove spec.nodeName or set it to an existing node.",
            "too-many-pods": "The nodes hold their maximum number of pods: add nodes, or raise the kubelet's maxPods.",
            "storage": "No node has enough free local storage for the volume: free it, or add nodes.",
            "node-pressure": "The nodes report pressure: free memory/disk on them, or add nodes.",
        },
    ),
)
# The scheduler's constraint categories that have a fix of their own (scheduling-constraint's variants).
_CONSTRAINT_FIXES = next(info for info in CODES if info.code == "scheduling-constraint").variants


def _scheduler_message(context: PodContext) -> tuple[SchedulingMessage | None, Evidence | None, Event | None]:
    events = newest_first([event for event in context.events if event.reason == "FailedScheduling"])
    for event in events:
        parsed = parse_scheduling_message(event.message)
        if parsed:
            return parsed, event_evidence(event, context.now), event
    scheduled = condition(context.pod, "PodScheduled")
    if scheduled and scheduled.get("status") == "False" and scheduled.get("message"):
        index = condition_index(context.pod, "PodScheduled")
        parsed = parse_scheduling_message(str(scheduled["message"]))
        evidence = status_evidence(f"status.conditions[{index}].message", scheduled["message"])
        if parsed is not None or not events:
            return parsed, evidence, None
    if events:
        # A wording this parser does not know (another scheduler, a future release): quoted, not dropped.
        return None, event_evidence(events[0], context.now), events[0]
    return None, None, None


# -- with nodes: computed verdicts ------------------------------------------------------------------


def _node_verdicts(context: PodContext, requests: Resources) -> list[NodeFit]:
    """Every node's verdict for this pod, shared by pods whose scheduling inputs are identical.

    The replicas of one pending Job or Deployment ask the same question of the same nodes; a scan of a
    big cluster answers it once per distinct pod template instead of once per pod.
    """
    spec = context.pod.get("spec") or {}
    inputs = [
        sorted((name, str(value)) for name, value in requests.items()),
        spec.get("tolerations"),
        spec.get("nodeSelector"),
        spec.get("affinity"),
        spec.get("nodeName"),
    ]
    key = ("node-verdicts", json.dumps(inputs, sort_keys=True, default=str))
    cached = context.memo.get(key)
    if cached is None:
        allocated = context.node_allocated
        cached = context.memo[key] = [
            evaluate(
                context.pod,
                node,
                None,
                requests,
                allocated=allocated.get(name_of(node), {}) if allocated is not None else None,
            )
            for node in context.nodes
        ]
    return list(cached)


def _reported_short(message: SchedulingMessage | None) -> list[str]:
    """The resources the scheduler counted as ``Insufficient X``."""
    if message is None:
        return []
    return sorted({reason.resource or "" for reason in message.reasons if reason.category == "insufficient"})


def _from_nodes(context: PodContext, message: SchedulingMessage | None, base: list[Evidence]) -> Iterator[Finding]:
    """The verdict of ``model.placement.judge`` (the one ``gpu`` gives), weighed against the scheduler's words."""
    requests = pod_requests(context.pod)
    fits = _node_verdicts(context, requests)
    verdict = judge(
        pod_subject(context.pod),
        context.nodes,
        fits,
        free_known=context.node_allocated is not None,
        evidence=base,
        workload=context.workload,
        node_pods=context.node_pods,
        reported_short=_reported_short(message),
    )
    found = list(verdict.blocking)
    if message is not None and constraint_excludes_every_node(message):
        # The scheduler says a constraint this plugin does not evaluate (pod anti-affinity, topology
        # spread, host ports) keeps every node out: no capacity will ever help, so "wait for capacity"
        # would be the wrong fix.
        found = [item for item in found if item.code != "insufficient-resources"]
        if not found:
            found.append(_constraint_finding(context, message, base))
    yield from (_with_autoscaler(context, item) for item in found)


def _with_autoscaler(context: PodContext, found: Finding, note: str = "") -> Finding:
    """An insufficient-resources finding with what the cluster autoscaler said about the pod, if anything."""
    if found.code != "insufficient-resources":
        return found
    scale_up = newest_first(
        [event for event in context.events if event.reason in ("TriggeredScaleUp", "NotTriggerScaleUp")]
    )
    severity = found.severity
    if scale_up:
        if scale_up[0].reason == "TriggeredScaleUp":
            severity, note = Severity.WARNING, note + " The cluster autoscaler is adding a node."
        else:
            note += " The cluster autoscaler will not add a node for it."
    if not note:
        return found
    evidence = found.evidence + ((event_evidence(scale_up[0], context.now),) if scale_up else ())
    return replace(found, summary=found.summary + note, evidence=evidence, severity=severity)


# -- without nodes: what the scheduler said, classified ---------------------------------------------


def _selector_evidence(spec: Mapping[str, Any], base: list[Evidence]) -> list[Evidence]:
    evidence = list(base)
    if spec.get("nodeSelector"):
        evidence.append(spec_evidence("spec.nodeSelector", dict(spec["nodeSelector"])))
    affinity = (spec.get("affinity") or {}).get("nodeAffinity")
    if affinity:
        evidence.append(spec_evidence("spec.affinity.nodeAffinity", affinity))
    return evidence


def _is_gpu_taint(reason: SchedulingReason) -> bool:
    return is_gpu_taint_text(reason.taint_key, reason.taint_value)


def _is_system_taint(reason: SchedulingReason) -> bool:
    return is_system_taint_key(reason.taint_key)


def _tolerations_patch(context: PodContext, taints: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    existing = (context.pod.get("spec") or {}).get("tolerations") or []
    return {"spec": {"tolerations": tolerations_with(existing, [toleration_for(taint) for taint in taints])}}


def _message_taint_patch(context: PodContext, reasons: Sequence[SchedulingReason]) -> dict[str, Any]:
    # The message does not show the effect; NoSchedule is what GPU and dedicated-pool taints use.
    taints = [{"key": reason.taint_key, "value": reason.taint_value, "effect": "NoSchedule"} for reason in reasons]
    unique = [dict(item) for item in {tuple(sorted(taint.items())): taint for taint in taints}.values()]
    return _tolerations_patch(context, unique)


def _taint_names(reasons: Sequence[SchedulingReason]) -> str:
    return ", ".join(
        sorted(
            {
                f"{reason.taint_key}={reason.taint_value}" if reason.taint_value else str(reason.taint_key)
                for reason in reasons
            }
        )
    )


def _message_taint_finding(
    context: PodContext, message: SchedulingMessage, wants_gpu: bool, base: list[Evidence]
) -> Finding | None:
    """untolerated-taint from the message alone, only when the taints are plausibly the whole story.

    With other reasons beside them (anti-affinity, a selector), a hidden or system taint is most likely a
    control-plane or broken node, not the blocker; the catch-all then quotes every reason.
    """
    taints = [reason for reason in message.reasons if reason.category == "taint"]
    if not taints:
        return None
    intended = [
        reason
        for reason in taints
        if reason.taint_key and not _is_system_taint(reason) and (wants_gpu or not _is_gpu_taint(reason))
    ]
    if intended:
        return finding(
            "untolerated-taint",
            context,
            f"Pod {context.name} is Pending: nodes carry taints it does not tolerate ({_taint_names(intended)}).",
            evidence=base,
            fix="message-taint",
            patch=_message_taint_patch(context, intended),
            commands=[f"kubectl ml gpu -n {context.namespace}"] if wants_gpu else [],
        )
    tainted = sum(reason.count or 0 for reason in taints)
    whole_story = (
        tainted >= message.total_nodes
        if message.total_nodes
        else all(reason.category == "taint" for reason in message.reasons)
    )
    if not whole_story:
        return None
    keyed = [reason for reason in taints if reason.taint_key]
    if keyed and all(_is_system_taint(reason) for reason in keyed) and len(keyed) == len(taints):
        return finding(
            "untolerated-taint",
            context,
            f"Pod {context.name} is Pending: every node carries a system taint ({_taint_names(keyed)}): they are "
            "not ready, unreachable or control-plane nodes.",
            evidence=base,
            fix="system-taints",
            commands=["kubectl get nodes"],
        )
    if keyed and len(keyed) == len(taints) and not wants_gpu:
        return finding(
            "untolerated-taint",
            context,
            f"Pod {context.name} is Pending: it requests no GPU, and the nodes carry GPU taints "
            f"({_taint_names(keyed)}) that keep such pods off.",
            evidence=base,
            fix="gpu-barrier-message",
            commands=["kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints"],
        )
    return finding(
        "untolerated-taint",
        context,
        f"Pod {context.name} is Pending: every node carries a taint it does not tolerate; the scheduler's "
        "message does not name them.",
        evidence=base,
        fix="list-taints",
        commands=["kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints"],
    )


def _from_message(context: PodContext, message: SchedulingMessage, base: list[Evidence]) -> Iterator[Finding]:
    """Without nodes: report what the scheduler said, classified."""
    subject = pod_subject(context.pod)
    requests = pod_requests(context.pod)
    wants_gpu = asks_for_accelerator(requests)
    insufficient = _reported_short(message)
    misspelled = [name for name in insufficient if is_misspelt_accelerator(name)]
    if misspelled:
        typos = {name: closest_name(name, KNOWN_ACCELERATORS) for name in misspelled}
        fixed = {name: match for name, match in typos.items() if match}
        yield finding(
            "gpu-resource-unknown",
            context,
            f"Pod {context.name} requests {', '.join(misspelled)}, which is not a GPU resource any device plugin "
            "advertises.",
            evidence=[*base, *(item for name in misspelled for item in resource_evidence(subject, name))],
            fix="fix-name" if len(fixed) == len(misspelled) else "use-advertised",
            values={"renames": ", ".join(f"{old} -> {new}" for old, new in fixed.items())},
            patch=subject.patch(rename_resources(subject.spec, fixed)) if len(fixed) == len(misspelled) else None,
            commands=[f"kubectl ml gpu -n {context.namespace}"],
        )
        return
    taint = _message_taint_finding(context, message, wants_gpu, base)
    if insufficient and constraint_excludes_every_node(message):
        # `0/10 nodes are available: 10 node(s) didn't match node selector, 4 Insufficient cpu.`: the
        # selector excludes every node, so capacity is beside the point (kubernetes/kubernetes#49896).
        insufficient = []
    if insufficient:
        if taint is not None and taint.patch is not None and wants_gpu:
            # "Insufficient nvidia.com/gpu" then comes from nodes without GPUs; the toleration is the fix.
            yield taint
            insufficient = [name for name in insufficient if not looks_like_accelerator(name)]
        if insufficient:
            result = insufficient_finding(subject, [], insufficient, evidence=base, workload=context.workload)
            yield _with_autoscaler(
                context, result, " The nodes were not read, so whether any node could ever hold it is unknown."
            )
        return
    if taint is not None:
        yield taint
    if "selector" in message.categories():
        spec = context.pod.get("spec") or {}
        yield finding(
            "node-selector-mismatch",
            context,
            f"Pod {context.name} is Pending: no node matches its node selector or required node affinity.",
            evidence=_selector_evidence(spec, base),
            fix="change-selector",
            commands=[
                f"kubectl get nodes -L {','.join(keys)}" if (keys := selector_keys(spec)) else "kubectl get nodes"
            ],
        )


# -- volumes ----------------------------------------------------------------------------------------


def _pvc_finding(context: PodContext, message: SchedulingMessage, base: list[Evidence]) -> Finding | None:
    reasons = [reason for reason in message.reasons if reason.category in ("pvc-unbound", "pvc-not-found")]
    if not reasons:
        return None
    volumes = (context.pod.get("spec") or {}).get("volumes") or []
    claims = [
        str((volume.get("persistentVolumeClaim") or {}).get("claimName"))
        for volume in volumes
        if volume.get("persistentVolumeClaim")
    ]
    missing = [str(reason.claim) for reason in reasons if reason.claim]
    evidence = list(base)
    details = []
    for name in claims:
        claim = (context.claims or {}).get(name)
        if claim is not None:
            phase = (claim.get("status") or {}).get("phase", "Pending")
            evidence.append(Evidence("status", f"persistentvolumeclaims/{name}.status.phase", phase))
            details.append(f"{name} is {phase}")
            storage_class = (claim.get("spec") or {}).get("storageClassName")
            if storage_class:
                evidence.append(spec_evidence(f"persistentvolumeclaims/{name}.spec.storageClassName", storage_class))
        elif context.claims is not None and name not in missing:
            # Claims were loaded and this one is not among them: it does not exist.
            missing.append(name)
    what = (
        f"claim {', '.join(missing)} does not exist"
        if missing
        else "its PersistentVolumeClaim is not bound"
        + (f" ({'; '.join(details)})" if details else f" ({', '.join(claims)})" if claims else "")
    )
    return finding(
        "pvc-unbound",
        context,
        f"Pod {context.name} is Pending: {what}.",
        evidence=evidence,
        fix="create-or-bind",
        commands=[
            f"kubectl describe pvc -n {context.namespace} {claims[0]}"
            if claims and not missing
            else f"kubectl get pvc -n {context.namespace}"
        ],
    )


def check(context: PodContext) -> Iterator[Finding]:
    """Yield scheduling findings for a Pending pod that is not bound to a node."""
    spec = context.pod.get("spec") or {}
    status = context.pod.get("status") or {}
    if status.get("phase") != "Pending" or spec.get("nodeName") or spec.get("schedulingGates"):
        return
    message, evidence, _event = _scheduler_message(context)
    base = [evidence] if evidence else []
    if message is not None:
        pvc = _pvc_finding(context, message, base)
        if pvc is not None:
            yield pvc
            return
    if context.available.nodes and context.nodes:
        found = list(_from_nodes(context, message, base))
    elif message is not None:
        found = list(_from_message(context, message, base))
    else:
        found = []
    if not found and message is not None:
        found.append(_constraint_finding(context, message, base))
    if not found and evidence is not None:
        # The scheduler said why, in words this plugin cannot read: never "no problems" for a Pending pod.
        found.append(
            finding(
                "scheduling-constraint",
                context,
                f"Pod {context.name} is Pending; the scheduler says: {str(evidence.value).strip()}",
                evidence=base,
                fix="follow-message",
            )
        )
    yield from found


# Pre-1.18 predicate names (`MatchInterPodAffinity`) said in words, so the summary reads for a person.
_PREDICATE_WORDS = {
    "pod-affinity": "pod affinity/anti-affinity",
    "selector": "node selector",
    "taint": "untolerated taints",
    "unschedulable": "cordoned nodes",
    "ports": "host ports in use",
    "volume-affinity": "volume zone/node conflict",
    "node-name": "node name",
    "node-pressure": "node pressure",
}


def _in_words(reason: SchedulingReason) -> str:
    """`` (pod affinity/anti-affinity)`` after a predicate's CamelCase name; nothing after words."""
    if reason.text.isidentifier() and reason.text[:1].isupper() and reason.category in _PREDICATE_WORDS:
        return f" ({_PREDICATE_WORDS[reason.category]})"
    return ""


def _constraint_finding(context: PodContext, message: SchedulingMessage, base: list[Evidence]) -> Finding:
    """The catch-all: every reason as the scheduler gave it, with the remedy of the most common one."""
    reasons = ", ".join(
        (f"{reason.count} {reason.text}" if reason.count is not None else reason.text) + _in_words(reason)
        for reason in message.reasons
    )
    ranked = sorted(
        (reason for reason in message.reasons if reason.category in _CONSTRAINT_FIXES),
        key=lambda reason: -(reason.count or 0),
    )
    return finding(
        "scheduling-constraint",
        context,
        f"Pod {context.name} is Pending: {reasons or message.raw}.",
        evidence=base,
        fix=ranked[0].category if ranked else "relax",
    )
