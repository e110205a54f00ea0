"""A container that keeps exiting: the exit code, what it means, and the log tail.

What: ``CrashLoopBackOff`` (``back-off 40s restarting failed container=...``), a failed pod whose
container exited non-zero (``restartPolicy: Never``), or recent restarts. The finding carries the exit
code and its signal name, the waiting message and ``BackOff`` event verbatim, the termination message,
and the last lines of the previous log; the summary quotes the log's last error line.

Why it matters: k8sgpt prints neither the exit code nor the log; ``kubectl describe`` prints the code
but no log. This is the catch-all: a more specific finding on the same container (OOM, CUDA OOM,
missing command, ...) replaces it.

Remedy: read the log tail; fix the application error or its configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.events import Event
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import ContainerView, containers, exit_code_meaning
from kubectl_ml.rules._common import (
    event_evidence,
    finding,
    log_evidence,
    log_tail,
    logs_command,
    status_evidence,
    terminated_recently,
)

NEEDS = (Need("events"), Need("logs"))

CODES = declare(
    CodeInfo(
        "crash-loop",
        "running",
        Severity.ERROR,
        "container keeps exiting",
        "The application exits and Kubernetes restarts it with growing back-off.",
        "Read the log tail and the exit code; fix the application error or its configuration.",
        generic=True,
        docs="https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/",
        variants={
            "exit-0": (
                "A Deployment's container must keep running: run one-off work as a Job, or fix the command so "
                "the server stays in the foreground."
            ),
            "no-log": (
                "No log survived; run the container's command by hand (kubectl debug --copy-to) to see its error."
            ),
            "read-log": (
                "Read the log tail and fix the error it shows; check the command, environment and config files."
            ),
            "exit-2": "The program rejected its arguments: check command/args against its usage line in the log.",
            "exit-126": (
                "The command exists but is not executable: chmod +x it in the image, or run it through its "
                "interpreter (sh script.sh)."
            ),
            "exit-134": (
                "The process aborted (an uncaught C++ exception, a failed assertion, or a library abort): the "
                "log's last lines name it; check the versions of native libraries and the model/config files "
                "they read."
            ),
            "exit-139": (
                "Native code crashed (segmentation fault): check native extensions and CUDA libraries against "
                "the image's Python/driver versions, and the files they load."
            ),
        },
    ),
)


# Graceful stops and node reboots are not crashes (noise the anchors report: kwatch filters them too).
_NOT_CRASHES = {"Completed", "Unknown", "ContainerStatusUnknown"}


def _failed_by_kubelet(context: PodContext) -> bool:
    """True when the kubelet failed the whole pod (eviction, node shutdown, active deadline).

    Such a pod carries ``status.reason`` (``Evicted``, ``Terminated``, ``DeadlineExceeded``); its containers
    were stopped, they did not crash, and the pod-level rules report why.
    """
    status = context.pod.get("status") or {}
    return status.get("phase") == "Failed" and bool(status.get("reason"))


def _backoff_event(context: PodContext, container: ContainerView) -> Event | None:
    """The newest ``BackOff`` event about restarting this container, in any kubelet's wording.

    ``BackOff`` is also the reason of image-pull back-offs (``Back-off pulling image ...``), hence the
    message test.
    """
    for event in context.events:
        if (
            event.reason == "BackOff"
            and event.container in (None, container.name)
            and "restarting failed" in event.message
        ):
            return event
    return None


def _is_crash(context: PodContext, container: ContainerView) -> bool:
    if container.waiting.get("reason") == "CrashLoopBackOff":
        return True
    if _failed_by_kubelet(context):
        return False
    termination, _ = container.latest_termination()
    code = termination.get("exitCode")
    if code in (None, 0, 143) or termination.get("reason") in _NOT_CRASHES:
        return False
    phase = (context.pod.get("status") or {}).get("phase")
    if phase == "Failed" and container.terminated:
        return True
    # A restarted container that runs again: report only recent crashes.
    return container.restart_count > 0 and terminated_recently(termination, context.now, 3600)


# Lines that name what went wrong, in the order tools print them (Python, Go, glibc, shells, JVMs).
_ERROR_WORDS = (
    "Error",
    "error",
    "ERROR",
    "Exception",
    "Fatal",
    "FATAL",
    "panic",
    "what():",
    "denied",
    "Denied",
    "failed",
)
# How far back from the end of the log an error line still explains the exit.
_ERROR_WINDOW = 20

# Remedies that follow from the exit code alone, where it says more than "read the log".
# Exit codes whose meaning points at the fix (variants exit-<code>); others read the log.
_EXIT_CODES_WITH_A_FIX = (2, 126, 134, 139)


def _error_line(log: str) -> str | None:
    """The last line near the end of the log that names an error (the summary quotes it)."""
    lines = [line.strip() for line in log.splitlines() if line.strip()][-_ERROR_WINDOW:]
    return next((line for line in reversed(lines) if any(word in line for word in _ERROR_WORDS)), None)


def _termination_evidence(container: ContainerView) -> list[Evidence]:
    termination, path = container.latest_termination()
    if not termination:
        return []
    code = termination.get("exitCode")
    meaning = exit_code_meaning(code) if isinstance(code, int) and not isinstance(code, bool) else ""
    evidence = [status_evidence(f"{path}.exitCode", code, label=meaning)]
    if termination.get("reason"):
        evidence.append(status_evidence(f"{path}.reason", termination.get("reason")))
    if termination.get("message"):
        evidence.append(status_evidence(f"{path}.message", str(termination["message"]).strip()))
    return evidence


def _words(kind: str, container: ContainerView, code: Any, quote: str | None) -> tuple[str, str]:
    """The summary and the name of the fix for a crash with this exit code and quoted log line."""
    times = f" ({container.restart_count} restarts so far)" if container.restart_count else ""
    if code == 0:
        return (
            f"The {kind} {container.name} exits successfully (code 0) and is restarted{times}: it is not a "
            "long-running process.",
            "exit-0",
        )
    restarts = f", restarted {container.restart_count} times" if container.restart_count else ""
    if isinstance(code, int) and not isinstance(code, bool):
        summary = f"The {kind} {container.name} keeps exiting with code {code} ({exit_code_meaning(code)}){restarts}"
    else:
        # The kubelet lost the termination (a node reboot, a runtime restart): there is no code to quote.
        summary = f"The {kind} {container.name} keeps stopping (no exit code was recorded){restarts}"
        code = None
    summary += f": {quote}" if quote else ""
    if not summary.endswith((".", "!", "?")):
        summary += "."
    if quote is None:
        return summary, "no-log"
    return summary, f"exit-{code}" if code in _EXIT_CODES_WITH_A_FIX else "read-log"


def _diagnose(context: PodContext, container: ContainerView) -> Finding | None:
    if not _is_crash(context, container):
        return None
    termination, _ = container.latest_termination()
    evidence: list[Evidence] = []
    waiting = container.waiting
    if waiting.get("reason") == "CrashLoopBackOff":
        evidence.append(status_evidence(f"{container.status_path}.state.waiting.reason", "CrashLoopBackOff"))
        if waiting.get("message"):
            # The back-off delay (10s doubling to 5m0s) tells how long the loop has been going.
            evidence.append(status_evidence(f"{container.status_path}.state.waiting.message", waiting["message"]))
    backoff = _backoff_event(context, container)
    if backoff is not None:
        evidence.append(event_evidence(backoff, context.now))
    evidence.extend(_termination_evidence(container))
    log = context.previous_logs.get(container.name)
    previous = log is not None
    if log is None:
        log = context.current_logs.get(container.name) or ""
    tail = log_tail(log)
    quote = _error_line(log) or (tail[-1].strip() if tail else None)
    if tail:
        evidence.append(log_evidence(container.name, "\n".join(tail), previous))
        if quote is not None and quote not in {line.strip() for line in tail}:
            # The error scrolled out of the tail (a stack dump after it): show it too.
            evidence.append(log_evidence(container.name, quote, previous))
    kind = "init container" if container.init and not container.is_sidecar else "container"
    summary, fix = _words(kind, container, termination.get("exitCode"), quote)
    # A restarted container has a previous instance to read, whether or not its log was fetched here (a
    # snapshot may hold none; a live read of a StartError's empty log returns nothing): the same command.
    commands = [logs_command(context, container.name, previous=previous or bool(container.restart_count))]
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
        fix=fix,
        commands=commands,
        severity=Severity.ERROR if (waiting or failed_job_pod) else Severity.WARNING,
    )


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container that crashed."""
    for container in containers(context.pod):
        result = _diagnose(context, container)
        if result is not None:
            yield result
