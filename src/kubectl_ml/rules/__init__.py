"""Diagnosis rules: one module per rule, registered in one explicit tuple.

A rule is a module with ``CODES``, ``NEEDS`` and a pure ``check`` of a context (``PodContext`` or
``WorkloadContext``) that yields findings (``model/checks.py``). To add one, follow the first recipe of
``docs/contributing.md``: fixtures, module, registry entry, test, regenerated docs.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubectl_ml.model.checks import Check, register
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

RULES: tuple[Check, ...] = (
    register(image_pull, "pod"),
    register(config_missing, "pod"),
    register(mount_failed, "pod"),
    register(command_not_found, "pod"),
    register(exec_format, "pod"),
    register(gpu_runtime, "pod"),
    register(oom_killed, "pod"),
    register(cuda_oom, "pod"),
    register(shm_exhausted, "pod"),
    register(nccl_timeout, "pod"),
    register(liveness_probe, "pod"),
    register(readiness_probe, "pod"),
    register(evicted, "pod"),
    register(crash_loop, "pod"),
    register(scheduling_gated, "pod"),
    register(unschedulable, "pod"),
    register(create_failed, "workload"),
    register(job_suspended, "workload"),
    register(operator_status, "workload"),
    register(gang_not_formed, "workload"),
    register(queue_admission, "workload"),
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


def run_pod_rules(context: PodContext, rules: Iterable[Check] = RULES) -> list[Finding]:
    """Run every pod rule on one pod and return its findings, catch-alls resolved."""
    findings: list[Finding] = []
    for rule in rules:
        if rule.scope == "pod":
            findings.extend(rule.check(context))
    return _drop_superseded(findings)


def run_workload_rules(context: WorkloadContext, rules: Iterable[Check] = RULES) -> list[Finding]:
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
