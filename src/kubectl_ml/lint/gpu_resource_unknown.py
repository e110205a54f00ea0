"""Accelerator resource names no device plugin advertises.

What: every container resource (requests or limits) whose name looks like an accelerator (``gpu``,
``tpu``, ``mig-``, ``neuron``, ``gaudi``, ``vcuda``) but is none of the names device plugins and GPU
sharing schedulers use (``model.accelerators``): ``nvidia.com/gpu``, ``nvidia.com/mig-<profile>``,
``nvidia.com/gpu.shared``, ``amd.com/*``, ``gpu.intel.com/*``, ``google.com/tpu``,
``aws.amazon.com/neuron*``, ``habana.ai/gaudi`` (scaffold-gpu-lint-anchors §1.1); HAMi's
``nvidia.com/gpumem``, ``gpucores``, ``gpumem-percentage``, ``priority``; Volcano's ``volcano.sh/vgpu-*``
and ``volcano.sh/gpu-memory``; Alibaba's ``aliyun.com/gpu-mem``, ``gpu-count``, ``gpu-core.percentage``;
Tencent's ``tencent.com/vcuda-*``. Three cases, by how sure lint can be without the nodes:

* a near miss of a known name (``nvidia.com/gpus``, ``nvidia.com/GPU``, ``aliyun.com/gpumem``), or of a
  vendor's domain (``nvida.com/gpu``, ``nvidia.con/gpu``, ``Nvidia.com/gpu``, ``nvidia/gpu``): a typo,
  an error, with a patch that renames it;
* a name without a vendor domain (``gpu``): the API server rejects it (``must be a standard resource for
  containers``), an error;
* any other name (``example.com/vgpu``): a vendor or sharing scheduler this plugin does not know. Lint has
  no nodes to ask, so it is a warning: the name may be right for a cluster that runs that plugin.

Why it matters: any well-formed ``vendor.com/name`` passes validation and admission, so the typo is
accepted and the pod stays Pending forever (``Insufficient nvidia.com/gpus``): no node advertises it.
Schema validators and the other linters pass it.

Remedy: use the name the GPU nodes advertise (``kubectl ml gpu`` lists them); the summary suggests the
closest known name. For an unknown vendor's name, check that the nodes (or the sharing scheduler) offer
it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.gpu._common import build
from kubectl_ml.lint._common import ContainerSpec, containers, resources_of
from kubectl_ml.model.accelerators import (
    SUGGESTION_CUTOFF,
    TYPO_CUTOFF,
    is_misspelt_accelerator,
    known_resource_names,
)
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.placement import SCHEDULING_CODES
from kubectl_ml.model.subjects import Subject

# The code doctor and gpu give a resource no node advertises, given here to a name no plugin advertises.
CODES = tuple(info for info in SCHEDULING_CODES if info.code == "gpu-resource-unknown")


def closest_known(resource: str, cutoff: float) -> str | None:
    """The known accelerator name ``resource`` is closest to (case ignored), or None below ``cutoff``."""
    names = known_resource_names()
    by_lower = {name.lower(): name for name in names}
    if resource.lower() in by_lower:
        return by_lower[resource.lower()]
    found = difflib.get_close_matches(resource.lower(), list(by_lower), n=1, cutoff=cutoff)
    return by_lower[found[0]] if found else None


def _rename_patch(
    subject: Subject,
    container: ContainerSpec,
    resource: str,
    close: str,
    requests: Mapping[str, Any],
    limits: Mapping[str, Any],
) -> dict[str, Any] | None:
    """A strategic-merge patch that moves the value to the right name (null deletes the misspelt key)."""
    fix: dict[str, Any] = {}
    for field, values in (("requests", requests), ("limits", limits)):
        if resource in values:
            fix[field] = {resource: None, close: values[resource]}
    return subject.patch({container.key: [{"name": container.name, "resources": fix}]})


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``gpu-resource-unknown`` per container and unknown name."""
    for container in containers(subject):
        requests, limits = resources_of(container.body)
        for resource in sorted({*map(str, requests), *map(str, limits)}):
            if not is_misspelt_accelerator(resource):
                continue
            field = "limits" if resource in limits else "requests"
            raw = limits.get(resource, requests.get(resource))
            evidence = [Evidence("spec", container.path(subject, f"resources.{field}['{resource}']"), raw)]
            where = f"{subject.noun}, container {container.name} asks for {raw} {resource}"
            typo = closest_known(resource, TYPO_CUTOFF)
            if typo is not None:
                yield build(
                    "gpu-resource-unknown",
                    subject.ref,
                    f"{where}, a misspelling of {typo}: no node advertises it, so the pod would stay Pending. "
                    f"Did you mean {typo}?",
                    container=container.name,
                    evidence=evidence,
                    fix="rename",
                    values={"resource": resource, "typo": typo},
                    patch=_rename_patch(subject, container, resource, typo, requests, limits),
                )
                continue
            close = closest_known(resource, SUGGESTION_CUTOFF)
            hint = f" Did you mean {close}?" if close else ""
            if "/" not in resource:
                yield build(
                    "gpu-resource-unknown",
                    subject.ref,
                    f"{where}, a name without a vendor domain: the API server rejects it (must be a standard "
                    "resource for containers)." + hint,
                    container=container.name,
                    evidence=evidence,
                    fix="no-domain-close" if close else "no-domain",
                    values={"close": close},
                )
                continue
            yield build(
                "gpu-resource-unknown",
                subject.ref,
                f"{where}, a name of no device plugin or GPU sharing scheduler this plugin knows: unless the "
                "nodes advertise it (or a sharing scheduler reads it), the pod would stay Pending." + hint,
                container=container.name,
                evidence=evidence,
                fix="unknown-vendor-close" if close else "unknown-vendor",
                values={"close": close},
                severity=Severity.WARNING,
            )
