"""CUDA out of memory: the process ran out of GPU memory (found in the previous container's log).

What: ``torch.OutOfMemoryError: CUDA out of memory. Tried to allocate ...`` (newer PyTorch),
``torch.cuda.OutOfMemoryError`` (1.13 to 2.3), ``RuntimeError: CUDA out of memory`` (older), ``CUDA
error: out of memory``, ``cudaMalloc failed: out of memory``. The current log is read when the
container was not restarted (a failed Job pod).

Why it matters: it is not an OOMKill. Raising the container's memory limit does nothing; the model or
batch does not fit the GPU.

Remedy: smaller batch size (with gradient accumulation), activation checkpointing, mixed precision,
or shard the model (FSDP/tensor parallel) over more GPUs; for a server, the flag it names
(``--max-batch-prefill-tokens``, ``--gpu-memory-utilization``, ``--max-model-len``), quantization or more
GPUs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Finding, Severity
from kubectl_ml.model.pods import containers
from kubectl_ml.rules._common import find_line, finding, log_evidence, logs_command

NEEDS = (Need("logs"),)

CODES = declare(
    CodeInfo(
        "cuda-oom",
        "running",
        Severity.ERROR,
        "GPU memory exhausted (CUDA OOM)",
        "The process ran out of GPU memory; raising the container's memory limit does not help.",
        "Lower the batch size, use gradient accumulation or checkpointing, mixed precision, or "
        "shard the model over more GPUs.",
        docs="https://pytorch.org/docs/stable/notes/cuda.html#memory-management",
        variants={
            "training": (
                "Lower the batch size (keep the effective batch with gradient accumulation), enable activation "
                "checkpointing and mixed precision, or shard the model over more GPUs; a higher memory limit "
                "will not help."
            ),
            "tgi-prefill": (
                "Lower --max-batch-prefill-tokens (and --max-total-tokens / --max-input-length with it), "
                "quantize the model (--quantize), or shard it over more GPUs (--num-shard); a higher memory "
                "limit will not help."
            ),
            "vllm-no-cache": (
                "Raise --gpu-memory-utilization (gpu_memory_utilization, default 0.9) if nothing else uses the "
                "GPU, or use a smaller or quantized model, or more GPUs (--tensor-parallel-size); a higher "
                "memory limit will not help."
            ),
            "vllm-max-model-len": (
                "Lower --max-model-len (max_model_len) to what the cache holds, raise --gpu-memory-utilization,"
                " or use more GPUs (--tensor-parallel-size); a higher memory limit will not help."
            ),
        },
    ),
)


NEEDLES = (
    "CUDA out of memory",
    "CUDA error: out of memory",
    "cudaMalloc failed: out of memory",
    "OutOfMemoryError",
    # PyTorch before 0.4 (THC allocator): `cuda runtime error (2) : out of memory at .../THCStorage.cu:66`
    "cuda runtime error (2) : out of memory",
)
_TRIED = re.compile(r"Tried to allocate ([\d.]+ ?[KMGT]i?B)")
# "(GPU 0; 15.78 GiB total capacity; ...)" before PyTorch 2.1, "GPU 0 has a total capacity of 8.00 GiB" since;
# PyTorch 2.1 printed "capacty".
_TOTAL = re.compile(r"(GPU \d+)(?:;| has a total capaci?ty of) ([\d.]+ ?[KMGT]i?B)(?: total capacity)?")


@dataclass(frozen=True)
class _Serving:
    """A model server's own words for "the model and its cache do not fit the GPU", and the flags that fix it."""

    pattern: re.Pattern[str]
    summary: str
    fix: str  # the name of its fix among cuda-oom's variants


# Servers check memory at start-up and say so in their own words, never "CUDA out of memory".
_SERVING = (
    _Serving(
        # huggingface/text-generation-inference#755
        re.compile(r"Not enough memory to handle (\d+) prefill tokens"),
        "the GPU has no room for a warm-up batch of {0} prefill tokens (text-generation-inference)",
        "tgi-prefill",
    ),
    _Serving(
        # vllm-project/vllm#2248
        re.compile(r"No available memory for the cache blocks"),
        "the model's weights leave no GPU memory for vLLM's KV cache blocks",
        "vllm-no-cache",
    ),
    _Serving(
        # QwenLM/Qwen3#295
        re.compile(
            r"max seq len \((\d+)\) is larger than the maximum number of tokens that can be stored in KV cache "
            r"\((\d+)\)"
        ),
        "vLLM's KV cache holds {1} tokens, fewer than the model's max sequence length of {0}",
        "vllm-max-model-len",
    ),
)


def _serving(log: str) -> tuple[str, str, str] | None:
    """(line, summary detail, fix) of a model server's start-up memory check, the last one in the log."""
    for line in reversed(log.splitlines()):
        for case in _SERVING:
            match = case.pattern.search(line)
            if match:
                return line.strip(), case.summary.format(*match.groups()), case.fix
    return None


def _training(log: str) -> tuple[str, str, str] | None:
    """(line, summary detail, fix) of the framework's own out-of-memory error, the last one in the log."""
    line = find_line(log, NEEDLES)
    if not line or ("CUDA" not in line and "cuda" not in line and "GPU" not in line):
        return None
    tried = _TRIED.search(line)
    total = _TOTAL.search(line)
    detail = ""
    if tried:
        detail = f" while allocating {tried.group(1)}"
    if total:
        detail += f" on {total.group(1)} ({total.group(2)} total)"
    return line, detail, "training"


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container whose previous log shows a CUDA out-of-memory error."""
    for container in containers(context.pod):
        log = context.previous_logs.get(container.name)
        previous = True
        if log is None:
            log, previous = context.current_logs.get(container.name, ""), False
        served = _serving(log)
        found = (served[0], f": {served[1]}", served[2]) if served is not None else _training(log)
        if found is None:
            continue
        line, detail, fix = found
        yield finding(
            "cuda-oom",
            context,
            f"Container {container.name} ran out of GPU memory{detail}.",
            container=container.name,
            evidence=[log_evidence(container.name, line, previous)],
            fix=fix,
            commands=[logs_command(context, container.name, previous)],
        )
