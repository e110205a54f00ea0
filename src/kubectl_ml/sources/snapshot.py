"""A saved cluster: the ``kubectl cluster-info dump --output-directory`` layout plus extra files.

Layout (DESIGN §3): ``nodes.json``; ``<namespace>/{pods,events,...}.json`` (each a List);
``<namespace>/<pod>/logs.txt`` holding every container's log between ``==== START logs for container C
of pod NS/POD ====`` and ``==== END logs ... ====``; ``<namespace>/<pod>/<container>-previous.txt`` for
the previous instance; and any other ``*.json``/``*.yaml``/``*.yml`` holding an object or a List,
recognized by the ``kind`` inside, not the file name. Secrets are never loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kubectl_ml.errors import NotFoundError, SourceError, UnreadableFileError
from kubectl_ml.model.events import parse_time
from kubectl_ml.model.shapes import text
from kubectl_ml.model.workloads import group_of, kind_key
from kubectl_ml.sources.documents import (
    MAX_SNAPSHOT_BYTES,
    check_size,
    files_under,
    parse_json,
    parse_yaml,
    read_text,
)
from kubectl_ml.sources.intake import Intake
from kubectl_ml.sources.kinds import KINDS, is_builtin_group
from kubectl_ml.sources.labels import field_matcher, label_matcher

_LOG_BLOCK = re.compile(
    r"^==== START logs for container (\S+) of pod (\S+)/(\S+) ====\n"
    r"(.*?)^==== END logs for container \1 of pod \2/\3 ====",
    re.DOTALL | re.MULTILINE,
)
# File stems of the dump layout (pods.json, jobs.json): the kind keys without a group of their own.
_FILE_KINDS = {kind.plural: kind.name for kind in KINDS.values() if not kind.key}
_IGNORED_KINDS = {"Secret"}


def parse_file(path: Path, text: str | None = None, limit: int = MAX_SNAPSHOT_BYTES) -> list[Any]:
    """The documents in a JSON or YAML file; SnapshotFormatError (with file and line) when malformed.

    ``text`` stands in for the file's content (standard input, named ``-``). Size, YAML alias expansion
    and nesting are bounded (``sources.documents``): a hostile file is refused, naming it.
    """
    if text is None:
        text = read_text(path, limit)
    else:
        check_size(path, len(text.encode("utf-8", errors="replace")), limit)
    if path.suffix == ".json":
        return [parse_json(text, path)] if text.strip() else []
    return [document for document, _node in parse_yaml(text, path) if document is not None]


def objects_in(document: Any, path: Path) -> list[dict[str, Any]]:
    """API objects in a document: a List's items (kind from the list or the file name) or one object."""
    if not isinstance(document, dict):
        return []
    kind = text(document.get("kind"))
    if "items" in document and (kind == "List" or kind.endswith("List") or not kind):
        if not isinstance(document.get("items"), list | None):
            return []
        item_kind = kind[: -len("List")] if kind.endswith("List") and kind != "List" else _FILE_KINDS.get(path.stem, "")
        api_version = (
            document.get("apiVersion")
            if document.get("apiVersion") not in (None, "v1") or item_kind not in KINDS
            else KINDS[item_kind].api_version
        )
        result = []
        for item in document.get("items") or []:
            if isinstance(item, dict):
                item.setdefault("kind", item_kind)
                item.setdefault("apiVersion", api_version)
                if item.get("kind"):
                    result.append(item)
        return result
    if kind and isinstance(document.get("metadata"), dict):
        return [document]
    return []


def _file_kind(document: Any, path: Path) -> str:
    """The kind of a document's items, for notes and shape checks: its own ``kind``, a List's, the file's."""
    if not isinstance(document, dict):
        return ""
    kind = document.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and kind != "List":
        return kind[: -len("List")]
    if isinstance(kind, str) and kind and kind != "List":
        return kind
    return _FILE_KINDS.get(path.stem, "")


class SnapshotSource:
    """Reads a snapshot folder once, then answers get/list/logs from memory."""

    def __init__(self, directory: str | Path) -> None:
        self.root = Path(directory)
        try:
            self.root.stat()
        except FileNotFoundError:
            pass  # "does not exist", below
        except OSError as error:  # a folder inside one we may not enter
            raise SourceError(
                f"Snapshot folder {self.root} cannot be read: {error.strerror or error}.",
                f"Check the permissions of the folders above it (ls -ld {self.root.parent}).",
            ) from error
        if not self.root.is_dir():
            raise SourceError(
                f"Snapshot folder {self.root} {'is not a folder' if self.root.exists() else 'does not exist'}.",
                "Pass a folder written by `kubectl ml snapshot` or `kubectl cluster-info dump --output-directory`.",
            )
        self.objects: dict[str, list[dict[str, Any]]] = {}
        self.intake = Intake()
        self._groups: set[str] | None = None
        self._logs: dict[tuple[str, str, str], str] = {}
        self._previous: dict[tuple[str, str, str], str] = {}
        self._load()
        self._add_namespaces()
        if not self.objects and not self._logs and not self._previous and not (self.root / "metrics.om").is_file():
            raise SourceError(
                f"{self.root} holds no Kubernetes objects: it is not a snapshot.",
                "Pass a folder written by `kubectl ml snapshot` or `kubectl cluster-info dump --output-directory`.",
            )

    def _load(self) -> None:
        seen: set[tuple[str, str, str, str]] = set()
        files, unreadable = files_under(self.root)
        for folder, reason in unreadable:
            if folder == self.root:
                raise SourceError(
                    f"Snapshot folder {self.root} cannot be read: {reason}.",
                    f"Check its permissions (ls -ld {self.root}).",
                )
            # Like a namespace RBAC hides: what the folder holds is not checked, and the answer says so.
            self.intake.note(
                f"folder {folder.relative_to(self.root)} cannot be read ({reason}); what it holds was not checked"
            )
        for path in files:
            where = str(path.relative_to(self.root))
            try:
                self._load_file(path, where, seen)
            except UnreadableFileError as error:
                self.intake.note(f"{where} cannot be read ({error.reason}); what it holds was not checked")

    def _load_file(self, path: Path, where: str, seen: set[tuple[str, str, str, str]]) -> None:
        if path.name == "logs.txt":
            self._read_logs(path)
        elif path.name.endswith("-previous.txt") and len(path.relative_to(self.root).parts) == 3:
            namespace, pod = path.relative_to(self.root).parts[:2]
            container = path.name[: -len("-previous.txt")]
            self._previous[(namespace, pod, container)] = read_text(path, MAX_SNAPSHOT_BYTES)
        elif path.suffix in (".json", ".yaml", ".yml"):
            for document in parse_file(path):
                if isinstance(document, dict) and not isinstance(document.get("items"), list | None):
                    self.intake.note(f"{where}: items is not a list; the file was skipped")
                    continue
                for item in self.intake.admit(objects_in(document, path), _file_kind(document, path), where):
                    kind = kind_key(item)
                    if kind in _IGNORED_KINDS:
                        continue
                    metadata = item.get("metadata") or {}
                    key = (
                        kind,
                        metadata.get("namespace", ""),
                        metadata.get("name", ""),
                        metadata.get("uid", ""),
                    )
                    if key in seen:
                        continue
                    seen.add(key)
                    self.objects.setdefault(kind, []).append(item)

    def _add_namespaces(self) -> None:
        """Namespace objects for the namespaces the snapshot holds, when it has none of its own.

        ``kubectl cluster-info dump`` writes a folder per namespace but no namespaces.json: the folders and
        the objects' namespaces are the namespaces, so a ``-n`` that names none of them is not found.
        """
        if self.objects.get("Namespace"):
            return
        names = {
            str((item.get("metadata") or {}).get("namespace") or "")
            for items in self.objects.values()
            for item in items
            if isinstance(item, dict)
        }
        names |= {path.name for path in self.root.iterdir() if path.is_dir() and not path.name.startswith(".")}
        names.discard("")
        self.objects["Namespace"] = [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}} for name in sorted(names)
        ]

    def _read_logs(self, path: Path) -> None:
        text = read_text(path, MAX_SNAPSHOT_BYTES)
        for container, namespace, pod, body in _LOG_BLOCK.findall(text):
            self._logs[(namespace, pod, container)] = body

    # -- the Source protocol -------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """The ``source`` member of a report."""
        return {"type": "snapshot", "path": str(self.root)}

    def notes(self) -> list[str]:
        """The malformed objects skipped while reading the folder."""
        return self.intake.notes()

    def default_namespace(self) -> str:
        """``default``, as kubectl would use without a context namespace."""
        return "default"

    def now(self) -> datetime:
        """The newest timestamp in the snapshot, so ages read as they did when it was taken.

        A dump has no capture time of its own; the freshest thing in it is usually a node heartbeat, an
        event, or a container state change, in either event shape.
        """
        moments = [parse_time(value) for value in self._timestamps()]
        return max((moment for moment in moments if moment is not None), default=datetime.now(timezone.utc))

    def _timestamps(self) -> Iterator[object]:
        for event in self.objects.get("Event", []):
            series = event.get("series") or {}
            yield from (event.get("lastTimestamp"), event.get("eventTime"), event.get("deprecatedLastTimestamp"))
            yield series.get("lastObservedTime")
        for node in self.objects.get("Node", []):
            for item in (node.get("status") or {}).get("conditions") or []:
                yield item.get("lastHeartbeatTime")
        for pod in self.objects.get("Pod", []):
            status = pod.get("status") or {}
            yield (pod.get("metadata") or {}).get("creationTimestamp")
            yield status.get("startTime")
            for item in status.get("conditions") or []:
                yield item.get("lastTransitionTime")
            for key in ("initContainerStatuses", "containerStatuses"):
                for container in status.get(key) or []:
                    for state in (container.get("state") or {}, container.get("lastState") or {}):
                        for value in state.values():
                            if isinstance(value, dict):
                                yield value.get("startedAt")
                                yield value.get("finishedAt")

    def get(self, kind: str, namespace: str | None, name: str) -> dict[str, Any]:
        """One object by name; NotFoundError when the snapshot lacks it."""
        for item in self.objects.get(kind, []):
            metadata = item.get("metadata") or {}
            if metadata.get("name") == name and (not KINDS[kind].namespaced or metadata.get("namespace") == namespace):
                return item
        where = f" in namespace {namespace}" if namespace and KINDS[kind].namespaced else ""
        raise NotFoundError(f"{kind} {name} not found{where} in snapshot {self.root}.", None, status=404)

    def list(
        self,
        kind: str,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        """Objects of a kind, filtered like the API server would."""
        labels = label_matcher(label_selector)
        fields = field_matcher(field_selector)
        result = []
        for item in self.objects.get(kind, []):
            metadata = item.get("metadata") or {}
            if namespace and KINDS[kind].namespaced and metadata.get("namespace") != namespace:
                continue
            if label_selector and not labels(metadata.get("labels") or {}):
                continue
            if field_selector:
                probe = item
                if kind == "Event" and "involvedObject" not in item:
                    probe = {**item, "involvedObject": item.get("regarding") or {}}
                if not fields(probe):
                    continue
            result.append(item)
        return result

    def serves(self, kind: str) -> bool:
        """True for built-in kinds, and for an operator's kinds when the snapshot holds any object of its group.

        A snapshot without any Kueue object says nothing about queues: it may predate Kueue, or have been
        taken without its objects, so "no Workload" must not read as "the LocalQueue is missing".
        """
        group = KINDS[kind].group
        if is_builtin_group(group):
            return True
        if self._groups is None:
            self._groups = {
                group_of(str(item.get("apiVersion") or "")) for items in self.objects.values() for item in items
            }
        return group in self._groups

    def logs(self, namespace: str, pod: str, container: str, *, previous: bool, tail_lines: int) -> str | None:
        """A container's saved log (previous instance from ``<container>-previous.txt``)."""
        store = self._previous if previous else self._logs
        text = store.get((namespace, pod, container))
        if text is None:
            return None
        lines = text.splitlines()
        return "\n".join(lines[-tail_lines:]) + ("\n" if lines else "")
