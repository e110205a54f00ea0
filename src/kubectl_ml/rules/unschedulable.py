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

import difflib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any

from kubectl_ml.model.accelerators import KNOWN_ACCELERATORS, is_accelerator, looks_like_accelerator
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.events import Event, newest_first
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.fit import NodeFit, advertised_accelerators, evaluate, unknown_resources
from kubectl_ml.model.pods import condition, condition_index, spec_containers
from kubectl_ml.model.quantity import format_quantity
from kubectl_ml.model.resources import Resources, container_resources, node_resources, pod_requests, rename_resources
from kubectl_ml.model.scheduler_messages import SchedulingMessage, SchedulingReason, parse_scheduling_message
from kubectl_ml.model.selectors import selector_keys
from kubectl_ml.model.tolerations import describe_taint, toleration_for, tolerations_with
from kubectl_ml.rules._common import event_evidence, finding, spec_evidence, status_evidence

_SYSTEM_TAINTS = (
    "node.kubernetes.io/",
    "node-role.kubernetes.io/control-plane",
    "node-role.kubernetes.io/master",
    "node.cloudprovider.kubernetes.io/",
    "ToBeDeletedByClusterAutoscaler",
)
# Without nodes, a taint is a GPU node's taint when its key or value says so: nvidia.com/gpu=present
# (GKE), nvidia.com/gpu=true (Karpenter docs), sku=gpu (AKS docs), dedicated=gpu, ...
_GPU_TAINT_WORDS = re.compile(r"gpu|nvidia|accelerator|tpu|neuron|gaudi", re.IGNORECASE)
# A requested name this close to an advertised one is a typo (nvidia.com/gpus), worth a patch.
_TYPO_CUTOFF = 0.9


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


def _node_name(node: Mapping[str, Any]) -> str:
    return str((node.get("metadata") or {}).get("name", ""))


def _wants_gpu(requests: Resources) -> bool:
    return any(looks_like_accelerator(name) and value > 0 for name, value in requests.items())


def _resource_evidence(pod: Mapping[str, Any], resource: str) -> Evidence | None:
    """The container field that asks for ``resource``, verbatim (a limit stands in for a request)."""
    spec = pod.get("spec") or {}
    # App containers first: they are what users think of as asking for the resource.
    for key, index, container in sorted(spec_containers(spec), key=lambda item: item[0] != "containers"):
        requests, limits = container_resources(container)
        for field, values in (("limits", limits), ("requests", requests)):
            value = values.get(resource)
            if value is not None:
                return spec_evidence(f"spec.{key}[{index}].resources.{field}['{resource}']", value)
    return None


def _allocatable_evidence(context: PodContext, node_name: str, resource: str) -> Evidence:
    """A node's ``status.allocatable`` entry for ``resource``, as the node reports it."""
    node = next((item for item in context.nodes if _node_name(item) == node_name), {})
    raw = ((node.get("status") or {}).get("allocatable") or {}).get(resource)
    return Evidence("node", f"nodes/{node_name}.status.allocatable['{resource}']", raw)


def _tolerations_patch(context: PodContext, taints: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    existing = (context.pod.get("spec") or {}).get("tolerations") or []
    return {"spec": {"tolerations": tolerations_with(existing, [toleration_for(taint) for taint in taints])}}


# -- with nodes: computed verdicts ------------------------------------------------------------------


def _unknown_finding(context: PodContext, requests: Resources, base: list[Evidence]) -> Finding | None:
    """gpu-resource-unknown: an extended resource no node offers (typo, or MIG/shared names on the nodes).

    A name only ever advertised at zero counts as unknown when the nodes offer other accelerator names
    (a GPU partitioned into MIG slices keeps a stale ``nvidia.com/gpu: 0``); with nothing else on offer,
    zero GPUs is a capacity question, left to request-exceeds-node-capacity.
    """
    nodes = context.nodes
    offered = advertised_accelerators(nodes)
    missing = unknown_resources(requests, nodes)
    missing += [
        name
        for name, value in requests.items()
        if value > 0 and offered and name not in offered and name not in missing and is_accelerator(name)
    ]
    if not missing:
        return None
    evidence = list(base)
    for name in missing:
        found = _resource_evidence(context.pod, name)
        if found is not None:
            evidence.append(found)
    alternatives = {name: where for name, where in offered.items() if name not in missing}
    for name, where in alternatives.items():
        evidence.append(_allocatable_evidence(context, where[0], name))
    offer = (
        "; the nodes offer "
        + ", ".join(
            f"{name} (on {len(where)} node{'s' if len(where) > 1 else ''})" for name, where in alternatives.items()
        )
        if alternatives
        else "; no node offers any GPU resource"
    )
    patch = None
    typos = {name: difflib.get_close_matches(name, list(alternatives), n=1, cutoff=_TYPO_CUTOFF) for name in missing}
    if all(typos.values()):
        patch = _rename_patch(context.pod, {name: match[0] for name, match in typos.items()})
    return finding(
        "gpu-resource-unknown",
        context,
        f"Pod {context.name} requests {', '.join(missing)}, which no node advertises{offer}.",
        evidence=evidence,
        remedy=(
            "Fix the resource name: " + ", ".join(f"{name} -> {match[0]}" for name, match in typos.items()) + "."
            if patch
            else "Request a resource the GPU nodes advertise (a MIG profile such as nvidia.com/mig-1g.5gb on MIG "
            "nodes, nvidia.com/gpu.shared on time-sliced ones), or change the nodes' device plugin configuration."
            if alternatives
            # Not one node advertises an accelerator: no name would help (issue 10).
            else "The device plugin is not running on any node (or the GPU nodes are not ready): check its "
            "DaemonSet (kubectl get ds -A | grep -i -E 'device-plugin|gpu-operator') and the nodes' drivers; "
            "or add a GPU node pool."
        ),
        patch=patch,
        commands=[f"kubectl ml gpu -n {context.namespace}"],
    )


def _rename_patch(pod: Mapping[str, Any], renames: Mapping[str, str]) -> dict[str, Any] | None:
    """A strategic-merge patch renaming resource keys in the pod's containers."""
    body = rename_resources(pod.get("spec") or {}, renames)
    return {"spec": body} if body else None


def _selector_evidence(spec: Mapping[str, Any], base: list[Evidence]) -> list[Evidence]:
    evidence = list(base)
    if spec.get("nodeSelector"):
        evidence.append(spec_evidence("spec.nodeSelector", dict(spec["nodeSelector"])))
    affinity = (spec.get("affinity") or {}).get("nodeAffinity")
    if affinity:
        evidence.append(spec_evidence("spec.affinity.nodeAffinity", affinity))
    return evidence


def _selector_command(keys: Sequence[str]) -> str:
    return f"kubectl get nodes -L {','.join(keys)}" if keys else "kubectl get nodes --show-labels"


def _selector_finding(context: PodContext, base: list[Evidence]) -> Finding:
    spec = context.pod.get("spec") or {}
    keys = selector_keys(spec)
    labels: dict[str, set[str]] = {}
    for node in context.nodes:
        node_labels = (node.get("metadata") or {}).get("labels") or {}
        for key in keys:
            if key in node_labels:
                labels.setdefault(key, set()).add(str(node_labels[key]))
    seen = "; ".join(f"nodes have {key} in {sorted(values)}" for key, values in labels.items())
    absent = [key for key in keys if key not in labels]
    if absent:
        seen = "; ".join(filter(None, [seen, f"no node has {', '.join(absent)}"]))
    return finding(
        "node-selector-mismatch",
        context,
        f"Pod {context.name} is Pending: no node matches its nodeSelector/affinity" + (f" ({seen})." if seen else "."),
        evidence=_selector_evidence(spec, base),
        remedy="Change the selector to labels real nodes have (kubectl get nodes -L <key>), or label the "
        "intended nodes.",
        commands=[_selector_command(keys)],
    )


def _capacity_finding(
    context: PodContext, usable: Sequence[NodeFit], requests: Resources, wants_gpu: bool, base: list[Evidence]
) -> Finding:
    """request-exceeds-node-capacity, naming the largest usable node's allocatable, verbatim.

    Only resources the request exceeds on every usable node are named (a CPU node lacking GPUs does not make
    the pod's 40 cores "too many" when the GPU nodes have 48). When no single resource is to blame (one node
    lacks GPUs, the other memory), each node says what it lacks.
    """
    names = {fit.node for fit in usable}
    nodes = [node for node in context.nodes if _node_name(node) in names]
    evidence = list(base)
    parts = []
    for name in sorted(requests):
        best: Mapping[str, Any] | None = None
        most = Fraction(0)
        for node in nodes:
            amount = node_resources(node).get(name, Fraction(0))
            if best is None or amount > most:
                best, most = node, amount
        if requests[name] <= most:
            continue
        parts.append(
            f"{format_quantity(name, requests[name])} {name} "
            f"(the largest node it may use has {format_quantity(name, most)})"
        )
        if best is not None and most > 0:
            evidence.append(_allocatable_evidence(context, _node_name(best), name))
        found = _resource_evidence(context.pod, name)
        if found is not None:
            evidence.append(found)
    if parts:
        what = f"it requests {'; '.join(parts)}"
    else:
        what = "no node it may use has all of it: " + "; ".join(
            f"{fit.node} lacks {', '.join(sorted(fit.over_capacity))}" for fit in usable
        )
    accelerators = [name for name in requests if looks_like_accelerator(name) and requests[name] > 0]
    return finding(
        "request-exceeds-node-capacity",
        context,
        f"Pod {context.name} can never be scheduled: {what}.",
        evidence=evidence,
        remedy=(
            "Lower the request to fit one node (e.g. fewer GPUs per pod with more workers), or add a node pool "
            "with larger machines."
            if accelerators
            else "Lower the request to fit one node, or add a node pool with larger machines."
        ),
        commands=[f"kubectl ml gpu -n {context.namespace}"] if wants_gpu else ["kubectl get nodes"],
    )


def _taint_evidence(context: PodContext, node_name: str, taint: Mapping[str, Any]) -> Evidence:
    node = next((item for item in context.nodes if _node_name(item) == node_name), {})
    taints = (node.get("spec") or {}).get("taints") or []
    index = next((position for position, item in enumerate(taints) if dict(item) == dict(taint)), 0)
    return Evidence("node", f"nodes/{node_name}.spec.taints[{index}]", dict(taint), label="taint")


def _taint_finding(
    context: PodContext,
    fits: Sequence[NodeFit],
    selectable: Sequence[NodeFit],
    wants_gpu: bool,
    base: list[Evidence],
) -> Finding | None:
    """untolerated-taint, when taints are the real blocker: on nodes that would otherwise hold the pod."""
    if any(fit.fits_now for fit in fits):
        return None
    blocked = [fit for fit in fits if fit.taints and not fit.selector and not fit.cordoned and not fit.over_capacity]
    intended = [fit for fit in blocked if wants_gpu or not fit.gpu_node]
    if not intended:
        if blocked and not wants_gpu and all(fit.gpu_node for fit in selectable):
            return _gpu_barrier_finding(context, blocked, base)
        return None
    by_taint: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for fit in intended:
        for taint in fit.taints:
            by_taint.setdefault(describe_taint(taint), (taint, []))[1].append(fit.node)
    actionable = {key: value for key, value in by_taint.items() if not key.startswith(_SYSTEM_TAINTS)}
    if not actionable:
        names = ", ".join(by_taint)
        return finding(
            "untolerated-taint",
            context,
            f"Pod {context.name} is Pending: the only nodes that could hold it carry system taints ({names}): "
            "they are not ready, unreachable or control-plane nodes.",
            evidence=base + [_taint_evidence(context, nodes[0], taint) for taint, nodes in by_taint.values()],
            remedy="Do not tolerate system taints; fix or replace the unhealthy nodes, or add worker capacity.",
            commands=["kubectl get nodes"],
        )
    names = ", ".join(
        f"{key} (on {len(nodes)} node{'s' if len(nodes) > 1 else ''})" for key, (_taint, nodes) in actionable.items()
    )
    return finding(
        "untolerated-taint",
        context,
        f"Pod {context.name} is Pending: the nodes that could hold it are tainted {names} and the pod "
        "does not tolerate it.",
        evidence=base + [_taint_evidence(context, nodes[0], taint) for taint, nodes in actionable.values()],
        remedy="Add this toleration to the pod template (only if the pod is meant to run on those nodes).",
        patch=_tolerations_patch(context, [taint for taint, _nodes in actionable.values()]),
        commands=[f"kubectl ml gpu -n {context.namespace}"] if wants_gpu else [],
    )


def _gpu_barrier_finding(context: PodContext, blocked: Sequence[NodeFit], base: list[Evidence]) -> Finding:
    """A pod without a GPU request whose only candidate nodes are tainted GPU nodes: no toleration advice."""
    taints = {describe_taint(taint) for fit in blocked for taint in fit.taints}
    return finding(
        "untolerated-taint",
        context,
        f"Pod {context.name} is Pending: it requests no GPU, and the only nodes it may use are GPU nodes "
        f"tainted {', '.join(sorted(taints))} to keep such pods off.",
        evidence=base,
        remedy="Add a node pool without GPUs for this pod (or relax its selector); tolerate the GPU taint only "
        "if it really must share GPU nodes.",
        commands=["kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints"],
    )


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
                allocated=allocated.get(_node_name(node), {}) if allocated is not None else None,
            )
            for node in context.nodes
        ]
    return list(cached)


def _from_nodes(context: PodContext, message: SchedulingMessage | None, base: list[Evidence]) -> Iterator[Finding]:
    pod = context.pod
    requests = pod_requests(pod)
    wants_gpu = _wants_gpu(requests)
    unknown = _unknown_finding(context, requests, base)
    if unknown is not None:
        yield unknown
        return
    fits = _node_verdicts(context, requests)
    selectable = [fit for fit in fits if not fit.selector]
    if not selectable:
        yield _selector_finding(context, base)
        return
    # Capacity is judged among nodes the pod may use (selectors match; for a CPU pod, not GPU nodes).
    usable = [fit for fit in selectable if wants_gpu or not fit.gpu_node] or selectable
    if all(fit.over_capacity for fit in usable):
        yield _capacity_finding(context, usable, requests, wants_gpu, base)
        return
    taint = _taint_finding(context, fits, selectable, wants_gpu, base)
    if taint is not None:
        yield taint
    if any(fit.could_ever_fit for fit in usable) and message and "insufficient" in message.categories():
        short = sorted({reason.resource or "" for reason in message.reasons if reason.category == "insufficient"})
        # For a CPU pod, "Insufficient cpu" on GPU nodes is beside the point; the finding names what it asked for.
        yield _insufficient(context, short, requests, base, [fit for fit in usable if fit.could_ever_fit])


def _holders(context: PodContext, resource: str, fits: Sequence[NodeFit]) -> str:
    """``3 pods hold the 4 nvidia.com/gpu of the 1 node it may use``, when the nodes' pods are known."""
    if context.node_pods is None or not fits:
        return ""
    names = {fit.node for fit in fits}
    total = sum(
        (node_resources(node).get(resource, Fraction(0)) for node in context.nodes if _node_name(node) in names),
        Fraction(0),
    )
    holders = [
        pod
        for name in names
        for pod in context.node_pods.get(name, [])
        if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
        and pod_requests(pod).get(resource, Fraction(0)) > 0
    ]
    count = len(fits)
    return (
        f" {len(holders)} pod{'s' if len(holders) != 1 else ''} hold the {format_quantity(resource, total)} "
        f"{resource} of the {count} node{'s' if count != 1 else ''} it may use."
    )


def _insufficient(
    context: PodContext,
    short: Sequence[str],
    requests: Mapping[str, Fraction],
    base: list[Evidence],
    candidates: Sequence[NodeFit] = (),
) -> Finding:
    asked = ", ".join(
        f"{format_quantity(name, requests[name])} {name}" for name in short if name in requests
    ) or ", ".join(short)
    scale_up = [event for event in context.events if event.reason in ("TriggeredScaleUp", "NotTriggerScaleUp")]
    evidence = list(base)
    severity = None
    note = "".join(_holders(context, name, candidates) for name in short if name in requests and is_accelerator(name))
    if scale_up:
        evidence.append(event_evidence(scale_up[0], context.now))
        if scale_up[0].reason == "TriggeredScaleUp":
            severity, note = Severity.WARNING, note + " The cluster autoscaler is adding a node."
        else:
            note += " The cluster autoscaler will not add a node for it."
    return finding(
        "insufficient-resources",
        context,
        f"Pod {context.name} is Pending: no node has {asked} free right now, though a node could hold it.{note}",
        evidence=evidence,
        remedy="Wait for running pods to finish, free capacity, lower the requests, or add nodes (autoscaler limits).",
        commands=["kubectl describe nodes | grep -A8 'Allocated resources'"],
        severity=severity,
    )


# -- without nodes: what the scheduler said, classified ---------------------------------------------


def _is_gpu_taint(reason: SchedulingReason) -> bool:
    return bool(_GPU_TAINT_WORDS.search(f"{reason.taint_key or ''}={reason.taint_value or ''}"))


def _is_system_taint(reason: SchedulingReason) -> bool:
    return bool(reason.taint_key and reason.taint_key.startswith(_SYSTEM_TAINTS))


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
            remedy="Add this toleration to the pod template (only if the pod is meant to run on those nodes); the "
            "message does not show the taint's effect, so check it is NoSchedule with kubectl describe node.",
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
            remedy="Do not tolerate system taints; fix or replace the unhealthy nodes, or add worker capacity.",
            commands=["kubectl get nodes"],
        )
    if keyed and len(keyed) == len(taints) and not wants_gpu:
        return finding(
            "untolerated-taint",
            context,
            f"Pod {context.name} is Pending: it requests no GPU, and the nodes carry GPU taints "
            f"({_taint_names(keyed)}) that keep such pods off.",
            evidence=base,
            remedy="Add a node pool without GPUs for this pod; tolerate the GPU taint only if it really must share "
            "GPU nodes.",
            commands=["kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints"],
        )
    return finding(
        "untolerated-taint",
        context,
        f"Pod {context.name} is Pending: every node carries a taint it does not tolerate; the scheduler's "
        "message does not name them.",
        evidence=base,
        remedy="List the nodes' taints and add a toleration for those of the nodes the pod should run on.",
        commands=["kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints"],
    )


def _from_message(context: PodContext, message: SchedulingMessage, base: list[Evidence]) -> Iterator[Finding]:
    """Without nodes: report what the scheduler said, classified."""
    requests = pod_requests(context.pod)
    wants_gpu = _wants_gpu(requests)
    insufficient = sorted({reason.resource or "" for reason in message.reasons if reason.category == "insufficient"})
    misspelled = [name for name in insufficient if looks_like_accelerator(name) and not is_accelerator(name)]
    if misspelled:
        typos = {
            name: difflib.get_close_matches(name, KNOWN_ACCELERATORS, n=1, cutoff=_TYPO_CUTOFF) for name in misspelled
        }
        fixed = {name: match[0] for name, match in typos.items() if match}
        yield finding(
            "gpu-resource-unknown",
            context,
            f"Pod {context.name} requests {', '.join(misspelled)}, which is not a GPU resource any device plugin "
            "advertises.",
            evidence=[*base, *filter(None, (_resource_evidence(context.pod, name) for name in misspelled))],
            remedy=(
                "Fix the resource name: " + ", ".join(f"{old} -> {new}" for old, new in fixed.items()) + "."
                if len(fixed) == len(misspelled)
                else "Use the name the GPU nodes advertise (nvidia.com/gpu, or their MIG/shared names)."
            ),
            patch=_rename_patch(context.pod, fixed) if len(fixed) == len(misspelled) else None,
            commands=[f"kubectl ml gpu -n {context.namespace}"],
        )
        return
    taint = _message_taint_finding(context, message, wants_gpu, base)
    if insufficient:
        if taint is not None and taint.patch is not None and wants_gpu:
            # "Insufficient nvidia.com/gpu" then comes from nodes without GPUs; the toleration is the fix.
            yield taint
            insufficient = [name for name in insufficient if not looks_like_accelerator(name)]
        if insufficient:
            result = _insufficient(context, insufficient, requests, base)
            note = " (nodes were not read, so whether any node could ever fit it is unknown)"
            yield replace(result, summary=result.summary.replace(", though a node could hold it", note))
        return
    if taint is not None:
        yield taint
    if "selector" in message.categories():
        spec = context.pod.get("spec") or {}
        yield finding(
            "node-selector-mismatch",
            context,
            f"Pod {context.name} is Pending: nodes do not match its nodeSelector/affinity.",
            evidence=_selector_evidence(spec, base),
            remedy="Change the selector to labels real nodes have, or label the intended nodes.",
            commands=[_selector_command(selector_keys(spec))],
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
        remedy="Create the claim, or make it bindable: an existing StorageClass with a working provisioner, or "
        "a matching PersistentVolume.",
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
                remedy="Do what the scheduler's message asks (it names the constraint or the resource), or add "
                "nodes that satisfy it.",
            )
        )
    yield from found


_CONSTRAINT_REMEDIES = {
    "pod-affinity": "Make the pod affinity/anti-affinity preferred instead of required, or add nodes where it holds "
    "(a required anti-affinity needs one node or zone per replica).",
    "topology": "Relax the topology spread constraint (maxSkew, whenUnsatisfiable: ScheduleAnyway), or add nodes in "
    "the missing zones.",
    "ports": "Drop the hostPort, or let fewer replicas share a node.",
    "volume-affinity": "The pod's volume is tied to a zone or node where no usable node is: add nodes there, or "
    "recreate the volume where the nodes are (a StorageClass with volumeBindingMode: WaitForFirstConsumer avoids it).",
    "unschedulable": "Uncordon the nodes (kubectl uncordon) when their maintenance is over, or add nodes.",
    "node-name": "Remove spec.nodeName or set it to an existing node.",
    "too-many-pods": "The nodes hold their maximum number of pods: add nodes, or raise the kubelet's maxPods.",
    "storage": "No node has enough free local storage for the volume: free it, or add nodes.",
    "node-pressure": "The nodes report pressure: free memory/disk on them, or add nodes.",
}


def _constraint_finding(context: PodContext, message: SchedulingMessage, base: list[Evidence]) -> Finding:
    """The catch-all: every reason as the scheduler gave it, with the remedy of the most common one."""
    reasons = ", ".join(
        f"{reason.count} {reason.text}" if reason.count is not None else reason.text for reason in message.reasons
    )
    ranked = sorted(
        (reason for reason in message.reasons if reason.category in _CONSTRAINT_REMEDIES),
        key=lambda reason: -(reason.count or 0),
    )
    return finding(
        "scheduling-constraint",
        context,
        f"Pod {context.name} is Pending: {reasons or message.raw}.",
        evidence=base,
        remedy=_CONSTRAINT_REMEDIES[ranked[0].category]
        if ranked
        else "Relax the constraint the scheduler names, or add nodes that satisfy it.",
    )
