"""Where could each GPU pod or GPU workload run, and if nowhere, why.

What: every pod that asks for an accelerator and is not bound to a node yet, and every workload's pod
template that asks for one (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob), so that a
Deployment whose pods were never created is checked too. Every node is evaluated with
``model.fit.evaluate``, the one implementation ``doctor`` uses (taints matched exactly as Kubernetes
does, selectors and required affinity, allocatable minus allocated). When no node could run it, the
first blocker found is reported, in this order: ``gpu-resource-unknown`` (no node advertises the name;
the names the nodes do advertise are listed), ``node-selector-mismatch`` (with the label values the nodes
have), ``request-exceeds-node-capacity`` (more than any node it may use has, even empty),
``untolerated-taint`` (the nodes large enough are tainted; with the toleration to add), and, for pods
only, ``insufficient-resources`` (a node could hold it, none has it free now). Otherwise
``gpu-placement`` says, for information, on how many nodes it could run.

Why it matters: the scheduler's message counts nodes per reason without saying which one blocks, and
a workload whose template is wrong gets no pod and no message at all. On GKE, the
ExtendedResourceToleration admission plugin adds the GPU toleration to pods that request
``nvidia.com/gpu``, so a template without it is not reported there (scaffold-gpu-lint-anchors §1.3).

Remedy: the exact toleration (the full list, since a patch replaces it), the label values the nodes
have, the largest request a node can hold, or the resource names the nodes advertise; or wait for
capacity.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from kubectl_ml.gpu._common import (
    Subject,
    build,
    is_system_taint,
    name_of,
    plural,
    pod_subject,
    top_level_templates,
    top_workload,
    workload_index,
)
from kubectl_ml.gpu.nodes import platform_of, pods_by_node
from kubectl_ml.model.findings import Evidence, Finding, ObjectRef, Severity
from kubectl_ml.model.fit import NodeFit, advertised_accelerators, evaluate, is_gpu_node, unknown_resources
from kubectl_ml.model.pods import spec_containers
from kubectl_ml.model.quantity import format_quantity
from kubectl_ml.model.resources import (
    Resources,
    accelerator_requests,
    allocated_on,
    container_resources,
    is_accelerator,
    pod_requests,
    rename_resources,
)
from kubectl_ml.model.selectors import selector_keys
from kubectl_ml.model.tolerations import describe_taint, toleration_for, tolerations_with

# A requested name this close to an advertised one is a typo (nvidia.com/gpus), worth a rename patch.
_TYPO_CUTOFF = 0.9


@dataclass(frozen=True)
class _Input:
    """What the checks of one subject share."""

    subject: Subject
    requests: Resources
    nodes: Sequence[Mapping[str, Any]]
    fits: Sequence[NodeFit]

    def node(self, name: str) -> Mapping[str, Any]:
        return next((item for item in self.nodes if name_of(item) == name), {})


def _amount(resource: str, value: Fraction) -> str:
    return format_quantity(resource, value)


def _resource_evidence(subject: Subject, resource: str) -> list[Evidence]:
    """The container fields that ask for ``resource``, verbatim (a limit stands in for a request)."""
    found = []
    for key, index, container in spec_containers(subject.spec):
        requests, limits = container_resources(container)
        for field, values in (("limits", limits), ("requests", requests)):
            value = values.get(resource)
            if value is not None:
                found.append(
                    Evidence("spec", subject.path(f"spec.{key}[{index}].resources.{field}['{resource}']"), value)
                )
                break
    return found


def _allocatable_evidence(node: Mapping[str, Any], resource: str) -> Evidence:
    raw = ((node.get("status") or {}).get("allocatable") or {}).get(resource)
    return Evidence("node", f"nodes/{name_of(node)}.status.allocatable['{resource}']", raw)


def _gpu_command(subject: Subject) -> list[str]:
    return [f"kubectl ml gpu -n {subject.ref.namespace}" if subject.ref.namespace else "kubectl ml gpu"]


def _unknown(data: _Input) -> Finding | None:
    """gpu-resource-unknown: names no node offers, e.g. nvidia.com/gpu where only MIG slices exist.

    A name advertised only at zero counts as unknown when other accelerator names are on offer (a GPU
    split into MIG slices keeps a stale ``nvidia.com/gpu: 0``).
    """
    offered = advertised_accelerators(data.nodes)
    missing = unknown_resources(data.requests, data.nodes)
    missing += [
        name
        for name, value in data.requests.items()
        if value > 0 and offered and name not in offered and name not in missing and is_accelerator(name)
    ]
    if not missing:
        return None
    evidence = [item for name in missing for item in _resource_evidence(data.subject, name)]
    evidence += [_allocatable_evidence(data.node(where[0]), name) for name, where in offered.items()]
    offer = (
        "; the nodes advertise "
        + ", ".join(f"{name} (on {plural(len(where), 'node')})" for name, where in offered.items())
        if offered
        else "; no node advertises any accelerator"
    )
    typos = {name: difflib.get_close_matches(name, list(offered), n=1, cutoff=_TYPO_CUTOFF) for name in missing}
    patch = (
        _rename_patch(data.subject, {name: match[0] for name, match in typos.items()}) if all(typos.values()) else None
    )
    return build(
        "gpu-resource-unknown",
        data.subject.ref,
        f"{data.subject.noun} requests {', '.join(missing)}, which no node advertises{offer}.",
        evidence=evidence,
        remedy=(
            "Fix the resource name: " + ", ".join(f"{name} -> {match[0]}" for name, match in typos.items()) + "."
            if patch
            else "Request a name the nodes advertise (" + ", ".join(offered) + "), or change the nodes' device "
            "plugin configuration (MIG strategy, time-slicing renameByDefault)."
            if offered
            else "Check the GPU nodes' driver and device plugin: no node advertises an accelerator."
        ),
        patch=patch,
        commands=_gpu_command(data.subject),
    )


def _rename_patch(subject: Subject, renames: Mapping[str, str]) -> dict[str, Any] | None:
    """A strategic-merge patch renaming resource keys in the subject's pod spec, at its kind's path."""
    body = rename_resources(subject.spec, renames)
    return subject.patch(body) if body else None


def _selector(data: _Input) -> Finding:
    """node-selector-mismatch, with the values the nodes that could hold the pod have for each key."""
    spec = data.subject.spec
    keys = selector_keys(spec)
    # The nodes that matter are those large enough (the GPU nodes), not the CPU pool's labels.
    sized = [fit.node for fit in data.fits if not fit.over_capacity] or [fit.node for fit in data.fits]
    values: dict[str, set[str]] = {}
    for name in sized:
        labels = (data.node(name).get("metadata") or {}).get("labels") or {}
        for key in keys:
            if key in labels:
                values.setdefault(key, set()).add(str(labels[key]))
    seen = "; ".join(f"{key} in {sorted(found)}" for key, found in values.items())
    absent = [key for key in keys if key not in values]
    if absent:
        seen = "; ".join(filter(None, [seen, f"none has {', '.join(absent)}"]))
    evidence = []
    if spec.get("nodeSelector"):
        evidence.append(Evidence("spec", data.subject.path("spec.nodeSelector"), dict(spec["nodeSelector"])))
    affinity = (spec.get("affinity") or {}).get("nodeAffinity")
    if affinity:
        evidence.append(Evidence("spec", data.subject.path("spec.affinity.nodeAffinity"), affinity))
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
    patch = data.subject.patch({"nodeSelector": {**dict(spec.get("nodeSelector") or {}), **fixed}}) if fixed else None
    return build(
        "node-selector-mismatch",
        data.subject.ref,
        f"{data.subject.noun} can run on no node: none matches its nodeSelector/affinity"
        + (f" (nodes that could hold it have {seen})." if seen else "."),
        evidence=evidence,
        remedy="Select a label value the nodes have"
        + (": " + ", ".join(f"{key}={value}" for key, value in fixed.items()) if fixed else "")
        + ", or label the nodes.",
        patch=patch,
        commands=[f"kubectl get nodes -L {','.join(keys)}" if keys else "kubectl get nodes --show-labels"],
    )


def _capacity(data: _Input, usable: Sequence[NodeFit]) -> Finding:
    """request-exceeds-node-capacity: 8 GPUs where the largest node it may use has 4."""
    parts, evidence = [], []
    # Accelerators first: "8 nvidia.com/gpu where the largest node has 4" is what the user needs to read.
    short = {name for fit in usable for name in fit.over_capacity}
    for resource in sorted(short, key=lambda name: (not is_accelerator(name), name)):
        if not all(resource in fit.over_capacity for fit in usable):
            continue
        best = max(usable, key=lambda fit: fit.over_capacity[resource][1])
        wanted, have = best.over_capacity[resource]
        parts.append(
            f"{_amount(resource, wanted)} {resource} where the largest node it may use has "
            f"{_amount(resource, have)} ({best.node})"
        )
        evidence += _resource_evidence(data.subject, resource)
        evidence.append(_allocatable_evidence(data.node(best.node), resource))
    what = (
        "it requests " + "; ".join(parts)
        if parts
        else "no node it may use has all of it: "
        + "; ".join(f"{fit.node} lacks {', '.join(sorted(fit.over_capacity))}" for fit in usable)
    )
    return build(
        "request-exceeds-node-capacity",
        data.subject.ref,
        f"{data.subject.noun} can never be scheduled: {what}.",
        evidence=evidence,
        remedy="Lower the request to what one node has (e.g. fewer GPUs per pod and more workers), or add a "
        "node pool with larger machines.",
        commands=_gpu_command(data.subject),
    )


def _taints(data: _Input, blocked: Sequence[NodeFit]) -> Finding:
    """untolerated-taint: the nodes large enough for the pod carry taints it does not tolerate."""
    by_taint: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for fit in blocked:
        for taint in fit.taints:
            by_taint.setdefault(describe_taint(taint), (dict(taint), []))[1].append(fit.node)
    actionable = {key: value for key, value in by_taint.items() if not is_system_taint(value[0])}
    evidence = []
    for taint, nodes in by_taint.values():
        node_taints = (data.node(nodes[0]).get("spec") or {}).get("taints") or []
        index = next((i for i, item in enumerate(node_taints) if dict(item) == taint), 0)
        evidence.append(Evidence("node", f"nodes/{nodes[0]}.spec.taints[{index}]", taint, label="taint"))
    tolerations = data.subject.spec.get("tolerations") or []
    if tolerations:
        evidence.append(Evidence("spec", data.subject.path("spec.tolerations"), list(tolerations)))
    if not actionable:
        return build(
            "untolerated-taint",
            data.subject.ref,
            f"{data.subject.noun} can run on no node: the nodes large enough carry system taints "
            f"({', '.join(by_taint)}): they are not ready, unreachable, cordoned or being removed.",
            evidence=evidence,
            remedy="Do not tolerate system taints; fix or replace the unhealthy nodes.",
            commands=["kubectl get nodes"],
        )
    names = ", ".join(f"{key} (on {plural(len(nodes), 'node')})" for key, (_taint, nodes) in actionable.items())
    added = [toleration_for(taint) for taint, _nodes in actionable.values()]
    return build(
        "untolerated-taint",
        data.subject.ref,
        f"{data.subject.noun} can run on no node: the nodes that could hold it are tainted {names} and it "
        "does not tolerate that.",
        evidence=evidence,
        remedy="Add the toleration to the pod template (the patch keeps the tolerations it already has: a "
        "strategic-merge patch replaces the whole list).",
        patch=data.subject.patch({"tolerations": tolerations_with(tolerations, added)}),
        commands=_gpu_command(data.subject),
    )


def _insufficient(data: _Input, candidates: Sequence[NodeFit]) -> Finding:
    """insufficient-resources: a node could hold the pod, none has it free now."""
    short = sorted({name for fit in candidates for name in fit.over_free})
    parts, evidence = [], []
    for resource in short:
        best = max(
            (fit for fit in candidates if resource in fit.over_free),
            key=lambda fit: fit.over_free[resource][1],
        )
        wanted, free = best.over_free[resource]
        parts.append(f"{_amount(resource, wanted)} {resource} (at most {_amount(resource, free)} free, on {best.node})")
        evidence += _resource_evidence(data.subject, resource)
    return build(
        "insufficient-resources",
        data.subject.ref,
        f"{data.subject.noun} is Pending: {plural(len(candidates), 'node')} could hold it, but none has "
        f"{'; '.join(parts)} free right now.",
        evidence=evidence,
        remedy="Wait for running pods to finish, free GPUs (kubectl ml gpu shows who holds them), lower the "
        "request, or add nodes.",
        commands=_gpu_command(data.subject),
    )


def _placement(data: _Input, nodes: Sequence[NodeFit], now: bool) -> Finding:
    names = [fit.node for fit in nodes]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    asked = ", ".join(
        f"{_amount(name, value)} {name}" for name, value in sorted(accelerator_requests(data.subject.pod).items())
    )
    where = "has room now on" if now else "fits"
    if data.subject.placed_elsewhere:
        where = "is small enough for"
    tail = "; its tolerations and node selectors come from its runtime" if data.subject.placed_elsewhere else ""
    return build(
        "gpu-placement",
        data.subject.ref,
        f"{data.subject.noun} ({asked}) {where} {plural(len(names), 'node')} of {len(data.fits)}: {shown}{tail}.",
        evidence=[
            item for name in accelerator_requests(data.subject.pod) for item in _resource_evidence(data.subject, name)
        ],
        severity=Severity.INFO,
    )


def _ert_tolerations(subject: Subject, requests: Resources, nodes: Sequence[Mapping[str, Any]]) -> Subject:
    """The template as GKE admits its pods: ExtendedResourceToleration adds ``<resource> Exists NoSchedule``.

    Templates need this, and pods of manifests not yet applied (no ``metadata.uid``: the API server has
    not admitted them); a pod read from the cluster already carries what admission added. GKE runs the
    plugin, the other platforms do not (scaffold-gpu-lint-anchors §1.3); a cluster is on one platform,
    read from its GPU nodes.
    """
    admitted = not subject.template and bool((subject.pod.get("metadata") or {}).get("uid"))
    if admitted or not any(platform_of(node) == "gke" for node in nodes if is_gpu_node(node)):
        return subject
    added = [
        {"key": name, "operator": "Exists", "effect": "NoSchedule"}
        for name, value in sorted(requests.items())
        if "/" in name and not name.startswith(("kubernetes.io/", "hugepages-")) and value > 0
    ]
    spec = dict(subject.spec)
    spec["tolerations"] = list(spec.get("tolerations") or []) + added
    return replace(subject, pod={**subject.pod, "spec": spec})


def check_subject(
    subject: Subject,
    nodes: Sequence[Mapping[str, Any]],
    allocated: Mapping[str, Resources] | None,
) -> Iterator[Finding]:
    """Evaluate one pod or template against every node and yield what blocks it, or where it fits.

    Args:
        subject: the pod or template.
        nodes: every node.
        allocated: what each node's pods hold, by node name, for a pod (None for a template: a
            workload's replicas may already hold the GPUs it would need, so "free now" means nothing).

    Yields:
        At most one blocking finding, or one ``gpu-placement`` info finding.
    """
    requests = pod_requests(subject.pod)
    admitted = _ert_tolerations(subject, requests, nodes)
    fits = [
        evaluate(
            admitted.pod,
            node,
            None,
            requests,
            allocated=allocated.get(name_of(node), {}) if allocated is not None else None,
        )
        for node in nodes
    ]
    data = _Input(subject, requests, nodes, fits)
    unknown = _unknown(data)
    if unknown is not None:
        yield unknown
        return
    if subject.placed_elsewhere:
        # Kubeflow Trainer's spec.trainer: tolerations and selectors live in the runtime, so only
        # "no node is large enough" can be said here.
        if fits and all(fit.over_capacity for fit in fits):
            yield _capacity(data, fits)
        elif fits:
            yield _placement(data, [fit for fit in fits if not fit.over_capacity], now=False)
        return
    selectable = [fit for fit in fits if not fit.selector]
    if not selectable:
        yield _selector(data)
        return
    if all(fit.over_capacity for fit in selectable):
        yield _capacity(data, selectable)
        return
    ready = [fit for fit in selectable if fit.could_ever_fit]
    if not ready:
        blocked = [fit for fit in selectable if fit.taints and not fit.over_capacity and not fit.cordoned]
        if blocked:
            yield _taints(data, blocked)
            return
        cordoned = [fit.node for fit in selectable if fit.cordoned and not fit.over_capacity]
        yield build(
            "insufficient-resources",
            subject.ref,
            f"{subject.noun} can run on no node now: the nodes that could hold it are cordoned "
            f"({', '.join(cordoned)}).",
            evidence=[Evidence("node", f"nodes/{name}.spec.unschedulable", True) for name in cordoned],
            remedy="Uncordon the nodes when their maintenance is over, or add nodes.",
            commands=[f"kubectl uncordon {name}" for name in cordoned],
        )
        return
    if allocated is not None:
        free = [fit for fit in ready if fit.fits_now]
        if not free:
            yield _insufficient(data, ready)
            return
        yield _placement(data, free, now=True)
        return
    yield _placement(data, ready, now=False)


def _pending(pod: Mapping[str, Any]) -> bool:
    return not (pod.get("spec") or {}).get("nodeName") and (pod.get("status") or {}).get("phase") in (None, "Pending")


def check(
    nodes: Iterable[Mapping[str, Any]],
    pods: Iterable[Mapping[str, Any]],
    workloads: Iterable[Mapping[str, Any]],
) -> Iterator[Finding]:
    """Yield the scheduling findings of accelerator pods not yet bound and of accelerator workload templates.

    A pending pod whose workload's template already got a blocking finding is not reported again: the
    fix belongs in the template.

    Args:
        nodes: every node.
        pods: every pod that was read (bound ones give the allocated amounts).
        workloads: controllers with pod templates.

    Yields:
        Findings with the shared scheduling codes, ``gpu-resource-unknown``, and ``gpu-placement``.
    """
    node_list = list(nodes)
    pod_list = list(pods)
    workload_list = list(workloads)
    index = workload_index(workload_list)
    blocked: set[tuple[str, str, str]] = set()
    for subject in top_level_templates(workload_list):
        if not accelerator_requests(subject.pod):
            continue
        for found in check_subject(subject, node_list, None):
            if found.severity > Severity.INFO:
                blocked.add((subject.ref.kind, subject.ref.namespace, subject.ref.name))
            yield found
    bound = pods_by_node(pod_list)
    allocated = {name_of(node): allocated_on(bound.get(name_of(node), [])) for node in node_list}
    for pod in pod_list:
        if not _pending(pod) or not accelerator_requests(pod):
            continue
        owner = top_workload(pod, index)
        if owner is not None and owner in blocked:
            continue
        for found in check_subject(pod_subject(pod), node_list, allocated):
            if owner is None:
                yield found
            elif found.severity > Severity.INFO:
                # The template's gpu-placement already says where the workload's pods fit.
                yield replace(found, workload=ObjectRef(*owner))
