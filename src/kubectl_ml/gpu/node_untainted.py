"""GPU nodes that nothing keeps ordinary pods off.

What: a GPU node (one that advertises an accelerator) without any NoSchedule or NoExecute taint
besides the node-lifecycle ones (not-ready, unschedulable, being deleted). ``PreferNoSchedule`` does not
count: it is a hint the scheduler may ignore.

Why it matters: any pod can land on an untainted GPU node and take the CPU and memory the GPU pods
need, so GPUs sit idle while GPU pods stay Pending; a CUDA image without a GPU request may even see
every GPU of the node. AKS and EKS never taint GPU nodes, and GKE only taints GPU pools added to a
cluster that already had a CPU pool (scaffold-gpu-lint-anchors §1.3).

Remedy: the platform's usual taint: GKE ``nvidia.com/gpu=present:NoSchedule`` (what GKE itself adds,
and what its ExtendedResourceToleration admission plugin tolerates for GPU pods), AKS
``sku=gpu:NoSchedule`` (Azure's documented example), EKS/Karpenter and others
``nvidia.com/gpu=true:NoSchedule`` (Karpenter's documentation). Set it on the node pool so new nodes get
it; ``kubectl taint`` fixes the nodes of today only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from kubectl_ml.gpu._common import build
from kubectl_ml.gpu.context import GpuContext
from kubectl_ml.gpu.nodes import GpuNode
from kubectl_ml.model.accelerators import is_system_taint
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.findings import Evidence, Finding, ObjectRef, Severity
from kubectl_ml.model.tolerations import BLOCKING_EFFECTS, describe_taint

CODES = declare(
    CodeInfo(
        "gpu-node-untainted",
        "gpu",
        Severity.WARNING,
        "GPU node without a GPU taint",
        "A node that advertises GPUs has no NoSchedule or NoExecute taint, so any pod, with or "
        "without a GPU request, can be scheduled there and hold its CPU and memory.",
        "Taint the GPU node pool (the platform's usual taint) and give GPU workloads the matching toleration.",
        docs="https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#example-use-cases",
        variants={
            "gke": (
                "Taint the node pool {taint} (the taint GKE adds to GPU pools, tolerated automatically for pods"
                " requesting nvidia.com/gpu), on the pool so that new nodes get it too (kubectl taint fixes "
                "today's nodes only), and add the matching toleration to GPU workloads; pods already running "
                "stay (NoSchedule does not evict)."
            ),
            "aks": (
                "Taint the node pool {taint} (Azure's documented GPU taint; AKS never taints GPU pools itself),"
                " on the pool so that new nodes get it too (kubectl taint fixes today's nodes only), and add "
                "the matching toleration to GPU workloads; pods already running stay (NoSchedule does not "
                "evict)."
            ),
            "eks": (
                "Taint the node pool {taint} (the GPU taint of Karpenter's documentation; EKS never taints GPU "
                "nodes itself), on the pool so that new nodes get it too (kubectl taint fixes today's nodes "
                "only), and add the matching toleration to GPU workloads; pods already running stay (NoSchedule"
                " does not evict)."
            ),
            "other": (
                "Taint the node pool {taint} (a common GPU taint; nothing taints GPU nodes by default), on the "
                "pool so that new nodes get it too (kubectl taint fixes today's nodes only), and add the "
                "matching toleration to GPU workloads; pods already running stay (NoSchedule does not evict)."
            ),
        },
    ),
)


# The value GKE writes, and the one Karpenter's docs use; other vendors' keys follow the same pattern
# (the resource name as key, so ExtendedResourceToleration can tolerate it where it is enabled).
_VALUE = {"gke": "present"}
_DEFAULT_VALUE = "true"


def recommended_taint(node: GpuNode) -> dict[str, str]:
    """The taint to add to ``node`` for its platform and accelerator."""
    if node.platform == "aks":
        # AKS has no ExtendedResourceToleration, so the key need not be the resource name; sku=gpu is
        # Azure's documented convention and what AKS users' tolerations already match.
        return {"key": "sku", "value": "gpu", "effect": "NoSchedule"}
    names = [item.name for item in node.resources]
    # MIG and shared names come from the NVIDIA device plugin too, and the conventional key stays
    # nvidia.com/gpu; other vendors' nodes get their resource name (amd.com/gpu, google.com/tpu...).
    nvidia = not names or any(name.startswith("nvidia.com/") for name in names)
    key = "nvidia.com/gpu" if nvidia else names[0]
    return {"key": key, "value": _VALUE.get(node.platform, _DEFAULT_VALUE), "effect": "NoSchedule"}


def blocking_taints(node: GpuNode) -> list[Mapping[str, object]]:
    """The node's taints that keep pods without a toleration off (system taints excluded)."""
    return [taint for taint in node.taints if taint.get("effect") in BLOCKING_EFFECTS and not is_system_taint(taint)]


def is_untainted(node: GpuNode) -> bool:
    """True when nothing but a toleration-free pod's own choice keeps it off this GPU node."""
    return not blocking_taints(node)


def untainted_nodes(nodes: Iterable[GpuNode]) -> Iterator[Finding]:
    """Yield ``gpu-node-untainted`` for each GPU node without a blocking taint.

    Args:
        nodes: the GPU nodes (``gpu.nodes.gpu_nodes``).

    Yields:
        One warning per untainted GPU node, with the ``kubectl taint`` command for its platform.
    """
    for node in nodes:
        if not node.resources or not is_untainted(node):
            continue
        taint = recommended_taint(node)
        written = describe_taint(taint)
        evidence = [Evidence("node", f"nodes/{node.name}.spec.taints", [dict(item) for item in node.taints] or None)]
        evidence += [
            Evidence("node", f"nodes/{node.name}.status.allocatable['{item.name}']", item.as_dict()["allocatable"])
            for item in node.resources
        ]
        soft = [describe_taint(item) for item in node.taints if item.get("effect") == "PreferNoSchedule"]
        note = f" (its {', '.join(soft)} taint is only a preference)" if soft else ""
        advertised = ", ".join(f"{item.as_dict()['allocatable']} {item.name}" for item in node.resources)
        yield build(
            "gpu-node-untainted",
            ObjectRef("Node", "", node.name),
            f"GPU node {node.name} ({advertised}) has no NoSchedule taint{note}: any pod can be scheduled there.",
            evidence=evidence,
            fix=node.platform if node.platform in ("gke", "aks", "eks") else "other",
            values={"taint": written},
            commands=[f"kubectl taint nodes {node.name} {written}"],
        )


def check(context: GpuContext) -> Iterator[Finding]:
    """The registry's entry point: :func:`untainted_nodes` over the context."""
    return untainted_nodes(context.table)
