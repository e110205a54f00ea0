"""NCCL collective timeouts in distributed training (from the previous container's log).

What: ``Watchdog caught collective operation timeout: WorkNCCL(...) ran for N milliseconds before
timing out``, or ``Some NCCL operations have failed or timed out``. The finding names the rank, the
operation and the timeout; a timeout of the first collective (``SeqNum=1``) means a peer never joined.

Why it matters: the rank that logs the timeout is usually not the one that failed: a peer died (OOM,
crash) or the network between nodes broke, and every other rank times out after it.

Remedy: look at the first rank that failed (its own log has the real error), then at the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Finding, Severity
from kubectl_ml.model.pods import containers
from kubectl_ml.rules._common import find_line, finding, log_evidence, logs_command

NEEDS = (Need("logs"),)

CODES = declare(
    CodeInfo(
        "nccl-timeout",
        "running",
        Severity.ERROR,
        "distributed collective timed out",
        "A NCCL collective did not complete: a peer rank died or hung, or the network between ranks failed.",
        "Find the first rank that failed (its logs show the real error); check the network between nodes.",
        docs="https://docs.nvidia.com/deeplearning/nccl/user-guide/docs/troubleshooting.html",
        variants={
            "first-rank": (
                "Find the rank that failed first (its log shows the real error, e.g. an OOM or a crash); if "
                "none did, check the network between the nodes (NCCL_DEBUG=INFO shows the transport)."
            ),
        },
    ),
)


_WATCHDOG = "Watchdog caught collective operation timeout"
_GENERIC = "Some NCCL operations have failed or timed out"
_RANK = re.compile(r"\[Rank (\d+)\]")
_WORK = re.compile(r"SeqNum=(\d+), OpType=(\w+)")
_TIMEOUT = re.compile(r"Timeout\(ms\)=(\d+)")


def _watchdog_line(log: str) -> str | None:
    """The first watchdog report: ProcessGroupNCCL logs it, then the abort repeats it inside ``what():``."""
    for line in log.splitlines():
        if _WATCHDOG in line:
            return line.strip()
    return None


def _summary(container: str, line: str) -> str:
    rank = _RANK.search(line)
    work = _WORK.search(line)
    timeout = _TIMEOUT.search(line)
    who = f"Container {container}" + (f" (rank {rank.group(1)})" if rank else "")
    details = [work.group(2)] if work else []
    details += [f"{int(timeout.group(1)) // 1000}s"] if timeout else []
    what = f" ({', '.join(details)})" if details else ""
    if work and work.group(1) == "1":
        # The very first collective never completed: a peer never joined, rather than one that died later.
        return (
            f"{who} stopped on a NCCL collective timeout{what}: it was the first collective, so a peer rank "
            "never joined (did every rank start?)."
        )
    return f"{who} stopped on a NCCL collective timeout{what}: a peer rank failed or hung."


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container whose log shows a NCCL collective timeout."""
    for container in containers(context.pod):
        log = context.previous_logs.get(container.name)
        previous = log is not None
        text = log if log is not None else context.current_logs.get(container.name, "")
        # The watchdog line names the operation and the timeout; the generic line only says it happened.
        line = _watchdog_line(text) or find_line(text, (_GENERIC,))
        if not line:
            continue
        yield finding(
            "nccl-timeout",
            context,
            _summary(container.name, line),
            container=container.name,
            evidence=[log_evidence(container.name, line, previous)],
            fix="first-rank",
            commands=[
                logs_command(context, container.name, previous),
                f"kubectl ml doctor -n {context.namespace}",
            ],
        )
