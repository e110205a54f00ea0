"""A model server (``kubectl ml new serving``): Deployment + Service, and a PodDisruptionBudget for replicas > 1.

Each runtime preset carries its ports, its liveness and readiness endpoints (different ones where the
runtime has a model-aware readiness endpoint), the way it takes ``--model``, and a startupProbe budget
for model loading: 30 minutes for the LLM servers (vLLM, TGI; KServe's vLLM runtime gives ~30 min),
10 minutes for the others. Liveness only starts once the startupProbe passes, so it stays tight
(scaffold-gpu-lint-anchors §2.3, §2.4).

No HorizontalPodAutoscaler: the only metric an HPA can use without extra components is CPU utilization,
which says nothing about a GPU server's load (scaling happens on queue depth or GPU utilization, through
a Prometheus adapter or KEDA that a scaffold cannot assume). An HPA on CPU would scale at random.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_ml.errors import UsageError
from kubectl_ml.scaffold.common import (
    SHM_MOUNT,
    container_security_context,
    default_cpu,
    default_memory,
    env,
    labels,
    metadata,
    pod_security_context,
    resources,
    selector,
    shm_volume,
)
from kubectl_ml.scaffold.placement import Placement, default_placement

CONTAINER = "server"
GRACE_PERIOD = 120  # in-flight requests (LLM streams) finish after the readiness drop
CACHE_MOUNT = "/cache"
LLM_STARTUP_SECONDS = 30 * 60
STARTUP_SECONDS = 10 * 60
STARTUP_PERIOD = 10


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
        model_env: the env var that carries the model instead of args (custom).
        llm: an LLM server (downloads weights into the cache volume).
    """

    name: str
    ports: Sequence[tuple[str, int]]
    liveness: Probe
    readiness: Probe
    startup_seconds: int
    command: Sequence[str] | None
    args: Callable[[str, int], list[str]]
    needs_model: bool = True
    llm: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)


def _model_name(model: str) -> str:
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
            llm=True,
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
            llm=True,
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
                f"--model_name={_model_name(model)}",
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


@dataclass(frozen=True)
class ServingParams:
    """What ``kubectl ml new serving`` was asked for (``model_pvc``: a claim holding the model repository)."""

    name: str
    image: str
    runtime: str
    model: str | None = None
    gpus: int = 1
    replicas: int = 1
    cpu: str | None = None
    memory: str | None = None
    namespace: str | None = None
    model_pvc: str | None = None


# Runtimes that serve a repository of models from a folder, and the folder (their images' and docs'
# convention: Triton's --model-repository=/models, TorchServe's model store, TF Serving's /models/NAME).
# Without --model they serve what is mounted there: the claim of --model-pvc, else an emptyDir.
MODEL_STORES = {"triton": "/models", "torchserve": "/home/model-server/model-store", "tfserving": "/models"}


def default_model(runtime: str, name: str) -> str | None:
    """The ``--model`` a repository runtime takes when none is given, or None (vLLM and TGI need one)."""
    return {"triton": "/models", "torchserve": "all", "tfserving": f"/models/{name}"}.get(runtime)


def serving_notes(params: ServingParams) -> list[str]:
    """What ``new serving`` chose for the user and should say: where the models come from."""
    store = MODEL_STORES.get(params.runtime)
    if store is None or params.model:
        return []
    source = (
        f"the PersistentVolumeClaim {params.model_pvc} (read-only)"
        if params.model_pvc
        else "an emptyDir, empty until models are copied in (pass --model-pvc NAME for a claim that holds them)"
    )
    return [f"no --model: {params.runtime} serves the model repository at {store}, from {source}"]


def _probe(probe: Probe, model: str, *, period: int, failures: int, timeout: int = 5) -> dict[str, Any]:
    check: dict[str, Any] = (
        {"tcpSocket": {"port": probe.port}}
        if probe.path is None
        else {"httpGet": {"path": probe.path.format(model=_model_name(model)), "port": probe.port}}
    )
    return {
        **check,
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
    }


def _container(params: ServingParams, runtime: Runtime, model: str, cpu: str, memory: str) -> dict[str, Any]:
    container: dict[str, Any] = {"name": CONTAINER, "image": params.image}
    if runtime.command:
        container["command"] = list(runtime.command)
    args = runtime.args(model, params.gpus)
    if args:
        container["args"] = args
    container["ports"] = [{"name": name, "containerPort": port} for name, port in runtime.ports]
    variables = env(HOME="/tmp", HF_HOME=f"{CACHE_MOUNT}/huggingface")
    if runtime.name == "custom" and model:
        variables += env(MODEL=model)
    container["env"] = variables
    container["resources"] = resources(cpu, memory, params.gpus)
    container["startupProbe"] = _probe(
        runtime.readiness, model, period=STARTUP_PERIOD, failures=runtime.startup_seconds // STARTUP_PERIOD
    )
    container["readinessProbe"] = _probe(runtime.readiness, model, period=5, failures=3)
    container["livenessProbe"] = _probe(runtime.liveness, model, period=10, failures=3)
    container["volumeMounts"] = [dict(SHM_MOUNT), {"name": "cache", "mountPath": CACHE_MOUNT}]
    if _mounts_store(params):
        mount: dict[str, Any] = {"name": "models", "mountPath": MODEL_STORES[params.runtime]}
        if params.model_pvc:
            mount["readOnly"] = True
        container["volumeMounts"].append(mount)
    container["securityContext"] = container_security_context()
    return container


def _mounts_store(params: ServingParams) -> bool:
    """A model repository volume: without --model for a repository runtime, or whenever --model-pvc names one."""
    return params.runtime in MODEL_STORES and (params.model is None or params.model_pvc is not None)


def _pod_spec(params: ServingParams, runtime: Runtime, model: str, placement: Placement) -> dict[str, Any]:
    cpu = params.cpu or default_cpu(params.gpus)
    memory = params.memory or default_memory(params.gpus)
    spec: dict[str, Any] = {"terminationGracePeriodSeconds": GRACE_PERIOD}
    spec["securityContext"] = pod_security_context()
    spec["containers"] = [_container(params, runtime, model, cpu, memory)]
    spec["volumes"] = [shm_volume(memory), {"name": "cache", "emptyDir": {}}]
    if _mounts_store(params):
        claim = {"persistentVolumeClaim": {"claimName": params.model_pvc, "readOnly": True}}
        spec["volumes"].append({"name": "models", **(claim if params.model_pvc else {"emptyDir": {}})})
    if params.replicas > 1:
        # Spread replicas over nodes, but never leave one Pending for it: GPUs are scarce.
        spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector(params.name, "serving")},
            }
        ]
    if placement.node_selector:
        spec["nodeSelector"] = dict(placement.node_selector)
    if placement.tolerations:
        spec["tolerations"] = [dict(item) for item in placement.tolerations]
    return spec


def build_serving(params: ServingParams, placement: Placement | None = None) -> list[dict[str, Any]]:
    """Deployment, Service and (replicas > 1) PodDisruptionBudget, as dicts ready to serialize."""
    runtime = RUNTIMES.get(params.runtime)
    if runtime is None:
        raise UsageError(f"unknown runtime {params.runtime!r}", f"Use one of: {', '.join(RUNTIMES)}.")
    model = params.model or default_model(runtime.name, params.name)
    if runtime.needs_model and not model:
        raise UsageError(f"--runtime {runtime.name} needs --model", _MODEL_HINTS[runtime.name])
    if params.replicas < 1:
        raise UsageError(f"invalid --replicas {params.replicas}", "Give 1 or more.")
    placement = placement or default_placement(params.gpus)
    model = model or ""
    pods = selector(params.name, "serving")
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(params.name, params.namespace, "serving"),
        "spec": {
            "replicas": params.replicas,
            "selector": {"matchLabels": pods},
            "template": {
                "metadata": {"labels": labels(params.name, "serving")},
                "spec": _pod_spec(params, runtime, model, placement),
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(params.name, params.namespace, "serving"),
        "spec": {
            "selector": dict(pods),
            "ports": [{"name": name, "port": port, "targetPort": name} for name, port in runtime.ports],
        },
    }
    objects: list[dict[str, Any]] = [service, deployment]
    if params.replicas > 1:
        # maxUnavailable, not minAvailable: one replica may go for a node drain, never all at once.
        objects.append(
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": metadata(params.name, params.namespace, "serving"),
                "spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(pods)}},
            }
        )
    return objects


_MODEL_HINTS = {
    "triton": "Give the model repository, e.g. --model s3://bucket/triton-models or --model /models.",
    "vllm": "Give a Hugging Face model id or path, e.g. --model meta-llama/Llama-3.1-8B-Instruct.",
    "tgi": "Give a Hugging Face model id, e.g. --model mistralai/Mistral-7B-Instruct-v0.3.",
    "torchserve": "Give the models to load, e.g. --model resnet=resnet-18.mar or --model all.",
    "tfserving": "Give the model base path, e.g. --model gs://bucket/models/resnet.",
}
