"""Accelerator resource names no device plugin advertises.

What: every container resource (requests or limits) whose name looks like an accelerator (``gpu``,
``tpu``, ``mig-``, ``neuron``, ``gaudi``) but is none of the names device plugins advertise:
``nvidia.com/gpu``, ``nvidia.com/mig-<profile>``, ``nvidia.com/gpu.shared``, ``amd.com/*``,
``gpu.intel.com/*``, ``google.com/tpu``, ``aws.amazon.com/neuron*``, ``habana.ai/gaudi``
(scaffold-gpu-lint-anchors §1.1). The typical case is ``nvidia.com/gpus``.

Why it matters: any well-formed ``vendor.com/name`` passes validation and admission, so the typo is
accepted and the pod stays Pending forever (``Insufficient nvidia.com/gpus``): no node advertises it.
Schema validators and the other linters pass it.

Remedy: use the name the GPU nodes advertise (``kubectl ml gpu`` lists them); the summary suggests the
closest known name.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from kubectl_ml.gpu._common import Subject, build
from kubectl_ml.lint._common import containers, resources_of
from kubectl_ml.model.findings import Evidence, Finding
from kubectl_ml.model.resources import (
    ACCELERATOR_BOOKKEEPING,
    KNOWN_ACCELERATORS,
    is_accelerator,
    looks_like_accelerator,
)


def unknown(resource: str) -> bool:
    """True for a name that looks like an accelerator but is no advertised one."""
    return looks_like_accelerator(resource) and not is_accelerator(resource) and resource not in ACCELERATOR_BOOKKEEPING


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``gpu-resource-unknown`` per container and unknown name."""
    for container in containers(subject):
        requests, limits = resources_of(container.body)
        for resource in sorted({*map(str, requests), *map(str, limits)}):
            if not unknown(resource):
                continue
            field = "limits" if resource in limits else "requests"
            raw = limits.get(resource, requests.get(resource))
            close = difflib.get_close_matches(resource, KNOWN_ACCELERATORS, n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]}?" if close else ""
            yield build(
                "gpu-resource-unknown",
                subject.ref,
                f"{subject.noun}, container {container.name} asks for {raw} {resource}, a name no device plugin "
                "advertises: the pod would stay Pending." + hint,
                container=container.name,
                evidence=[Evidence("spec", container.path(subject, f"resources.{field}['{resource}']"), raw)],
                remedy=(f"Use {close[0]}" if close else "Use the resource name the GPU nodes advertise")
                + " (kubectl ml gpu lists them).",
            )
