"""The RightsizeReport (DESIGN §5) and how recommendations become patches and commands."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from kubectl_ml.model.pods import spec_containers
from kubectl_ml.model.workloads import WORKLOAD_KINDS, template_for_role
from kubectl_ml.rightsize.recommend import Recommendation, history_length

# A Job's pod template is immutable, so its figures go into the manifest of the next run: no patch.
_UNPATCHABLE = ("Job", "Pod")


def _template_keys(item: Recommendation) -> tuple[str | int, ...] | None:
    """The keys from the workload to the pod spec its row's pods come from (None: nothing to patch)."""
    if item.workload.kind in _UNPATCHABLE or item.workload.kind not in WORKLOAD_KINDS:
        return None
    entry = WORKLOAD_KINDS[item.workload.kind]
    if entry.builtin:
        return (*entry.templates[0].path.split("."), "spec") if entry.templates else None
    obj = item.workload.obj
    template = template_for_role(obj, item.workload.role) if obj else None
    if template is None or template.slot.inline or template.partial:
        return None
    return template.keys


@dataclass
class RightsizeReport:
    """Recommendations plus what the source could not provide."""

    window_seconds: float
    source: dict[str, Any]
    recommendations: list[Recommendation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    queries: int = 0
    quantiles: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON envelope of DESIGN §5 (``notes`` and ``quantiles`` added for context)."""
        return {
            "apiVersion": "kubectl-ml/v1",
            "kind": "RightsizeReport",
            "window": history_length(self.window_seconds),
            "source": self.source,
            "recommendations": [item.as_dict() for item in self.recommendations],
            "quantiles": self.quantiles,
            "notes": list(self.notes),
        }


def _resources(recommendation: Recommendation) -> dict[str, dict[str, str]]:
    return {
        section: {name: value for name, value in values.items() if value is not None}
        for section, values in recommendation.recommended.items()
        if any(value is not None for value in values.values())
    }


@dataclass(frozen=True)
class WorkloadPatch:
    """A patch of one workload: all its changed containers.

    Attributes:
        item: the workload's first recommendation (names the workload).
        body: a strategic-merge patch (built-in kinds), or JSON-patch operations (custom resources, which
            take no strategic merge, and whose merge patches would replace the containers list whole).
        type: ``strategic`` or ``json``, as ``kubectl patch --type`` takes it.
    """

    item: Recommendation
    body: Any
    type: str

    def command(self) -> str:
        """The ``kubectl patch`` line that applies it."""
        entry = WORKLOAD_KINDS.get(self.item.workload.kind)
        # Built-in kinds as kubectl users type them (deployment); custom resources with their group, so the
        # name cannot be taken for another group's kind (jobs.batch.volcano.sh, not jobs).
        resource = entry.resource if entry and not entry.builtin else self.item.workload.kind.lower()
        return (
            f"kubectl patch {resource} {self.item.workload.name} -n {self.item.namespace} --type={self.type} "
            f"-p '{json.dumps(self.body, separators=(',', ':'))}'"
        )


def _pointer(keys: tuple[str | int, ...]) -> str:
    return "".join("/" + str(key).replace("~", "~0").replace("/", "~1") for key in keys)


def workload_patches(report: RightsizeReport) -> list[WorkloadPatch]:
    """One patch per workload (and role): its changed containers' resources.

    Bare pods and Jobs are left out: a pod's resources cannot be patched in place on most clusters, and a
    Job's template is immutable.
    """
    grouped: dict[tuple[str, str, str, str], list[Recommendation]] = {}
    for item in report.recommendations:
        if _template_keys(item) is not None and item.recommended != item.current:
            grouped.setdefault(item.workload.key, []).append(item)
    patches = []
    for items in grouped.values():
        keys = _template_keys(items[0])
        assert keys is not None
        entry = WORKLOAD_KINDS[items[0].workload.kind]
        if not entry.builtin:
            patches.append(WorkloadPatch(items[0], _json_patch(items, keys), "json"))
            continue
        body: dict[str, Any] = {}
        for item in items:
            # Init containers (and native sidecars) live in their own list: a patch that names them under
            # ``containers`` would add an image-less container and be rejected whole.
            key = "initContainers" if item.init else "containers"
            body.setdefault(key, []).append({"name": item.container, "resources": _resources(item)})
        for step in reversed(keys):
            body = {str(step): body}
        patches.append(WorkloadPatch(items[0], body, "strategic"))
    return patches


def _json_patch(items: list[Recommendation], keys: tuple[str | int, ...]) -> list[dict[str, Any]]:
    """JSON-patch operations that set each container's cpu and memory, by its index in the template.

    One ``add`` per quantity (``.../resources/requests/cpu``), so the other keys there (``nvidia.com/gpu``)
    stay; a missing ``resources``, ``requests`` or ``limits`` object is added first, as an ``add`` onto a
    path whose parent is absent fails the whole patch.
    """
    obj = items[0].workload.obj or {}
    template = template_for_role(obj, items[0].workload.role)
    spec = template.spec if template else {}
    operations: list[dict[str, Any]] = []
    for item in items:
        key = "initContainers" if item.init else "containers"
        found = [(index, body) for list_key, index, body in spec_containers(spec) if list_key == key]
        match = next(((index, body) for index, body in found if body.get("name") == item.container), None)
        if match is None:
            continue
        index, container = match
        base = _pointer((*keys, key, index, "resources"))
        resources = container.get("resources")
        if not isinstance(resources, dict):
            operations.append({"op": "add", "path": base, "value": {}})
            resources = {}
        for section, values in _resources(item).items():
            if not isinstance(resources.get(section), dict):
                operations.append({"op": "add", "path": f"{base}/{section}", "value": dict(values)})
                continue
            for name, value in values.items():
                path = f"{base}/{section}/{_pointer((name,))[1:]}"
                operations.append({"op": "add", "path": path, "value": value})
    return operations


def set_resources_command(item: Recommendation) -> str | None:
    """``kubectl set resources`` for one container, or None for bare pods, Jobs, custom resources, no change."""
    entry = WORKLOAD_KINDS.get(item.workload.kind)
    if entry is None or not entry.builtin or _template_keys(item) is None or item.recommended == item.current:
        return None
    resources = _resources(item)
    target = f"{item.workload.kind.lower()}/{item.workload.name}"
    parts = [f"kubectl set resources {target} -n {item.namespace} -c {item.container}"]
    for section in ("requests", "limits"):
        if resources.get(section):
            parts.append(f"--{section}=" + ",".join(f"{name}={value}" for name, value in resources[section].items()))
    return " ".join(parts)
