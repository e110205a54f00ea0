"""Resource requests of pods and what nodes offer, in exact numbers.

The pod's request is computed the way the scheduler does (resourcehelper.PodRequests): the sum of the
app containers plus restartable (sidecar) init containers, or the largest classic init container plus
the sidecars started before it, whichever is larger; plus ``spec.overhead``. A limit without a request
counts as the request (the API defaults it so). Pod-level ``spec.resources`` (1.32+, PodLevelResources)
replaces the containers' sum for the resources it may set (cpu, memory, hugepages).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from kubectl_ml.model.accelerators import looks_like_accelerator
from kubectl_ml.model.pods import spec_containers
from kubectl_ml.model.quantity import try_parse_quantity
from kubectl_ml.model.shapes import mapping

Resources = dict[str, Fraction]


def container_resources(container: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """(requests, limits) of a container, empty when absent or not mappings (a ``limits:`` list is a typo)."""
    resources = mapping(container.get("resources"))
    return mapping(resources.get("requests")), mapping(resources.get("limits"))


def container_requests(container: Mapping[str, Any]) -> Resources:
    """The requests of one container, a limit standing in for a missing request."""
    requests, limits = container_resources(container)
    merged: dict[str, Any] = dict(limits)
    merged.update(requests)
    result: Resources = {}
    for name, raw in merged.items():
        value = try_parse_quantity(raw)
        if value is not None:
            result[name] = value
    return result


def _add(total: Resources, extra: Mapping[str, Fraction]) -> Resources:
    combined = dict(total)
    for name, value in extra.items():
        combined[name] = combined.get(name, Fraction(0)) + value
    return combined


def _maximum(left: Resources, right: Mapping[str, Fraction]) -> Resources:
    combined = dict(left)
    for name, value in right.items():
        combined[name] = max(combined.get(name, Fraction(0)), value)
    return combined


def _pod_level_resource(name: str) -> bool:
    return name in ("cpu", "memory") or name.startswith("hugepages-")


def pod_requests(pod: Mapping[str, Any]) -> Resources:
    """The effective requests of a pod as the scheduler counts them.

    Args:
        pod: a Pod, or a pod template wrapped as ``{"spec": ...}``.

    Returns:
        Resource name -> amount (cores for cpu, bytes for memory, a count for extended resources).
    """
    spec = mapping(pod.get("spec"))
    total: Resources = {}
    for _key, _index, container in spec_containers(spec, init=False):
        total = _add(total, container_requests(container))
    sidecars: Resources = {}
    init_peak: Resources = {}
    for container in (body for key, _index, body in spec_containers(spec) if key == "initContainers"):
        requests = container_requests(container)
        if container.get("restartPolicy") == "Always":
            sidecars = _add(sidecars, requests)
            init_peak = _maximum(init_peak, sidecars)
        else:
            init_peak = _maximum(init_peak, _add(requests, sidecars))
    total = _maximum(_add(total, sidecars), init_peak)
    if spec.get("resources"):
        for name, value in container_requests(spec).items():
            if _pod_level_resource(name):
                total[name] = value
    overhead = {
        name: value
        for name, value in ((n, try_parse_quantity(v)) for n, v in (spec.get("overhead") or {}).items())
        if value is not None
    }
    return _add(total, overhead)


def node_resources(node: Mapping[str, Any], field: str = "allocatable") -> Resources:
    """A node's ``status.allocatable`` (or ``capacity``) as numbers (a fresh dict the caller may change)."""
    raw = (node.get("status") or {}).get(field) or {}
    # Memoized on the raw mapping's identity: scheduling checks ask for the same node's numbers once per
    # pending pod and resource. The entry keeps a reference to the mapping, so its id cannot be reused.
    cached = _NODE_RESOURCES.get(id(raw))
    if cached is None or cached[0] is not raw:
        parsed = {
            name: value for name, value in ((n, try_parse_quantity(v)) for n, v in raw.items()) if value is not None
        }
        if len(_NODE_RESOURCES) > 4096:
            _NODE_RESOURCES.clear()
        cached = _NODE_RESOURCES[id(raw)] = (raw, parsed)
    return dict(cached[1])


_NODE_RESOURCES: dict[int, tuple[Mapping[str, Any], Resources]] = {}


def allocated_on(pods: Iterable[Mapping[str, Any]]) -> Resources:
    """What the given (running or pending-bound) pods hold, summed."""
    total: Resources = {}
    for pod in pods:
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            continue
        total = _add(total, pod_requests(pod))
    return total


def accelerator_requests(pod: Mapping[str, Any]) -> Resources:
    """The accelerator part of :func:`pod_requests` (GPUs, MIG slices, TPUs...), zero counts dropped."""
    return {name: value for name, value in pod_requests(pod).items() if looks_like_accelerator(name) and value > 0}


def unquantified_accelerators(spec: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """(container, resource, value) of every accelerator request or limit that is not a quantity.

    A template placeholder (``"${TP_SIZE}"``, ``GPU_COUNT``) is not a count: nothing can be said of where
    such a pod fits, and a check that ignored it would pass it as a pod without GPUs.
    """
    found: dict[tuple[str, str], Any] = {}  # a limit and a request with the same placeholder: said once
    for _key, _index, container in spec_containers(spec):
        requests, limits = container_resources(container)
        for values in (limits, requests):
            for name, raw in values.items():
                if looks_like_accelerator(name) and try_parse_quantity(raw) is None:
                    found.setdefault((str(container.get("name", "")), name), raw)
    return [(container, name, raw) for (container, name), raw in found.items()]


def rename_resources(spec: Mapping[str, Any], renames: Mapping[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The containers part of a strategic-merge patch renaming resource keys (``null`` deletes the old key).

    Used to fix a misspelt accelerator name (``nvidia.com/gpus`` -> ``nvidia.com/gpu``) in a pod spec;
    empty when no container uses any of the names.
    """
    body: dict[str, list[dict[str, Any]]] = {}
    for key, _index, container in spec_containers(spec):
        requests, limits = container_resources(container)
        change: dict[str, dict[str, Any]] = {}
        for field, values in (("limits", limits), ("requests", requests)):
            for old, new in renames.items():
                if old in values:
                    change.setdefault(field, {}).update({old: None, new: values[old]})
        if change:
            body.setdefault(key, []).append({"name": container.get("name"), "resources": change})
    return body
