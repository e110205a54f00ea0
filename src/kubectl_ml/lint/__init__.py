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
from dataclasses import dataclass, field
from typing import Any

from kubectl_ml.lint import (
    gpu_image_without_gpu,
    gpu_limits,
    gpu_resource_unknown,
    gpu_visible_devices_all,
    image_tag_latest,
    invalid_manifest,
    probes_missing,
    resources_missing,
    run_as_root,
    shm_missing,
    startup_probe_missing,
)
from kubectl_ml.lint._common import LintInput, subjects_of
from kubectl_ml.lint.suppression import (
    LintConfig,
    Suppressed,
    apply_annotations,
    apply_config,
    ignored_codes,
    unknown_annotation_notes,
)
from kubectl_ml.model.findings import Finding
from kubectl_ml.model.workloads import is_unknown_workload, kind_key, not_checked_note

__all__ = [
    "RULES",
    "LintConfig",
    "LintInput",
    "LintResult",
    "LintRule",
    "field_line",
    "lint_manifests",
    "lint_objects",
    "lintable",
]


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
    _rule(invalid_manifest, "invalid-manifest"),
    _rule(gpu_resource_unknown, "gpu-resource-unknown"),
    _rule(gpu_limits, "gpu-limit-missing", "gpu-request-limit-mismatch"),
    _rule(image_tag_latest, "image-tag-latest"),
    _rule(resources_missing, "resources-missing"),
    _rule(probes_missing, "probes-missing"),
    _rule(startup_probe_missing, "startup-probe-missing"),
    _rule(shm_missing, "shm-missing"),
    _rule(run_as_root, "run-as-root"),
    _rule(gpu_visible_devices_all, "gpu-visible-devices-all"),
    _rule(gpu_image_without_gpu, "gpu-image-without-gpu"),
)


def lintable(obj: Mapping[str, Any]) -> bool:
    """True for a Pod or a workload with a pod template (what the rules check)."""
    return bool(subjects_of(obj))


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


@dataclass(frozen=True)
class LintResult:
    """What ``lint_manifests`` found.

    Attributes:
        findings: located findings, in input order.
        checked: objects with at least one pod spec that the rules ran on.
        unknown: objects that hold containers but are of a kind the plugin does not know, as
            ``(kind, name, file, line)``: listed as not checked, never as clean.
        suppressed: findings an annotation or the config file turned off, with who and why.
        notes: ``skipped`` lines about the input itself (an annotation that names no code).
    """

    findings: list[Finding]
    checked: int
    unknown: list[tuple[str, str, str, int]]
    suppressed: list[Suppressed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skipped(self) -> list[str]:
        """The report's ``skipped`` lines: objects of unknown kinds (a few shown), then the notes."""
        unknown = not_checked_note([f"{kind}/{name} ({file}:{line})" for kind, name, file, line in self.unknown])
        return unknown + self.notes


def _judged(finding: Finding, reasons: Mapping[str, str], config: LintConfig) -> Finding | Suppressed:
    outcome = apply_annotations(finding, reasons)
    return outcome if isinstance(outcome, Suppressed) else apply_config(outcome, config)


def lint_manifests(objects: Iterable[LintInput], config: LintConfig | None = None) -> LintResult:
    """Run every rule on every pod spec of every object (each pod template of an operator kind too).

    Args:
        objects: API objects read from manifests, with their file and lines.
        config: codes turned off and severities changed (``.kubectl-ml.yaml``); none by default.

    Returns:
        The findings, located, in input order (within an object by line, worst first, then code), what
        was checked, the objects of unknown kinds that carry containers, and what was suppressed (by an
        ``ignore.kubectl-ml.io/<code>`` annotation on the object or its pod template, or by the config).
    """
    config = config or LintConfig()
    known = {code for rule in RULES for code in rule.codes}
    findings: list[Finding] = []
    suppressed: list[Suppressed] = []
    notes: list[str] = []
    checked = 0
    unknown: list[tuple[str, str, str, int]] = []
    for item in objects:
        invalid = invalid_manifest.check_object(item.object)
        if invalid is not None:
            # A shape the API refuses: the other rules' words about it would mean nothing.
            checked += 1
            outcome = _judged(_locate(invalid, item), ignored_codes(item.object, None), config)
            if isinstance(outcome, Suppressed):
                suppressed.append(outcome)
            else:
                findings.append(outcome)
            continue
        subjects = subjects_of(item.object)
        name = str((item.object.get("metadata") or {}).get("name") or "")
        if not subjects:
            if is_unknown_workload(item.object):
                unknown.append((kind_key(item.object), name, item.file, item.line))
            continue
        checked += 1
        where = f"{kind_key(item.object)}/{subjects[0].ref.name} ({item.file}:{item.line})"
        templates = [subject.pod.get("metadata") for subject in subjects]
        notes.extend(unknown_annotation_notes(item.object, templates, known, where))
        located: list[Finding] = []
        for subject in subjects:
            reasons = ignored_codes(item.object, subject.pod.get("metadata"))
            for rule in RULES:
                for finding in rule.module.check(subject):
                    outcome = _judged(_locate(finding, item), reasons, config)
                    if isinstance(outcome, Suppressed):
                        suppressed.append(outcome)
                    else:
                        located.append(outcome)
        located.sort(key=lambda finding: (finding.line or 0, -finding.severity, finding.code))
        findings.extend(located)
    return LintResult(findings, checked, unknown, suppressed, notes)


def lint_objects(objects: Iterable[LintInput]) -> list[Finding]:
    """The findings of ``lint_manifests`` alone."""
    return lint_manifests(objects).findings
