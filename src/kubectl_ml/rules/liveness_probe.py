"""Restarts caused by the liveness (or startup) probe, told apart from OOM kills.

What: the kubelet killed the container because its liveness or startup probe failed: ``Unhealthy``
events ``Liveness probe failed: ...`` and ``Killing`` events ``Container c failed liveness probe, will
be restarted``. When those events expired, a last exit of 137 (SIGKILL) that is not ``OOMKilled`` in a
container with a liveness probe is reported as a probable probe kill (so is 143, a SIGTERM the process
handled: only the kubelet's probes stop a container without deleting its pod), unless it happened more
than an hour ago and the container has run and been ready since. Terminations the kubelet could not
observe (``ContainerStatusUnknown``, ``Unknown`` after a node reboot) and pods the kubelet failed as a
whole (evicted, node shutdown) are not probe kills.

Why it matters: a model that loads for ten minutes is killed by a liveness probe sized for a web app,
forever; raising memory (the usual guess for exit 137) does nothing.

Remedy: add a startupProbe whose budget (failureThreshold × periodSeconds) covers loading, or relax the
liveness probe; fix the endpoint if it is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import ContainerView, containers
from kubectl_ml.model.probes import (
    HEALTH_ENDPOINTS,
    WRONG_PORT_FIX,
    ProbeFailure,
    classify_probe_failure,
    undeclared_port,
)
from kubectl_ml.rules._common import (
    container_patch,
    event_evidence,
    finding,
    spec_evidence,
    status_evidence,
    terminated_recently,
)

NEEDS = (Need("events"),)

# What a probe that fails while the server starts looks like, and the startupProbe that lets it load.
_SLOW = (
    ", and the liveness probe gives up after {budget}s. If the server needs longer to start (loading a "
    "model), add a startupProbe covering the load time (the patch allows 10 minutes); otherwise fix the "
    "endpoint or raise timeoutSeconds/failureThreshold."
)

CODES = declare(
    CodeInfo(
        "liveness-probe-restarts",
        "running",
        Severity.ERROR,
        "killed by its liveness probe",
        "The kubelet restarted the container because its liveness probe failed.",
        "Give slow starts a startupProbe, raise timeoutSeconds/failureThreshold, or fix the health endpoint.",
        docs="https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
        variants={
            "not-found": (
                f"Point the {{which}} probe at the server's health endpoint ({HEALTH_ENDPOINTS}); {{path}} answers 404."
            ),
            "client-error": (
                "The server refuses the probe with HTTP {status}: a probe sends no credentials, so probe an "
                "endpoint without authentication, or fix the path and method."
            ),
            "wrong-port": WRONG_PORT_FIX,
            "slow-refused": "Nothing listens on the port yet" + _SLOW,
            "slow-server-error": "The server answers HTTP {status} (not healthy yet)" + _SLOW,
            "slow-not-serving": "The server's gRPC health says NOT_SERVING" + _SLOW,
            "slow-timeout": "The endpoint does not answer within timeoutSeconds" + _SLOW,
            "slow-other": "The liveness probe fails" + _SLOW,
            "startup-budget": (
                "The startup probe gives up after {budget}s: raise its failureThreshold so failureThreshold × "
                "periodSeconds covers the real start-up time, or fix the endpoint."
            ),
            "timeout": (
                "The endpoint does not answer within timeoutSeconds: raise timeoutSeconds (a server busy on the GPU "
                "answers health checks late), or serve health checks off the inference path."
            ),
            "other": "Check the liveness endpoint and timeoutSeconds; under load a slow reply counts as a failure.",
        },
    ),
)


# Terminations the kubelet did not see happen: the container was lost (node reboot, runtime restart).
_UNOBSERVED = ("ContainerStatusUnknown", "Unknown")


def kill_budget(probe: Mapping[str, Any]) -> int:
    """Seconds before a probe that never succeeds kills the container: delay + failures × period."""
    return int(probe.get("initialDelaySeconds") or 0) + int(probe.get("failureThreshold") or 3) * int(
        probe.get("periodSeconds") or 10
    )


def _startup_probe_from(liveness: Mapping[str, Any]) -> dict[str, Any]:
    """A startupProbe with the liveness probe's handler and a 10-minute budget."""
    handler = {key: value for key, value in liveness.items() if key in ("httpGet", "tcpSocket", "exec", "grpc")}
    return {**handler, "periodSeconds": 10, "failureThreshold": 60}


def _probed_path(probe: Mapping[str, Any] | None) -> str:
    handler = (probe or {}).get("httpGet") or {}
    return f"{handler.get('path') or '/'} on port {handler.get('port')}" if handler else "its endpoint"


def _remedy(
    container: ContainerView,
    which: str,
    probe: Mapping[str, Any] | None,
    failure: ProbeFailure,
    budget: int,
) -> tuple[str, dict[str, object], dict[str, Any] | None]:
    """The fix for what the probe's failure says, and a startupProbe patch only where slowness is the cause.

    A 404 is a wrong path (issue 10: a startupProbe would only delay the same kill), a refused
    connection on an undeclared port is a wrong port; a refused connection, a 5xx, a timeout or no
    failure text at all is what a model still loading looks like, and gets the startupProbe.
    """
    liveness = container.spec.get("livenessProbe")
    startup = container.spec.get("startupProbe")
    if failure.kind == "not-found":
        return "not-found", {"which": which, "path": _probed_path(probe)}, None
    if failure.kind == "client-error":
        return "client-error", {"status": failure.status}, None
    if failure.kind == "refused":
        wrong_port = undeclared_port(container.spec, probe)
        if wrong_port:
            return "wrong-port", dict(wrong_port), None
    if which == "liveness" and liveness and not startup:
        slow = failure.kind if failure.kind in ("refused", "server-error", "not-serving", "timeout") else "other"
        return (
            f"slow-{slow}",
            {"status": failure.status, "budget": budget},
            container_patch(container, {"startupProbe": _startup_probe_from(liveness)}),
        )
    if which == "startup":
        return "startup-budget", {"budget": budget}, None
    if failure.kind == "timeout":
        return "timeout", {}, None
    return "other", {}, None


def _diagnose(context: PodContext, container: ContainerView) -> Finding | None:
    liveness = container.spec.get("livenessProbe")
    startup = container.spec.get("startupProbe")
    kills = [
        event
        for event in context.events
        if event.reason == "Killing"
        and event.container in (None, container.name)
        and ("failed liveness probe" in event.message or "failed startup probe" in event.message)
    ]
    failures = [
        event
        for event in context.events
        if event.reason == "Unhealthy"
        and event.container in (None, container.name)
        # `%s probe errored: %v` is the kubelet's word when the probe could not run (an exec timeout).
        and event.message.startswith(
            ("Liveness probe failed", "Startup probe failed", "Liveness probe errored", "Startup probe errored")
        )
    ]
    evidence: list[Evidence] = [event_evidence(event, context.now) for event in (kills[:1] + failures[:1])]
    termination, path = container.latest_termination()
    probable = False
    if not kills:
        if not (liveness and container.restart_count and termination.get("exitCode") in (137, 143)):
            return None
        if termination.get("reason") == "OOMKilled" or termination.get("reason") in _UNOBSERVED:
            return None
        status = context.pod.get("status") or {}
        if status.get("phase") == "Failed" and status.get("reason"):
            # Evicted or shut down with its node: the kubelet stopped the whole pod, not a probe.
            return None
        if not failures:
            probable = True
            # Without events only the last termination speaks; a kill long ago on a container that has
            # run and served since is history (kubectl-status looks back one hour too).
            running = bool((container.status.get("state") or {}).get("running"))
            if running and container.status.get("ready") and not terminated_recently(termination, context.now, 3600):
                return None
        evidence.append(status_evidence(f"{path}.exitCode", termination.get("exitCode")))
    # Which probe: the kill event says so; without one, the failure events do.
    telling = kills[0].message if kills else (failures[0].message if failures else "")
    which = "startup" if "startup" in telling.lower() else "liveness"
    probe = startup if which == "startup" else liveness
    budget = kill_budget(probe) if probe else 0
    if probe:
        evidence.append(spec_evidence(f"{container.spec_path}.{which}Probe", dict(probe)))
    times = f" {container.restart_count} times" if container.restart_count else ""
    if probable:
        code = termination.get("exitCode")
        signal = "SIGKILL" if code == 137 else "SIGTERM"
        summary = (
            f"Container {container.name} was killed{times} with {signal} (exit {code}) but not for memory: "
            f"probably its liveness probe, which kills it after {budget}s without success."
        )
    else:
        summary = f"Container {container.name} was restarted{times} by its failing {which} probe (budget {budget}s)."
    failure = classify_probe_failure(failures[0].message) if failures else ProbeFailure("other")
    fix, values, patch = _remedy(container, which, probe, failure, budget)
    if failure.kind == "not-found":
        summary += f" The probe gets HTTP 404 from {_probed_path(probe)}: the path is wrong, not slow."
    elif failure.kind == "client-error":
        summary += f" The probe gets HTTP {failure.status} from {_probed_path(probe)}: it is refused, not slow."
    return finding(
        "liveness-probe-restarts",
        context,
        summary,
        container=container.name,
        evidence=evidence,
        fix=fix,
        values=values,
        patch=patch,
        severity=Severity.WARNING if probable else None,
    )


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container restarted by its liveness or startup probe."""
    for container in containers(context.pod):
        result = _diagnose(context, container)
        if result is not None:
            yield result
