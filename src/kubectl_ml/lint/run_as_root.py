"""Containers that run, or may run, as root.

What: every container whose effective ``runAsUser`` (the container's, else the pod's) is 0, or that has
neither an effective ``runAsNonRoot: true`` nor a non-zero ``runAsUser``, so the image's user decides.
A warning: many GPU images (CUDA bases, Triton, vLLM) run as root unless told otherwise.

Why it matters: a root process in a container is root on the node if it escapes, can write everywhere in
the image, and often holds the GPU device files and a mounted dataset; PodSecurity ``restricted`` rejects
such pods, so the workload fails at admission in namespaces that enforce it.

Remedy: set ``securityContext.runAsNonRoot: true`` on the pod, and a non-zero ``runAsUser`` (and
``fsGroup`` for mounted volumes) when the image's user is root or not numeric.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.gpu._common import build
from kubectl_ml.lint._common import containers
from kubectl_ml.model.findings import Evidence, Finding
from kubectl_ml.model.subjects import Subject


def _context(body: Mapping[str, Any]) -> Mapping[str, Any]:
    context = body.get("securityContext")
    return context if isinstance(context, Mapping) else {}


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``run-as-root`` per container that runs as root or is not kept from it."""
    if subject.partial:
        return  # the runtime's template holds the security context
    pod = _context(subject.spec)
    for container in containers(subject):
        own = _context(container.body)
        user_path = container.path(subject, "securityContext.runAsUser")
        user = own.get("runAsUser")
        if user is None:
            user, user_path = pod.get("runAsUser"), subject.path("spec.securityContext.runAsUser")
        non_root = own.get("runAsNonRoot", pod.get("runAsNonRoot"))
        if user == 0:
            summary = "runs as root (runAsUser: 0)"
            evidence = Evidence("spec", user_path, 0)
        elif non_root is True or (isinstance(user, int) and user > 0):
            continue
        else:
            summary = "may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set"
            if own or not pod:
                path = container.path(subject, "securityContext")
            else:
                path = subject.path("spec.securityContext")
            evidence = Evidence("spec", path, dict(own or pod) or None)
        yield build(
            "run-as-root",
            subject.ref,
            f"{subject.noun}, container {container.name} {summary}.",
            container=container.name,
            evidence=[evidence],
            patch=subject.patch({"securityContext": {"runAsNonRoot": True}}) if user != 0 else None,
        )
