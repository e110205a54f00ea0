"""Serving containers without a readinessProbe.

What: every container of a Deployment, StatefulSet, LeaderWorkerSet or DeploymentConfig that declares a
``containerPort`` but has no ``readinessProbe``. Jobs and training jobs are not checked (their pods
finish), nor DaemonSets (node agents), nor kinds whose operator adds readiness (KServe, KubeRay).

Why it matters: without a readinessProbe a pod is ready as soon as its process starts, so a Service
sends it requests while the model is still loading (minutes for an LLM), and a rollout removes the old
pods before the new ones can answer.

Remedy: add a ``readinessProbe`` on the server's readiness endpoint (Triton ``/v2/health/ready``, vLLM and
TGI ``/health``, TorchServe ``/ping``, TF Serving ``/v1/models/NAME``).
"""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_ml.gpu._common import build
from kubectl_ml.lint._common import containers, serves, serves_traffic
from kubectl_ml.model.findings import Evidence, Finding
from kubectl_ml.model.subjects import Subject


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``probes-missing`` per serving container without a readinessProbe."""
    if not serves_traffic(subject):
        return
    for container in containers(subject, init=False):
        if not serves(container.body) or container.body.get("readinessProbe"):
            continue
        ports = [port.get("containerPort") for port in container.body.get("ports") or [] if isinstance(port, dict)]
        yield build(
            "probes-missing",
            subject.ref,
            f"{subject.noun}, container {container.name} serves on port {ports[0]} without a readinessProbe: "
            "it gets traffic before it can answer.",
            container=container.name,
            evidence=[Evidence("spec", container.path(subject, "ports"), container.body.get("ports"))],
        )
