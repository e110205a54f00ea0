"""``rightsize``'s flow: objects from a source, usage from a usage source, recommendations per workload.

Like the other flows, it returns data and never prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from kubectl_ml.model.pods import spec_containers
from kubectl_ml.model.resources import accelerator_requests
from kubectl_ml.model.usage import ContainerUsage, UsageQuery
from kubectl_ml.model.workloads import WORKLOAD_KINDS
from kubectl_ml.rightsize.recommend import Recommendation, recommend
from kubectl_ml.rightsize.report import RightsizeReport
from kubectl_ml.rightsize.settings import RightsizeSettings
from kubectl_ml.rightsize.workloads import Workload, WorkloadIndex, pod_spec
from kubectl_ml.sources.base import Source, UsageSource
from kubectl_ml.sources.gather import check_namespace, gather_rightsize
from kubectl_ml.sources.labels import label_matcher


def _container_spec(spec: Mapping[str, Any] | None, name: str) -> tuple[Mapping[str, Any] | None, bool]:
    """The container named ``name`` in a pod spec, and whether it is an init container (or sidecar)."""
    found = [(key, container) for key, _index, container in spec_containers(spec) if container.get("name") == name]
    # An app container wins over an init container of the same name.
    found.sort(key=lambda item: item[0] != "containers")
    return (found[0][1], found[0][0] == "initContainers") if found else (None, False)


def _workload_notes(
    workload: Workload,
    spec: Mapping[str, Any] | None,
    container_spec: Mapping[str, Any] | None,
    recommendation: Recommendation,
) -> list[str]:
    """What a recommendation's workload adds to its notes: a container gone, a template that cannot change."""
    notes = []
    if spec is not None and container_spec is None:
        notes.append("this container is no longer in the workload's template.")
    entry = WORKLOAD_KINDS.get(workload.kind)
    changed = recommendation.recommended != recommendation.current
    if changed and workload.kind == "Job":
        notes.append("a Job's pod template cannot be changed: use these in the manifest of its next run.")
    elif changed and entry is not None and not entry.builtin and entry.finishes:
        notes.append(f"a running {entry.kind} keeps its pods: the patch takes effect for its next run (or restart).")
    return notes


def rightsize(
    source: Source,
    usage_source: UsageSource,
    namespace: str | None,
    settings: RightsizeSettings,
    selector: str | None = None,
) -> RightsizeReport:
    """Recommend requests and limits for every workload container of the namespace (None: all)."""
    view = gather_rightsize(source, namespace)
    pods = view.pods
    controllers = [item for items in view.controllers.values() for item in items]
    if namespace and not pods and not controllers:
        check_namespace(source, namespace)
    # A snapshot is sized as of its capture time, whichever source holds the usage, so a snapshot's
    # metrics.om and the same data in Prometheus give the same numbers.
    end = source.now().timestamp() if source.describe().get("type") == "snapshot" else None
    query = UsageQuery(
        end=end,
        window_seconds=settings.window_seconds,
        request_quantile=settings.request_quantile,
        limit_quantile=settings.limit_quantile,
    )
    usage = usage_source.usage([namespace] if namespace else None, query)
    index = WorkloadIndex.build(pods, controllers, usage.pod_owners, usage.controller_owners)
    buckets: dict[tuple[tuple[str, str, str, str], str], tuple[Workload, list[ContainerUsage]]] = {}
    pods_of: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
    for pod in pods:
        metadata = pod.get("metadata") or {}
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed") and not (pod.get("metadata") or {}).get(
            "ownerReferences"
        ):
            continue
        workload = index.workload_of(str(metadata.get("namespace")), str(metadata.get("name")))
        pods_of.setdefault(workload.key, []).append(pod)
        for _key, _index, body in spec_containers(pod.get("spec"), init=False):
            buckets.setdefault((workload.key, str(body.get("name"))), (workload, []))
    for (space, pod_name, container), item in usage.containers.items():
        workload = index.workload_of(space, pod_name)
        buckets.setdefault((workload.key, container), (workload, []))[1].append(item)
    matches = label_matcher(selector)
    recommendations = []
    for key in sorted(buckets):
        workload, usages = buckets[key]
        if selector and not matches(((workload.obj or {}).get("metadata") or {}).get("labels") or {}):
            continue
        spec = pod_spec(workload, pods_of.get(key[0], []))
        container_spec, init = _container_spec(spec, key[1])
        recommendation = recommend(workload, key[1], container_spec, usages, settings)
        notes = [*recommendation.notes, *_workload_notes(workload, spec, container_spec, recommendation)]
        recommendations.append(replace(recommendation, init=init, notes=notes))
    source_notes = usage.notes
    if not any(accelerator_requests(pod) for pod in pods):
        # No pod asks for a GPU: a missing DCGM exporter is expected, not worth a line.
        source_notes = [note for note in source_notes if "DCGM" not in note]
    return RightsizeReport(
        window_seconds=settings.window_seconds,
        source={**usage.source, "confidence": usage.confidence},
        recommendations=recommendations,
        notes=[*source.notes(), *view.skipped, *source_notes],
        queries=usage.queries,
        quantiles={"request": settings.request_quantile, "limit": settings.limit_quantile},
    )
