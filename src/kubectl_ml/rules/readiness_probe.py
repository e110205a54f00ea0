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

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.events import parse_time
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import ContainerView, containers
from kubectl_ml.model.probes import HEALTH_ENDPOINTS, WRONG_PORT_FIX, classify_probe_failure, undeclared_port
from kubectl_ml.rules._common import event_evidence, finding, spec_evidence, status_evidence

NEEDS = (Need("events"),)

CODES = declare(
    CodeInfo(
        "readiness-probe-failing",
        "running",
        Severity.ERROR,
        "readiness probe failing",
        "The container runs but its readiness probe fails, so it receives no traffic.",
        "Check the probe's port and path against the server, and how long the model takes to load.",
        docs="https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
        variants={
            "refused": (
                "Nothing listens on the probed port yet: check the probe's port against the server's, or whether "
                "the server is still loading its model (add a startupProbe)."
            ),
            "wrong-port": WRONG_PORT_FIX,
            "not-found": (
                "The probed path does not exist on the server (HTTP 404): use the runtime's readiness endpoint "
                f"({HEALTH_ENDPOINTS})."
            ),
            "client-error": (
                "The server refuses the probe (HTTP {status}): a probe sends no credentials, so probe an endpoint "
                "without authentication, or check the path and method."
            ),
            "not-ready": (
                "The server answers but says it is not ready (often still loading the model, or a failed load)."
            ),
            "slow": "The endpoint answers too slowly: raise timeoutSeconds, or check the server's load.",
            "reset": (
                "The server dropped the connection mid-answer: check its log for a crash or restart while probed."
            ),
            "other": "Check the readiness probe's command/endpoint against the server.",
            "no-failures-yet": "No probe failures were recorded yet; if it stays unready, check the probe.",
            "no-events": "Events could not be read; check the probe's endpoint and port.",
        },
    ),
)


def _fix(message: str) -> tuple[str, dict[str, object]]:
    """The name of the fix for a readiness probe's failure message, and its values."""
    failure = classify_probe_failure(message)
    named = {
        "refused": "refused",
        "not-found": "not-found",
        "client-error": "client-error",
        "server-error": "not-ready",
        "not-serving": "not-ready",
        "timeout": "slow",
        "reset": "reset",
    }
    return named.get(failure.kind, "other"), {"status": failure.status}


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
            fix, values = _fix(failures[0].message)
            severity = None
            refused = classify_probe_failure(failures[0].message).kind == "refused"
            mismatch = undeclared_port(container.spec, probe) if refused else None
            if mismatch:
                fix, values = "wrong-port", dict(mismatch)
                evidence.append(spec_evidence(f"{container.spec_path}.ports", list(container.spec.get("ports") or [])))
        elif context.available.events:
            # Probe defined, container not ready, and no failure events: it may have just started.
            fix, values = "no-failures-yet", {}
            severity = Severity.INFO
        else:
            fix, values = "no-events", {}
            severity = Severity.WARNING
        if probe:
            evidence.append(spec_evidence(f"{container.spec_path}.readinessProbe", dict(probe)))
        yield finding(
            "readiness-probe-failing",
            context,
            f"Container {container.name} is running but not ready: its readiness probe fails.",
            container=container.name,
            evidence=evidence,
            fix=fix,
            values=values,
            commands=[f"kubectl describe pod -n {context.namespace} {context.name}"],
            severity=severity,
        )
