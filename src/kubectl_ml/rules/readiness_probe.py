"""A running container whose readiness probe fails, so it gets no traffic.

What: ``Unhealthy`` events ``Readiness probe failed: ...`` (HTTP status, connection refused, timeout,
exec output) for a running container that is not ready. A container whose probe cannot have run yet
(its startupProbe has not succeeded, or it is within ``initialDelaySeconds`` plus ``failureThreshold``
periods of starting) and has no failure events is still starting, not failing.

Why it matters: the pod looks Running but serves nothing; for model servers the usual causes are a
probe on the wrong port/path or a model that is still loading.

Remedy: point the probe at the runtime's real readiness endpoint and port; give loading time with a
startupProbe.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.events import parse_time
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import ContainerView, containers
from kubectl_ml.rules._common import event_evidence, finding, spec_evidence, status_evidence


def _advice(message: str) -> str:
    if "connection refused" in message:
        return (
            "Nothing listens on the probed port yet: check the probe's port against the server's, or "
            "whether the server is still loading its model (add a startupProbe)."
        )
    if "statuscode: 404" in message:
        return "The probed path does not exist on the server: use the runtime's readiness endpoint."
    if "statuscode: 5" in message or "statuscode: 503" in message:
        return "The server answers but says it is not ready (often still loading the model, or a failed load)."
    if "deadline exceeded" in message or "Timeout exceeded" in message:
        return "The endpoint answers too slowly: raise timeoutSeconds, or check the server's load."
    return "Check the readiness probe's command/endpoint against the server."


def _undeclared_port(container: ContainerView, probe: Mapping[str, Any] | None) -> str | None:
    """Advice when the probe targets a port the container does not declare, else None.

    Declared ports are informational (a server may listen on others), so this only sharpens the advice
    for a refused connection; named probe ports resolve against the container's port names.
    """
    handler = (probe or {}).get("httpGet") or (probe or {}).get("tcpSocket") or (probe or {}).get("grpc") or {}
    port = handler.get("port")
    declared = [item for item in container.spec.get("ports") or [] if item.get("containerPort")]
    if port is None or not declared:
        return None
    numbers = {int(item["containerPort"]) for item in declared}
    names = {item.get("name") for item in declared}
    if port in names or (str(port).isdigit() and int(port) in numbers):
        return None
    listed = ", ".join(str(number) for number in sorted(numbers))
    noun = "port" if len(numbers) == 1 else "ports"
    return (
        f"The probe checks port {port}, but the container declares {noun} {listed}: point the probe at the "
        "port the server listens on."
    )


def _still_starting(context: PodContext, container: ContainerView, probe: Mapping[str, Any] | None) -> bool:
    """True when the readiness probe cannot have failed yet: no failure is news before it has run.

    The kubelet runs no readiness probe until the startupProbe has succeeded (``started: false``), and
    none before ``initialDelaySeconds``; a probe that fails says so in an event every period.
    """
    if container.spec.get("startupProbe") and container.status.get("started") is False:
        return True
    started = parse_time(((container.status.get("state") or {}).get("running") or {}).get("startedAt"))
    if probe is None or started is None or context.now is None:
        return False
    window = int(probe.get("initialDelaySeconds") or 0) + int(probe.get("failureThreshold") or 3) * int(
        probe.get("periodSeconds") or 10
    )
    return (context.now - started).total_seconds() < window


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per running-but-not-ready container with a failing readiness probe."""
    for container in containers(context.pod):
        if container.init and not container.is_sidecar:
            continue
        running = (container.status.get("state") or {}).get("running")
        if not running or container.status.get("ready"):
            continue
        probe = container.spec.get("readinessProbe")
        failures = [
            event
            for event in context.events
            if event.reason == "Unhealthy"
            and event.container in (None, container.name)
            and event.message.startswith("Readiness probe failed")
        ]
        if not failures and (not probe or (context.available.events and _still_starting(context, container, probe))):
            continue
        evidence: list[Evidence] = [status_evidence(f"{container.status_path}.ready", False)]
        if failures:
            evidence.append(event_evidence(failures[0], context.now))
            advice = _advice(failures[0].message)
            severity = None
            mismatch = _undeclared_port(container, probe) if "connection refused" in failures[0].message else None
            if mismatch:
                advice = mismatch
                evidence.append(spec_evidence(f"{container.spec_path}.ports", list(container.spec.get("ports") or [])))
        elif context.available.events:
            # Probe defined, container not ready, and no failure events: it may have just started.
            advice = "No probe failures were recorded yet; if it stays unready, check the probe."
            severity = Severity.INFO
        else:
            advice = "Events could not be read; check the probe's endpoint and port."
            severity = Severity.WARNING
        if probe:
            evidence.append(spec_evidence(f"{container.spec_path}.readinessProbe", dict(probe)))
        yield finding(
            "readiness-probe-failing",
            context,
            f"Container {container.name} is running but not ready: its readiness probe fails.",
            container=container.name,
            evidence=evidence,
            remedy=advice,
            commands=[f"kubectl describe pod -n {context.namespace} {context.name}"],
            severity=severity,
        )
