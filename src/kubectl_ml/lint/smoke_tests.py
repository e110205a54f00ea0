"""Containers that do nothing lasting: GPU smoke tests, waits, clients of a server elsewhere, demo servers.

The placeholders of examples and tests (``sleep infinity``, ``nvidia-smi``, a CUDA sample, ``echo``, a
Triton client loop, nginx run as it is). Rules whose finding only matters for a real workload (shared
memory, requests, a pinned tag) leave them alone, since their owners rightly call such findings noise
(tests/lint/corpus, docs/lint-precision.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kubectl_ml.lint import model_servers
from kubectl_ml.lint._common import image_repository

# GPU checks and CUDA samples, and waits and shell chores: a container of nothing but these does no work
# that lasts (what `idles` means).
_IDLE = frozenset(
    {
        # GPU checks and CUDA samples
        "nvidia-smi", "vectorAdd", "vectoradd", "deviceQuery", "devicequery", "deviceQueryDrv", "bandwidthTest",
        "nbody", "matrixMul", "simpleP2P", "p2pBandwidthLatencyTest", "cuda-vector-add", "gpu_burn", "gpu-burn",
        "gpuburn", "dcgmproftester", "dcgmproftester11", "dcgmproftester12", "dcgmi", "nvbandwidth", "rocm-smi",
        "amd-smi", "hl-smi", "neuron-ls", "neuron-top", "clinfo",
        # waits and shell chores
        "sleep", "pause", "true", "false", "echo", "printf", "date", "env", "hostname", "cat", "ls", "pwd", "tail",
        "wait", "[", "test", "exit", "set", "export", "cd", "trap", "nproc", "uname", "tee", "grep", "head",
    }
)  # fmt: skip
# Commands of smoke tests, waits and clients: none of them shares memory between processes.
_HARMLESS = _IDLE | frozenset(
    {
        # clients of a server elsewhere (a Triton client loop, a health poller)
        "curl", "wget", "perf_analyzer", "perf_client", "genai-perf", "image_client", "grpc_image_client",
        # demo servers
        "http.server", "SimpleHTTPServer", "nginx", "httpd", "http-echo", "agnhost", "netexec", "serve-hostname",
    }
)  # fmt: skip

# Images of GPU samples and demo servers, by repository: smoke tests when run as they are.
_SAMPLE_IMAGE = re.compile(r"cuda-vector-add|/k8s/cuda-sample|nvidia/samples|gpu[-_]?burn|cuda-samples")
_DEMO_IMAGE = re.compile(
    r"(^|/)(nvidia/cuda|nginx|nginx-slim|nginxdemos/hello|httpd|http-echo|agnhost|echoserver|pause|busybox)$"
)


def is_smoke_test(container: Mapping[str, Any], commands: list[list[str]] | None = None) -> bool:
    """True for a smoke test, a wait, a client or a demo server: every command harmless, or a sample image.

    ``commands`` are the container's simple commands (``model_servers.simple_commands``), read when None.
    """
    if commands is None:
        commands = model_servers.simple_commands(container)
    image = container.get("image")
    repository = image_repository(image).lower() if isinstance(image, str) else ""
    if _SAMPLE_IMAGE.search(repository):
        return True
    if not commands:
        return bool(_DEMO_IMAGE.search(repository))
    return all(model_servers.program(words) in _HARMLESS or words[0] in _HARMLESS for words in commands)


def idles(container: Mapping[str, Any]) -> bool:
    """True for a container that does no lasting work: only waits, shell chores and GPU checks, or a GPU sample.

    Narrower than :func:`is_smoke_test`: a demo server (nginx) or a client still runs something a user
    may deploy, and its requests and tag still matter.
    """
    image = container.get("image")
    repository = image_repository(image).lower() if isinstance(image, str) else ""
    if _SAMPLE_IMAGE.search(repository) or repository.endswith("/pause") or repository == "pause":
        return True
    commands = model_servers.simple_commands(container)
    return bool(commands) and all(model_servers.program(words) in _IDLE or words[0] in _IDLE for words in commands)
