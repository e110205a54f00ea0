"""What every GPU check reads: one context, so each check has the one signature ``check(context)``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_ml.gpu.nodes import GpuNode


@dataclass(frozen=True)
class GpuContext:
    """The cluster as the GPU checks see it.

    Attributes:
        nodes: every Node, as the API returns it.
        table: the GPU nodes among them, with what is allocated (``gpu.nodes.gpu_nodes``).
        pods: every pod that was read (all namespaces when RBAC allows: what a node holds counts them
            all), and the pods of manifests not yet applied.
        workloads: objects with pod templates (controllers and the operators' kinds).
    """

    nodes: Sequence[Mapping[str, Any]]
    table: Sequence[GpuNode]
    pods: Sequence[Mapping[str, Any]]
    workloads: Sequence[Mapping[str, Any]]
