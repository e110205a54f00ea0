"""A model server (``kubectl ml new serving``): Deployment + Service, and a PodDisruptionBudget for replicas > 1.

Each runtime preset (``scaffold/runtimes.py``) carries its ports, its liveness and readiness endpoints
(different ones where the runtime has a model-aware readiness endpoint), the way it takes ``--model``,
and a startupProbe budget for model loading. Liveness only starts once the startupProbe passes, so it
stays tight (scaffold-gpu-lint-anchors §2.3, §2.4).

No HorizontalPodAutoscaler: the only metric an HPA can use without extra components is CPU utilization,
which says nothing about a GPU server's load (scaling happens on queue depth or GPU utilization, through
a Prometheus adapter or KEDA that a scaffold cannot assume). An HPA on CPU would scale at random.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from kubectl_ml.scaffold.runtimes import RUNTIMES, STARTUP_PERIOD, Probe, Runtime, model_name

CONTAINER = "server"
GRACE_PERIOD = 120  # in-flight requests (LLM streams) finish after the readiness drop
CACHE_MOUNT = "/cache"


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
        else {"httpGet": {"path": probe.path.format(model=model_name(model)), "port": probe.port}}
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
