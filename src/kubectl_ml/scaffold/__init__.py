"""Pure scaffolding: parameters in, manifest dicts out (``kubectl ml new job``, ``kubectl ml new serving``).

Nothing here reads files, the environment or the cluster: the nodes to fit (``placement.fit``) are
handed in by the command, and the manifests go back to it as plain dicts, in the order to apply them.
"""

from __future__ import annotations

from kubectl_ml.scaffold.common import check_pinned_image
from kubectl_ml.scaffold.job import JobParams, build_job
from kubectl_ml.scaffold.placement import Placement, default_placement, fit_placement
from kubectl_ml.scaffold.serving import RUNTIMES, ServingParams, build_serving

__all__ = [
    "RUNTIMES",
    "JobParams",
    "Placement",
    "ServingParams",
    "build_job",
    "build_serving",
    "check_pinned_image",
    "default_placement",
    "fit_placement",
]
