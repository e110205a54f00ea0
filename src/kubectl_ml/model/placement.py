"""Where can this pod or template run, and if nowhere, why: one verdict for ``doctor`` and ``gpu``.

``doctor`` asks it of a Pending pod (with the scheduler's event as evidence), ``gpu`` of every GPU pod
not yet bound and of every workload's pod template. Both get the same findings, with the same words,
evidence, remedies and patches: DESIGN §2 promises the same code for the same problem, and a user who
runs both must not read two stories.

The blockers are weighed in the order the scheduler can never get past them:

1. ``gpu-resource-unknown``: a name no node advertises (a typo, a whole GPU where only MIG slices or
   shared GPUs are on offer, or no device plugin running anywhere);
2. ``node-selector-mismatch``: no node matches the nodeSelector or required node affinity, whatever
   else the scheduler counts beside it;
3. ``request-exceeds-node-capacity``: more than any node it may use has when empty (for a pod without
   a GPU request, the GPU nodes are not nodes it may use);
4. ``untolerated-taint``: the nodes large enough carry taints it does not tolerate (a GPU pool's
   taint is a barrier for pods without GPUs, never something to tolerate; a system taint means a sick
   node, never something to tolerate either);
5. ``insufficient-resources``: a node could hold it, none has it free now (or the nodes are cordoned).

Why one module of this size: the five blockers are weighed in one order and each verdict rules out the
ones after it; ``doctor`` and ``gpu`` must read the same words, which one module guarantees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from kubectl_ml.model.accelerators import (
    asks_for_accelerator,
    closest_name,
    is_accelerator,
    is_system_taint,
    is_system_taint_key,
)
from kubectl_ml.model.codes import CodeInfo, declare, make_finding
from kubectl_ml.model.findings import Evidence, Finding, ObjectRef, Severity
from kubectl_ml.model.fit import NodeFit, advertised_accelerators, unknown_resources
from kubectl_ml.model.pods import spec_containers
from kubectl_ml.model.quantity import format_quantity
from kubectl_ml.model.resources import Resources, container_resources, node_resources, pod_requests, rename_resources
from kubectl_ml.model.selectors import selector_keys
from kubectl_ml.model.subjects import Subject, name_of, plural
from kubectl_ml.model.tolerations import describe_taint, toleration_for, tolerations_with

SCHEDULING_CODES = declare(
    CodeInfo(
        "insufficient-resources",
        "scheduling",
        Severity.ERROR,
        "waiting for free capacity",
        "A node could hold the pod, but none has enough free CPU, memory or GPUs now.",
        "Wait for capacity, free it, lower the requests, or add nodes.",
        docs="https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
        variants={
            "cordoned": "Uncordon the nodes when their maintenance is over, or add nodes.",
            "wait-gpu": (
                "Wait for running pods to finish, free GPUs (kubectl ml gpu shows who holds them), lower the "
                "request, or add nodes (autoscaler limits)."
            ),
            "wait": (
                "Wait for running pods to finish, free capacity, lower the requests, or add nodes (autoscaler limits)."
            ),
        },
    ),
    CodeInfo(
        "request-exceeds-node-capacity",
        "scheduling",
        Severity.ERROR,
        "no node could ever fit it",
        "The pod requests more than the allocatable capacity of every node it may run on.",
        "Lower the request to what one node has, or add a node pool with larger machines.",
        docs="https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
        variants={
            "lower-gpu-request": (
                "Lower the request to what one node has (e.g. fewer GPUs per pod and more workers), or add a "
                "node pool with larger machines."
            ),
            "lower-request": "Lower the request to what one node has, or add a node pool with larger machines.",
        },
    ),
    CodeInfo(
        "untolerated-taint",
        "scheduling",
        Severity.ERROR,
        "node taint not tolerated",
        "The nodes the pod needs are tainted and the pod has no matching toleration.",
        "Add the toleration for the named taint (only where the pod should run there).",
        docs="https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/",
        variants={
            "message-taint": (
                "Add this toleration to the pod template (only if the pod is meant to run on those "
                "nodes); the message does not show the taint's effect, so check it is NoSchedule with "
                "kubectl describe node."
            ),
            "gpu-barrier-message": (
                "Add a node pool without GPUs for this pod; tolerate the GPU taint only if it really "
                "must share GPU nodes."
            ),
            "list-taints": (
                "List the nodes' taints and add a toleration for those of the nodes the pod should run on."
            ),
            "system-taints": (
                "Do not tolerate system taints; fix or replace the unhealthy nodes, or add worker capacity."
            ),
            "add-toleration": (
                "Add the toleration to the pod template, if it is meant to run on those nodes (the patch keeps "
                "the tolerations it already has: a strategic-merge patch replaces the whole list)."
            ),
            "gpu-barrier": (
                "Add a node pool without GPUs for this pod (or relax its selector); tolerate the GPU taint only"
                " if it really must share GPU nodes."
            ),
        },
    ),
    CodeInfo(
        "node-selector-mismatch",
        "scheduling",
        Severity.ERROR,
        "no node matches selector/affinity",
        "No node has the labels the pod's nodeSelector or required node affinity asks for.",
        "Fix the selector to match real node labels, or label the nodes.",
        docs="https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/",
        variants={
            "change-selector": "Change the selector to labels real nodes have, or label the intended nodes.",
            "select-value": "Select a label value the nodes have: {labels}, or label the nodes.",
            "select-label": "Select a label value the nodes have, or label the nodes.",
        },
    ),
    CodeInfo(
        "gpu-resource-unknown",
        "gpu",
        Severity.ERROR,
        "resource name no node has",
        "The pod asks for an extended resource no node advertises (often a typo such as "
        "nvidia.com/gpus, or a MIG/shared name the nodes do not use); in lint, without nodes, a name of no "
        "known vendor or sharing scheduler is a warning.",
        "Use a resource name the GPU nodes advertise (kubectl ml gpu lists them).",
        docs="https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/",
        variants={
            "use-advertised": ("Use the name the GPU nodes advertise (nvidia.com/gpu, or their MIG/shared names)."),
            "fix-name": "Fix the resource name: {renames}.",
            "advertised-name": (
                "Request a name the nodes advertise ({offered}; a MIG profile on MIG nodes, "
                "nvidia.com/gpu.shared on time-sliced ones), or change the nodes' device plugin "
                "configuration (MIG strategy, time-slicing renameByDefault)."
            ),
            "no-device-plugin": (
                "The device plugin is not running on any node (or the GPU nodes are not ready): check "
                "its DaemonSet (kubectl get ds -A | grep -i -E 'device-plugin|gpu-operator') and the "
                "nodes' drivers; or add a GPU node pool."
            ),
            "rename": "Rename {resource} to {typo} (kubectl ml gpu lists the names the nodes advertise).",
            "no-domain-close": "Use {close} (kubectl ml gpu lists the names the nodes advertise).",
            "no-domain": (
                "Use the vendor's name (nvidia.com/gpu, amd.com/gpu, ...) (kubectl ml gpu lists the names the "
                "nodes advertise)."
            ),
            "unknown-vendor-close": (
                "Check that the GPU nodes advertise it (kubectl ml gpu, or kubectl describe node), or use {close}."
            ),
            "unknown-vendor": (
                "Check that the GPU nodes advertise it (kubectl ml gpu, or kubectl describe node), or use the "
                "name they advertise."
            ),
        },
    ),
)


@dataclass(frozen=True)
class Verdict:
    """What placement found for one subject.

    Attributes:
        blocking: the findings that keep it off every node (empty when it can run somewhere).
        room: the nodes where it fits (now, when the nodes' pods are known; else when empty).
        now: True when ``room`` counts free capacity, False when it counts size only.
    """

    blocking: tuple[Finding, ...] = ()
    room: tuple[NodeFit, ...] = ()
    now: bool = False


@dataclass(frozen=True)
class _Case:
    """What the checks of one subject share."""

    subject: Subject
    requests: Resources
    nodes: Sequence[Mapping[str, Any]]
    fits: Sequence[NodeFit]
    evidence: tuple[Evidence, ...]
    workload: ObjectRef | None
    node_pods: Mapping[str, Sequence[Mapping[str, Any]]] | None
    wants_gpu: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "wants_gpu", asks_for_accelerator(self.requests))

    def node(self, name: str) -> Mapping[str, Any]:
        return next((item for item in self.nodes if name_of(item) == name), {})

    def build(self, code: str, summary: str, evidence: Iterable[Evidence] = (), **fields: Any) -> Finding:
        return make_finding(
            code,
            self.subject.ref,
            summary,
            evidence=[*self.evidence, *evidence],
            workload=self.workload,
            **fields,
        )

    def gpu_command(self) -> str:
        namespace = self.subject.ref.namespace
        return f"kubectl ml gpu -n {namespace}" if namespace else "kubectl ml gpu"

    def nodes_command(self) -> str:
        return self.gpu_command() if self.wants_gpu else "kubectl get nodes"


def resource_evidence(subject: Subject, resource: str) -> list[Evidence]:
    """The container fields that ask for ``resource``, verbatim (a limit stands in for a request).

    App containers first: they are what users think of as asking for the resource.
    """
    found = []
    for key, index, container in sorted(spec_containers(subject.spec), key=lambda item: item[0] != "containers"):
        requests, limits = container_resources(container)
        for kind, values in (("limits", limits), ("requests", requests)):
            value = values.get(resource)
            if value is not None:
                found.append(
                    Evidence("spec", subject.path(f"spec.{key}[{index}].resources.{kind}['{resource}']"), value)
                )
                break
    return found


def _allocatable_evidence(node: Mapping[str, Any], resource: str) -> Evidence:
    raw = ((node.get("status") or {}).get("allocatable") or {}).get(resource)
    return Evidence("node", f"nodes/{name_of(node)}.status.allocatable['{resource}']", raw)


def _taint_evidence(node: Mapping[str, Any], taint: Mapping[str, Any]) -> Evidence:
    taints = (node.get("spec") or {}).get("taints") or []
    index = next((position for position, item in enumerate(taints) if dict(item) == dict(taint)), 0)
    return Evidence("node", f"nodes/{name_of(node)}.spec.taints[{index}]", dict(taint), label="taint")


# -- 1. names no node advertises --------------------------------------------------------------------


def _unknown(case: _Case) -> Finding | None:
    """gpu-resource-unknown: names no node offers, e.g. nvidia.com/gpu where only MIG slices exist.

    A name advertised only at zero counts as unknown when other accelerator names are on offer (a GPU
    split into MIG slices keeps a stale ``nvidia.com/gpu: 0``); with nothing else on offer, zero GPUs is
    a capacity question, left to request-exceeds-node-capacity.
    """
    offered = advertised_accelerators(case.nodes)
    missing = unknown_resources(case.requests, case.nodes)
    missing += [
        name
        for name, value in case.requests.items()
        if value > 0 and offered and name not in offered and name not in missing and is_accelerator(name)
    ]
    if not missing:
        return None
    subject = case.subject
    evidence = [item for name in missing for item in resource_evidence(subject, name)]
    evidence += [_allocatable_evidence(case.node(where[0]), name) for name, where in offered.items()]
    offer = (
        ", which no node advertises; the nodes advertise "
        + ", ".join(f"{name} (on {plural(len(where), 'node')})" for name, where in offered.items())
        if offered
        else ", but no node advertises any accelerator"
    )
    renames = {name: closest_name(name, offered) for name in missing}
    body = rename_resources(subject.spec, {name: new for name, new in renames.items() if new})
    patch = subject.patch(body) if body and all(renames.values()) else None
    if patch:
        fix, values = "fix-name", {"renames": ", ".join(f"{name} -> {new}" for name, new in renames.items())}
    elif offered:
        fix, values = "advertised-name", {"offered": ", ".join(offered)}
    else:
        # Not one node advertises an accelerator: no other name would help.
        fix, values = "no-device-plugin", {}
    return case.build(
        "gpu-resource-unknown",
        f"{subject.noun} requests {', '.join(missing)}{offer}.",
        evidence,
        fix=fix,
        values=values,
        patch=patch,
        commands=[case.gpu_command()],
    )


# -- 2. selectors -----------------------------------------------------------------------------------


def _selector(case: _Case) -> Finding:
    """node-selector-mismatch, with the values the nodes that could hold the pod have for each key."""
    subject = case.subject
    spec = subject.spec
    keys = selector_keys(spec)
    # The nodes that matter are those large enough (the GPU nodes), not the CPU pool's labels.
    sized = [fit.node for fit in case.fits if not fit.over_capacity] or [fit.node for fit in case.fits]
    values: dict[str, set[str]] = {}
    for name in sized:
        labels = (case.node(name).get("metadata") or {}).get("labels") or {}
        for key in keys:
            if key in labels:
                values.setdefault(key, set()).add(str(labels[key]))
    seen = "; ".join(f"{key} in {sorted(found)}" for key, found in values.items())
    absent = [key for key in keys if key not in values]
    if absent:
        seen = "; ".join(filter(None, [seen, f"none has {', '.join(absent)}"]))
    evidence = []
    if spec.get("nodeSelector"):
        evidence.append(Evidence("spec", subject.path("spec.nodeSelector"), dict(spec["nodeSelector"])))
    affinity = (spec.get("affinity") or {}).get("nodeAffinity")
    if affinity:
        evidence.append(Evidence("spec", subject.path("spec.affinity.nodeAffinity"), affinity))
    # A patch only when each mismatched nodeSelector value is the nodes' value written in another case
    # (Karpenter's lowercase a10g vs A10G): a different value (h100 where nodes have a100) may be exactly
    # what the user wants, and then the fix is a node pool, not the selector.
    fixed: dict[str, str] = {}
    for key, wanted in (spec.get("nodeSelector") or {}).items():
        found = sorted(values.get(key, set()))
        if str(wanted) in found:
            continue
        same = [value for value in found if value.lower() == str(wanted).lower()]
        if not same:
            fixed = {}
            break
        fixed[key] = same[0]
    patch = subject.patch({"nodeSelector": {**dict(spec.get("nodeSelector") or {}), **fixed}}) if fixed else None
    return case.build(
        "node-selector-mismatch",
        f"{subject.noun} can run on no node: none matches its nodeSelector/affinity"
        + (f" (nodes that could hold it have {seen})." if seen else "."),
        evidence,
        fix="select-value" if fixed else "select-label",
        values={"labels": ", ".join(f"{key}={value}" for key, value in fixed.items())},
        patch=patch,
        commands=[f"kubectl get nodes -L {','.join(keys)}" if keys else "kubectl get nodes --show-labels"],
    )


# -- 3. capacity ------------------------------------------------------------------------------------


def _capacity(case: _Case, usable: Sequence[NodeFit]) -> Finding:
    """request-exceeds-node-capacity: 8 GPUs where the largest node it may use has 4.

    Only resources the request exceeds on every usable node are named (a CPU node lacking GPUs does not
    make the pod's 40 cores "too many" when the GPU nodes have 48). When no single resource is to blame
    (one node lacks GPUs, the other memory), each node says what it lacks.
    """
    parts, evidence = [], []
    short = {name for fit in usable for name in fit.over_capacity}
    # Accelerators first: "8 nvidia.com/gpu where the largest node has 4" is what the user needs to read.
    for resource in sorted(short, key=lambda name: (not is_accelerator(name), name)):
        if not all(resource in fit.over_capacity for fit in usable):
            continue
        best = max(usable, key=lambda fit: fit.over_capacity[resource][1])
        wanted, have = best.over_capacity[resource]
        parts.append(
            f"{format_quantity(resource, wanted)} {resource} where the largest node it may use has "
            f"{format_quantity(resource, have)} ({best.node})"
        )
        evidence += resource_evidence(case.subject, resource)
        allocatable = _allocatable_evidence(case.node(best.node), resource)
        if allocatable.value is not None:
            evidence.append(allocatable)
    what = (
        "it requests " + "; ".join(parts)
        if parts
        else "no node it may use has all of it: "
        + "; ".join(f"{fit.node} lacks {', '.join(sorted(fit.over_capacity))}" for fit in usable)
    )
    return case.build(
        "request-exceeds-node-capacity",
        f"{case.subject.noun} can never be scheduled: {what}.",
        evidence,
        fix="lower-gpu-request" if case.wants_gpu else "lower-request",
        commands=[case.nodes_command()],
    )


# -- 4. taints --------------------------------------------------------------------------------------


def _taints(case: _Case, selectable: Sequence[NodeFit], full_elsewhere: bool) -> Finding | None:
    """untolerated-taint, when taints keep the pod off nodes that would otherwise hold it.

    ``full_elsewhere``: other nodes it may use are large enough but full, so the taint is one way out,
    not the only blocker.
    """
    blocked = [fit for fit in selectable if fit.taints and not fit.cordoned and not fit.over_capacity]
    intended = [fit for fit in blocked if case.wants_gpu or not fit.gpu_node]
    subject = case.subject
    if not intended:
        if blocked and not case.wants_gpu and all(fit.gpu_node for fit in selectable):
            return _gpu_barrier(case, blocked)
        return None
    by_taint: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for fit in intended:
        for taint in fit.taints:
            by_taint.setdefault(describe_taint(taint), (dict(taint), []))[1].append(fit.node)
    evidence = [_taint_evidence(case.node(nodes[0]), taint) for taint, nodes in by_taint.values()]
    tolerations = subject.spec.get("tolerations") or []
    # Admission's default not-ready/unreachable tolerations are on every pod: shown only beside others.
    if any(not is_system_taint_key(item.get("key")) for item in tolerations if isinstance(item, Mapping)):
        evidence.append(Evidence("spec", subject.path("spec.tolerations"), list(tolerations)))
    lead = "can run only on full nodes" if full_elsewhere else "can run on no node"
    actionable = {key: value for key, value in by_taint.items() if not is_system_taint(value[0])}
    if not actionable:
        return case.build(
            "untolerated-taint",
            f"{subject.noun} {lead}: the only other nodes that could hold it carry system taints "
            f"({', '.join(by_taint)}): they are not ready, unreachable, control-plane or being removed."
            if full_elsewhere
            else f"{subject.noun} {lead}: the only nodes that could hold it carry system taints "
            f"({', '.join(by_taint)}): they are not ready, unreachable, control-plane or being removed.",
            evidence,
            fix="system-taints",
            commands=["kubectl get nodes"],
        )
    names = ", ".join(f"{key} (on {plural(len(nodes), 'node')})" for key, (_taint, nodes) in actionable.items())
    added = [toleration_for(taint) for taint, _nodes in actionable.values()]
    return case.build(
        "untolerated-taint",
        f"{subject.noun} {lead}: the nodes that could hold it are tainted {names} and it does not tolerate that.",
        evidence,
        fix="add-toleration",
        patch=subject.patch({"tolerations": tolerations_with(tolerations, added)}),
        commands=[case.nodes_command()] if case.wants_gpu else [],
    )


def _gpu_barrier(case: _Case, blocked: Sequence[NodeFit]) -> Finding:
    """A pod without a GPU request whose only candidate nodes are tainted GPU nodes: no toleration advice."""
    taints = {describe_taint(taint) for fit in blocked for taint in fit.taints}
    return case.build(
        "untolerated-taint",
        f"{case.subject.noun} can run on no node: it requests no GPU, and the only nodes it may use are GPU "
        f"nodes tainted {', '.join(sorted(taints))} to keep such pods off.",
        fix="gpu-barrier",
        commands=["kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints"],
    )


# -- 5. free capacity -------------------------------------------------------------------------------


def _cordoned(case: _Case, selectable: Sequence[NodeFit]) -> Finding | None:
    cordoned = [fit.node for fit in selectable if fit.cordoned and not fit.over_capacity]
    if not cordoned:
        return None
    return case.build(
        "insufficient-resources",
        f"{case.subject.noun} can run on no node now: the nodes that could hold it are cordoned "
        f"({', '.join(cordoned)}).",
        [Evidence("node", f"nodes/{name}.spec.unschedulable", True) for name in cordoned],
        fix="cordoned",
        commands=[f"kubectl uncordon {name}" for name in cordoned],
    )


def _holders(case: _Case, resource: str, candidates: Sequence[NodeFit]) -> str:
    """`` 3 pods hold the 4 nvidia.com/gpu of the 1 node it may use.``, when the nodes' pods are known."""
    if case.node_pods is None or not candidates:
        return ""
    names = {fit.node for fit in candidates}
    total = sum((node_resources(case.node(name)).get(resource, Fraction(0)) for name in names), Fraction(0))
    holders = [
        pod
        for name in names
        for pod in case.node_pods.get(name, [])
        if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
        and pod_requests(pod).get(resource, Fraction(0)) > 0
    ]
    return (
        f" {plural(len(holders), 'pod')} {'holds' if len(holders) == 1 else 'hold'} the "
        f"{format_quantity(resource, total)} {resource} of the "
        f"{plural(len(candidates), 'node')} it may use."
    )


def insufficient(
    subject: Subject,
    candidates: Sequence[NodeFit],
    resources: Sequence[str],
    *,
    nodes: Sequence[Mapping[str, Any]] = (),
    evidence: Iterable[Evidence] = (),
    workload: ObjectRef | None = None,
    node_pods: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Finding:
    """insufficient-resources: ``candidates`` could hold the subject, none has ``resources`` free now.

    Args:
        subject: the pod.
        candidates: the nodes that could ever hold it (empty when the nodes were not read).
        resources: the resources short (computed from the nodes, or the scheduler's ``Insufficient X``).
        nodes: every node, for the holders' count.
        evidence: what comes first (the scheduler's event).
        workload: the pod's workload, to group the finding under.
        node_pods: the pods on each node, to say who holds the GPUs.
    """
    requests = pod_requests(subject.pod)
    case = _Case(subject, requests, nodes, candidates, tuple(evidence), workload, node_pods)
    parts, found = [], []
    for resource in resources:
        wanted = requests.get(resource)
        if wanted is None:
            parts.append(resource)
            continue
        short = [fit for fit in candidates if resource in fit.over_free]
        best = max(short, key=lambda fit: fit.over_free[resource][1]) if short else None
        free = (
            f" (at most {format_quantity(resource, best.over_free[resource][1])} free, on {best.node})"
            if best is not None
            else ""
        )
        parts.append(f"{format_quantity(resource, wanted)} {resource}{free}")
        found += resource_evidence(subject, resource)
    note = "".join(_holders(case, name, candidates) for name in resources if name in requests and is_accelerator(name))
    room = f", though {plural(len(candidates), 'node')} could hold it" if candidates else ""
    return case.build(
        "insufficient-resources",
        f"{subject.noun} is Pending: no node has {'; '.join(parts)} free right now{room}.{note}",
        found,
        fix="wait-gpu" if case.wants_gpu else "wait",
        commands=[case.gpu_command() if case.wants_gpu else "kubectl describe nodes | grep -A8 'Allocated resources'"],
    )


# -- the verdict ------------------------------------------------------------------------------------


def judge(
    subject: Subject,
    nodes: Sequence[Mapping[str, Any]],
    fits: Sequence[NodeFit],
    *,
    free_known: bool,
    evidence: Iterable[Evidence] = (),
    workload: ObjectRef | None = None,
    node_pods: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    reported_short: Sequence[str] = (),
) -> Verdict:
    """Weigh every node's fit for one subject and say what blocks it, or where it fits.

    Args:
        subject: the pod or template.
        nodes: every node.
        fits: ``model.fit.evaluate`` of the subject on each node, in the same order.
        free_known: the fits count what the nodes' pods hold (a pod with the nodes' pods read); False
            for a template (its replicas may already hold the GPUs it needs) or when pods were not read.
        evidence: what every finding shows first (doctor: the scheduler's event).
        workload: the workload to group the findings under.
        node_pods: the pods on each node, to name who holds the GPUs.
        reported_short: resources the scheduler said are insufficient (doctor), used when free capacity
            is not known or when it says more than the nodes' pods show.

    Returns:
        The blocking findings (the first blocker in the module's order; a taint and a capacity shortage
        can come together), and the nodes with room.
    """
    requests = pod_requests(subject.pod)
    case = _Case(subject, requests, nodes, fits, tuple(evidence), workload, node_pods)
    unknown = _unknown(case)
    if unknown is not None:
        return Verdict((unknown,))
    if subject.placed_elsewhere:
        # Kubeflow Trainer's spec.trainer: tolerations and selectors live in the runtime, so only
        # "no node is large enough" can be said here.
        if fits and all(fit.over_capacity for fit in fits):
            return Verdict((_capacity(case, fits),))
        return Verdict(room=tuple(fit for fit in fits if not fit.over_capacity))
    selectable = [fit for fit in fits if not fit.selector]
    if not selectable:
        return Verdict((_selector(case),))
    # Capacity is judged among nodes the pod may use (selectors match; for a CPU pod, not GPU nodes).
    usable = [fit for fit in selectable if case.wants_gpu or not fit.gpu_node] or selectable
    if all(fit.over_capacity for fit in usable):
        return Verdict((_capacity(case, usable),))
    ever = [fit for fit in usable if fit.could_ever_fit]
    now = [fit for fit in ever if fit.fits_now] if free_known else ever
    short = list(reported_short)
    if free_known:
        short += sorted({name for fit in ever for name in fit.over_free if name not in short})
    found: list[Finding] = []
    if not now or (ever and reported_short):
        taint = _taints(case, selectable, full_elsewhere=bool(ever))
        if taint is not None:
            found.append(taint)
    if not ever:
        cordoned = _cordoned(case, selectable) if not found else None
        return Verdict(tuple(found) + ((cordoned,) if cordoned else ()))
    if (free_known and not now) or reported_short:
        found.append(
            insufficient(
                subject,
                ever,
                short,
                nodes=nodes,
                evidence=case.evidence,
                workload=workload,
                node_pods=node_pods,
            )
        )
        return Verdict(tuple(found))
    return Verdict(tuple(found), tuple(now), now=free_known)
