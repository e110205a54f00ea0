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

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from kubectl_ml.gpu._common import build, top_level_templates, top_workload, workload_index
from kubectl_ml.gpu.context import GpuContext
from kubectl_ml.gpu.nodes import platform_of, pods_by_node
from kubectl_ml.model.codes import CodeInfo, declare, with_workload
from kubectl_ml.model.findings import Finding, ObjectRef, Severity
from kubectl_ml.model.fit import NodeFit, evaluate, is_gpu_node
from kubectl_ml.model.placement import SCHEDULING_CODES, judge, resource_evidence
from kubectl_ml.model.quantity import format_quantity
from kubectl_ml.model.resources import Resources, accelerator_requests, allocated_on, pod_requests
from kubectl_ml.model.subjects import Subject, name_of, plural, pod_subject

CODES = SCHEDULING_CODES + declare(
    CodeInfo(
        "gpu-placement",
        "gpu",
        Severity.INFO,
        "nodes a GPU workload fits",
        "For information: the nodes a GPU pod or workload template could run on (taints, selectors and "
        "capacity all allow it).",
        "",  # nothing to fix: an information has no fix line
        docs="https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/",
    ),
)


def _placement(subject: Subject, total: int, nodes: Sequence[NodeFit], now: bool, assumed: str = "") -> Finding:
    """gpu-placement (info): on how many nodes, and which, the subject could run (and what that assumes)."""
    names = [fit.node for fit in nodes]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    asked = ", ".join(
        f"{format_quantity(name, value)} {name}" for name, value in sorted(accelerator_requests(subject.pod).items())
    )
    where = "has room now on" if now else "fits"
    if subject.placed_elsewhere:
        where = "is small enough for"
    tail = "; its tolerations and node selectors come from its runtime" if subject.placed_elsewhere else ""
    tail += assumed
    return build(
        "gpu-placement",
        subject.ref,
        f"{subject.noun} ({asked}) {where} {plural(len(names), 'node')} of {total}: {shown}{tail}.",
        evidence=[item for name in accelerator_requests(subject.pod) for item in resource_evidence(subject, name)],
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
    node_pods: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Iterator[Finding]:
    """Evaluate one pod or template against every node and yield what blocks it, or where it fits.

    The verdict is ``model.placement.judge``'s, the one ``doctor`` gives a Pending pod.

    Args:
        subject: the pod or template.
        nodes: every node.
        allocated: what each node's pods hold, by node name, for a pod (None for a template: a
            workload's replicas may already hold the GPUs it would need, so "free now" means nothing).
        node_pods: the pods bound to each node, to say who holds the GPUs a pending pod waits for.

    Yields:
        The blocking findings, or one ``gpu-placement`` info finding.
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
    verdict = judge(
        subject,
        nodes,
        fits,
        free_known=allocated is not None and not subject.template,
        node_pods=node_pods,
    )
    if verdict.blocking:
        yield from verdict.blocking
    elif verdict.room:
        # Said when the fit rests on GKE adding the toleration at admission: a pod of this workload that
        # still cannot land (reported beside it) shows that admission did not.
        added = admitted is not subject
        by_name = {name_of(node): node for node in nodes}
        relies = added and any(
            evaluate(subject.pod, by_name[fit.node], None, requests).taints
            for fit in verdict.room
            if fit.node in by_name
        )
        assumed = (
            ", with the GPU toleration GKE's ExtendedResourceToleration admission adds to its pods (the "
            "template has none of its own)"
            if relies
            else ""
        )
        yield _placement(subject, len(fits), verdict.room, now=verdict.now, assumed=assumed)


def _pending(pod: Mapping[str, Any]) -> bool:
    return not (pod.get("spec") or {}).get("nodeName") and (pod.get("status") or {}).get("phase") in (None, "Pending")


def placement_findings(
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
        for found in check_subject(pod_subject(pod), node_list, allocated, bound):
            if owner is None:
                yield found
            elif found.severity > Severity.INFO:
                # The template's gpu-placement already says where the workload's pods fit.
                yield with_workload(found, ObjectRef(*owner))


def check(context: GpuContext) -> Iterator[Finding]:
    """The registry's entry point: :func:`placement_findings` over the context."""
    return placement_findings(context.nodes, context.pods, context.workloads)
