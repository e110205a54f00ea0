"""``.kubectl-ml.yaml``: a team's lint settings, found the way kube-linter finds ``.kube-linter.yaml``.

``--config FILE`` names it; otherwise ``.kubectl-ml.yaml`` (or ``.yml``) in the current folder is used
when present, and nothing else is searched (as kube-linter: a file found far up the tree would change
results without anyone seeing why)::

    lint:
      disable: [run-as-root]              # codes never reported
      severity:                           # a new severity per code: error, warning or info
        probes-missing: error
      exclude:                            # files not read (fnmatch; relative to this file's folder;
        - "charts/*"                      #   a folder, "charts" or "charts/", means the files in it)
        - "**/testdata/*"

Every key is checked: an unknown code, severity or key is a usage error (exit 2) naming the file and
line, since a typo that silently does nothing is worse than no config.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kubectl_ml.errors import SnapshotFormatError, UsageError
from kubectl_ml.lint.suppression import LintConfig
from kubectl_ml.model.findings import Severity
from kubectl_ml.sources.documents import MAX_MANIFEST_BYTES, parse_yaml, read_text

CONFIG_NAMES = (".kubectl-ml.yaml", ".kubectl-ml.yml")
_KEYS = ("disable", "severity", "exclude")


def find_lint_config(explicit: str | None, cwd: Path) -> Path | None:
    """The config file to use: ``--config``, else one of CONFIG_NAMES in ``cwd``, else None.

    Raises:
        UsageError: ``--config`` names a file that does not exist.
    """
    if explicit:
        path = Path(explicit)
        if path.is_dir():
            inside = next((path / name for name in CONFIG_NAMES if (path / name).is_file()), None)
            if inside is None:
                raise UsageError(f"--config {explicit} is a folder without a .kubectl-ml.yaml.", "Pass the file.")
            return inside
        if not path.is_file():
            raise UsageError(f"--config {explicit}: no such file.", "Pass the path of a .kubectl-ml.yaml.")
        return path
    return next((cwd / name for name in CONFIG_NAMES if (cwd / name).is_file()), None)


def _line(node: Any, key: str) -> str:
    """`` (line N)`` of ``key`` in a YAML mapping node, or empty."""
    for key_node, _value in getattr(node, "value", None) or []:
        if getattr(key_node, "value", None) == key:
            return f" (line {key_node.start_mark.line + 1})"
    return ""


def _strings(value: Any, where: str, hint: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UsageError(f"{where} must be a list of strings.", hint)
    return list(value)


def _pattern(pattern: str) -> str:
    """An exclude pattern as users write it: ``./charts/*`` and ``charts/`` and ``charts`` mean the folder's files."""
    pattern = pattern.removeprefix("./")
    if pattern.endswith("/"):
        return pattern + "*"
    if not any(mark in pattern for mark in "*?[") and "." not in pattern.rsplit("/", 1)[-1]:
        return pattern + "/*"  # a bare folder name
    return pattern


def load_lint_config(path: Path, known_codes: Iterable[str]) -> LintConfig:
    """Read and check a config file.

    Raises:
        UsageError: the file cannot be read, is not YAML, or names an unknown key, code or severity.
    """
    try:
        documents = parse_yaml(read_text(path, MAX_MANIFEST_BYTES), path)
    except SnapshotFormatError as error:
        raise UsageError(
            error.message.replace("File ", "Config file ", 1), "Fix the file, or pass --config."
        ) from error
    document, node = documents[0] if documents else ({}, None)
    if document is None:
        document = {}
    if not isinstance(document, Mapping):
        raise UsageError(f"Config file {path} must be a mapping with a lint: section.", None)
    for key in document:
        if key != "lint":  # a typo here would silently turn nothing off
            raise UsageError(f"Config file {path}{_line(node, str(key))}: unknown key {key}.", "Use lint:.")
    if len(documents) > 1:
        raise UsageError(f"Config file {path} holds {len(documents)} YAML documents; it takes one.", None)
    section = document.get("lint") or {}
    section_node = next((value for key, value in getattr(node, "value", None) or [] if key.value == "lint"), None)
    if not isinstance(section, Mapping):
        raise UsageError(f"Config file {path}{_line(node, 'lint')}: lint must be a mapping.", None)
    for key in section:
        if key not in _KEYS:
            raise UsageError(
                f"Config file {path}{_line(section_node, str(key))}: unknown key lint.{key}.",
                f"Use {', '.join(_KEYS)}.",
            )
    known = set(known_codes)

    def check_code(code: str, key: str) -> str:
        if code not in known:
            raise UsageError(
                f"Config file {path}{_line(section_node, key)}: lint.{key} names {code!r}, which is no lint code.",
                "kubectl ml lint --help lists the codes; docs/codes.md explains each.",
            )
        return code

    where = f"Config file {path}{_line(section_node, 'disable')}: lint.disable"
    disabled = frozenset(
        check_code(code, "disable")
        for code in _strings(section.get("disable", []), where, "e.g. disable: [run-as-root, image-tag-latest]")
    )
    raw_severities = section.get("severity") or {}
    if not isinstance(raw_severities, Mapping):
        raise UsageError(f"Config file {path}{_line(section_node, 'severity')}: lint.severity must be a mapping.", None)
    severities: dict[str, Severity] = {}
    for code, value in raw_severities.items():
        check_code(str(code), "severity")
        if value not in ("error", "warning", "info"):
            raise UsageError(
                f"Config file {path}{_line(section_node, 'severity')}: lint.severity.{code} is {value!r}.",
                "Use error, warning or info.",
            )
        severities[str(code)] = Severity.parse(str(value))
    where = f"Config file {path}{_line(section_node, 'exclude')}: lint.exclude"
    exclude = tuple(
        _pattern(item) for item in _strings(section.get("exclude", []), where, 'e.g. exclude: ["charts/*"]')
    )
    base = os.path.relpath(path.resolve().parent)
    return LintConfig(disabled, severities, exclude, "" if base == "." else Path(base).as_posix(), str(path))
