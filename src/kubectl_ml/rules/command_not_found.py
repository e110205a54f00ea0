"""The container's command does not exist in the image (or cannot be executed).

What: the runtime could not start the process: ``executable file not found in $PATH``, ``no such file
or directory``, or ``permission denied``; with containerd the container ends ``StartError`` with exit
128, with docker ``ContainerCannotRun`` with exit 127, and a shell wrapper prints ``sh: x: not found``.

Why it matters: the pod crash-loops with an exit code that looks like an application error. Only
runc's ``exec: "<program>": ...`` phrase counts: a failed subPath mount or NVIDIA hook also says "no
such file or directory", and a container that runs now got past its old start error.

Remedy: fix ``command``/``args`` or the image's ENTRYPOINT; check the path inside the image.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import ContainerView, containers
from kubectl_ml.rules._common import (
    event_evidence,
    find_line,
    finding,
    log_evidence,
    spec_evidence,
    status_evidence,
    terminated_recently,
)

NEEDS = (Need("events"), Need("logs"))

CODES = declare(
    CodeInfo(
        "command-not-found",
        "start",
        Severity.ERROR,
        "command not found in the image",
        "The container's command or entrypoint does not exist in the image (or is not executable).",
        "Fix command/args, or use an image that contains the program.",
        docs="https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/",
        variants={
            "not-executable": "Make {what} executable in the image (chmod +x), or run it through its interpreter.",
            "not-found": (
                "Fix command/args so {what} names a program that exists in image {image} (use an absolute path,"
                " or check the image's PATH)."
            ),
            "empty": (
                "Set command (or args) to the program to run: a command of an empty string, a templated value "
                "that rendered empty, or image {image} without ENTRYPOINT/CMD leaves nothing to start."
            ),
        },
    ),
)


# The program may be empty: `exec: "": executable file not found in $PATH` is an empty command or
# entrypoint (vdesabou/kafka-docker-playground#8515).
_EXECUTABLE = re.compile(
    r'exec: "?\\?"?([^"\\:]*)\\?"?: (executable file not found in \$PATH|stat [^:]+: no such '
    r"file or directory|permission denied)"
)
_SHELL_NOT_FOUND = re.compile(r"(?:^|\s)(?:/bin/)?(?:ba)?sh: (?:\d+: )?(?:line \d+: )?(\S+): (?:command )?not found")


def _start_message(container: ContainerView) -> tuple[str, str] | None:
    """The runtime's start error and its path, from the termination or the waiting state."""
    termination, path = container.latest_termination()
    message = str(termination.get("message") or "")
    if termination.get("reason") in ("StartError", "ContainerCannotRun") and message:
        return message, f"{path}.message"
    waiting = container.waiting
    if waiting.get("reason") in ("RunContainerError", "CreateContainerError") and waiting.get("message"):
        return str(waiting["message"]), f"{container.status_path}.state.waiting.message"
    return None


def _is_running(container: ContainerView) -> bool:
    return bool((container.status.get("state") or {}).get("running"))


def _from_start_error(container: ContainerView) -> tuple[str | None, list[Evidence]] | None:
    """The program named by the runtime's start error, with its evidence; None if the error is another one.

    Only runc's ``exec: "<program>": ...`` phrase counts: a start error also says "no such file or
    directory" when a subPath mount or the NVIDIA hook fails, and that is not the command.
    """
    start = _start_message(container)
    if start is None or _is_running(container):
        # A container that runs now got past exec: an old StartError in lastState is history.
        return None
    message, path = start
    match = _EXECUTABLE.search(message)
    if match is None or "nvidia-container-cli" in message:
        return None
    evidence = [status_evidence(path, message)]
    termination, termination_path = container.latest_termination()
    if path.startswith(termination_path) and termination.get("exitCode") is not None:
        # 128 (containerd StartError) and 127 (docker ContainerCannotRun) look like application exits.
        evidence.append(status_evidence(f"{termination_path}.exitCode", termination["exitCode"]))
    return match.group(1), evidence


def _from_shell_log(context: PodContext, container: ContainerView) -> tuple[str | None, list[Evidence]] | None:
    """The program a shell wrapper could not find (``sh: x: not found``, exit 127), from the log."""
    log = context.previous_logs.get(container.name) or context.current_logs.get(container.name) or ""
    line = find_line(log, (": not found",))
    match = _SHELL_NOT_FOUND.search(line or "")
    termination, path = container.latest_termination()
    if not (line and match and termination.get("exitCode") == 127):
        return None
    if _is_running(container) and not terminated_recently(termination, context.now, 3600):
        return None
    return match.group(1), [status_evidence(f"{path}.exitCode", 127), log_evidence(container.name, line)]


def _from_failed_event(context: PodContext, container: ContainerView) -> tuple[str | None, list[Evidence]] | None:
    """The program named by the kubelet's ``Failed`` event, when the status keeps no message of its own.

    ``Error: failed to create containerd task: ... exec: "python": executable file not found in $PATH``:
    a status read from ``kubectl describe`` has the reason only.
    """
    if _is_running(container) or _start_message(container) is not None:
        return None
    for event in context.events:
        if event.reason != "Failed" or event.container not in (None, container.name):
            continue
        match = _EXECUTABLE.search(event.message)
        if match is not None and "nvidia-container-cli" not in event.message:
            return match.group(1), [event_evidence(event, context.now)]
    return None


def _diagnose(context: PodContext, container: ContainerView) -> Finding | None:
    found = (
        _from_start_error(container) or _from_shell_log(context, container) or _from_failed_event(context, container)
    )
    if found is None:
        return None
    program, evidence = found
    # Evidence is verbatim: command and args each at their own path.
    for field in ("command", "args"):
        if container.spec.get(field):
            evidence.append(spec_evidence(f"{container.spec_path}.{field}", list(container.spec[field])))
    what = f"{program!r}" if program else "its command"
    denied = any("permission denied" in str(item.value) for item in evidence)
    problem = "is not executable" if denied else "was not found in the image"
    fix = "not-executable" if denied else "not-found"
    if program == "":
        # runc was asked to exec an empty string: an empty command, or an image without an entrypoint.
        problem = 'is empty (the runtime was asked to run "")'
        fix = "empty"
    image = container.spec.get("image", "")
    return finding(
        "command-not-found",
        context,
        f"Container {container.name} cannot start: {what} {problem}.",
        container=container.name,
        evidence=evidence,
        fix=fix,
        values={"what": what, "image": image},
        commands=[f"kubectl run -it --rm debug-{container.name} --image={image} --command -- sh"],
    )


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container whose command cannot be started."""
    for container in containers(context.pod):
        result = _diagnose(context, container)
        if result is not None:
            yield result
