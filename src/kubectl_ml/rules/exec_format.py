"""An image built for another CPU architecture: ``exec format error``.

What: the kernel refused to run the image's binaries. The text is only in the container's log
(``exec /bin/sh: exec format error``; older runc ``standard_init_linux.go:228: exec user process
caused: exec format error``); the status just says ``Error`` and the pod crash-loops.

Why it matters: common on arm64 GPU nodes (GH200/GB200, Graviton) running an amd64-only image.

Remedy: build a multi-arch image (``docker buildx --platform linux/amd64,linux/arm64``), or pin the pod
to nodes of the image's architecture with a ``kubernetes.io/arch`` nodeSelector.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Evidence, Finding
from kubectl_ml.model.pods import containers
from kubectl_ml.rules._common import find_line, finding, log_evidence, status_evidence

_NEEDLE = ("exec format error",)


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container whose log or termination message shows ``exec format error``."""
    node_arch = ""
    node_name = ""
    if context.node:
        metadata = context.node.get("metadata") or {}
        node_name = metadata.get("name", "")
        node_arch = (metadata.get("labels") or {}).get("kubernetes.io/arch") or (
            (context.node.get("status") or {}).get("nodeInfo") or {}
        ).get("architecture", "")
    for container in containers(context.pod):
        termination, path = container.latest_termination()
        evidence: list[Evidence] = []
        message = str(termination.get("message") or "")
        if "exec format error" in message:
            evidence.append(status_evidence(f"{path}.message", message))
        else:
            log = context.previous_logs.get(container.name) or context.current_logs.get(container.name) or ""
            line = find_line(log, _NEEDLE)
            if not line:
                continue
            evidence.append(log_evidence(container.name, line, previous=container.name in context.previous_logs))
        image = container.spec.get("image", "")
        other = {"arm64": "amd64", "amd64": "arm64"}.get(node_arch, "")
        if node_arch:
            evidence.append(Evidence("node", f"nodes/{node_name}.metadata.labels['kubernetes.io/arch']", node_arch))
            summary = (
                f"Container {container.name} cannot run on {node_arch} node {node_name}: image {image} "
                f"has no {node_arch} build{f' (it is probably {other}-only)' if other else ''}."
            )
        else:
            summary = f"Container {container.name}: image {image} was built for another CPU architecture."
        patch = {"spec": {"nodeSelector": {"kubernetes.io/arch": other}}} if other else None
        yield finding(
            "exec-format-error",
            context,
            summary,
            container=container.name,
            evidence=evidence,
            remedy=(
                f"Build {image} for linux/{node_arch or '<node arch>'} too (docker buildx build --platform "
                "linux/amd64,linux/arm64), or pin the pod to nodes of the image's architecture with a "
                "kubernetes.io/arch nodeSelector."
            ),
            patch=patch,
            commands=[f"docker manifest inspect {image}"] if image else [],
        )
