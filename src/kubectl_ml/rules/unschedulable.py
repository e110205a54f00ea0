"""Pending pods the scheduler cannot place: resources, taints, selectors, volumes.

What: reads the newest ``FailedScheduling`` event (either event shape) or the ``PodScheduled``
condition, in every historical wording, and, when nodes could be read, evaluates every node itself to
tell "no node could ever hold this" (``request-exceeds-node-capacity``: 8 GPUs where the largest node
has 4) from "waiting for capacity" (``insufficient-resources``), and which taint or label is missing.

Why it matters: the scheduler's message counts nodes per reason but does not say which reason is the
real blocker; since 1.35 it hides taint keys. For a pod that requests no GPU, a GPU node's taint is the
intended barrier, not the cause, so we never tell a CPU pod to tolerate it.

Remedy: the exact toleration, label or request change; or wait/scale for capacity.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.events import Event, newest_first
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.fit import NodeFit, evaluate, largest_allocatable, unknown_resources
from kubectl_ml.model.pods import condition, condition_index
from kubectl_ml.model.quantity import format_quantity
from kubectl_ml.model.resources import looks_like_accelerator, pod_requests
from kubectl_ml.model.scheduler_messages import SchedulingMessage, parse_scheduling_message
from kubectl_ml.model.tolerations import describe_taint, toleration_for
from kubectl_ml.rules._common import event_evidence, finding, spec_evidence, status_evidence

_SYSTEM_TAINTS = (
    "node.kubernetes.io/",
    "node-role.kubernetes.io/control-plane",
    "node-role.kubernetes.io/master",
    "node.cloudprovider.kubernetes.io/",
    "ToBeDeletedByClusterAutoscaler",
)


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
        return parsed, evidence, None
    return None, None, None


def _amounts(resource: str, requested: Fraction, have: Fraction) -> str:
    largest = format_quantity(resource, have)
    return f"{format_quantity(resource, requested)} {resource} (largest eligible node has {largest})"


def _taint_findings(
    context: PodContext, fits: Sequence[NodeFit], wants_gpu: bool, base: list[Evidence]
) -> Iterator[Finding]:
    """Taints that are the real blocker: on nodes that would otherwise hold the pod."""
    blocked = [
        fit
        for fit in fits
        if fit.taints
        and not fit.selector
        and not fit.cordoned
        and not fit.over_capacity
        and (wants_gpu or not fit.gpu_node)
    ]
    if not blocked or any(fit.fits_now or (fit.could_ever_fit and not fit.over_free) for fit in fits):
        return
    by_taint: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for fit in blocked:
        for taint in fit.taints:
            key = describe_taint(taint)
            by_taint.setdefault(key, (taint, []))[1].append(fit.node)
    actionable = {key: value for key, value in by_taint.items() if not key.startswith(_SYSTEM_TAINTS)}
    system = {key: value for key, value in by_taint.items() if key.startswith(_SYSTEM_TAINTS)}
    if actionable:
        tolerations = [toleration_for(taint) for taint, _nodes in actionable.values()]
        names = ", ".join(
            f"{key} (on {len(nodes)} node{'s' if len(nodes) > 1 else ''})" for key, (_t, nodes) in actionable.items()
        )
        evidence = base + [
            Evidence("node", f"nodes/{nodes[0]}.spec.taints", taint, label="taint")
            for taint, nodes in actionable.values()
        ]
        yield finding(
            "untolerated-taint",
            context,
            f"Pod {context.name} is Pending: the nodes that could hold it are tainted {names} and the pod "
            "does not tolerate it.",
            evidence=evidence,
            remedy="Add this toleration to the pod template (only if the pod is meant to run on those nodes).",
            patch={"spec": {"tolerations": tolerations}},
            commands=[f"kubectl ml gpu -n {context.namespace}"] if wants_gpu else [],
        )
    elif system:
        names = ", ".join(system)
        yield finding(
            "untolerated-taint",
            context,
            f"Pod {context.name} is Pending: the only nodes that could hold it carry system taints ({names}): "
            "they are not ready, unreachable or control-plane nodes.",
            evidence=base,
            remedy="Do not tolerate system taints; fix or replace the unhealthy nodes, or add worker capacity.",
            commands=["kubectl get nodes"],
        )


def _from_nodes(context: PodContext, message: SchedulingMessage | None, base: list[Evidence]) -> Iterator[Finding]:
    pod = context.pod
    requests = pod_requests(pod)
    wants_gpu = any(looks_like_accelerator(name) and value > 0 for name, value in requests.items())
    unknown = unknown_resources(requests, context.nodes)
    if unknown:
        yield finding(
            "gpu-resource-unknown",
            context,
            f"Pod {context.name} requests {', '.join(unknown)}, which no node advertises.",
            evidence=[
                *base,
                spec_evidence("spec.containers[*].resources", {name: str(requests[name]) for name in unknown}),
            ],
            remedy="Use a resource name the nodes advertise (nvidia.com/gpu, or the MIG/shared names your GPU "
            "nodes show).",
            commands=[f"kubectl ml gpu -n {context.namespace}"],
        )
        return
    node_pods = context.node_pods
    fits = [
        evaluate(
            pod,
            node,
            node_pods.get(str((node.get("metadata") or {}).get("name")), []) if node_pods is not None else None,
            requests,
        )
        for node in context.nodes
    ]
    selectable = [fit for fit in fits if not fit.selector]
    if not selectable:
        spec = pod.get("spec") or {}
        selector = dict(spec.get("nodeSelector") or {})
        labels: dict[str, set[str]] = {}
        for node in context.nodes:
            node_labels = (node.get("metadata") or {}).get("labels") or {}
            for key in selector:
                if key in node_labels:
                    labels.setdefault(key, set()).add(node_labels[key])
        seen = "; ".join(f"nodes have {key} in {sorted(values)}" for key, values in labels.items())
        evidence = [*base, spec_evidence("spec.nodeSelector", selector)] if selector else list(base)
        if spec.get("affinity", {}).get("nodeAffinity"):
            evidence.append(spec_evidence("spec.affinity.nodeAffinity", spec["affinity"]["nodeAffinity"]))
        yield finding(
            "node-selector-mismatch",
            context,
            f"Pod {context.name} is Pending: no node matches its nodeSelector/affinity"
            + (f" ({seen})." if seen else "."),
            evidence=evidence,
            remedy="Change the selector to labels real nodes have (kubectl get nodes -L <key>), or label the "
            "intended nodes.",
            commands=[f"kubectl get nodes -L {','.join(selector)}" if selector else "kubectl get nodes --show-labels"],
        )
        return
    # Capacity is judged among nodes the pod may use (selectors match; for a CPU pod, not GPU nodes).
    usable = [fit for fit in selectable if wants_gpu or not fit.gpu_node] or selectable
    if all(fit.over_capacity for fit in usable):
        resources = sorted({name for fit in usable for name in fit.over_capacity})
        parts = []
        nodes_by_name = {str((node.get("metadata") or {}).get("name")): node for node in context.nodes}
        usable_nodes = [nodes_by_name[fit.node] for fit in usable if fit.node in nodes_by_name]
        evidence = list(base)
        for name in resources:
            most, where = largest_allocatable(name, usable_nodes)
            parts.append(_amounts(name, requests[name], most))
            if where:
                evidence.append(
                    Evidence("node", f"nodes/{where}.status.allocatable['{name}']", format_quantity(name, most))
                )
        yield finding(
            "request-exceeds-node-capacity",
            context,
            f"Pod {context.name} can never be scheduled: it requests {'; '.join(parts)}.",
            evidence=evidence,
            remedy="Lower the request to fit one node (e.g. fewer GPUs per pod with more workers), or add a node "
            "pool with larger machines.",
            commands=[f"kubectl ml gpu -n {context.namespace}"] if wants_gpu else ["kubectl get nodes"],
        )
        return
    yield from _taint_findings(context, fits, wants_gpu, base)
    if any(fit.could_ever_fit for fit in usable) and message and "insufficient" in message.categories():
        short = sorted({reason.resource or "" for reason in message.reasons if reason.category == "insufficient"})
        # For a CPU pod, "Insufficient cpu" on GPU nodes is beside the point; the finding names what it asked for.
        yield _insufficient(context, short, requests, base)


def _insufficient(
    context: PodContext, short: Sequence[str], requests: Mapping[str, Fraction], base: list[Evidence]
) -> Finding:
    asked = ", ".join(
        f"{format_quantity(name, requests[name])} {name}" for name in short if name in requests
    ) or ", ".join(short)
    scale_up = [event for event in context.events if event.reason in ("TriggeredScaleUp", "NotTriggerScaleUp")]
    evidence = list(base)
    severity = None
    note = ""
    if scale_up:
        evidence.append(event_evidence(scale_up[0], context.now))
        if scale_up[0].reason == "TriggeredScaleUp":
            severity, note = Severity.WARNING, " The cluster autoscaler is adding a node."
        else:
            note = " The cluster autoscaler will not add a node for it."
    return finding(
        "insufficient-resources",
        context,
        f"Pod {context.name} is Pending: no node has {asked} free right now, though a node could hold it.{note}",
        evidence=evidence,
        remedy="Wait for running pods to finish, free capacity, lower the requests, or add nodes (autoscaler limits).",
        commands=["kubectl describe nodes | grep -A8 'Allocated resources'"],
        severity=severity,
    )


def _from_message(context: PodContext, message: SchedulingMessage, base: list[Evidence]) -> Iterator[Finding]:
    """Without nodes: report what the scheduler said, classified."""
    requests = pod_requests(context.pod)
    wants_gpu = any(looks_like_accelerator(name) and value > 0 for name, value in requests.items())
    categories = message.categories()
    note = " (nodes could not be read, so whether any node could ever fit it is unknown)"
    if "insufficient" in categories:
        short = sorted({reason.resource or "" for reason in message.reasons if reason.category == "insufficient"})
        result = _insufficient(context, short, requests, base)
        yield replace(result, summary=result.summary.replace(", though a node could hold it", note))
    if "taint" in categories:
        taints = [reason for reason in message.reasons if reason.category == "taint"]
        gpu_taints = [
            reason
            for reason in taints
            if reason.taint_key and looks_like_accelerator(reason.taint_key.replace("=", "/"))
        ]
        if wants_gpu or not taints or len(gpu_taints) < len(taints):
            keyed = [
                reason for reason in taints if reason.taint_key and not reason.taint_key.startswith(_SYSTEM_TAINTS)
            ]
            names = ", ".join(
                sorted(
                    {
                        f"{reason.taint_key}={reason.taint_value}" if reason.taint_value else str(reason.taint_key)
                        for reason in keyed
                    }
                )
            )
            patch = (
                {
                    "spec": {
                        "tolerations": [
                            toleration_for(
                                {"key": reason.taint_key, "value": reason.taint_value, "effect": "NoSchedule"}
                            )
                            for reason in keyed
                        ]
                    }
                }
                if keyed and (wants_gpu or not gpu_taints)
                else None
            )
            yield finding(
                "untolerated-taint",
                context,
                f"Pod {context.name} is Pending: nodes carry taints it does not tolerate"
                + (f" ({names})." if names else " (the scheduler hides taint keys since 1.35)."),
                evidence=base,
                remedy="Add a toleration for the taint of the nodes the pod should run on (kubectl get nodes -o "
                "custom-columns=NAME:.metadata.name,TAINTS:.spec.taints shows them).",
                patch=patch,
            )
    if "selector" in categories and not any(reason.category == "insufficient" for reason in message.reasons):
        yield finding(
            "node-selector-mismatch",
            context,
            f"Pod {context.name} is Pending: nodes do not match its nodeSelector/affinity.",
            evidence=[
                *base,
                spec_evidence("spec.nodeSelector", (context.pod.get("spec") or {}).get("nodeSelector") or {}),
            ],
            remedy="Change the selector to labels real nodes have, or label the intended nodes.",
        )


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
    missing = [reason.claim for reason in reasons if reason.claim]
    evidence = list(base)
    details = []
    for name in claims:
        claim = (context.claims or {}).get(name)
        if claim is not None:
            phase = (claim.get("status") or {}).get("phase", "Pending")
            evidence.append(Evidence("status", f"persistentvolumeclaims/{name}.status.phase", phase))
            details.append(f"{name} is {phase}")
    what = (
        f"claim {', '.join(map(str, missing))} does not exist"
        if missing
        else "its PersistentVolumeClaim is not bound"
        + (f" ({'; '.join(details)})" if details else f" ({', '.join(claims)})" if claims else "")
    )
    return finding(
        "pvc-unbound",
        context,
        f"Pod {context.name} is Pending: {what}.",
        evidence=evidence,
        remedy="Create the claim, or make it bindable: an existing StorageClass with a working provisioner, or "
        "a matching PersistentVolume.",
        commands=[
            f"kubectl describe pvc -n {context.namespace} {claims[0]}"
            if claims
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
        reasons = ", ".join(reason.text for reason in message.reasons) or message.raw
        found.append(
            finding(
                "scheduling-constraint",
                context,
                f"Pod {context.name} is Pending: {reasons}.",
                evidence=base,
                remedy="Relax the constraint the scheduler names (pod affinity/anti-affinity, topology spread, "
                "host ports, volume zone), or add nodes that satisfy it.",
            )
        )
    yield from found
