"""NCCL collective timeouts in distributed training (from the previous container's log).

What: ``Watchdog caught collective operation timeout: WorkNCCL(...) ran for N milliseconds before
timing out``, or ``Some NCCL operations have failed or timed out``.

Why it matters: the rank that logs the timeout is usually not the one that failed: a peer died (OOM,
crash) or the network between nodes broke, and every other rank times out after it.

Remedy: look at the first rank that failed (its own log has the real error), then at the network.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Finding
from kubectl_ml.model.pods import containers
from kubectl_ml.rules._common import find_line, finding, log_evidence, logs_command

_NEEDLES = ("Watchdog caught collective operation timeout", "Some NCCL operations have failed or timed out")


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container whose log shows a NCCL collective timeout."""
    for container in containers(context.pod):
        log = context.previous_logs.get(container.name)
        previous = log is not None
        line = find_line(log or context.current_logs.get(container.name, ""), _NEEDLES)
        if not line:
            continue
        yield finding(
            "nccl-timeout",
            context,
            f"Container {container.name} stopped on a NCCL collective timeout: a peer rank failed or hung.",
            container=container.name,
            evidence=[log_evidence(container.name, line, previous)],
            remedy=(
                "Find the rank that failed first (its log shows the real error, e.g. an OOM or a crash); "
                "if none did, check the network between the nodes (NCCL_DEBUG=INFO shows the transport)."
            ),
            commands=[
                logs_command(context, container.name, previous),
                f"kubectl ml doctor -n {context.namespace}",
            ],
        )
