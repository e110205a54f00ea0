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
from kubectl_ml.model.checks import Check, register
from kubectl_ml.model.findings import Finding
from kubectl_ml.model.workloads import is_unknown_workload, kind_key, not_checked_note

__all__ = [
    "RULES",
    "LintConfig",
    "LintInput",
    "LintResult",
    "field_line",
    "lint_manifests",
    "lint_objects",
    "lintable",
]


RULES: tuple[Check, ...] = (
    register(invalid_manifest, "lint"),
    register(gpu_resource_unknown, "lint"),
    register(gpu_limits, "lint"),
    register(image_tag_latest, "lint"),
    register(resources_missing, "lint"),
    register(probes_missing, "lint"),
    register(startup_probe_missing, "lint"),
    register(shm_missing, "lint"),
    register(run_as_root, "lint"),
    register(gpu_visible_devices_all, "lint"),
    register(gpu_image_without_gpu, "lint"),
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
        notes: ``skipped`` lines about the input itself (an annotation that names no code), and about
            objects a bug of ours stopped.
        failed: how many objects a bug of ours stopped (the command then exits 4, after its answer).
    """

    findings: list[Finding]
    checked: int
    unknown: list[tuple[str, str, str, int]]
    suppressed: list[Suppressed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: int = 0

    def skipped(self) -> list[str]:
        """The report's ``skipped`` lines: objects of unknown kinds (a few shown), then the notes."""
        unknown = not_checked_note([f"{kind}/{name} ({file}:{line})" for kind, name, file, line in self.unknown])
        return unknown + self.notes


def _judged(finding: Finding, reasons: Mapping[str, str], config: LintConfig) -> Finding | Suppressed:
    outcome = apply_annotations(finding, reasons)
    return outcome if isinstance(outcome, Suppressed) else apply_config(outcome, config)


@dataclass
class _Tally:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: int = 0
    unknown: list[tuple[str, str, str, int]] = field(default_factory=list)
    failed: int = 0


def _middle_metadata(obj: Mapping[str, Any]) -> Any:
    """Metadata between an object and its pod templates that may carry annotations (a CronJob's jobTemplate)."""
    spec = obj.get("spec")
    job_template = spec.get("jobTemplate") if isinstance(spec, Mapping) and obj.get("kind") == "CronJob" else None
    return job_template.get("metadata") if isinstance(job_template, Mapping) else None


def _invalid(item: LintInput, finding: Finding, config: LintConfig, tally: _Tally, where: str) -> None:
    outcome = _judged(_locate(finding, item), ignored_codes(item.object, None), config)
    if isinstance(outcome, Suppressed):
        tally.suppressed.append(outcome)
        # The other rules never ran on it: a suppressed invalid-manifest must not read as a clean object.
        tally.notes.append(f"{where}: invalid-manifest suppressed ({outcome.by}); no other rule ran on it")
    else:
        tally.findings.append(outcome)


def _lint_one(item: LintInput, config: LintConfig, known: set[str], tally: _Tally) -> None:
    invalid = invalid_manifest.check_object(item.object)
    subjects = subjects_of(item.object) if invalid is None else []
    metadata = item.object.get("metadata")
    name = str(metadata.get("name") or metadata.get("generateName") or "") if isinstance(metadata, Mapping) else ""
    where = f"{item.object.get('kind')}/{name} ({item.file}:{item.line})"
    if invalid is None and subjects:
        checks = (invalid_manifest.check_subject(item.object, subject) for subject in subjects)
        invalid = next((found for found in checks if found is not None), None)
    if invalid is not None:
        # A shape the API refuses: the other rules' words about it would mean nothing.
        tally.checked += 1
        _invalid(item, invalid, config, tally, where)
        return
    if not subjects:
        if is_unknown_workload(item.object):
            tally.unknown.append((kind_key(item.object), name, item.file, item.line))
        return
    tally.checked += 1
    middle = _middle_metadata(item.object)
    templates = [subject.pod.get("metadata") for subject in subjects] + ([middle] if middle is not None else [])
    tally.notes.extend(unknown_annotation_notes(item.object, templates, known, where))
    located: list[Finding] = []
    for subject in subjects:
        reasons = {**ignored_codes(item.object, middle), **ignored_codes({}, subject.pod.get("metadata"))}
        for rule in RULES:
            for finding in rule.check(subject):
                outcome = _judged(_locate(finding, item), reasons, config)
                if isinstance(outcome, Suppressed):
                    tally.suppressed.append(outcome)
                else:
                    located.append(outcome)
    located.sort(key=lambda finding: (finding.line or 0, -finding.severity, finding.code))
    tally.findings.extend(located)


def lint_manifests(objects: Iterable[LintInput], config: LintConfig | None = None) -> LintResult:
    """Run every rule on every pod spec of every object (each pod template of an operator kind too).

    Args:
        objects: API objects read from manifests, with their file and lines.
        config: codes turned off and severities changed (``.kubectl-ml.yaml``); none by default.

    Returns:
        The findings, located, in input order (within an object by line, worst first, then code), what
        was checked, the objects of unknown kinds that carry containers, and what was suppressed (by an
        ``ignore.kubectl-ml.io/<code>`` annotation on the object, a CronJob's jobTemplate or a pod
        template, or by the config). A bug of ours on one object is said in ``notes`` and counted in
        ``failed``, and the other objects are still linted.
    """
    config = config or LintConfig()
    known = {code for rule in RULES for code in rule.codes}
    tally = _Tally()
    for item in objects:
        try:
            _lint_one(item, config, known, tally)
        except Exception as error:  # one object's bug must not lose the others' answers
            tally.failed += 1
            kind = item.object.get("kind") if isinstance(item.object, Mapping) else None
            tally.notes.append(
                f"{kind or 'object'} at {item.file}:{item.line}: internal error ({type(error).__name__}: {error}); "
                "not linted; this is a bug in kubectl-ml, please report it with this object"
            )
    return LintResult(tally.findings, tally.checked, tally.unknown, tally.suppressed, tally.notes, tally.failed)


def lint_objects(objects: Iterable[LintInput]) -> list[Finding]:
    """The findings of ``lint_manifests`` alone."""
    return lint_manifests(objects).findings
