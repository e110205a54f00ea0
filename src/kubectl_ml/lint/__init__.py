"""Lint rules for ``kubectl ml lint``: pure functions over manifest objects, one module per rule.

``lint_objects`` is the one entry point the command calls. Each rule takes a pod or a workload's pod
template (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob's
jobTemplate) and yields findings; ``lint_objects`` then locates each finding: ``object.file`` and
``object.line`` (where the object starts) and ``line`` (the offending field, from the first evidence
path, or its nearest parent that the file has). ``RULES`` lists the rules with the codes each emits
(docs/codes.md is generated from it, and a meta-test keeps it honest).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_ml.lint import (
    gpu_limits,
    gpu_resource_unknown,
    image_tag_latest,
    probes_missing,
    resources_missing,
    run_as_root,
    shm_missing,
    startup_probe_missing,
)
from kubectl_ml.lint._common import LintInput, subject_of
from kubectl_ml.model.findings import Finding

__all__ = ["RULES", "LintInput", "LintRule", "field_line", "lint_objects", "lintable"]


@dataclass(frozen=True)
class LintRule:
    """A lint rule module and the codes it may emit.

    Attributes:
        id: kebab-case name: the module name with ``_`` replaced by ``-``.
        codes: the finding codes it may emit.
        module: the module, whose docstring documents the rule and whose ``check`` runs it.
    """

    id: str
    codes: tuple[str, ...]
    module: Any


def _rule(module: Any, *codes: str) -> LintRule:
    return LintRule(module.__name__.rsplit(".", 1)[-1].replace("_", "-"), codes, module)


RULES: tuple[LintRule, ...] = (
    _rule(gpu_resource_unknown, "gpu-resource-unknown"),
    _rule(gpu_limits, "gpu-limit-missing", "gpu-request-limit-mismatch"),
    _rule(image_tag_latest, "image-tag-latest"),
    _rule(resources_missing, "resources-missing"),
    _rule(probes_missing, "probes-missing"),
    _rule(startup_probe_missing, "startup-probe-missing"),
    _rule(shm_missing, "shm-missing"),
    _rule(run_as_root, "run-as-root"),
)


def lintable(obj: Mapping[str, Any]) -> bool:
    """True for a Pod or a workload with a pod template (what the rules check)."""
    return subject_of(obj) is not None


def field_line(lines: Mapping[str, int], path: str) -> int | None:
    """The line of ``path``, or of its nearest parent present in ``lines``; None when none is."""
    while path:
        line = lines.get(path)
        if line is not None:
            return line
        if path.endswith("']"):
            cut = path.rfind("['")
        elif path.endswith("]"):
            cut = path.rfind("[")
        else:
            cut = path.rfind(".")
        path = path[: max(cut, 0)]
    return None


def _locate(finding: Finding, item: LintInput) -> Finding:
    line = None
    if finding.evidence:
        line = field_line(item.lines, finding.evidence[0].path)
    return dataclasses.replace(
        finding,
        object=dataclasses.replace(finding.object, file=item.file, line=item.line),
        line=line or item.line,
    )


def lint_objects(objects: Iterable[LintInput]) -> list[Finding]:
    """Run every rule on every object that has a pod spec.

    Args:
        objects: API objects read from manifests, with their file and lines.

    Returns:
        The findings, located, in input order; within an object by line, worst first, then code.
    """
    findings: list[Finding] = []
    for item in objects:
        subject = subject_of(item.object)
        if subject is None:
            continue
        located = [_locate(finding, item) for rule in RULES for finding in rule.module.check(subject)]
        located.sort(key=lambda finding: (finding.line or 0, -finding.severity, finding.code))
        findings.extend(located)
    return findings
