"""Helpers shared by rules: building findings, evidence, ages and log tails.

Kept here so rules stay short and never copy each other's skeletons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from kubectl_ml.model.codes import make_finding
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.events import Event, parse_time
from kubectl_ml.model.findings import Evidence, Finding, ObjectRef, Severity
from kubectl_ml.model.pods import ContainerView, pod_ref


def age(moment: datetime | None, now: datetime | None) -> str:
    """A short age such as ``42s``, ``5m``, ``3h``, ``2d`` (empty when unknown)."""
    if moment is None or now is None:
        return ""
    seconds = max(0, int((now - moment).total_seconds()))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def event_evidence(event: Event, now: datetime | None) -> Evidence:
    """Evidence for an event: its message verbatim, labelled with type, reason, count and age."""
    parts = [event.type, event.reason]
    if event.count > 1:
        parts.append(f"x{event.count}")
    when = age(event.last_seen, now)
    label = " ".join(parts) + (f", {when} ago" if when else "")
    return Evidence("event", event.path, event.raw_message or event.message, label=label)


def status_evidence(path: str, value: Any, label: str = "") -> Evidence:
    """Evidence read from an object's status."""
    return Evidence("status", path, value, label=label)


def spec_evidence(path: str, value: Any, label: str = "") -> Evidence:
    """Evidence read from an object's spec."""
    return Evidence("spec", path, value, label=label)


def object_path(ref: ObjectRef, inner: str) -> str:
    """An evidence path into another object than the pod: ``pytorchjobs/x.status.conditions[2].reason``."""
    return f"{ref.kind.split('.', 1)[0].lower()}s/{ref.name}.{inner}"


def log_evidence(container: str, line: str, previous: bool = True) -> Evidence:
    """Evidence from a container's log (previous instance by default)."""
    suffix = "?previous=true" if previous else ""
    return Evidence("logs", f"logs/{container}{suffix}", line, label="previous log" if previous else "log")


def finding(
    code: str,
    subject: PodContext | ObjectRef,
    summary: str,
    *,
    container: str | None = None,
    evidence: Iterable[Evidence] = (),
    fix: str | None = None,
    values: Mapping[str, object] | None = None,
    patch: Mapping[str, Any] | None = None,
    commands: Sequence[str] = (),
    severity: Severity | None = None,
    workload: ObjectRef | None = None,
) -> Finding:
    """A finding about a pod context (its pod, grouped under its workload) or about any object."""
    if isinstance(subject, PodContext):
        workload = workload or subject.workload
        subject = pod_ref(subject.pod)
    return make_finding(
        code,
        subject,
        summary,
        container=container,
        evidence=evidence,
        fix=fix,
        values=values,
        patch=patch,
        commands=commands,
        severity=severity,
        workload=workload,
    )


def log_tail(text: str, lines: int = 5) -> list[str]:
    """The last non-empty lines of a log."""
    kept = [line.rstrip() for line in text.splitlines() if line.strip()]
    return kept[-lines:]


def find_line(text: str, needles: Sequence[str]) -> str | None:
    """The last log line containing any of ``needles`` (case-sensitive), or None."""
    for line in reversed(text.splitlines()):
        if any(needle in line for needle in needles):
            return line.strip()
    return None


def container_patch(container: ContainerView, body: Mapping[str, Any]) -> dict[str, Any]:
    """A strategic-merge patch for one container of a pod template (``spec.containers[name=...]``)."""
    key = "initContainers" if container.init else "containers"
    return {"spec": {key: [{"name": container.name, **body}]}}


def terminated_recently(termination: Mapping[str, Any], now: datetime | None, within_seconds: int) -> bool:
    """True when the termination finished within the window, or when its time is unknown."""
    finished = parse_time(termination.get("finishedAt"))
    if finished is None or now is None:
        return True
    return (now - finished).total_seconds() <= within_seconds


def logs_command(context: PodContext, container: str, previous: bool = True) -> str:
    """The kubectl command that shows the log we quote."""
    flag = " --previous" if previous else ""
    return f"kubectl logs -n {context.namespace} {context.name} -c {container}{flag} --tail=100"
