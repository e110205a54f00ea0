"""Write a snapshot folder from a live cluster, in exactly the layout the snapshot source reads.

Secrets are never read, so their values cannot leak; what looks like a secret elsewhere (env values
named like one, ``--api-key`` args, tokens in logs and event messages, the last-applied-configuration
copy of a manifest) is redacted unless ``--no-redact`` (``model.redaction``). Container logs are saved as
``<ns>/<pod>/logs.txt`` (current) and ``<ns>/<pod>/<container>-previous.txt`` (previous instance of
restarted containers). Files are 0600 and folders 0700 (a snapshot is as private as the cluster it came
from), and the folder is written under a temporary name and renamed when complete: an interrupted
snapshot leaves no half folder behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from kubectl_ml.errors import ApiError, ForbiddenError, NotFoundError, SourceError
from kubectl_ml.model.pods import spec_containers
from kubectl_ml.model.redaction import Redactor, redact_object
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


def _private_text(path: Path, text: str) -> None:
    """Write ``text`` to a new file readable by its owner only (0600), its folders 0700."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def _write_list(path: Path, kind: str, items: list[dict[str, Any]], redactor: Redactor) -> None:
    api_version = KINDS[kind].api_version if kind in KINDS else "v1"
    items = [redact_object(item, redactor) for item in items]
    document = {"kind": f"{kind}List" if kind else "List", "apiVersion": api_version, "metadata": {}, "items": items}
    _private_text(path, json.dumps(document, indent=2) + "\n")


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


def write_snapshot(
    source: Source,
    directory: Path,
    namespaces: list[str] | None,
    with_logs: bool = True,
    redactor: Redactor | None = None,
) -> list[str]:
    """Save nodes, per-namespace objects and logs; return what was skipped (forbidden reads) and redacted.

    Written to a temporary folder beside ``directory`` and renamed at the end; on any error or interrupt
    the temporary folder is removed.

    Raises:
        SourceError: when the folder cannot be written (permissions, disk full).
    """
    redactor = redactor if redactor is not None else Redactor()
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    except OSError as error:
        raise _write_error(directory, error) from error
    try:
        skipped = _write_snapshot(source, staging, namespaces, with_logs, redactor)
        if directory.exists():
            directory.rmdir()  # empty: the command refuses a folder with files in it
        staging.rename(directory)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError):
            raise _write_error(directory, error) from error
        raise
    note = redactor.note()
    return [*skipped, *([note] if note else [])]


def _write_error(directory: Path, error: OSError) -> SourceError:
    return SourceError(
        f"Cannot write the snapshot to {directory}: {error.strerror or error}"
        + (f" ({error.filename})." if error.filename else "."),
        "Choose a folder you can write to, with free space.",
    )


def _write_snapshot(
    source: Source, directory: Path, namespaces: list[str] | None, with_logs: bool, redactor: Redactor
) -> list[str]:
    skipped: list[str] = []
    directory.chmod(0o700)
    try:
        _write_list(directory / "nodes.json", "Node", source.list("Node", None), redactor)
    except ForbiddenError:
        skipped.append("nodes: forbidden")
    names, found = _read_all(source, namespaces, skipped)
    for namespace in names:
        folder = directory / namespace
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for kind, stem in DUMP_KINDS.items():
            if namespace not in found[kind]:  # forbidden: write nothing rather than an empty list
                continue
            items = found[kind][namespace]
            _write_list(folder / f"{stem}.json", kind, items, redactor)
            if kind == "Pod" and with_logs:
                skipped.extend(_write_logs(source, folder, namespace, items, redactor))
        extras = [item for kind in EXTRA_KINDS for item in found[kind].get(namespace, [])]
        _write_list(folder / "extra.json", "", extras, redactor)
        operators = [item for kind in OPERATOR_EXTRA_KINDS if kind in found for item in found[kind].get(namespace, [])]
        if operators:
            _write_list(folder / "operators.json", "", operators, redactor)
    cluster_wide = [
        item
        for kind in OPERATOR_EXTRA_KINDS
        if kind in found and not KINDS[kind].namespaced
        for item in found[kind].get("", [])
    ]
    if cluster_wide:
        _write_list(directory / "operators.json", "", cluster_wide, redactor)
    return skipped


def _write_logs(
    source: Source, folder: Path, namespace: str, pods: list[dict[str, Any]], redactor: Redactor
) -> list[str]:
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
                text = redactor.text(text)
                blocks.append(
                    f"==== START logs for container {container_name} of pod {namespace}/{name} ====\n"
                    f"{text if text.endswith(chr(10)) or not text else text + chr(10)}"
                    f"==== END logs for container {container_name} of pod {namespace}/{name} ====\n"
                )
            if previous is not None:
                _private_text(folder / name / f"{container_name}-previous.txt", redactor.text(previous))
        if blocks:
            _private_text(folder / name / "logs.txt", "".join(blocks))
    return skipped
