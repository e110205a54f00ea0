"""``doctor``'s flow: gather from a source, run the rules, assemble one DoctorReport.

Sits between ``cli/`` and the layers below: it may call sources and rules, and it returns data; it
never prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from kubectl_ml.errors import NotFoundError
from kubectl_ml.model.checks import needs_of
from kubectl_ml.model.findings import Finding, Report, Severity
from kubectl_ml.model.pods import containers, controller_of, find_container, needs_diagnosis, pod_ref
from kubectl_ml.model.replacement import failed_pod_outcome
from kubectl_ml.rules import RULES, first_failure, run_pod_rules, run_workload_rules
from kubectl_ml.sources.base import Source
from kubectl_ml.sources.gather import check_namespace, gather_pod, gather_scan, gather_workload
from kubectl_ml.sources.kinds import CONTROLLER_KINDS, OPERATOR_KINDS
from kubectl_ml.sources.view import ClusterView

# What the registered rules read beyond the objects themselves: the gather step fetches exactly that.
_NEEDS = needs_of(RULES)


def _sort_key(finding: Finding) -> tuple[Any, ...]:
    workload = finding.workload or finding.object
    return (
        workload.namespace,
        workload.kind,
        workload.name,
        # In a distributed run, the first failure before the pods that failed because of it.
        finding.summary.startswith(first_failure.COLLATERAL_PREFIX),
        finding.object.name,
        -finding.severity,
        finding.code,
    )


def _events_note(view: ClusterView, pods: Iterable[dict[str, Any]]) -> list[str]:
    """Say so when unhealthy pods have no events left: the diagnosis then rests on status alone."""
    if not view.available.events:
        return []
    bare = [pod_ref(pod) for pod in pods if not view.events_for(str((pod.get("metadata") or {}).get("uid", "")))]
    if not bare:
        return []
    names = ", ".join(ref.name for ref in bare[:3]) + (f" and {len(bare) - 3} more" if len(bare) > 3 else "")
    return [f"events: none left for {names} (events expire after about an hour); diagnosed from status and logs"]


def _report(
    view: ClusterView, source: Source, findings: list[Finding], checked: int, notes: Iterable[str] = ()
) -> Report:
    """The DoctorReport: findings in reading order, then what the source, the reads and the flow skipped."""
    return Report(
        kind="DoctorReport",
        source=source.describe(),
        findings=sorted(findings, key=_sort_key),
        skipped=[*source.notes(), *view.skipped, *notes],
        checked=checked,
    )


def _filter_container(findings: list[Finding], container: str | None) -> list[Finding]:
    if not container:
        return findings
    return [finding for finding in findings if finding.container in (None, container)]


def doctor_pod(source: Source, namespace: str, name: str, container: str | None = None) -> Report:
    """Diagnose one pod, whatever its state."""
    view, pod = gather_pod(source, namespace, name, _NEEDS)
    if container and find_container(pod, container) is None:
        names = [item.name for item in containers(pod)]
        raise NotFoundError(
            f'Pod {name} has no container "{container}".', f"Its containers: {', '.join(names)}.", status=404
        )
    findings = run_pod_rules(view.pod_context(pod)) if not (pod.get("metadata") or {}).get("deletionTimestamp") else []
    findings = _weigh_failed_pod(view, pod, findings, siblings_read=view.siblings_read)
    notes = _events_note(view, [pod]) if findings else []
    return _report(view, source, _filter_container(findings, container), 1, notes)


def doctor_workload(source: Source, namespace: str, kind: str, name: str) -> Report:
    """Diagnose a workload: its pods, and the controller itself (quota, admission, suspension)."""
    view, _controller = gather_workload(source, namespace, kind, name, _NEEDS)
    findings, notes = _diagnose_view(view, kinds=(kind,))
    return _report(view, source, findings, len(view.pods), notes)


def doctor_scan(source: Source, namespace: str | None) -> Report:
    """Scan a namespace (or all) for unhealthy pods and stuck controllers."""
    view = gather_scan(source, namespace, _NEEDS)
    notes = []
    if namespace and not view.pods and not any(view.controllers.values()):
        check_namespace(source, namespace)
        notes.append(f"namespace {namespace} has no pods or workloads here (check -n, or use -A)")
    findings, events_notes = _diagnose_view(view, kinds=(*CONTROLLER_KINDS, *OPERATOR_KINDS))
    return _report(view, source, findings, len(view.pods), [*notes, *events_notes])


def _diagnose_view(view: ClusterView, kinds: Iterable[str]) -> tuple[list[Finding], list[str]]:
    """The findings of the view's unhealthy pods and of its workloads of ``kinds``, and the notes they earn."""
    unhealthy = [pod for pod in view.pods if needs_diagnosis(pod) and not _superseded_job_pod(view, pod)]
    findings: list[Finding] = []
    for pod in unhealthy:
        findings.extend(_weigh_failed_pod(view, pod, run_pod_rules(view.pod_context(pod)), siblings_read=True))
    for context in view.workload_contexts(kinds):
        findings.extend(run_workload_rules(context))
    findings = first_failure.attribute(findings, unhealthy)
    diagnosed = {finding.object for finding in findings}
    return findings, _events_note(view, [pod for pod in unhealthy if pod_ref(pod) in diagnosed])


def _weigh_failed_pod(
    view: ClusterView, pod: dict[str, Any], findings: list[Finding], siblings_read: bool
) -> list[Finding]:
    """A failed pod's findings graded by whether its work went on (DESIGN §2, issue 10).

    An error when nothing runs in its place (a bare pod, a failed Job, no running replacement), a
    warning when its controller replaced it; the summary says which. Collateral findings of a
    distributed run and info findings keep their grade.
    """
    owner = controller_of(pod)
    controller = view.by_uid(str(owner.get("uid", ""))) if owner is not None else None
    outcome = failed_pod_outcome(pod, view.pods if siblings_read else None, controller)
    if outcome is None:
        return findings
    severity = Severity.WARNING if outcome.went_on else Severity.ERROR
    ref = pod_ref(pod)
    return [
        replace(finding, severity=severity, summary=f"{finding.summary} {outcome.note}")
        if finding.object == ref
        and finding.severity >= Severity.WARNING
        and not finding.summary.startswith(first_failure.COLLATERAL_PREFIX)
        else finding
        for finding in findings
    ]


def _superseded_job_pod(view: ClusterView, pod: dict[str, Any]) -> bool:
    """A failed pod of a Job that has since completed is history, not a problem."""
    if (pod.get("status") or {}).get("phase") != "Failed":
        return False
    for owner in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if owner.get("kind") == "Job":
            job = view.by_uid(str(owner.get("uid")))
            conditions = (job or {}).get("status", {}).get("conditions") or []
            if any(item.get("type") == "Complete" and item.get("status") == "True" for item in conditions):
                return True
    return False
