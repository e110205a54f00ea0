"""The result types every command builds: Severity, Evidence, Finding and Report.

A finding is one diagnosed problem with a stable code, what was seen (verbatim), and the fix.
Presentation (colours, wording of the envelope) belongs to ``render/``, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    """Ordered so that ``--fail-on warning`` is a single comparison."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        """The lower-case name used in JSON and on the command line."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse ``error``, ``warning`` or ``info`` (case-insensitive)."""
        return cls[text.strip().upper()]


@dataclass(frozen=True)
class ObjectRef:
    """Identifies an API object: its kind, namespace (empty for cluster-scoped) and name.

    ``file`` and ``line`` (1-based, where the object starts) locate an object read from a manifest
    (``kubectl ml lint``); they appear in JSON only when set, so other reports keep their shape.
    """

    kind: str
    namespace: str
    name: str
    file: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The ``object`` member of a finding in JSON."""
        # Kinds that two groups share are filed as ``Kind.group`` (``Job.batch.volcano.sh``); JSON has the
        # API kind, and the group beside it.
        kind, _dot, group = self.kind.partition(".")
        document: dict[str, Any] = {"kind": kind}
        if group:
            document["apiGroup"] = group
        document.update(namespace=self.namespace, name=self.name)
        if self.file is not None:
            document["file"] = self.file
            document["line"] = self.line
        return document

    def __str__(self) -> str:
        prefix = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {prefix}{self.name}"


@dataclass(frozen=True)
class Evidence:
    """One thing we saw, verbatim.

    Attributes:
        source: where it came from: ``status``, ``event``, ``spec``, ``node``, ``logs``, ``condition``,
            ``controller``.
        path: a JSON path into the object (``status.containerStatuses[0].lastState.terminated.reason``),
            ``events/<event name>.message`` for an event, or ``logs/<container>[previous]`` for logs.
        value: the value as seen; never paraphrased.
        label: a short human description used by the text renderer (``Warning Failed x4, 3m ago``);
            not part of the JSON contract.
    """

    source: str
    path: str
    value: Any
    label: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of DESIGN §2."""
        return {"source": self.source, "path": self.path, "value": self.value}


@dataclass(frozen=True)
class Finding:
    """One diagnosed problem.

    ``workload`` is the owning workload (Deployment, StatefulSet, Job, ...) used to group a scan; it is
    not part of a finding's JSON, where ``object`` names the pod or controller itself.

    ``line`` is, for a manifest, the 1-based line of the offending field (``object.line`` is where the
    object starts); it appears in JSON only when set. ``docs`` is the page that explains the code's
    mechanism and fix (its ``CodeInfo.docs``).
    """

    code: str
    severity: Severity
    object: ObjectRef
    summary: str
    remedy: str
    container: str | None = None
    evidence: tuple[Evidence, ...] = ()
    patch: dict[str, Any] | None = None
    commands: tuple[str, ...] = ()
    workload: ObjectRef | None = None
    line: int | None = None
    docs: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of DESIGN §2."""
        document: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.label,
            "object": self.object.as_dict(),
            "container": self.container,
            "summary": self.summary,
            "evidence": [item.as_dict() for item in self.evidence],
            "remedy": self.remedy,
            "patch": self.patch,
            "commands": list(self.commands),
        }
        if self.docs:
            document["docs"] = self.docs
        if self.line is not None:
            document["line"] = self.line
        return document


@dataclass
class Report:
    """What a command found, plus what it could not check.

    Attributes:
        kind: ``DoctorReport``, ``GpuReport`` or ``LintReport``.
        source: where the data came from, e.g. ``{"type": "live", "context": "prod"}``.
        findings: sorted by workload, object, then severity (worst first).
        skipped: data that could not be read, each a short sentence naming what and why.
        checked: how many objects were examined, for the text summary line.
        extra: additional top-level members (``nodes`` for a GpuReport).
    """

    kind: str
    source: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    checked: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def worst(self) -> Severity | None:
        """The highest severity among the findings, or None when there are none."""
        return max((finding.severity for finding in self.findings), default=None)

    def as_dict(self) -> dict[str, Any]:
        """The JSON envelope of DESIGN §2."""
        document: dict[str, Any] = {
            "apiVersion": "kubectl-ml/v1",
            "kind": self.kind,
            "source": self.source,
            "findings": [finding.as_dict() for finding in self.findings],
            "skipped": list(self.skipped),
        }
        document.update(self.extra)
        return document
