"""Write a snapshot folder from a live cluster, in exactly the layout the snapshot source reads.

Secrets are never read, so their values cannot leak; container logs are saved as
``<ns>/<pod>/logs.txt`` (current) and ``<ns>/<pod>/<container>-previous.txt`` (previous instance of
restarted containers).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kubectl_ml.errors import ApiError, ForbiddenError, NotFoundError, SourceError
from kubectl_ml.model.pods import spec_containers
from kubectl_ml.sources.base import Source
from kubectl_ml.sources.kinds import KINDS, OPERATOR_KINDS

# The files `kubectl cluster-info dump` writes per namespace, then the extras we also need.
DUMP_KINDS = {
    "Event": "events",
    "ReplicationController": "replicationcontrollers",
    "Service": "services",
    "DaemonSet": "daemonsets",
    "Deployment": "deployments",
    "ReplicaSet": "replicasets",
    "Pod": "pods",
}
EXTRA_KINDS = ("Job", "CronJob", "StatefulSet", "PersistentVolumeClaim", "ResourceQuota")
# Operator kinds and Kueue's objects, saved when the cluster serves their group (loaded back by kind).
OPERATOR_EXTRA_KINDS = (*OPERATOR_KINDS, "Workload", "LocalQueue", "ClusterQueue")
LOG_TAIL_LINES = 500


def _write_list(path: Path, kind: str, items: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    api_version = KINDS[kind].api_version if kind in KINDS else "v1"
    document = {"kind": f"{kind}List" if kind else "List", "apiVersion": api_version, "metadata": {}, "items": items}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _read_all(
    source: Source, namespaces: list[str] | None, skipped: list[str]
) -> tuple[list[str], dict[str, dict[str, list[dict[str, Any]]]]]:
    """The namespaces to save and, per kind, their objects by namespace.

    For ``-A`` each kind is listed once, cluster-wide, and split by namespace in memory (a cluster with
    200 namespaces costs 12 lists, not 2,400). Namespaces without pods are saved too: a Deployment that
    quota or admission keeps from creating any pod is what ``doctor deploy/NAME`` must find.
    """
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    everything = namespaces is None
    names: set[str] = set(namespaces or [])
    if everything:
        try:
            names = {str((item.get("metadata") or {}).get("name")) for item in source.list("Namespace", None)}
        except ForbiddenError:
            skipped.append("namespaces: forbidden (needs list on namespaces); saved the namespaces that have objects")
    operator_kinds = [kind for kind in OPERATOR_EXTRA_KINDS if source.serves(kind)]
    for kind in (*DUMP_KINDS, *EXTRA_KINDS, *operator_kinds):
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        cluster_scoped = not KINDS[kind].namespaced
        for scope in [None] if everything or cluster_scoped else sorted(names):
            try:
                items = source.list(kind, scope)
            except ForbiddenError:
                where = "cluster-wide" if scope is None else f"in {scope}"
                skipped.append(f"{KINDS[kind].resource} {where}: forbidden")
                continue
            except NotFoundError:
                break  # the operator's group is served, but not this kind
            for item in items:
                namespace = str((item.get("metadata") or {}).get("namespace") or "")
                by_namespace.setdefault(namespace, []).append(item)
            if scope is not None:
                by_namespace.setdefault(scope, [])
        found[kind] = by_namespace
        if everything:
            names.update(name for name in by_namespace if name)
    return sorted(names), found


def write_snapshot(source: Source, directory: Path, namespaces: list[str] | None, with_logs: bool = True) -> list[str]:
    """Save nodes, per-namespace objects and logs; return what was skipped (forbidden reads).

    Raises:
        SourceError: when the folder cannot be written (permissions, disk full).
    """
    try:
        return _write_snapshot(source, directory, namespaces, with_logs)
    except OSError as error:
        raise SourceError(
            f"Cannot write the snapshot to {directory}: {error.strerror or error}"
            + (f" ({error.filename})." if error.filename else "."),
            "Choose a folder you can write to, with free space.",
        ) from error


def _write_snapshot(source: Source, directory: Path, namespaces: list[str] | None, with_logs: bool) -> list[str]:
    skipped: list[str] = []
    directory.mkdir(parents=True, exist_ok=True)
    try:
        _write_list(directory / "nodes.json", "Node", source.list("Node", None))
    except ForbiddenError:
        skipped.append("nodes: forbidden")
    names, found = _read_all(source, namespaces, skipped)
    for namespace in names:
        folder = directory / namespace
        folder.mkdir(parents=True, exist_ok=True)
        for kind, stem in DUMP_KINDS.items():
            if namespace not in found[kind]:  # forbidden: write nothing rather than an empty list
                continue
            items = found[kind][namespace]
            _write_list(folder / f"{stem}.json", kind, items)
            if kind == "Pod" and with_logs:
                skipped.extend(_write_logs(source, folder, namespace, items))
        extras = [item for kind in EXTRA_KINDS for item in found[kind].get(namespace, [])]
        _write_list(folder / "extra.json", "", extras)
        operators = [item for kind in OPERATOR_EXTRA_KINDS if kind in found for item in found[kind].get(namespace, [])]
        if operators:
            _write_list(folder / "operators.json", "", operators)
    cluster_wide = [
        item
        for kind in OPERATOR_EXTRA_KINDS
        if kind in found and not KINDS[kind].namespaced
        for item in found[kind].get("", [])
    ]
    if cluster_wide:
        _write_list(directory / "operators.json", "", cluster_wide)
    return skipped


def _write_logs(source: Source, folder: Path, namespace: str, pods: list[dict[str, Any]]) -> list[str]:
    skipped: list[str] = []
    for pod in pods:
        name = str((pod.get("metadata") or {}).get("name"))
        blocks: list[str] = []
        spec, status = pod.get("spec") or {}, pod.get("status") or {}
        restarts = {
            item.get("name"): item.get("restartCount")
            for key in ("initContainerStatuses", "containerStatuses")
            for item in status.get(key) or []
        }
        for container_name in [str(item.get("name")) for _key, _index, item in spec_containers(spec)]:
            try:
                text = source.logs(namespace, name, container_name, previous=False, tail_lines=LOG_TAIL_LINES)
                previous = None
                if restarts.get(container_name):
                    previous = source.logs(namespace, name, container_name, previous=True, tail_lines=LOG_TAIL_LINES)
            except ForbiddenError:
                return [f"logs in {namespace}: forbidden"]
            except ApiError as error:
                # The API server reads logs from the node's kubelet; a node that is down answers 5xx.
                if error.status < 500:
                    raise
                skipped.append(f"logs of {namespace}/{name}: the API server could not fetch them ({error.status})")
                break
            if text is not None:
                blocks.append(
                    f"==== START logs for container {container_name} of pod {namespace}/{name} ====\n"
                    f"{text if text.endswith(chr(10)) or not text else text + chr(10)}"
                    f"==== END logs for container {container_name} of pod {namespace}/{name} ====\n"
                )
            if previous is not None:
                (folder / name).mkdir(parents=True, exist_ok=True)
                (folder / name / f"{container_name}-previous.txt").write_text(previous, encoding="utf-8")
        if blocks:
            (folder / name).mkdir(parents=True, exist_ok=True)
            (folder / name / "logs.txt").write_text("".join(blocks), encoding="utf-8")
    return skipped
