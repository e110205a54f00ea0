"""Containers that run, or may run, as root.

What: every container whose effective ``runAsUser`` (the container's, else the pod's) is 0, or that has
neither an effective ``runAsNonRoot: true`` nor a non-zero ``runAsUser``, so the image's user decides.
A warning: many GPU images (CUDA bases, Triton, vLLM) run as root unless told otherwise.

Not reported: GPU node agents, which must run as root to reach the node's devices and the kubelet's
sockets: a DaemonSet's (or a DaemonSet pod's) container that is privileged, mounts a hostPath under
``/dev``, ``/var/lib/kubelet`` (device-plugins, pod-resources), ``/run/nvidia``, ``/sys``, ``/proc`` or
the containerd configuration, or runs a node agent's image (NVIDIA device plugin, GPU feature discovery,
DCGM exporter, the GPU Operator's driver, container toolkit, validator, MIG manager; NFD; HAMi's and
other vendors' device plugins; ``model.accelerators``); every container of such a pod, or of a DaemonSet
pod in the host's PID namespace (its pause or config sidecar shares the pod's security context); the GPU
Operator's templates and validation pods (images ``FILLED BY THE OPERATOR``, service account
``nvidia-operator-validator``); init containers that ``chown``/``chmod`` a volume (the non-root way
is ``fsGroup``); and Windows pods (``spec.os.name`` or the ``kubernetes.io/os`` selector: no uid there).

Why it matters: a root process in a container is root on the node if it escapes, can write everywhere in
the image, and often holds the GPU device files and a mounted dataset; PodSecurity ``restricted`` rejects
such pods, so the workload fails at admission in namespaces that enforce it.

Remedy: set ``runAsNonRoot: true`` together with a non-zero ``runAsUser`` and ``runAsGroup``: with
``runAsNonRoot`` alone the kubelet refuses to start an image whose user is root (``container has
runAsNonRoot and image will run as root``), which is the case of vLLM, TGI, Triton, Ollama,
``nvidia/cuda`` and ``pytorch/pytorch``, or not numeric (BentoML's ``bentoml``). The patch sets user and
group 1000 (and ``fsGroup`` when the pod mounts claims); that user must be able to read the image's files
and write its caches: set ``HOME`` and ``HF_HOME`` to a writable volume, since these images keep their
caches under ``/root``. Images with a non-root user of their own (nginx-unprivileged, UBI, Bitnami, Ray,
KServe) get ``runAsNonRoot: true`` alone: another uid would not own their writable folders.
An explicit ``runAsUser: 0`` gets no patch: it was chosen, and the image must be made to work as another
user first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.gpu._common import build
from kubectl_ml.lint._common import ContainerSpec, containers, image_repository
from kubectl_ml.model.accelerators import is_gpu_node_agent_image
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.subjects import Subject

CODES = declare(
    CodeInfo(
        "run-as-root",
        "lint",
        Severity.WARNING,
        "container may run as root",
        "A container runs as user 0, or nothing (runAsNonRoot or a non-zero runAsUser) keeps it from running as root.",
        "Set securityContext.runAsNonRoot: true with a non-zero runAsUser and runAsGroup (the kubelet "
        "refuses runAsNonRoot alone when the image's user is root or not numeric).",
        docs="https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
        variants={
            "root-on-purpose": (
                "runAsUser: 0 is set on purpose, so no patch: make the image work as another user first, then "
                "set runAsNonRoot: true with runAsUser and runAsGroup (e.g. {uid})."
            ),
            "own-user": (
                "Set runAsNonRoot: true: {image} runs as a non-root user of its own, and the kubelet then "
                "refuses to start it should that ever change; keep the image's uid."
            ),
            "root-image": (
                "Set runAsNonRoot: true with runAsUser and runAsGroup {uid} ({image} has no USER (root), so "
                "runAsNonRoot: true alone would make the kubelet refuse to start it). User {uid} must be able "
                "to read the image's files and write its caches: set HOME and HF_HOME to a writable volume "
                "(this image keeps them under /root); if the image has a non-root user of its own, use its uid "
                "({inspect})."
            ),
            "any-image": (
                "Set runAsNonRoot: true with runAsUser and runAsGroup {uid} (runAsNonRoot: true alone makes the"
                " kubelet refuse an image whose user is root or not numeric). User {uid} must be able to read "
                "the image's files and write its caches: set HOME (and HF_HOME for Hugging Face caches) to a "
                "writable volume; if the image has a non-root user of its own, use its uid ({inspect})."
            ),
        },
    ),
)


# The uid and gid the patch gives: the first non-system user of most base images.
NON_ROOT_ID = 1000
# Images that run as root (no USER in their Dockerfile): the model servers and the CUDA and PyTorch bases.
_ROOT_IMAGES = re.compile(
    r"vllm/vllm-openai|text-generation-inference|text-embeddings-inference|tritonserver|ollama/ollama"
    r"|(^|/)nvidia/cuda$|nvcr\.io/nvidia/(cuda|pytorch|tensorflow)$|(^|/)pytorch/pytorch$|lmsysorg/sglang"
    r"|tensorflow/serving"
)
# Host paths that only a node agent mounts: devices, the kubelet's sockets, the NVIDIA driver root, the
# kernel's interfaces, the container runtime's configuration.
_AGENT_HOST_PATHS = (
    "/dev",
    "/var/lib/kubelet",
    "/run/nvidia",
    "/var/run/nvidia",
    "/sys",
    "/proc",
    "/etc/containerd",
    "/run/containerd",
    "/var/run/containerd",
    "/usr/local/nvidia",
    "/lib/modules",
)


def _context(body: Mapping[str, Any]) -> Mapping[str, Any]:
    context = body.get("securityContext")
    return context if isinstance(context, Mapping) else {}


def _daemon_set(subject: Subject) -> bool:
    if subject.ref.kind == "DaemonSet":
        return True
    owners = (subject.pod.get("metadata") or {}).get("ownerReferences") or []
    return any(isinstance(owner, Mapping) and owner.get("kind") == "DaemonSet" for owner in owners)


def _host_paths(subject: Subject, container: ContainerSpec) -> list[str]:
    """The hostPath paths the container mounts."""
    volumes = {
        str(volume.get("name")): str((volume.get("hostPath") or {}).get("path", ""))
        for volume in subject.spec.get("volumes") or []
        if isinstance(volume, Mapping) and isinstance(volume.get("hostPath"), Mapping)
    }
    mounts = container.body.get("volumeMounts") or []
    return [volumes[str(m.get("name"))] for m in mounts if isinstance(m, Mapping) and str(m.get("name")) in volumes]


def is_privileged(container: Mapping[str, Any]) -> bool:
    """``securityContext.privileged: true``: the container sees every device of the node."""
    return _context(container).get("privileged") is True


def _agent_container(subject: Subject, container: ContainerSpec) -> bool:
    if is_privileged(container.body):
        return True
    image = container.body.get("image")
    if isinstance(image, str) and is_gpu_node_agent_image(image):
        return True
    return any(
        path == "/" or any(path == root or path.startswith(root + "/") for root in _AGENT_HOST_PATHS)
        for path in _host_paths(subject, container)
    )


def is_node_agent(subject: Subject, container: ContainerSpec) -> bool:
    """True for a node agent's container: a DaemonSet's, privileged, on host devices, or a GPU agent's image.

    One such container makes the whole pod an agent (a pause or config container beside a privileged
    installer shares its pod-level security context: the patch would reach the installer too), as does a
    pod in the host's PID namespace.
    """
    if not _daemon_set(subject):
        return False
    if _agent_container(subject, container) or subject.spec.get("hostPID") is True:
        return True
    return any(_agent_container(subject, sibling) for sibling in containers(subject))


# The GPU Operator fills these images in and runs its validators with this service account: its templates
# and validation pods are the operator's to configure, not the user's.
_OPERATOR_PLACEHOLDER = re.compile(r"^FILLED[ _]BY", re.IGNORECASE)
_OPERATOR_ACCOUNTS = frozenset({"nvidia-operator-validator"})
# Init containers that fix a volume's ownership must run as root; fsGroup is the non-root way to do it.
_OWNERSHIP_COMMANDS = frozenset({"chown", "chmod", "chgrp"})
# Images whose own USER is a non-root uid, numeric (their Dockerfiles): declaring runAsNonRoot is all
# they need, and another uid would break their file ownership (nginx-unprivileged is 101, UBI's python
# 1001, Bitnami 1001, Ray and KServe 1000). A named USER (TorchServe's model-server) is not here: the
# kubelet cannot verify a name and refuses runAsNonRoot without a runAsUser.
_NON_ROOT_IMAGES = re.compile(
    r"nginx-unprivileged|(^|/)ubi\d*/|registry\.access\.redhat\.com/ubi|(^|/)bitnami/|(^|/)rayproject/ray"
    r"|(^|/)kserve/"
)


def _operator_managed(subject: Subject) -> bool:
    if str(subject.spec.get("serviceAccountName") or "") in _OPERATOR_ACCOUNTS:
        return True
    return any(
        isinstance(item.body.get("image"), str) and _OPERATOR_PLACEHOLDER.match(item.body["image"].strip())
        for item in containers(subject)
    )


def _windows(subject: Subject) -> bool:
    os_name = (subject.spec.get("os") or {}).get("name") if isinstance(subject.spec.get("os"), Mapping) else None
    selector = subject.spec.get("nodeSelector")
    selected = selector.get("kubernetes.io/os") if isinstance(selector, Mapping) else None
    return "windows" in (os_name, selected)


def _fixes_ownership(container: ContainerSpec) -> bool:
    words = [*(container.body.get("command") or []), *(container.body.get("args") or [])]
    text = " ".join(str(word) for word in words)
    return container.key == "initContainers" and any(
        re.search(rf"(^|[\s;&|/]){command}\s", text) for command in _OWNERSHIP_COMMANDS
    )


def has_own_non_root_user(image: str) -> bool:
    """True for images known to run as a non-root USER of their own (nginx-unprivileged, UBI, Ray, KServe)."""
    return bool(_NON_ROOT_IMAGES.search(image_repository(image).lower()))


def runs_as_root_by_default(image: str) -> bool:
    """True for images known to have no USER (root): vLLM, TGI, Triton, Ollama, CUDA and PyTorch bases."""
    return bool(_ROOT_IMAGES.search(image_repository(image).lower()))


def _mounts_claims(subject: Subject) -> bool:
    return any(
        isinstance(volume, Mapping) and ("persistentVolumeClaim" in volume or "ephemeral" in volume)
        for volume in subject.spec.get("volumes") or []
    )


def _patch(subject: Subject, container: ContainerSpec, own: Mapping[str, Any]) -> dict[str, Any] | None:
    ids = {"runAsNonRoot": True, "runAsUser": NON_ROOT_ID, "runAsGroup": NON_ROOT_ID}
    if "runAsNonRoot" in own or "runAsUser" in own:
        # The container's own settings override the pod's: the fix goes where the problem is.
        return subject.patch({container.key: [{"name": container.name, "securityContext": ids}]})
    pod: dict[str, Any] = dict(ids)
    if _mounts_claims(subject):
        pod["fsGroup"] = NON_ROOT_ID
    return subject.patch({"securityContext": pod})


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``run-as-root`` per container that runs as root or is not kept from it."""
    if subject.partial or _operator_managed(subject) or _windows(subject):
        # The runtime's template holds the security context; the GPU Operator's pods are its own; a Windows
        # pod has no uid (runAsUser is refused there: windowsOptions.runAsUserName is its way).
        return
    pod = _context(subject.spec)
    for container in containers(subject):
        if is_node_agent(subject, container) or _fixes_ownership(container):
            continue  # device plugins, DCGM exporter, the Operator's operands, a chown init: root is their job
        own = _context(container.body)
        user_path = container.path(subject, "securityContext.runAsUser")
        user = own.get("runAsUser")
        if user is None:
            user, user_path = pod.get("runAsUser"), subject.path("spec.securityContext.runAsUser")
        non_root = own.get("runAsNonRoot", pod.get("runAsNonRoot"))
        image = container.body.get("image")
        root_image = isinstance(image, str) and runs_as_root_by_default(image)
        if user == 0:
            summary = "runs as root (runAsUser: 0)"
            evidence = Evidence("spec", user_path, 0)
        elif non_root is True or (isinstance(user, int) and user > 0):
            continue
        elif isinstance(image, str) and has_own_non_root_user(image):
            summary = (
                f"runs as {image_repository(image)}'s own non-root user, but nothing in the spec keeps it so "
                "(runAsNonRoot is not set; PodSecurity restricted rejects the pod)"
            )
            where = "securityContext"
            path = container.path(subject, where) if own or not pod else subject.path(f"spec.{where}")
            evidence = Evidence("spec", path, dict(own or pod) or None)
        else:
            summary = "may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set"
            if root_image:
                summary += f", and {image_repository(str(image))} runs as root by default"
            if own or not pod:
                path = container.path(subject, "securityContext")
            else:
                path = subject.path("spec.securityContext")
            evidence = Evidence("spec", path, dict(own or pod) or None)
        if user == 0:
            patch = None
            fix = "root-on-purpose"
        elif isinstance(image, str) and has_own_non_root_user(image):
            # Its own USER is not root: declaring runAsNonRoot makes the kubelet enforce it; a uid of ours
            # would not own the image's writable folders.
            patch = subject.patch({"securityContext": {"runAsNonRoot": True}})
            fix = "own-user"
        else:
            patch = _patch(subject, container, own)
            fix = "root-image" if root_image else "any-image"
        own_user = user != 0 and isinstance(image, str) and has_own_non_root_user(image)
        yield build(
            "run-as-root",
            subject.ref,
            f"{subject.noun}, container {container.name} {summary}.",
            container=container.name,
            evidence=[evidence],
            fix=fix,
            values={
                "uid": NON_ROOT_ID,
                "image": image_repository(str(image)),
                "inspect": "docker inspect -f '{{.Config.User}}' IMAGE",
            },
            patch=patch,
            severity=Severity.INFO if own_user else None,
        )
