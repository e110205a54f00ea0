"""GPU checks for ``kubectl ml gpu``: pure functions over plain API dicts, one module per check.

``run_gpu_checks`` is the one entry point the command calls; each check module documents what it reads,
why it matters and the remedy, in the same three parts as the doctor rules. ``CHECKS`` lists them with
the codes each emits (docs/codes.md is generated from it, and a meta-test keeps it honest).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_ml.gpu import fit, limits, node_untainted, squatter
from kubectl_ml.gpu.nodes import GpuNode, gpu_nodes
from kubectl_ml.model.findings import Finding

__all__ = ["CHECKS", "GpuCheck", "GpuNode", "gpu_nodes", "run_gpu_checks"]


@dataclass(frozen=True)
class GpuCheck:
    """A GPU check module and the codes it may emit.

    Attributes:
        id: kebab-case name: ``gpu-`` and the module name with ``_`` replaced by ``-``.
        codes: the finding codes it may emit.
        module: the module, whose docstring documents the check.
    """

    id: str
    codes: tuple[str, ...]
    module: Any


def _check(module: Any) -> GpuCheck:
    """A check module's entry: its id from its name, its codes from its own ``CODES`` declaration."""
    codes = tuple(info.code for info in module.CODES)
    return GpuCheck("gpu-" + module.__name__.rsplit(".", 1)[-1].replace("_", "-"), codes, module)


CHECKS: tuple[GpuCheck, ...] = (
    _check(node_untainted),
    _check(squatter),
    _check(limits),
    _check(fit),
)


def run_gpu_checks(
    nodes: Iterable[Mapping[str, Any]],
    pods: Iterable[Mapping[str, Any]],
    workloads: Iterable[Mapping[str, Any]],
) -> tuple[list[GpuNode], list[Finding]]:
    """Run every GPU check.

    Args:
        nodes: every Node.
        pods: the pods that were read (all namespaces for node allocation and squatters).
        workloads: controllers with pod templates: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
            CronJob (others are ignored).

    Returns:
        The GPU nodes (sorted by name) and the findings: node findings first, then pods and templates.
    """
    node_list = list(nodes)
    pod_list = list(pods)
    workload_list = list(workloads)
    table = gpu_nodes(node_list, pod_list)
    findings: list[Finding] = []
    findings += node_untainted.check(table)
    findings += squatter.check(table, pod_list)
    rejected = list(limits.check(pod_list, workload_list))
    findings += rejected
    # "fits 2 nodes" beside "the API server rejects it" would read as if the workload could run.
    refused = {finding.object for finding in rejected}
    findings += [
        finding
        for finding in fit.check(node_list, pod_list, workload_list)
        if not (finding.code == "gpu-placement" and finding.object in refused)
    ]
    return table, findings
