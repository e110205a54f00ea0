"""A container that keeps exiting: the exit code, what it means, and the log tail.

What: ``CrashLoopBackOff`` (``back-off 40s restarting failed container=...``), a failed pod whose
container exited non-zero (``restartPolicy: Never``), or recent restarts. The finding carries the exit
code and its signal name, the termination message, and the last lines of the previous log.

Why it matters: k8sgpt prints neither the exit code nor the log; ``kubectl describe`` prints the code
but no log. This is the catch-all: a more specific finding on the same container (OOM, CUDA OOM,
missing command, ...) replaces it.

Remedy: read the log tail; fix the application error or its configuration.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import ContainerView, containers, exit_code_meaning
from kubectl_ml.rules._common import (
    finding,
    log_evidence,
    log_tail,
    logs_command,
    status_evidence,
    terminated_recently,
)

# Graceful stops and node reboots are not crashes (noise the anchors report: kwatch filters them too).
_NOT_CRASHES = {"Completed", "Unknown", "ContainerStatusUnknown"}


def _is_crash(context: PodContext, container: ContainerView) -> bool:
    if container.waiting.get("reason") == "CrashLoopBackOff":
        return True
    termination, _ = container.latest_termination()
    code = termination.get("exitCode")
    if code in (None, 0, 143) or termination.get("reason") in _NOT_CRASHES:
        return False
    phase = (context.pod.get("status") or {}).get("phase")
    if phase == "Failed" and container.terminated:
        return True
    # A restarted container that runs again: report only recent crashes.
    return container.restart_count > 0 and terminated_recently(termination, context.now, 3600)


def _diagnose(context: PodContext, container: ContainerView) -> Finding | None:
    if not _is_crash(context, container):
        return None
    termination, path = container.latest_termination()
    code = termination.get("exitCode")
    evidence: list[Evidence] = []
    waiting = container.waiting
    if waiting.get("reason") == "CrashLoopBackOff":
        evidence.append(status_evidence(f"{container.status_path}.state.waiting.reason", "CrashLoopBackOff"))
    if termination:
        evidence.append(status_evidence(f"{path}.exitCode", code, label=exit_code_meaning(int(code or 0))))
        if termination.get("reason"):
            evidence.append(status_evidence(f"{path}.reason", termination.get("reason")))
        if termination.get("message"):
            evidence.append(status_evidence(f"{path}.message", str(termination["message"]).strip()))
    log = context.previous_logs.get(container.name)
    previous = log is not None
    if log is None:
        log = context.current_logs.get(container.name)
    tail = log_tail(log or "")
    if tail:
        evidence.append(log_evidence(container.name, "\n".join(tail), previous))
    kind = "init container" if container.init and not container.is_sidecar else "container"
    restarts = f", restarted {container.restart_count} times" if container.restart_count else ""
    if code == 0:
        summary = (
            f"The {kind} {container.name} exits successfully but is restarted{restarts}: it is not a "
            "long-running process."
        )
        remedy = (
            "A Deployment's container must keep running: run one-off work as a Job, or fix the command "
            "so the server stays in the foreground."
        )
    else:
        meaning = exit_code_meaning(int(code)) if code is not None else "no exit code recorded"
        last_line = f": {tail[-1]}" if tail else ""
        summary = f"The {kind} {container.name} keeps exiting with code {code} ({meaning}){restarts}{last_line}"
        if not summary.endswith((".", "!", "?")):
            summary += "."
        remedy = "Read the log tail and fix the error it shows; check the command, environment and config files."
        if not tail:
            remedy = "No log survived; run the container's command by hand (kubectl debug --copy-to) to see its error."
    commands = [logs_command(context, container.name, previous=previous)]
    if not tail:
        commands.append(
            f"kubectl debug -n {context.namespace} {context.name} -it --copy-to={context.name}-debug "
            f"--container={container.name} -- sh"
        )
    failed_job_pod = (context.pod.get("status") or {}).get("phase") == "Failed"
    return finding(
        "crash-loop",
        context,
        summary,
        container=container.name,
        evidence=evidence,
        remedy=remedy,
        commands=commands,
        severity=Severity.ERROR if (waiting or failed_job_pod) else Severity.WARNING,
    )


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container that crashed."""
    for container in containers(context.pod):
        result = _diagnose(context, container)
        if result is not None:
            yield result
