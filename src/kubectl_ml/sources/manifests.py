"""Manifests not yet applied: files, folders (recursively) and ``-`` for standard input.

Multi-document YAML and JSON, single objects and Lists, read with the snapshot's parser so a syntax error
names the file and line the same way (exit 3).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kubectl_ml.errors import SourceError
from kubectl_ml.sources.snapshot import objects_in, parse_file

_SUFFIXES = (".yaml", ".yml", ".json")


def manifest_files(paths: Iterable[str]) -> list[Path]:
    """The files named, with folders expanded to their YAML/JSON files; ``-`` stays as it is."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if name == "-":
            files.append(path)
        elif path.is_dir():
            files.extend(sorted(item for item in path.rglob("*") if item.suffix in _SUFFIXES and item.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise SourceError(f"{name} does not exist.", "Name manifest files or folders, or - for standard input.")
    return files


def load_manifests(paths: Iterable[str]) -> list[dict[str, Any]]:
    """Every API object in the files (Lists flattened), in file order."""
    objects: list[dict[str, Any]] = []
    for path in manifest_files(paths):
        text = sys.stdin.read() if str(path) == "-" else None
        source = Path("stdin.yaml") if str(path) == "-" else path
        for document in parse_file(source, text):
            objects.extend(objects_in(document, source))
    return objects
