"""Serving pods without a readinessProbe.

What: once per pod template of a Deployment, StatefulSet, LeaderWorkerSet or DeploymentConfig whose
readiness nothing gates:

* when a container runs a model server (``model_servers``, by image or command: vLLM, TGI, Triton,
  TorchServe, TF Serving, SGLang, NIM, JetStream, llama.cpp, Ollama, ...), declared ``containerPort`` or
  not (most vLLM and TGI Deployments behind a Service declare none) and no server container has a
  ``readinessProbe``: the finding names the first server, and the patch adds a probe on its readiness
  endpoint when the server's endpoint and port are known. A sidecar's readinessProbe does not gate the
  model. A server's multi-node worker (``ray start``, a later ``--node-rank``) answers no requests and is
  not checked;
* otherwise, when a container declares a ``containerPort`` and no container of the pod has a
  ``readinessProbe`` (a sidecar that serves beside a main container that gates readiness is left alone).

Jobs and training jobs are not checked (their pods finish), nor DaemonSets (node agents), nor kinds whose
operator adds readiness (KServe, KubeRay). A GPU container of unknown image without a port may be a queue
worker rather than a server: it is not checked.

Why it matters: without a readinessProbe a pod is ready as soon as its process starts, so a Service
sends it requests while the model is still loading (minutes for an LLM), and a rollout removes the old
pods before the new ones can answer.

Remedy: add a ``readinessProbe`` on the server's readiness endpoint (Triton ``/v2/health/ready``, vLLM
``/v1/models``, TGI ``/health``, TorchServe ``/ping``, TF Serving ``/v1/models/NAME``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.gpu._common import build
from kubectl_ml.lint import model_servers
from kubectl_ml.lint._common import ContainerSpec, containers, serves, serves_traffic
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.subjects import Subject

CODES = declare(
    CodeInfo(
        "probes-missing",
        "lint",
        Severity.WARNING,
        "serving container without readinessProbe",
        "A Deployment or StatefulSet container that serves on a port has no readinessProbe, so it gets "
        "traffic before the model is loaded, and during rollouts.",
        "Add a readinessProbe on the server's readiness endpoint (e.g. /health, /v2/health/ready).",
        docs="https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
        variants={
            "server-endpoint": "Add a readinessProbe on {server}'s readiness endpoint: GET {path} on port {port}.",
        },
    ),
)


def _ports(container: Mapping[str, Any]) -> list[Any]:
    return [port.get("containerPort") for port in container.get("ports") or [] if isinstance(port, Mapping)]


def _server_finding(
    subject: Subject, container: ContainerSpec, match: model_servers.Match
) -> Finding:  # one finding, on the first model server of the pod
    path = match.readiness_path
    where = f" on port {match.port}" if match.port else ""
    summary = (
        f"{subject.noun}, container {container.name} runs {match.server.name} ({match.by}){where} without a "
        "readinessProbe: it gets traffic before the model is loaded."
    )
    fix = None
    patch = None
    if path is not None and match.port is not None:
        probe = {"httpGet": {"path": path, "port": match.port}, "periodSeconds": 5, "failureThreshold": 3}
        fix = "server-endpoint"
        patch = subject.patch({"containers": [{"name": container.name, "readinessProbe": probe}]})
    inner = "ports" if container.body.get("ports") else "image"
    value = container.body.get(inner)
    return build(
        "probes-missing",
        subject.ref,
        summary,
        container=container.name,
        evidence=[Evidence("spec", container.path(subject, inner), value)],
        fix=fix,
        values={"server": match.server.name, "path": path, "port": match.port},
        patch=patch,
    )


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``probes-missing`` once per serving pod template whose readiness nothing gates."""
    if not serves_traffic(subject):
        return
    app = list(containers(subject, init=False))
    servers = [
        (container, match)
        for container in app
        for match in [model_servers.detect(container.body)]
        if match is not None and match.serving
    ]
    if servers:
        if not any(container.body.get("readinessProbe") for container, _ in servers):
            yield _server_finding(subject, *servers[0])
        return
    if any(container.body.get("readinessProbe") for container in app):
        return  # the main container gates readiness; a sidecar's port needs no probe of its own
    for container in app:
        if serves(container.body):
            port = next(port for port in _ports(container.body) if port)
            yield build(
                "probes-missing",
                subject.ref,
                f"{subject.noun}, container {container.name} serves on port {port} without a "
                "readinessProbe: it gets traffic before it can answer.",
                container=container.name,
                evidence=[Evidence("spec", container.path(subject, "ports"), container.body.get("ports"))],
            )
            return
