"""Load the GPU fixture clusters (fixtures/gpu/<scenario>/, snapshot layout) as plain dicts.

The checks are pure: the tests read the JSON themselves rather than going through a source, so a failure
points at the check, not at the snapshot reader. scripts/make_gpu_fixtures.py writes these folders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubectl_ml.gpu import GpuNode, gpu_nodes, run_gpu_checks
from kubectl_ml.model.findings import Finding

GPU_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "gpu"


@dataclass(frozen=True)
class Cluster:
    nodes: list[dict[str, Any]]
    pods: list[dict[str, Any]]
    workloads: list[dict[str, Any]]

    def node(self, name: str) -> dict[str, Any]:
        return next(item for item in self.nodes if item["metadata"]["name"] == name)

    def pod(self, name: str) -> dict[str, Any]:
        return next(item for item in self.pods if item["metadata"]["name"] == name)

    def workload(self, name: str) -> dict[str, Any]:
        return next(item for item in self.workloads if item["metadata"]["name"] == name)

    def table(self) -> list[GpuNode]:
        return gpu_nodes(self.nodes, self.pods)

    def run(self) -> tuple[list[GpuNode], list[Finding]]:
        return run_gpu_checks(self.nodes, self.pods, self.workloads)


def load(scenario: str) -> Cluster:
    folder = GPU_FIXTURES / scenario
    nodes = json.loads((folder / "nodes.json").read_text())["items"]
    pods = [item for path in sorted(folder.glob("*/pods.json")) for item in json.loads(path.read_text())["items"]]
    extra = folder / "extra.json"
    workloads = json.loads(extra.read_text())["items"] if extra.exists() else []
    return Cluster(nodes, pods, workloads)


def by_object(findings: list[Finding], code: str) -> dict[str, Finding]:
    """Findings with ``code``, by ``Kind/name`` of their object."""
    return {f"{item.object.kind}/{item.object.name}": item for item in findings if item.code == code}


def evidence(finding: Finding) -> dict[str, Any]:
    """The finding's evidence as path -> value."""
    return {item.path: item.value for item in finding.evidence}
