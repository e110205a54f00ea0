"""Images pinned to ``:latest`` or to no tag at all.

What: every container (init containers too) whose ``image`` has the tag ``latest`` or no tag (which the
runtime reads as ``latest``). A digest (``@sha256:...``) pins the image, with or without a tag.

Why it matters: ``latest`` moves. A restarted pod, a new replica or a new node may pull a different
version than the one that was tested, and nobody can tell from the manifest which one runs. For a
model server whose image bundles CUDA, a new ``latest`` can also need another driver than the nodes have.

Remedy: pin a version tag (``vllm/vllm-openai:v0.6.3``) or a digest.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_ml.gpu._common import build
from kubectl_ml.lint._common import containers
from kubectl_ml.model.findings import Evidence, Finding
from kubectl_ml.model.subjects import Subject


def unpinned_tag(image: str) -> str | None:
    """``latest`` or ``(none)`` for an image that is not pinned; None when it has a tag or a digest."""
    if "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "(none)"
    tag = last.split(":", 1)[1]
    return "latest" if tag == "latest" else None


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``image-tag-latest`` per container whose image is not pinned."""
    for container in containers(subject):
        image = container.body.get("image")
        if not isinstance(image, str) or not image.strip():
            continue
        tag = unpinned_tag(image.strip())
        if tag is None:
            continue
        said = "has no tag (so latest)" if tag == "(none)" else "uses the tag latest"
        yield build(
            "image-tag-latest",
            subject.ref,
            f"{subject.noun}, container {container.name}: image {image} {said}; the version that runs can "
            "change on any restart.",
            container=container.name,
            evidence=[Evidence("spec", container.path(subject, "image"), image)],
            remedy=f"Pin a version tag or a digest for {image.rsplit(':', 1)[0] if tag == 'latest' else image}.",
        )
