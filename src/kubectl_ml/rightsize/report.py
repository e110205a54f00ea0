"""The RightsizeReport (DESIGN §5) and how recommendations become patches and commands."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubectl_ml.rightsize.recommend import Recommendation, duration

# Where the pod template sits in each workload kind, for strategic-merge patches. A Job is missing on
# purpose: its pod template is immutable, so its figures go into the manifest of the next run.
_TEMPLATE_PATH = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


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
            "window": duration(self.window_seconds),
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


def workload_patches(report: RightsizeReport) -> list[tuple[Recommendation, dict[str, Any]]]:
    """One strategic-merge patch per workload (all its containers), keyed by its first recommendation.

    Bare pods are left out: a pod's resources cannot be patched in place on most clusters.
    """
    grouped: dict[tuple[str, str, str], list[Recommendation]] = {}
    for item in report.recommendations:
        if item.workload.kind in _TEMPLATE_PATH and item.recommended != item.current:
            grouped.setdefault((item.namespace, item.workload.kind, item.workload.name), []).append(item)
    patches = []
    for items in grouped.values():
        body: dict[str, Any] = {}
        for item in items:
            # Init containers (and native sidecars) live in their own list: a patch that names them under
            # ``containers`` would add an image-less container and be rejected whole.
            key = "initContainers" if item.init else "containers"
            body.setdefault(key, []).append({"name": item.container, "resources": _resources(item)})
        for key in reversed(_TEMPLATE_PATH[items[0].workload.kind]):
            body = {key: body}
        patches.append((items[0], body))
    return patches


def set_resources_command(item: Recommendation) -> str | None:
    """``kubectl set resources`` for one container, or None for bare pods and rows without a change."""
    if item.workload.kind not in _TEMPLATE_PATH or item.recommended == item.current:
        return None
    resources = _resources(item)
    target = f"{item.workload.kind.lower()}/{item.workload.name}"
    parts = [f"kubectl set resources {target} -n {item.namespace} -c {item.container}"]
    for section in ("requests", "limits"):
        if resources.get(section):
            parts.append(f"--{section}=" + ",".join(f"{name}={value}" for name, value in resources[section].items()))
    return " ".join(parts)
