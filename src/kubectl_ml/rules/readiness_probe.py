"""A running container whose readiness probe fails, so it gets no traffic.

What: ``Unhealthy`` events ``Readiness probe failed: ...`` (HTTP status, connection refused, timeout,
exec output) for a running container that is not ready.

Why it matters: the pod looks Running but serves nothing; for model servers the usual causes are a
probe on the wrong port/path or a model that is still loading.

Remedy: point the probe at the runtime's real readiness endpoint and port; give loading time with a
startupProbe.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import containers
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
        if not failures and not probe:
            continue
        evidence: list[Evidence] = [status_evidence(f"{container.status_path}.ready", False)]
        if failures:
            evidence.append(event_evidence(failures[0], context.now))
            advice = _advice(failures[0].message)
            severity = None
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
