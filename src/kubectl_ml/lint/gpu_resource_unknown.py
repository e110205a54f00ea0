"""Accelerator resource names no device plugin advertises.

What: every container resource (requests or limits) whose name looks like an accelerator (``gpu``,
``tpu``, ``mig-``, ``neuron``, ``gaudi``) but is none of the names device plugins advertise:
``nvidia.com/gpu``, ``nvidia.com/mig-<profile>``, ``nvidia.com/gpu.shared``, ``amd.com/*``,
``gpu.intel.com/*``, ``google.com/tpu``, ``aws.amazon.com/neuron*``, ``habana.ai/gaudi``
(scaffold-gpu-lint-anchors §1.1), nor a sharing scheduler's name (HAMi's ``nvidia.com/gpumem``,
Volcano's ``volcano.sh/vgpu-memory``; ``model.accelerators``). The typical case is ``nvidia.com/gpus``.

Why it matters: any well-formed ``vendor.com/name`` passes validation and admission, so the typo is
accepted and the pod stays Pending forever (``Insufficient nvidia.com/gpus``): no node advertises it.
Schema validators and the other linters pass it.

Remedy: use the name the GPU nodes advertise (``kubectl ml gpu`` lists them); the summary suggests the
closest known name.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_ml.gpu._common import build
from kubectl_ml.lint._common import containers, resources_of
from kubectl_ml.model.accelerators import (
    KNOWN_ACCELERATORS,
    SUGGESTION_CUTOFF,
    closest_name,
    is_misspelt_accelerator,
)
from kubectl_ml.model.findings import Evidence, Finding
from kubectl_ml.model.subjects import Subject


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``gpu-resource-unknown`` per container and unknown name."""
    for container in containers(subject):
        requests, limits = resources_of(container.body)
        for resource in sorted({*map(str, requests), *map(str, limits)}):
            if not is_misspelt_accelerator(resource):
                continue
            field = "limits" if resource in limits else "requests"
            raw = limits.get(resource, requests.get(resource))
            # No nodes to check against: a looser match than doctor's is offered as a question, not a patch.
            close = closest_name(resource, KNOWN_ACCELERATORS, SUGGESTION_CUTOFF)
            hint = f" Did you mean {close}?" if close else ""
            yield build(
                "gpu-resource-unknown",
                subject.ref,
                f"{subject.noun}, container {container.name} asks for {raw} {resource}, a name no device plugin "
                "advertises: the pod would stay Pending." + hint,
                container=container.name,
                evidence=[Evidence("spec", container.path(subject, f"resources.{field}['{resource}']"), raw)],
                remedy=(f"Use {close}" if close else "Use the resource name the GPU nodes advertise")
                + " (kubectl ml gpu lists them).",
            )
