"""Manifests not yet applied: files, folders (recursively) and ``-`` for standard input.

Multi-document YAML and JSON, single objects and Lists, read with the snapshot's parser so a syntax error
names the file and line the same way (exit 3).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubectl_ml.errors import SnapshotFormatError, SourceError
from kubectl_ml.sources.documents import MAX_MANIFEST_BYTES, check_size, files_under, parse_yaml
from kubectl_ml.sources.snapshot import objects_in, parse_file

_SUFFIXES = (".yaml", ".yml", ".json")


def manifest_files(paths: Iterable[str]) -> list[Path]:
    """The files named, with folders expanded to their YAML/JSON files; ``-`` stays as it is."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        try:
            path.stat()
        except FileNotFoundError:
            pass  # said below, with what to pass instead
        except OSError as error:  # e.g. a file in a folder we may not enter
            message = f"Cannot read {name}: {error.strerror or error}."
            raise SourceError(message, "Check the path and its permissions.") from error
        if name == "-":
            files.append(path)
        elif path.is_dir():
            found, unreadable = files_under(path)
            if unreadable:
                folder, reason = unreadable[0]
                # Silently passing over it would report the rest as all there is.
                raise SourceError(f"Cannot read folder {folder}: {reason}.", "Check the path and its permissions.")
            files.extend(item for item in found if item.suffix in _SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise SourceError(f"{name} does not exist.", "Name manifest files or folders, or - for standard input.")
    return files


def load_manifests(paths: Iterable[str]) -> list[dict[str, Any]]:
    """Every API object in the files (Lists flattened), in file order."""
    objects: list[dict[str, Any]] = []
    for path in manifest_files(paths):
        text = sys.stdin.read(MAX_MANIFEST_BYTES + 1) if str(path) == "-" else None
        source = Path("stdin.yaml") if str(path) == "-" else path
        for document in parse_file(source, text, MAX_MANIFEST_BYTES):
            objects.extend(objects_in(document, source))
    return objects


@dataclass(frozen=True)
class ManifestObject:
    """An API object read from a manifest, with where it is.

    Attributes:
        object: the object.
        file: the file it came from (``-`` for standard input).
        line: the 1-based line where the object starts.
        lines: JSON path inside the object (``spec.containers[0].image``; keys that are not plain words as
            ``['nvidia.com/gpu']``) -> 1-based line of that key or list item.
    """

    object: dict[str, Any]
    file: str
    line: int
    lines: dict[str, int]


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _line_map(node: Any, path: str, line: int, lines: dict[str, int], depth: int = 0) -> None:
    """Record ``path`` at ``line`` and every path below ``node`` at the line of its key or list item.

    Fields nested deeper than any finding points at are left unmapped (a finding there takes its
    parent's line): the walk is bounded whatever the document's depth.
    """
    import yaml

    lines[path] = line
    if depth > 64:
        return
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (f"{path}.{key}" if path else key) if _PLAIN_KEY.match(key) else f"{path}['{key}']"
            _line_map(value_node, child, key_node.start_mark.line + 1, lines, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, f"{path}[{index}]", item.start_mark.line + 1, lines, depth + 1)


def _located(obj: dict[str, Any], node: Any, label: str) -> ManifestObject:
    lines: dict[str, int] = {}
    line = node.start_mark.line + 1 if node is not None else 1
    if node is not None:
        _line_map(node, "", line, lines)
    return ManifestObject(obj, label, line, lines)


def read_manifest(text: str, label: str) -> list[ManifestObject]:
    """The API objects of one file's text, each with its start line and the lines of its fields.

    Multi-document YAML, JSON, single objects and Lists (each item located where it starts). A syntax
    error raises SnapshotFormatError naming ``label`` and the line (exit 3). A JSON file is checked by the
    JSON parser first, so its error messages are JSON's.
    """
    source = Path(label if label != "-" else "stdin.yaml")
    check_size(label, len(text.encode("utf-8", errors="replace")), MAX_MANIFEST_BYTES)
    if source.suffix == ".json":
        try:
            parse_file(source, text, MAX_MANIFEST_BYTES)  # JSON's own syntax errors, with line and column
        except SnapshotFormatError as error:
            raise SnapshotFormatError(error.message.replace(str(source), label, 1), "Fix the file.") from error
    try:
        pairs = parse_yaml(text, label)
    except SnapshotFormatError:
        if source.suffix != ".json":
            raise
        # Valid JSON that YAML refuses (tabs, say): the objects without field lines.
        pairs = [(document, None) for document in parse_file(source, text, MAX_MANIFEST_BYTES)]
    located: list[ManifestObject] = []
    for document, node in pairs:
        if not isinstance(document, dict):
            continue
        if "items" in document and not isinstance(document["items"], list | None):
            line = node.start_mark.line + 1 if node is not None else 1
            raise SnapshotFormatError(f"File {label} (line {line}): items is not a list.", "Fix the file.")
        nodes = {}
        if node is not None and isinstance(document.get("items"), list):
            items_node = next((value for key, value in node.value if key.value == "items"), None)
            if items_node is not None and hasattr(items_node, "value"):
                pairs_of_items = zip(document["items"], items_node.value, strict=False)
                nodes = {id(item): item_node for item, item_node in pairs_of_items}
        for obj in objects_in(document, source):
            located.append(_located(obj, nodes.get(id(obj), node if obj is document else None), label))
    return located


def load_manifest_objects(paths: Iterable[str]) -> list[ManifestObject]:
    """Every API object in the files (Lists flattened), located, in file order; ``-`` reads stdin."""
    objects: list[ManifestObject] = []
    for path in manifest_files(paths):
        if str(path) == "-":
            text = sys.stdin.read(MAX_MANIFEST_BYTES + 1)  # enough to tell it is too large
        else:
            try:
                check_size(path, path.stat().st_size, MAX_MANIFEST_BYTES)
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError as error:
                message = f"Cannot read {path}: {error.strerror}."
                raise SourceError(message, "Check the path and its permissions.") from error
        objects.extend(read_manifest(text, str(path)))
    return objects
