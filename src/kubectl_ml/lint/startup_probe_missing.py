"""Model servers with a livenessProbe and no startupProbe.

What: every container that is a model server (``model_servers``: vLLM, TGI, Triton, TorchServe, TF
Serving, SGLang, NIM, JetStream, llama.cpp, Ollama, ... by image or command, their multi-node workers
included; or a GPU container that serves on a port outside a Job) and has a ``livenessProbe`` but no
``startupProbe``, unless the liveness probe's own budget already covers loading: the time it allows
before the first kill, ``initialDelaySeconds + periodSeconds x failureThreshold`` (defaults 0, 10 and 3),
is at least the 10 minutes the patch's startupProbe gives (``scaffold.serving.STARTUP_SECONDS``). The
summary shows that time.

Why it matters: loading a model takes minutes (downloading weights, compiling CUDA graphs); the
liveness probe starts at once and the kubelet kills the container before it can answer, so it restarts
forever (``liveness-probe-restarts`` in ``kubectl ml doctor``). A liveness probe that already waits that
long (a long ``initialDelaySeconds``, or a ``failureThreshold`` that slow) does not kill it while it loads:
it is not flagged, though a startupProbe would let the liveness probe stay tight. Other linters do not
check this.

Remedy: add a ``startupProbe`` on the same endpoint whose budget (``periodSeconds x failureThreshold``)
covers model loading, at least 10 minutes for LLMs; the liveness probe starts after it succeeds. The
patch copies the liveness handler with a 10-minute budget.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.gpu._common import build
from kubectl_ml.lint import model_servers
from kubectl_ml.lint._common import containers, gpu_resources, runs_to_completion, serves
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.subjects import Subject
from kubectl_ml.scaffold.runtimes import STARTUP_PERIOD, STARTUP_SECONDS

CODES = declare(
    CodeInfo(
        "startup-probe-missing",
        "lint",
        Severity.WARNING,
        "model server with livenessProbe, no startupProbe",
        "A model server has a livenessProbe but no startupProbe: the kubelet kills it while the model "
        "is still loading, and it restarts forever.",
        "Add a startupProbe on the same endpoint whose budget (periodSeconds x failureThreshold) covers "
        "model loading, at least 10 minutes for LLMs.",
        docs="https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-startup-probes",
    ),
)


_HANDLERS = ("httpGet", "tcpSocket", "grpc", "exec")


def _number(probe: Mapping[str, Any], key: str, default: int) -> int:
    value = probe.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        return default
    # The API defaults a period or threshold of 0 (unset in Go) to 10 s and 3; only a delay may be 0.
    return value if value > 0 or key == "initialDelaySeconds" else default


def liveness_budget(probe: Mapping[str, Any]) -> int:
    """Seconds from start until a never-answering container is killed."""
    return _number(probe, "initialDelaySeconds", 0) + _number(probe, "periodSeconds", 10) * _number(
        probe, "failureThreshold", 3
    )


def model_server(subject: Subject, container: Mapping[str, Any]) -> str | None:
    """What it is, for the summary (``runs vLLM``), when it is a model server; else None.

    A known server (or one of its workers) by image or command, or a GPU container that serves on a port
    outside a Job.
    """
    match = model_servers.detect(container)
    if match is not None:
        return f"runs {match.server.name}" if match.serving else f"is a {match.server.name} worker"
    if not runs_to_completion(subject) and serves(container) and bool(gpu_resources(container)):
        return "is a GPU container serving on a port (a model server)"
    return None


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``startup-probe-missing`` per model-server container with liveness and no startup probe."""
    for container in containers(subject, init=False):
        liveness = container.body.get("livenessProbe")
        if not isinstance(liveness, Mapping) or container.body.get("startupProbe"):
            continue
        what = model_server(subject, container.body)
        budget = liveness_budget(liveness)
        if what is None or budget >= STARTUP_SECONDS:
            continue  # no model server, or its liveness probe already waits as long as a startupProbe would
        handler = {key: liveness[key] for key in _HANDLERS if key in liveness}
        startup = {**handler, "periodSeconds": STARTUP_PERIOD, "failureThreshold": STARTUP_SECONDS // STARTUP_PERIOD}
        yield build(
            "startup-probe-missing",
            subject.ref,
            f"{subject.noun}, container {container.name} {what} with a livenessProbe and no startupProbe: it "
            f"is killed if the model has not loaded within {budget} s.",
            container=container.name,
            evidence=[Evidence("spec", container.path(subject, "livenessProbe"), dict(liveness))],
            patch=subject.patch({"containers": [{"name": container.name, "startupProbe": startup}]}),
        )
