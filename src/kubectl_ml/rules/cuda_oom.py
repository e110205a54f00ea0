"""CUDA out of memory: the process ran out of GPU memory (found in the previous container's log).

What: ``torch.OutOfMemoryError: CUDA out of memory. Tried to allocate ...`` (newer PyTorch),
``torch.cuda.OutOfMemoryError`` (1.13 to 2.3), ``RuntimeError: CUDA out of memory`` (older), ``CUDA
error: out of memory``, ``cudaMalloc failed: out of memory``. The current log is read when the
container was not restarted (a failed Job pod).

Why it matters: it is not an OOMKill. Raising the container's memory limit does nothing; the model or
batch does not fit the GPU.

Remedy: smaller batch size (with gradient accumulation), activation checkpointing, mixed precision,
or shard the model (FSDP/tensor parallel) over more GPUs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Finding
from kubectl_ml.model.pods import containers
from kubectl_ml.rules._common import find_line, finding, log_evidence, logs_command

NEEDLES = (
    "CUDA out of memory",
    "CUDA error: out of memory",
    "cudaMalloc failed: out of memory",
    "OutOfMemoryError",
)
_TRIED = re.compile(r"Tried to allocate ([\d.]+ ?[KMGT]i?B)")
# "(GPU 0; 15.78 GiB total capacity; ...)" before PyTorch 2.1, "GPU 0 has a total capacity of 8.00 GiB" since;
# PyTorch 2.1 printed "capacty".
_TOTAL = re.compile(r"(GPU \d+)(?:;| has a total capaci?ty of) ([\d.]+ ?[KMGT]i?B)(?: total capacity)?")


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container whose previous log shows a CUDA out-of-memory error."""
    for container in containers(context.pod):
        log = context.previous_logs.get(container.name)
        previous = True
        if log is None:
            log, previous = context.current_logs.get(container.name, ""), False
        line = find_line(log, NEEDLES)
        if not line or ("CUDA" not in line and "cuda" not in line and "GPU" not in line):
            continue
        tried = _TRIED.search(line)
        total = _TOTAL.search(line)
        detail = ""
        if tried:
            detail = f" while allocating {tried.group(1)}"
        if total:
            detail += f" on {total.group(1)} ({total.group(2)} total)"
        yield finding(
            "cuda-oom",
            context,
            f"Container {container.name} ran out of GPU memory{detail}.",
            container=container.name,
            evidence=[log_evidence(container.name, line, previous)],
            remedy=(
                "Lower the batch size (keep the effective batch with gradient accumulation), enable "
                "activation checkpointing and mixed precision, or shard the model over more GPUs; a "
                "higher memory limit will not help."
            ),
            commands=[logs_command(context, container.name, previous)],
        )
