"""Distributed training: of several failed pods of one run, the first to fail is the cause.

What: when two or more ranks of one distributed training run (a PyTorchJob's replicas, a JobSet's Jobs,
an Indexed Job's indexes, a Volcano Job's tasks: pods that run side by side, told apart by their rank
label) have failed, their termination times (``state.terminated.finishedAt``, else
``lastState.terminated.finishedAt``) are put in order. The earliest pod's findings stay errors and say
they are the first failure; the errors of ranks that failed within the next hour become warnings that
name it: once one rank dies (OOM-killed, a CUDA error), its peers block in the collective and fail after
it (NCCL timeouts, ``torch.distributed`` errors, SIGTERM from the operator). Retries of one rank (only
its newest pod counts), runs one after another (a CronJob's, an Argo workflow's steps) and kinds whose
pods do not run side by side are never tied together.

Why it matters: a scan of a failed 8-worker job shows eight failures, most of them NCCL timeouts; the
one that matters is the rank that failed first, often minutes earlier. Fixing the timeouts fixes
nothing.

Remedy: the first failure's own finding says what to fix; the collateral ones need nothing of their own.

This is a pass over the pod rules' findings, not a rule of its own: it changes no code and emits none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kubectl_ml.model.events import parse_time
from kubectl_ml.model.findings import Finding, ObjectRef, Severity
from kubectl_ml.model.pods import containers
from kubectl_ml.model.workloads import WORKLOAD_KINDS, pod_rank, pod_role

# How a collateral finding's summary starts (the report lists them after the first failure).
COLLATERAL_PREFIX = "Collateral: "
# Two terminations closer than this are simultaneous: neither is said to have caused the other.
_SIMULTANEOUS_SECONDS = 1.0
# A peer waits for a dead rank for its collective timeout (NCCL's default is 10 minutes, often raised to
# 30); failures further apart than this are not one cascade.
_CASCADE_SECONDS = 3600.0
_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"


def termination_time(pod: Mapping[str, Any]) -> datetime | None:
    """When the pod's first failing container stopped (its latest failed termination), or None."""
    moments = []
    for view in containers(pod):
        termination, _path = view.latest_termination()
        moment = parse_time(termination.get("finishedAt"))
        if moment is not None and termination.get("exitCode") not in (0, None):
            moments.append(moment)
    return min(moments) if moments else None


def _rank(workload: ObjectRef, pod: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """The pod's rank in the run (role, index, completion index), or None when it has no rank label."""
    entry = WORKLOAD_KINDS.get(workload.kind)
    if entry is None or not entry.finishes or not entry.rank_label:
        return None
    labels = (pod.get("metadata") or {}).get("labels") or {}
    rank = pod_rank(entry, pod)
    if not rank:
        return None
    return pod_role(entry, pod), rank, str(labels.get(_COMPLETION_INDEX, "")) if isinstance(labels, Mapping) else ""


def _newest_per_rank(workload: ObjectRef, pods: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One pod per rank, the newest: an earlier pod of the same rank is a retry, not a peer."""
    newest: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    for pod in pods:
        rank = _rank(workload, pod)
        if rank is None:
            continue
        created = str((pod.get("metadata") or {}).get("creationTimestamp") or "")
        if rank not in newest or created > str((newest[rank].get("metadata") or {}).get("creationTimestamp") or ""):
            newest[rank] = pod
    return list(newest.values())


def _who(workload: ObjectRef, pod: Mapping[str, Any]) -> str:
    entry = WORKLOAD_KINDS.get(workload.kind)
    name = str((pod.get("metadata") or {}).get("name", ""))
    role = pod_role(entry, pod) if entry else ""
    rank = pod_rank(entry, pod) if entry else ""
    label = " ".join(part for part in (role, rank) if part)
    return f"{label} ({name})" if label else name


def attribute(findings: Sequence[Finding], pods: Sequence[Mapping[str, Any]]) -> list[Finding]:
    """The findings, with collateral failures of distributed training runs marked as such.

    Args:
        findings: every finding of a doctor run (pod and workload findings).
        pods: the pods those findings are about.

    Returns:
        The same findings in the same order; within each training workload with two or more failed
        pods, the first failure's errors are said to be first, and later pods' errors become warnings
        that name it.
    """
    by_name = {
        (str((pod.get("metadata") or {}).get("namespace", "")), str((pod.get("metadata") or {}).get("name", ""))): pod
        for pod in pods
    }
    failed: dict[ObjectRef, list[Mapping[str, Any]]] = {}
    for finding in findings:
        workload = finding.workload
        if finding.object.kind != "Pod" or finding.severity < Severity.ERROR or workload is None:
            continue
        pod = by_name.get((finding.object.namespace, finding.object.name))
        if pod is not None and pod not in failed.setdefault(workload, []):
            failed[workload].append(pod)
    changes: dict[tuple[ObjectRef, str], tuple[str, datetime, int, str]] = {}
    for workload, candidates in failed.items():
        moments = {
            str((pod.get("metadata") or {}).get("name", "")): moment
            for pod in _newest_per_rank(workload, candidates)
            if (moment := termination_time(pod)) is not None
        }
        ordered = sorted(moments.items(), key=lambda item: item[1])
        if len(ordered) < 2:
            continue
        (first, first_moment), (_second, second_moment) = ordered[0], ordered[1]
        if (second_moment - first_moment).total_seconds() < _SIMULTANEOUS_SECONDS:
            continue  # no single first failure
        cascade = [
            (name, moment) for name, moment in ordered if (moment - first_moment).total_seconds() <= _CASCADE_SECONDS
        ]
        if len(cascade) < 2:
            continue
        who = _who(workload, by_name[(workload.namespace, first)])
        for name, _moment in cascade:
            changes[(workload, name)] = (first, first_moment, len(cascade) - 1, who)
    if not changes:
        return list(findings)
    first_codes: dict[tuple[ObjectRef, str], str] = {}
    for finding in findings:
        if finding.workload is not None and finding.severity >= Severity.ERROR:
            first_codes.setdefault((finding.workload, finding.object.name), finding.code)
    result = []
    for finding in findings:
        key = (finding.workload, finding.object.name) if finding.workload is not None else None
        change = changes.get(key) if key is not None and finding.object.kind == "Pod" else None
        if change is None or finding.severity < Severity.ERROR or finding.workload is None:
            result.append(finding)
            continue
        first, moment, others, who = change
        when = moment.strftime("%H:%M:%S")
        if finding.object.name == first:
            summary = (
                f"{finding.summary} This is the first failure of {finding.workload.kind} {finding.workload.name}: "
                f"{who} stopped at {when}, before the {others} other failed pod{'s' if others != 1 else ''}."
            )
            result.append(dataclasses.replace(finding, summary=summary))
        else:
            code = first_codes.get((finding.workload, first), "a failure")
            summary = f"{COLLATERAL_PREFIX}{who} failed first ({code} at {when}), then this pod: {finding.summary}"
            result.append(dataclasses.replace(finding, summary=summary, severity=Severity.WARNING))
    return result
