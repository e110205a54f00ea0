"""What every scaffold shares: the pinned-image check, labels, resources, /dev/shm and the security context."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from kubectl_ml.errors import UsageError
from kubectl_ml.model.quantity import format_memory, try_parse_quantity

GPU_RESOURCE = "nvidia.com/gpu"
# The user the pods run as. Most ML images (PyTorch, vLLM, TGI, TF Serving) have no USER and run as root;
# kubelet refuses ``runAsNonRoot`` without a numeric user for them, so give one, and point HOME and the
# caches at writable paths (reference: scaffold-gpu-lint-anchors §2.4 "runAsNonRoot with ML images").
RUN_AS_USER = 1000
# An RFC 1035 label: what Services are named with, and what the operators require of their objects' names.
_DNS_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
DNS_LABEL_LENGTH = 63


def check_pinned_image(image: str) -> str:
    """Return ``image`` when it names a pinned tag or a digest; raise UsageError (exit 2) for ``:latest`` or none.

    A registry port (``registry:5000/team/img``) is not a tag: only a colon in the last path segment is.
    """
    if "@" in image:
        return image
    last = image.rsplit("/", 1)[-1]
    name, _, tag = last.partition(":")
    if not image or not name:
        raise UsageError(f"invalid image {image!r}", "Give an image such as vllm/vllm-openai:v0.11.0.")
    if not tag or tag == "latest":
        shown = f"{image.rsplit(':', 1)[0] if tag else image}"
        raise UsageError(
            f"image {image!r} {'uses :latest' if tag else 'has no tag (that means :latest)'}, which moves: "
            "pods of one workload could run different code",
            f"Pin a version or a digest, e.g. --image {shown}:<version> or --image {shown}@sha256:<digest>.",
        )
    return image


def check_dns_label(name: str, kind: str, max_length: int = DNS_LABEL_LENGTH, why: str = "") -> None:
    """Raise UsageError (exit 2) unless ``name`` is an RFC 1035 label of at most ``max_length`` characters.

    Args:
        name: the object's name.
        kind: the kind it names, for the message (``PyTorchJob``).
        max_length: the longest name that works (shorter than 63 when other names are derived from it).
        why: what makes ``max_length`` shorter than 63, for the message.
    """
    if not _DNS_LABEL.fullmatch(name):
        raise UsageError(
            f"invalid name {name!r} for a {kind}",
            "Use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit.",
        )
    if len(name) > max_length:
        reason = f": {why}" if why else ""
        raise UsageError(
            f"name {name!r} is too long for a {kind} ({len(name)} characters{reason})",
            f"Use a name of at most {max_length} characters.",
        )


def selector(name: str, component: str) -> dict[str, str]:
    """The labels that select one scaffold's pods (a Deployment's selector cannot change later: keep it small)."""
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component}


def labels(name: str, component: str) -> dict[str, str]:
    """The recommended labels (app.kubernetes.io/*) of every object of one scaffold."""
    return {**selector(name, component), "app.kubernetes.io/managed-by": "kubectl-ml"}


def metadata(name: str, namespace: str | None, component: str) -> dict[str, Any]:
    """``metadata`` with the namespace only when one was given (else ``kubectl apply -n`` decides)."""
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta["labels"] = labels(name, component)
    return meta


def _quantity(value: str, flag: str) -> Fraction:
    parsed = try_parse_quantity(value)
    if parsed is None or parsed <= 0:
        raise UsageError(f"invalid {flag} {value!r}", f"Use a Kubernetes quantity, e.g. {flag} 4 or {flag} 16Gi.")
    return parsed


def default_cpu(gpus: int) -> str:
    """4 cores per GPU (data loading and tokenization feed the GPU), 2 without one."""
    return str(4 * gpus) if gpus else "2"


def default_memory(gpus: int) -> str:
    """16Gi per GPU, 8Gi without one."""
    return f"{16 * gpus}Gi" if gpus else "8Gi"


def resources(cpu: str, memory: str, gpus: int) -> dict[str, Any]:
    """Requests and limits for one container.

    Memory limit = request (no OOM kill under node pressure), no CPU limit (CFS throttling slows data
    loaders and NCCL), GPUs as an integer limit only (the API defaults the request to it).
    """
    _quantity(cpu, "--cpu")
    _quantity(memory, "--memory")
    if gpus < 0:
        raise UsageError(f"invalid --gpus {gpus}", "Give a whole number of GPUs, 0 or more.")
    limits: dict[str, Any] = {"memory": memory}
    if gpus:
        limits[GPU_RESOURCE] = gpus
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": limits}


def shm_volume(memory: str) -> dict[str, Any]:
    """A memory-backed /dev/shm (the default is 64Mi) sized to half the memory limit, which it counts against."""
    size = _quantity(memory, "--memory") / 2
    return {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": format_memory(size)}}


SHM_MOUNT = {"name": "dshm", "mountPath": "/dev/shm"}


def pod_security_context() -> dict[str, Any]:
    """Non-root with a numeric user (images without USER run), group-writable volumes, default seccomp."""
    return {
        "runAsNonRoot": True,
        "runAsUser": RUN_AS_USER,
        "runAsGroup": RUN_AS_USER,
        "fsGroup": RUN_AS_USER,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> dict[str, Any]:
    """No privilege escalation, no capabilities. The root filesystem stays writable: ML libraries write caches."""
    return {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def env(**values: str) -> list[dict[str, Any]]:
    """``env`` entries from keyword arguments, in order."""
    return [{"name": key, "value": value} for key, value in values.items()]
