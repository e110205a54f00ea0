"""Small API objects for tests that need one pod, in the shape the API server returns it."""

from __future__ import annotations

from typing import Any


def pod(
    name: str = "trainer-0",
    namespace: str = "ml",
    *,
    containers: list[dict[str, Any]] | None = None,
    status: dict[str, Any] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    """A Pod (``kind``/``apiVersion`` included), Running with one busybox container unless told otherwise."""
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{namespace}-{name}"},
        "spec": {"containers": containers or [{"name": "trainer", "image": "busybox:1.36"}], **spec},
        "status": status or {"phase": "Running"},
    }
