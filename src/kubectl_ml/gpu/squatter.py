"""Pods without an accelerator request that run on GPU nodes.

What: a pod that is not finished, is bound to a GPU node, and requests no accelerator (or requests zero
of one). DaemonSet pods are node agents that belong on every node (device plugin, DCGM exporter, log and
network agents), and mirror pods are the kubelet's static pods: neither is reported. The finding says
how the pod got there: the node has no taint, the pod tolerates every taint (``operator: Exists`` with
no key), it tolerates the GPU taint itself, or it asks for zero GPUs so that ExtendedResourceToleration
added the toleration.

Why it matters: the pod takes CPU and memory that GPU pods need on that node, so GPUs stay idle while
GPU pods wait; and with the NVIDIA runtime as the default, a container that requests no GPU sees all of
them (NVIDIA device plugin README). Tolerate-everything tolerations are common in chart defaults
(scaffold-gpu-lint-anchors §1.6).

Remedy: remove the toleration that lets the pod on (or narrow it to the taints it needs), taint the node
when it is untainted, and point the pod at the CPU pool with a nodeSelector or node affinity.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kubectl_ml.gpu._common import build, owner_key
from kubectl_ml.gpu.context import GpuContext
from kubectl_ml.gpu.node_untainted import blocking_taints, recommended_taint
from kubectl_ml.gpu.nodes import GpuNode
from kubectl_ml.model.accelerators import looks_like_accelerator
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.findings import Evidence, Finding, ObjectRef, Severity
from kubectl_ml.model.resources import accelerator_requests, pod_requests
from kubectl_ml.model.subjects import name_of, ref_of
from kubectl_ml.model.tolerations import describe_taint, tolerates

CODES = declare(
    CodeInfo(
        "gpu-node-squatter",
        "gpu",
        Severity.WARNING,
        "pod without a GPU request on a GPU node",
        "A running pod that requests no accelerator is bound to a GPU node: it takes CPU and memory "
        "the GPU pods need, and may see every GPU of the node.",
        "Remove the toleration that lets it on (an operator: Exists without a key tolerates everything), or "
        "taint the node; give it a nodeSelector or affinity for the CPU pool.",
        docs="https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#example-use-cases",
        variants={
            "untainted-node": (
                "Taint the GPU node ({taint}, see gpu-node-untainted) and give this pod a nodeSelector or node "
                "affinity for the CPU pool."
            ),
            "toleration": (
                "Remove the toleration that lets it on GPU nodes (narrow an operator: Exists without a key to "
                "the taints the pod really needs) in its workload's pod template, and give it a nodeSelector or"
                " node affinity for the CPU pool."
            ),
            "zero-request": (
                "Drop the zero {zero} request; remove the toleration that lets it on GPU nodes (narrow an "
                "operator: Exists without a key to the taints the pod really needs) in its workload's pod "
                "template, and give it a nodeSelector or node affinity for the CPU pool."
            ),
        },
    ),
)


# The kubelet marks the API copy of a static pod with this annotation (and owns it by the Node).
_MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


def is_node_agent(pod: Mapping[str, Any]) -> bool:
    """True for DaemonSet pods and static (mirror) pods: they run on every node by design."""
    owner = owner_key(pod)
    if owner is not None and owner[0] in ("DaemonSet", "Node"):
        return True
    return _MIRROR_ANNOTATION in ((pod.get("metadata") or {}).get("annotations") or {})


def _finished(pod: Mapping[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _zero_accelerators(pod: Mapping[str, Any]) -> list[str]:
    """Accelerator names the pod asks for at zero (``nvidia.com/gpu: 0``)."""
    return sorted(name for name, value in pod_requests(pod).items() if looks_like_accelerator(name) and value == 0)


def _how(pod: Mapping[str, Any], node: GpuNode) -> tuple[str, list[Evidence], str, dict[str, str]]:
    """How the pod got past the node's taints: a clause for the summary, evidence, the fix and its values."""
    taints = blocking_taints(node)
    if not taints:
        written = describe_taint(recommended_taint(node))
        return (
            "the node has no taint to keep such pods off",
            [Evidence("node", f"nodes/{node.name}.spec.taints", [dict(item) for item in node.taints] or None)],
            "untainted-node",
            {"taint": written},
        )
    tolerations = list((pod.get("spec") or {}).get("tolerations") or [])
    evidence: list[Evidence] = []
    clauses: list[str] = []
    for index, toleration in enumerate(tolerations):
        covered = [taint for taint in taints if tolerates(toleration, taint)]
        if not covered:
            continue
        evidence.append(Evidence("spec", f"spec.tolerations[{index}]", dict(toleration)))
        if not toleration.get("key") and (toleration.get("operator") == "Exists"):
            clauses.append(f"tolerates every taint (spec.tolerations[{index}]: operator Exists without a key)")
        else:
            clauses.append(
                f"tolerates {', '.join(describe_taint(taint) for taint in covered)} (spec.tolerations[{index}])"
            )
    zero = _zero_accelerators(pod)
    if zero:
        clauses.append(
            f"requests {', '.join(zero)}: 0, which makes the ExtendedResourceToleration admission plugin add "
            "the GPU toleration without giving it a GPU"
        )
    fix, values = ("zero-request", {"zero": ", ".join(zero)}) if zero else ("toleration", {})
    return "; ".join(clauses) or "it tolerates the node's taints", evidence, fix, values


def squatters(nodes: Iterable[GpuNode], pods: Iterable[Mapping[str, Any]]) -> Iterator[Finding]:
    """Yield ``gpu-node-squatter`` for each running pod without an accelerator request on a GPU node.

    Args:
        nodes: the GPU nodes (``gpu.nodes.gpu_nodes``).
        pods: every pod that was read.

    Yields:
        One warning per squatting pod.
    """
    by_name = {node.name: node for node in nodes if node.resources}
    for pod in pods:
        node_name = str((pod.get("spec") or {}).get("nodeName") or "")
        node = by_name.get(node_name)
        if node is None or _finished(pod) or is_node_agent(pod) or accelerator_requests(pod):
            continue
        how, evidence, fix, values = _how(pod, node)
        offered = ", ".join(
            f"{item.as_dict()['allocatable']} {item.name}" for item in node.resources if item.allocatable > 0
        )
        owner = owner_key(pod)
        yield build(
            "gpu-node-squatter",
            ref_of(pod),
            f"Pod {name_of(pod)} requests no GPU but runs on GPU node {node_name} "
            f"({offered or 'no GPU allocatable now'}): {how}.",
            evidence=[Evidence("spec", "spec.nodeName", node_name), *evidence],
            fix=fix,
            values=values,
            commands=[f"kubectl get pods -A --field-selector spec.nodeName={node_name} -o wide"],
            workload=ObjectRef(owner[0], owner[1], owner[2]) if owner else None,
        )


def check(context: GpuContext) -> Iterator[Finding]:
    """The registry's entry point: :func:`squatters` over the context."""
    return squatters(context.table, context.pods)
