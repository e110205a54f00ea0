"""Pure scaffolding: parameters in, manifest dicts out (``kubectl ml new job``, ``kubectl ml new serving``).

``new job`` writes one of ``JOB_KINDS``: a Job (``job``), a Kubeflow PyTorchJob or a JobSet, around the
same trainer pod (``training``); ``new serving`` a model server per runtime preset (``serving``).

Nothing here reads files, the environment or the cluster: the nodes to fit (``placement.fit``) are
handed in by the command, and the manifests go back to it as plain dicts, in the order to apply them.
"""

from __future__ import annotations

from kubectl_ml.scaffold.common import check_pinned_image
from kubectl_ml.scaffold.job import JOB_KINDS, build_job
from kubectl_ml.scaffold.placement import Placement, default_placement, fit_placement
from kubectl_ml.scaffold.serving import RUNTIMES, ServingParams, build_serving
from kubectl_ml.scaffold.training import JobParams

__all__ = [
    "JOB_KINDS",
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
