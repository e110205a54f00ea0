"""What a failed probe's event says, read once for the liveness, startup and readiness rules.

The kubelet's ``Unhealthy`` events carry the prober's result after ``<Kind> probe failed: ``, in the
words of the Go release that built it (doctor-anchors §4.5): ``HTTP probe failed with statuscode: 404``;
``Get "http://10.244.1.7:8080/healthz": dial tcp 10.244.1.7:8080: connect: connection refused`` (before Go
1.14 the URL was unquoted and the error read ``getsockopt: connection refused``); ``context deadline
exceeded (Client.Timeout exceeded while awaiting headers)`` (older: ``net/http: request canceled``);
``i/o timeout``; gRPC's ``service unhealthy (responded with "NOT_SERVING")`` and ``timeout: failed to
connect service``; an exec probe's own stderr. Matching is case-insensitive: the point is the class of
failure, which decides the fix (a wrong path is not fixed by a startupProbe).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_STATUS = re.compile(r"status\s*code:?\s*(\d{3})", re.IGNORECASE)
_URL = re.compile(r"""Get\s+"?(https?://[^\s"]+)"?""", re.IGNORECASE)


@dataclass(frozen=True)
class ProbeFailure:
    """One probe failure, classified.

    Attributes:
        kind: ``not-found`` (HTTP 404), ``client-error`` (another 4xx: auth, method), ``server-error``
            (5xx: the server answers it is not healthy, often still loading), ``refused`` (nothing listens
            on the port), ``timeout`` (no answer within timeoutSeconds), ``reset`` (the connection
            dropped mid-answer), ``not-serving`` (gRPC health says NOT_SERVING), ``exec`` (a command's
            output) or ``other``.
        status: the HTTP status, for the HTTP kinds.
        url: the URL the kubelet probed, when the message shows it.
    """

    kind: str
    status: int | None = None
    url: str | None = None


def classify_probe_failure(message: str) -> ProbeFailure:
    """Classify the text of an ``Unhealthy`` event (with or without its ``... probe failed:`` prefix)."""
    lower = message.lower()
    url_match = _URL.search(message)
    url = url_match.group(1).rstrip(":") if url_match else None
    status_match = _STATUS.search(message)
    if status_match:
        status = int(status_match.group(1))
        if status == 404:
            kind = "not-found"
        elif 400 <= status < 500:
            kind = "client-error"
        elif status >= 500:
            kind = "server-error"
        else:
            kind = "other"
        return ProbeFailure(kind, status, url)
    if "connection refused" in lower:
        return ProbeFailure("refused", url=url)
    if any(word in lower for word in ("deadline exceeded", "timeout exceeded", "i/o timeout", "timed out", "timeout:")):
        return ProbeFailure("timeout", url=url)
    if "connection reset" in lower or lower.rstrip().endswith(": eof"):
        return ProbeFailure("reset", url=url)
    if "not_serving" in lower or "service unhealthy" in lower:
        return ProbeFailure("not-serving", url=url)
    if url is None and "probe failed:" in lower:
        # Neither HTTP nor TCP nor gRPC wording: an exec probe, whose output is the command's own.
        return ProbeFailure("exec")
    return ProbeFailure("other", url=url)


def probe_handler(probe: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The probe's httpGet, tcpSocket or grpc handler (empty for exec probes and no probe)."""
    probe = probe or {}
    return probe.get("httpGet") or probe.get("tcpSocket") or probe.get("grpc") or {}


# The fix when a probe targets a port the container does not declare (liveness and readiness alike).
WRONG_PORT_FIX = (
    "The probe checks port {port}, but the container declares {noun} {listed}: point the probe at the port the "
    "server listens on."
)


def undeclared_port(container_spec: Mapping[str, Any], probe: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The values of :data:`WRONG_PORT_FIX` when the probe targets a port the container does not declare.

    Declared ports are informational (a server may listen on others), so this only sharpens the advice
    for a refused connection; named probe ports resolve against the container's port names.
    """
    port = probe_handler(probe).get("port")
    declared = [
        item for item in container_spec.get("ports") or [] if isinstance(item, Mapping) and item.get("containerPort")
    ]
    if port is None or not declared:
        return None
    numbers = {int(item["containerPort"]) for item in declared if str(item["containerPort"]).isdigit()}
    names = {item.get("name") for item in declared}
    if port in names or (str(port).isdigit() and int(port) in numbers):
        return None
    listed = ", ".join(str(number) for number in sorted(numbers))
    noun = "port" if len(numbers) == 1 else "ports"
    return {"port": str(port), "noun": noun, "listed": listed}


# Where the serving runtimes answer health checks (scaffold-gpu-lint-anchors §2.3), for a 404.
HEALTH_ENDPOINTS = (
    "vLLM and TGI /health, Triton and KServe model servers /v2/health/live (ready: /v2/health/ready), "
    "TorchServe /ping, BentoML /livez (ready: /readyz), TF Serving /v1/models/<name>, Ollama /"
)
