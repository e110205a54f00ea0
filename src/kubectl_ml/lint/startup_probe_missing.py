"""Model servers with a livenessProbe and no startupProbe.

What: every container that is a model server (the image of a known runtime: Triton, vLLM, TGI,
TorchServe, TF Serving; or a GPU container that serves on a port outside a Job) and has a
``livenessProbe`` but no ``startupProbe``. The summary shows the time the liveness probe allows before
the first kill: ``initialDelaySeconds + periodSeconds x failureThreshold`` (defaults 0, 10 and 3).

Why it matters: loading a model takes minutes (downloading weights, compiling CUDA graphs); the
liveness probe starts at once and the kubelet kills the container before it can answer, so it restarts
forever (``liveness-probe-restarts`` in ``kubectl ml doctor``). A long ``initialDelaySeconds`` instead
delays detection of a real hang for the pod's whole life. Other linters do not check this.

Remedy: add a ``startupProbe`` on the same endpoint whose budget (``periodSeconds x failureThreshold``)
covers model loading, at least 10 minutes for LLMs; the liveness probe starts after it succeeds. The
patch copies the liveness handler with a 10-minute budget.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.gpu._common import build
from kubectl_ml.lint._common import containers, gpu_resources, is_model_server_image, runs_to_completion, serves
from kubectl_ml.model.findings import Evidence, Finding
from kubectl_ml.model.subjects import Subject

_HANDLERS = ("httpGet", "tcpSocket", "grpc", "exec")


def _number(probe: Mapping[str, Any], key: str, default: int) -> int:
    value = probe.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def liveness_budget(probe: Mapping[str, Any]) -> int:
    """Seconds from start until a never-answering container is killed."""
    return _number(probe, "initialDelaySeconds", 0) + _number(probe, "periodSeconds", 10) * _number(
        probe, "failureThreshold", 3
    )


def is_model_server(subject: Subject, container: Mapping[str, Any]) -> bool:
    """A known serving image, or a GPU container that serves on a port outside a Job."""
    image = container.get("image")
    if isinstance(image, str) and is_model_server_image(image):
        return True
    return not runs_to_completion(subject) and serves(container) and bool(gpu_resources(container))


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``startup-probe-missing`` per model-server container with liveness and no startup probe."""
    for container in containers(subject, init=False):
        liveness = container.body.get("livenessProbe")
        if not isinstance(liveness, Mapping) or container.body.get("startupProbe"):
            continue
        if not is_model_server(subject, container.body):
            continue
        handler = {key: liveness[key] for key in _HANDLERS if key in liveness}
        startup = {**handler, "periodSeconds": 10, "failureThreshold": 60}
        yield build(
            "startup-probe-missing",
            subject.ref,
            f"{subject.noun}, container {container.name} is a model server with a livenessProbe and no "
            f"startupProbe: it is killed if the model has not loaded within {liveness_budget(liveness)} s.",
            container=container.name,
            evidence=[Evidence("spec", container.path(subject, "livenessProbe"), dict(liveness))],
            patch=subject.patch({"containers": [{"name": container.name, "startupProbe": startup}]}),
        )
