"""The serving runtimes ``new serving`` knows: ports, health endpoints, how each takes ``--model``.

The one table of them: ``new serving --runtime`` offers its names, ``scaffold.serving`` builds from
it, and lint's model-server recognition (``lint/model_servers.py``) takes ports and paths from it. It
imports nothing of ours, so the CLI can list the names in ``--help`` at no start-up cost.

Startup budgets for model loading: 30 minutes for the LLM servers (vLLM, TGI; KServe's vLLM runtime
gives ~30 min), 10 minutes for the others (scaffold-gpu-lint-anchors §2.3, §2.4).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass

LLM_STARTUP_SECONDS = 30 * 60
STARTUP_SECONDS = 10 * 60
STARTUP_PERIOD = 10  # seconds between startupProbe tries: the budget is failureThreshold x this


@dataclass(frozen=True)
class Probe:
    """An HTTP GET on a named port (``path`` may hold ``{model}``), or a TCP check when ``path`` is None."""

    path: str | None
    port: str


@dataclass(frozen=True)
class Runtime:
    """One serving runtime's conventions.

    Attributes:
        ports: (name, port) pairs; the first serves the API.
        liveness, readiness: the endpoints (readiness model-aware where the runtime has one).
        startup_seconds: the startupProbe budget (failureThreshold × period).
        command: the container command (None: the image's entrypoint).
        args: the arguments, given the model and the GPU count.
    """

    name: str
    ports: Sequence[tuple[str, int]]
    liveness: Probe
    readiness: Probe
    startup_seconds: int
    command: Sequence[str] | None
    args: Callable[[str, int], list[str]]
    needs_model: bool = True


def model_name(model: str) -> str:
    """TF Serving's model name: the last path segment of the base path."""
    return posixpath.basename(model.rstrip("/")) or "model"


def _vllm_args(model: str, gpus: int) -> list[str]:
    args = [model, "--host", "0.0.0.0", "--port", "8000"]
    return [*args, "--tensor-parallel-size", str(gpus)] if gpus > 1 else args


def _tgi_args(model: str, gpus: int) -> list[str]:
    # The image sets PORT=80, which a non-root user cannot bind: listen on 8080.
    args = ["--model-id", model, "--port", "8080"]
    return [*args, "--num-shard", str(gpus)] if gpus > 1 else args


RUNTIMES: dict[str, Runtime] = {
    runtime.name: runtime
    for runtime in (
        Runtime(
            "triton",
            (("http", 8000), ("grpc", 8001), ("metrics", 8002)),
            Probe("/v2/health/live", "http"),
            Probe("/v2/health/ready", "http"),
            STARTUP_SECONDS,
            ("tritonserver",),
            lambda model, _gpus: [f"--model-repository={model}"],
        ),
        Runtime(
            "vllm",
            (("http", 8000),),
            Probe("/health", "http"),
            Probe("/v1/models", "http"),
            LLM_STARTUP_SECONDS,
            ("vllm", "serve"),
            _vllm_args,
        ),
        Runtime(
            "tgi",
            (("http", 8080),),
            # TGI has one health endpoint; the router only starts once the shards are ready.
            Probe("/health", "http"),
            Probe("/health", "http"),
            LLM_STARTUP_SECONDS,
            None,
            _tgi_args,
        ),
        Runtime(
            "torchserve",
            (("http", 8080), ("management", 8081), ("metrics", 8082)),
            # /ping, not the management API's /models/<m>: token authorization (0.11+) guards the latter.
            Probe("/ping", "http"),
            Probe("/ping", "http"),
            STARTUP_SECONDS,
            ("torchserve",),
            lambda model, _gpus: [
                "--start",
                "--foreground",
                "--ts-config",
                "/home/model-server/config.properties",
                "--model-store",
                "/home/model-server/model-store",
                "--models",
                model,
            ],
        ),
        Runtime(
            "tfserving",
            (("grpc", 8500), ("http", 8501)),
            Probe(None, "grpc"),
            Probe("/v1/models/{model}", "http"),
            STARTUP_SECONDS,
            ("tensorflow_model_server",),
            lambda model, _gpus: [
                f"--model_name={model_name(model)}",
                f"--model_base_path={model}",
                "--port=8500",
                "--rest_api_port=8501",
            ],
        ),
        Runtime(
            "custom",
            (("http", 8080),),
            Probe("/healthz", "http"),
            Probe("/readyz", "http"),
            STARTUP_SECONDS,
            None,
            lambda _model, _gpus: [],
            needs_model=False,
        ),
    )
}
