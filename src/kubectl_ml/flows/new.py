"""``new``'s flow: parameters (and, when a cluster is given, its GPU nodes) in, manifests and notes out.

The scaffold layer below is pure; this flow is where the cluster is read, once, to fit the workload to
its GPU nodes' labels and taints. A cluster that does not answer is a note, not an error, unless the user
named a snapshot: then its failure is theirs to see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubectl_ml.errors import KubectlMlError
from kubectl_ml.scaffold.job import build_job
from kubectl_ml.scaffold.placement import Placement, fit_placement
from kubectl_ml.scaffold.serving import ServingParams, build_serving, serving_notes
from kubectl_ml.scaffold.training import JobParams
from kubectl_ml.sources.base import Source


@dataclass(frozen=True)
class Scaffold:
    """What ``new`` writes: the manifests in the order to apply them, and what to say on stderr."""

    objects: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


def fit_to_cluster(
    gpus: int, open_nodes_source: Callable[[], Source] | None, strict: bool
) -> tuple[Placement | None, list[str]]:
    """The placement on the cluster's GPU nodes, and the notes it brings; None: the generic placement.

    Args:
        gpus: GPUs per pod; without one there is nothing to fit.
        open_nodes_source: Opens the source to read nodes from; None when no cluster is configured.
        strict: A failure to read is raised (the user named the source) instead of noted.
    """
    if not gpus or open_nodes_source is None:
        return None, []
    try:
        nodes = open_nodes_source().list("Node", None)
    except KubectlMlError as error:
        if strict:
            raise
        return None, [f"cannot read the cluster's nodes ({error.message}); not fitted to its GPU nodes"]
    placement = fit_placement(nodes, gpus)
    return placement, list(placement.notes)


def new_job(params: JobParams, open_nodes_source: Callable[[], Source] | None, strict: bool = False) -> Scaffold:
    """A training Job, PyTorchJob or JobSet, fitted to the cluster's GPU nodes when one is given."""
    placement, notes = fit_to_cluster(params.gpus, open_nodes_source, strict)
    return Scaffold(build_job(params, placement), notes)


def new_serving(
    params: ServingParams, open_nodes_source: Callable[[], Source] | None, strict: bool = False
) -> Scaffold:
    """A model server's Deployment, Service (and PodDisruptionBudget), fitted like ``new_job``."""
    placement, notes = fit_to_cluster(params.gpus, open_nodes_source, strict)
    objects = build_serving(params, placement)
    return Scaffold(objects, [*notes, *serving_notes(params)])
