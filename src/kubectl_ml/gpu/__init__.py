"""GPU checks for ``kubectl ml gpu``: pure functions over plain API dicts, one module per check.

``run_gpu_checks`` is the one entry point the flow calls; it gives every registered check the same
``GpuContext``. Each check module declares its codes and documents what it reads, why it matters and the
remedy, in the same three parts as the doctor rules (``model/checks.py``: one registry shape for all).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kubectl_ml.gpu import fit, limits, node_untainted, squatter
from kubectl_ml.gpu.context import GpuContext
from kubectl_ml.gpu.nodes import GpuNode, gpu_nodes
from kubectl_ml.model.checks import Check, register
from kubectl_ml.model.findings import Finding

__all__ = ["CHECKS", "GpuNode", "gpu_nodes", "run_gpu_checks"]


CHECKS: tuple[Check, ...] = (
    register(node_untainted, "gpu", prefix="gpu-"),
    register(squatter, "gpu", prefix="gpu-"),
    register(limits, "gpu", prefix="gpu-"),
    register(fit, "gpu", prefix="gpu-"),
)


# Codes of a spec the API server refuses: no placement is said for such an object.
_REFUSED_BY_THE_API = ("gpu-limit-missing", "gpu-request-limit-mismatch")


def run_gpu_checks(
    nodes: Iterable[Mapping[str, Any]],
    pods: Iterable[Mapping[str, Any]],
    workloads: Iterable[Mapping[str, Any]],
    checks: Iterable[Check] | None = None,
) -> tuple[list[GpuNode], list[Finding]]:
    """Run the GPU checks (``checks``, by default every registered one), in registry order.

    Args:
        nodes: every Node.
        pods: the pods that were read (all namespaces for node allocation and squatters).
        workloads: objects with pod templates: controllers and the operators' kinds.
        checks: the checks to run (None: every registered one), each given one GpuContext.

    Returns:
        The GPU nodes (sorted by name) and the findings: node findings first, then pods and templates.
    """
    node_list = list(nodes)
    pod_list = list(pods)
    table = gpu_nodes(node_list, pod_list)
    context = GpuContext(node_list, table, pod_list, list(workloads))
    findings = [finding for entry in (CHECKS if checks is None else checks) for finding in entry.check(context)]
    # "fits 2 nodes" beside "the API server rejects it" would read as if the workload could run.
    refused = {finding.object for finding in findings if finding.code in _REFUSED_BY_THE_API}
    kept = [finding for finding in findings if not (finding.code == "gpu-placement" and finding.object in refused)]
    return table, kept
