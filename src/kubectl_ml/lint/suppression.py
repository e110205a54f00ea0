"""Turning findings off where a team decided they do not apply: annotations on objects, and a config file.

**Annotations**, in kube-linter's form (``ignore-check.kube-linter.io/<check>``): one per code, the
reason as the value, on the object or on its pod template (the template's wins: it is closer to the
containers it is about)::

    metadata:
      annotations:
        ignore.kubectl-ml.io/shm-missing: "single process, no DataLoader workers"

An annotation that names no lint code (a typo) suppresses nothing and is said in ``skipped``, so it is
never taken for a working one.

**The config file** (``.kubectl-ml.yaml``, see :class:`LintConfig`): codes turned off, severities
changed, paths excluded. Its loader is ``sources.lint_config``; this module is pure.

Suppressed findings are not dropped silently: the report counts them and lists each with who
suppressed it and why.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from kubectl_ml.model.findings import Finding, Severity

ANNOTATION_PREFIX = "ignore.kubectl-ml.io/"


@dataclass(frozen=True)
class LintConfig:
    """The ``lint`` section of a ``.kubectl-ml.yaml``.

    Attributes:
        disabled: codes that are never reported.
        severities: a new severity per code.
        exclude: file patterns (fnmatch: ``*`` also crosses ``/``) not read at all, relative to ``base``.
        base: the folder of the config file, as a POSIX path (empty: the current folder).
        path: the config file, for the report (None: no config file).
    """

    disabled: frozenset[str] = frozenset()
    severities: Mapping[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    base: str = ""
    path: str | None = None

    def excludes(self, file: str, relative_to_base: str) -> bool:
        """True when ``file`` (as given) or its path relative to ``base`` matches an exclude pattern."""
        candidates = {PurePosixPath(file).as_posix(), PurePosixPath(relative_to_base).as_posix()}
        return any(fnmatch.fnmatchcase(candidate, pattern) for candidate in candidates for pattern in self.exclude)


@dataclass(frozen=True)
class Suppressed:
    """A finding not reported, and why.

    Attributes:
        finding: the finding as it would have been reported.
        by: ``annotation`` or ``config``.
        reason: the annotation's value, or the config file's path.
    """

    finding: Finding
    by: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON member of one suppressed finding: where it was, and who turned it off."""
        return {
            "code": self.finding.code,
            "object": self.finding.object.as_dict(),
            "container": self.finding.container,
            "line": self.finding.line,
            "by": self.by,
            "reason": self.reason,
        }


def _annotations(metadata: Any) -> Mapping[str, Any]:
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    return annotations if isinstance(annotations, Mapping) else {}


def ignored_codes(obj: Mapping[str, Any], template_metadata: Any) -> dict[str, str]:
    """Code -> reason from ``ignore.kubectl-ml.io/<code>`` annotations of an object and of one pod template."""
    reasons: dict[str, str] = {}
    for found in (_annotations(obj.get("metadata")), _annotations(template_metadata)):
        for key, value in found.items():
            if isinstance(key, str) and key.startswith(ANNOTATION_PREFIX):
                reasons[key[len(ANNOTATION_PREFIX) :]] = "" if value is None else str(value)
    return reasons


def unknown_annotation_notes(
    obj: Mapping[str, Any], template_metadata: Iterable[Any], known: Iterable[str], where: str
) -> list[str]:
    """``skipped`` lines for annotations that name no lint code (``ignore.kubectl-ml.io/shm-mising``)."""
    codes = set(known)
    named: set[str] = set()
    for metadata in [obj.get("metadata"), *template_metadata]:
        named |= {code for code in ignored_codes({}, metadata) if code not in codes}
    return [
        f"{where}: annotation {ANNOTATION_PREFIX}{code} names no lint code; it suppresses nothing"
        for code in sorted(named)
    ]


def apply_config(finding: Finding, config: LintConfig) -> Finding | Suppressed:
    """The finding with its configured severity, or Suppressed when the config turns its code off."""
    if finding.code in config.disabled:
        return Suppressed(finding, "config", config.path or "config")
    severity = config.severities.get(finding.code)
    return dataclasses.replace(finding, severity=severity) if severity is not None else finding


def apply_annotations(finding: Finding, reasons: Mapping[str, str]) -> Finding | Suppressed:
    """Suppressed when an annotation names the finding's code, else the finding."""
    if finding.code in reasons:
        return Suppressed(finding, "annotation", reasons[finding.code])
    return finding
