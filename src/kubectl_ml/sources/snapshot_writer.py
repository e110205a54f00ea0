"""Write a snapshot folder from a live cluster, in exactly the layout the snapshot source reads.

Secrets are never read, so their values cannot leak; container logs are saved as
``<ns>/<pod>/logs.txt`` (current) and ``<ns>/<pod>/<container>-previous.txt`` (previous instance of
restarted containers).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kubectl_ml.errors import ForbiddenError
from kubectl_ml.sources.base import Source

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
LOG_TAIL_LINES = 500


def _write_list(path: Path, kind: str, items: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"kind": f"{kind}List" if kind else "List", "apiVersion": "v1", "metadata": {}, "items": items}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def write_snapshot(source: Source, directory: Path, namespaces: list[str] | None, with_logs: bool = True) -> list[str]:
    """Save nodes, per-namespace objects and logs; return what was skipped (forbidden reads)."""
    skipped: list[str] = []
    directory.mkdir(parents=True, exist_ok=True)
    try:
        _write_list(directory / "nodes.json", "Node", source.list("Node", None))
    except ForbiddenError:
        skipped.append("nodes: forbidden")
    if namespaces is None:
        namespaces = sorted({str((pod.get("metadata") or {}).get("namespace")) for pod in source.list("Pod", None)})
    for namespace in namespaces:
        folder = directory / namespace
        extras: list[dict[str, Any]] = []
        for kind, stem in DUMP_KINDS.items():
            try:
                items = source.list(kind, namespace)
            except ForbiddenError:
                skipped.append(f"{stem} in {namespace}: forbidden")
                continue
            _write_list(folder / f"{stem}.json", kind, items)
            if kind == "Pod" and with_logs:
                skipped.extend(_write_logs(source, folder, namespace, items))
        for kind in EXTRA_KINDS:
            try:
                extras.extend(source.list(kind, namespace))
            except ForbiddenError:
                skipped.append(f"{kind} in {namespace}: forbidden")
        _write_list(folder / "extra.json", "", extras)
    return skipped


def _write_logs(source: Source, folder: Path, namespace: str, pods: list[dict[str, Any]]) -> list[str]:
    skipped: list[str] = []
    for pod in pods:
        name = str((pod.get("metadata") or {}).get("name"))
        blocks: list[str] = []
        statuses = {
            item.get("name"): item
            for key in ("initContainerStatuses", "containerStatuses")
            for item in (pod.get("status") or {}).get(key) or []
        }
        for key in ("initContainers", "containers"):
            for container in (pod.get("spec") or {}).get(key) or []:
                container_name = str(container.get("name"))
                try:
                    text = source.logs(namespace, name, container_name, previous=False, tail_lines=LOG_TAIL_LINES)
                    previous = None
                    if (statuses.get(container_name) or {}).get("restartCount"):
                        previous = source.logs(
                            namespace, name, container_name, previous=True, tail_lines=LOG_TAIL_LINES
                        )
                except ForbiddenError:
                    return [f"logs in {namespace}: forbidden"]
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
