"""``gpu``'s flow: nodes, pods and workload templates in, one GpuReport out.

The templates come from the source or from manifests not yet applied. Like the other flows, it returns data
and never prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubectl_ml.gpu import run_gpu_checks
from kubectl_ml.model.findings import Report
from kubectl_ml.model.resources import unquantified_accelerators
from kubectl_ml.model.subjects import name_of, pod_subject, template_subjects
from kubectl_ml.model.workloads import is_unknown_workload, kind_key, not_checked_note, workload_kind
from kubectl_ml.sources.base import Source
from kubectl_ml.sources.gather import check_namespace, gather_gpu
from kubectl_ml.sources.intake import Intake
from kubectl_ml.sources.manifests import load_manifests


def unknown_kinds_note(objects: list[dict[str, Any]]) -> list[str]:
    """A ``skipped`` line naming the objects that hold containers but are of kinds the plugin does not know."""
    return not_checked_note([f"{kind_key(item)}/{name_of(item)}" for item in objects if is_unknown_workload(item)])


def _unquantified_notes(objects: Sequence[Mapping[str, Any]]) -> list[str]:
    """A ``skipped`` line per pod or template whose GPU count is not a number: its placement was not checked."""
    notes = []
    for obj in objects:
        subjects = [pod_subject(obj)] if obj.get("kind") == "Pod" else template_subjects(obj)
        for subject in subjects:
            for container, resource, raw in unquantified_accelerators(subject.spec):
                notes.append(
                    f"{subject.noun}, container {container}: {resource} is {raw!r}, not a count (a template "
                    "placeholder?); where it fits was not checked"
                )
    return notes


def gpu_report(source: Source, namespace: str | None, manifest_paths: Sequence[str] | None = None) -> Report:
    """GPU nodes and GPU scheduling findings for a namespace (None: all), or for manifests not yet applied.

    ``manifest_paths`` are files, folders or ``-`` (stdin), read before the cluster is.

    Nodes are required (the checks are about them); all pods are read, when RBAC allows, because what a
    GPU node has free depends on every pod bound to it, whatever its namespace.
    """
    manifests = load_manifests(manifest_paths) if manifest_paths else None
    view = gather_gpu(source, namespace, templates=manifests is None)
    skipped: list[str] = []
    if manifests is not None:
        skipped += unknown_kinds_note(manifests)
        intake = Intake()
        manifests = intake.admit(manifests, "", "the manifests")
        skipped += intake.notes()
        workloads = [item for item in manifests if workload_kind(item) is not None]
        pods_in_scope = [item for item in workloads if item.get("kind") == "Pod"]
        workloads = [item for item in workloads if item.get("kind") != "Pod"]
        nodes_view, findings = run_gpu_checks(view.nodes, view.pods + pods_in_scope, workloads)
        checked = len(pods_in_scope) + len(workloads)
        skipped += _unquantified_notes([*pods_in_scope, *workloads])
        findings = [
            finding for finding in findings if finding.object.kind != "Node" and _from_manifest(finding, manifests)
        ]
    else:
        workloads = [item for items in view.controllers.values() for item in items]
        in_scope = [pod for pod in view.pods if (pod.get("metadata") or {}).get("namespace") == namespace]
        if namespace and not in_scope and not workloads:
            check_namespace(source, namespace)
        nodes_view, findings = run_gpu_checks(view.nodes, view.pods, workloads)
        # What was checked is the pods and workload templates in scope; the nodes are what they are
        # checked against (issue 10: "N pods checked" counted nodes).
        checked = len(in_scope if namespace else view.pods) + len(workloads)
        skipped += _unquantified_notes([*(in_scope if namespace else view.pods), *workloads])
        findings = [
            finding
            for finding in findings
            if finding.object.kind == "Node" or _namespace_ok(finding.object.namespace, namespace)
        ]
    return Report(
        kind="GpuReport",
        source=source.describe(),
        findings=findings,
        skipped=[*source.notes(), *view.skipped, *skipped],
        checked=checked,
        extra={"nodes": [node.as_dict() for node in nodes_view]},
    )


def _namespace_ok(object_namespace: str, namespace: str | None) -> bool:
    return namespace is None or object_namespace == namespace


def _from_manifest(finding: Any, manifests: list[dict[str, Any]]) -> bool:
    """Keep only findings about the manifests' own objects (not the cluster's pods)."""
    names = {(kind_key(item), name_of(item)) for item in manifests}
    return (finding.object.kind, finding.object.name) in names
