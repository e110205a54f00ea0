"""Diagnosis rules: one module per rule, registered in one explicit tuple.

A rule is a pure function of a context (``PodContext`` or ``WorkloadContext``) that yields findings.
To add one, follow ``docs/architecture.md`` ("Adding a rule"): module, fixtures, test, registry entry,
regenerate docs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kubectl_ml.model.codes import CODES
from kubectl_ml.model.context import PodContext, WorkloadContext
from kubectl_ml.model.findings import Finding
from kubectl_ml.rules import (
    command_not_found,
    config_missing,
    crash_loop,
    create_failed,
    cuda_oom,
    evicted,
    exec_format,
    gang_not_formed,
    gpu_runtime,
    image_pull,
    job_suspended,
    liveness_probe,
    mount_failed,
    nccl_timeout,
    oom_killed,
    operator_status,
    queue_admission,
    readiness_probe,
    scheduling_gated,
    shm_exhausted,
    unschedulable,
)


@dataclass(frozen=True)
class Rule:
    """A registered rule.

    Attributes:
        id: kebab-case name, equal to the module name with ``_`` replaced by ``-``.
        scope: ``pod`` or ``workload``: which context ``check`` takes.
        codes: the finding codes it may emit.
        check: the rule function.
        module: the module, whose docstring documents the rule.
    """

    id: str
    scope: str
    codes: tuple[str, ...]
    check: Callable[[Any], Iterable[Finding]]
    module: Any


def _rule(module: Any, scope: str) -> Rule:
    """A rule module's entry: its id from its name, its codes from its own ``CODES`` declaration."""
    codes = tuple(info.code for info in module.CODES)
    return Rule(module.__name__.rsplit(".", 1)[-1].replace("_", "-"), scope, codes, module.check, module)


RULES: tuple[Rule, ...] = (
    _rule(image_pull, "pod"),
    _rule(config_missing, "pod"),
    _rule(mount_failed, "pod"),
    _rule(command_not_found, "pod"),
    _rule(exec_format, "pod"),
    _rule(gpu_runtime, "pod"),
    _rule(oom_killed, "pod"),
    _rule(cuda_oom, "pod"),
    _rule(shm_exhausted, "pod"),
    _rule(nccl_timeout, "pod"),
    _rule(liveness_probe, "pod"),
    _rule(readiness_probe, "pod"),
    _rule(evicted, "pod"),
    _rule(crash_loop, "pod"),
    _rule(scheduling_gated, "pod"),
    _rule(unschedulable, "pod"),
    _rule(create_failed, "workload"),
    _rule(job_suspended, "workload"),
    _rule(operator_status, "workload"),
    _rule(gang_not_formed, "workload"),
    _rule(queue_admission, "workload"),
)

# Findings that say why a queued object waits: beside them, "it is suspended" is the symptom.
_QUEUE_CAUSES = ("queue-quota-insufficient", "queue-missing", "workload-preempted")


def _drop_superseded(findings: list[Finding]) -> list[Finding]:
    """Drop a catch-all finding when a specific one explains the same container.

    ``crash-loop`` gives way to ``oom-killed``, ``cuda-oom`` and the others, and ``image-pull-failed`` to
    a classified pull error, on the same object and container.
    """
    specific = {
        (finding.object, finding.container)
        for finding in findings
        if not CODES[finding.code].generic and finding.code not in ("readiness-probe-failing",)
    }
    kept = []
    for finding in findings:
        key = (finding.object, finding.container)
        if CODES[finding.code].generic and key in specific:
            continue
        kept.append(finding)
    return kept


def run_pod_rules(context: PodContext, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Run every pod rule on one pod and return its findings, catch-alls resolved."""
    findings: list[Finding] = []
    for rule in rules:
        if rule.scope == "pod":
            findings.extend(rule.check(context))
    return _drop_superseded(findings)


def run_workload_rules(context: WorkloadContext, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Run every workload rule on one controller."""
    findings: list[Finding] = []
    for rule in rules:
        if rule.scope == "workload":
            findings.extend(rule.check(context))
    queued = {finding.object for finding in findings if finding.code in _QUEUE_CAUSES}
    # "No pods, nothing says why" gives way to a creation failure that says why (quota, admission).
    refused = {finding.workload for finding in findings if finding.code in ("quota-exceeded", "admission-denied")}
    return [
        finding
        for finding in findings
        if not (finding.code == "job-suspended" and finding.object in queued)
        and not (finding.code == "workload-no-pods" and finding.workload in refused)
    ]
