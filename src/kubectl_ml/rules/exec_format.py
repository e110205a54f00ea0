"""An image built for another CPU architecture: ``exec format error``.

What: the kernel refused to run the image's binaries. The text is only in the container's log
(``exec /bin/sh: exec format error``; older runc ``standard_init_linux.go:228: exec user process
caused: exec format error``); the status just says ``Error`` and the pod crash-loops.

Why it matters: common on arm64 GPU nodes (GH200/GB200, Graviton) running an amd64-only image.

Remedy: build a multi-arch image (``docker buildx --platform linux/amd64,linux/arm64``), or pin the pod
to nodes of the image's architecture with a ``kubernetes.io/arch`` nodeSelector.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import ContainerView, containers
from kubectl_ml.rules._common import find_line, finding, log_evidence, status_evidence

NEEDS = (
    Need("logs"),
    # The node's architecture, against the image's, only when the log shows the mismatch.
    Need("node", when_log_contains="exec format error"),
)

CODES = declare(
    CodeInfo(
        "exec-format-error",
        "start",
        Severity.ERROR,
        "image built for another CPU",
        "The image's binaries are for another CPU architecture than the node's (e.g. an amd64 image on an arm64 node).",
        "Build a multi-arch image, or pin the pod to "
        "nodes of the image's architecture with a kubernetes.io/arch nodeSelector.",
        docs="https://kubernetes.io/docs/reference/labels-annotations-taints/#kubernetes-io-arch",
        variants={
            "build-for-node": (
                "Build {image} for {platform} too (docker buildx build --platform {platforms}), or pin the pod "
                "to nodes of the image's architecture with a kubernetes.io/arch nodeSelector."
            ),
            "build-for-node-script": (
                "Build {image} for {platform} too (docker buildx build --platform {platforms}), or pin the pod "
                "to nodes of the image's architecture with a kubernetes.io/arch nodeSelector. If {path} is a "
                "script, check that its first line is a #! interpreter line."
            ),
            "build-for-all": (
                "Build {image} for every CPU architecture of your nodes (docker buildx build --platform "
                "{platforms}), or pin the pod to nodes of the image's architecture with a kubernetes.io/arch "
                "nodeSelector."
            ),
            "build-for-all-script": (
                "Build {image} for every CPU architecture of your nodes (docker buildx build --platform "
                "{platforms}), or pin the pod to nodes of the image's architecture with a kubernetes.io/arch "
                "nodeSelector. If {path} is a script, check that its first line is a #! interpreter line."
            ),
        },
    ),
)


_NEEDLE = ("exec format error",)
# `exec /app/run.sh: exec format error` (runc ≥1.1) names the file the kernel refused.
_EXEC_PATH = re.compile(r"exec (\S+): exec format error")
_SCRIPT_SUFFIXES = (".sh", ".bash", ".py")


def _node_arch(context: PodContext) -> tuple[str, str, str]:
    """(node name, architecture, evidence path) of the pod's node; empty strings when unknown."""
    if not context.node:
        return "", "", ""
    metadata = context.node.get("metadata") or {}
    name = str(metadata.get("name") or "")
    label = (metadata.get("labels") or {}).get("kubernetes.io/arch")
    if label:
        return name, str(label), f"nodes/{name}.metadata.labels['kubernetes.io/arch']"
    info = (context.node.get("status") or {}).get("nodeInfo") or {}
    if info.get("architecture"):
        return name, str(info["architecture"]), f"nodes/{name}.status.nodeInfo.architecture"
    return name, "", ""


def _error_evidence(context: PodContext, container: ContainerView) -> Evidence | None:
    """Where the container shows ``exec format error``: its termination message, else its log."""
    termination, path = container.latest_termination()
    message = str(termination.get("message") or "")
    if "exec format error" in message:
        return status_evidence(f"{path}.message", message)
    log = context.previous_logs.get(container.name) or context.current_logs.get(container.name) or ""
    line = find_line(log, _NEEDLE)
    if not line:
        return None
    return log_evidence(container.name, line, previous=container.name in context.previous_logs)


_PLATFORMS = {"arm": "linux/arm/v7", "386": "linux/386"}


def _fix(image: str, node_arch: str, error: str) -> tuple[str, dict[str, str]]:
    """What to do: build for the node's architecture or pin the pod; a script may lack its ``#!`` line."""
    # Docker's platform names: 32-bit ARM nodes (nodeInfo.architecture "arm") are linux/arm/v7.
    platform = _PLATFORMS.get(node_arch, f"linux/{node_arch}") if node_arch else ""
    platforms = ",".join(dict.fromkeys(["linux/amd64", "linux/arm64", *([platform] if platform else [])]))
    fix = "build-for-node" if node_arch else "build-for-all"
    values = {"image": image, "platform": platform, "platforms": platforms}
    path = _EXEC_PATH.search(error)
    if path and path.group(1).endswith(_SCRIPT_SUFFIXES):
        # The kernel gives the same error for a script without a `#!` line: the image may be fine.
        fix, values = f"{fix}-script", {**values, "path": path.group(1)}
    return fix, values


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container whose log or termination message shows ``exec format error``."""
    node_name, node_arch, arch_path = _node_arch(context)
    for container in containers(context.pod):
        error = _error_evidence(context, container)
        if error is None:
            continue
        evidence = [error]
        image = container.spec.get("image", "")
        other = {"arm64": "amd64", "amd64": "arm64"}.get(node_arch, "")
        if node_arch:
            evidence.append(Evidence("node", arch_path, node_arch))
            summary = (
                f"Container {container.name} cannot run on {node_arch} node {node_name}: image {image} "
                f"has no {node_arch} build{f' (it is probably {other}-only)' if other else ''}."
            )
        else:
            summary = f"Container {container.name}: image {image} was built for another CPU architecture."
        patch = {"spec": {"nodeSelector": {"kubernetes.io/arch": other}}} if other else None
        fix, values = _fix(image, node_arch, str(error.value))
        yield finding(
            "exec-format-error",
            context,
            summary,
            container=container.name,
            evidence=evidence,
            fix=fix,
            values=values,
            patch=patch,
            commands=[f"docker manifest inspect {image}"] if image else [],
        )
