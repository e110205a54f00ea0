"""The in-cluster Prometheus, found and read through the API server's service proxy (no ``--prometheus`` URL).

kubectl's credentials already reach the API server, and the API server can forward a GET to a Service:
``/api/v1/namespaces/{ns}/services/{scheme}:{name}:{port}/proxy/api/v1/query``. So without a URL, rightsize
looks for the Services the usual installations create, best first:

1. kube-prometheus-stack: ``<release>-kube-prometheus-prometheus`` (port 9090);
2. kube-prometheus: ``prometheus-k8s`` in ``monitoring`` (9090);
3. the prometheus-community ``prometheus`` chart: ``prometheus-server`` (port 80);
4. the Prometheus Operator's headless ``prometheus-operated`` (9090);
5. a Service named ``prometheus``, or labelled ``app.kubernetes.io/name=prometheus`` or ``app=prometheus``;

(never alertmanager, pushgateway, exporters, the operator or an adapter), then asks each for
``/api/v1/status/buildinfo`` until one answers as Prometheus does. Services are listed cluster-wide, or, where
RBAC forbids that, in the namespaces monitoring stacks use. The proxy needs ``get`` on ``services/proxy``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from kubectl_ml.errors import ApiError, ForbiddenError, NotFoundError, SourceError, UsageError
from kubectl_ml.sources.base import Source
from kubectl_ml.sources.documents import decode_json
from kubectl_ml.sources.prometheus import PrometheusSource

# Where monitoring stacks live when Services cannot be listed cluster-wide.
MONITORING_NAMESPACES = (
    "monitoring",
    "prometheus",
    "observability",
    "kube-prometheus-stack",
    "prometheus-system",
    "kube-system",
    "default",
)
_EXCLUDED = ("alertmanager", "pushgateway", "exporter", "operator", "adapter", "grafana", "kube-state-metrics")
_PROMETHEUS_LABELS = (("app.kubernetes.io/name", "prometheus"), ("app", "prometheus"))
_MAX_TRIED = 5
_NOT_FOUND_HINT = (
    "Pass --prometheus URL (e.g. http://localhost:9090 after "
    "`kubectl port-forward -n monitoring svc/prometheus-operated 9090`), or --source metrics-server."
)


@runtime_checkable
class ClusterReader(Source, Protocol):
    """What the proxy needs: a source that can also GET any path of the API server (the live one)."""

    def get_raw(self, path: str, query: Mapping[str, str] | None = None) -> bytes:
        """The body of a GET of ``path``; API errors raised as for any request."""
        ...


@dataclass(frozen=True)
class PrometheusService:
    """A Service that may be Prometheus, and how to reach it through the proxy.

    Attributes:
        namespace: the Service's namespace.
        name: its name.
        port: the port's name (or number when it has none).
        scheme: ``http`` or ``https``.
        rank: how typical of a Prometheus installation it is (lower first).
    """

    namespace: str
    name: str
    port: str
    scheme: str = "http"
    rank: int = 9

    @property
    def proxy_path(self) -> str:
        """``/api/v1/namespaces/{ns}/services/{scheme}:{name}:{port}/proxy``."""
        return f"/api/v1/namespaces/{self.namespace}/services/{self.scheme}:{self.name}:{self.port}/proxy"

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}:{self.port}"


class ServiceProxyHttp:
    """:class:`~kubectl_ml.sources.prometheus.PrometheusHttp` through the API server's service proxy.

    Attributes:
        service: the Service it reaches.
    """

    def __init__(self, cluster: ClusterReader, service: PrometheusService) -> None:
        self._cluster = cluster
        self.service = service

    def get(self, path: str, params: Mapping[str, str]) -> tuple[int, bytes]:
        """Send ``GET <proxy><path>`` through the API server; see ``PrometheusHttp.get``.

        Args:
            path: Prometheus' API path, e.g. ``/api/v1/query``.
            params: query parameters.

        Returns:
            The status and body; for an error answer, a JSON body whose ``message`` says what failed (the API
            server's own answers, such as 503 ``no endpoints available``, are not Prometheus').

        Raises:
            ForbiddenError: RBAC does not allow the proxy (401/403), with the hint that fixes it.
            UnreachableError: the API server did not answer.
        """
        try:
            return 200, self._cluster.get_raw(self.service.proxy_path + path, params)
        except ApiError as error:
            if error.status in (401, 403):
                raise ForbiddenError(
                    f"The API server refused to proxy to Prometheus ({self.service}): {error.message}",
                    f"Ask for get on services/proxy in namespace {self.service.namespace}, or pass --prometheus URL.",
                    status=error.status,
                    reason=error.reason,
                ) from error
            return error.status or 502, json.dumps({"message": error.message}).encode()


def candidates(services: Sequence[Mapping[str, Any]]) -> list[PrometheusService]:
    """The Services that look like Prometheus, best first.

    Args:
        services: Service objects.

    Returns:
        One :class:`PrometheusService` per likely Service, by rank, then ``monitoring`` first, then by name.
    """
    found = []
    for service in services:
        metadata = service.get("metadata") or {}
        name, namespace = str(metadata.get("name") or ""), str(metadata.get("namespace") or "")
        labels = metadata.get("labels") or {}
        ports = (service.get("spec") or {}).get("ports") or []
        if not name or not ports or any(word in name for word in _EXCLUDED):
            continue
        rank = _rank(name, labels)
        if rank is None:
            continue
        port = _port(ports)
        secure = str(port.get("name") or "").startswith("https") or port.get("appProtocol") == "https"
        scheme = "https" if secure else "http"
        found.append(PrometheusService(namespace, name, str(port.get("name") or port.get("port")), scheme, rank))
    return sorted(found, key=lambda item: (item.rank, item.namespace != "monitoring", item.namespace, item.name))


def _rank(name: str, labels: Mapping[str, str]) -> int | None:
    if name.endswith("-kube-prometheus-prometheus") or name == "kube-prometheus-stack-prometheus":
        return 0
    ranks = {"prometheus-k8s": 1, "prometheus-server": 2, "prometheus-operated": 3, "prometheus": 4}
    if name in ranks:
        return ranks[name]
    if any(labels.get(key) == value for key, value in _PROMETHEUS_LABELS):
        return 5
    return None


def _port(ports: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """Prometheus' port among a Service's: 9090, else a port named web/http, else 80, else the first."""
    for test in (
        lambda port: port.get("port") == 9090 or port.get("targetPort") == 9090,
        lambda port: port.get("name") in ("web", "http-web", "http"),
        lambda port: port.get("port") == 80,
    ):
        match = next((port for port in ports if test(port)), None)
        if match is not None:
            return match
    return ports[0]


def _services(cluster: ClusterReader) -> list[dict[str, Any]]:
    """Every Service cluster-wide, or those of the usual monitoring namespaces where listing all is forbidden."""
    try:
        return cluster.list("Service", None)
    except ForbiddenError:
        pass
    found: list[dict[str, Any]] = []
    for namespace in MONITORING_NAMESPACES:
        try:
            found.extend(cluster.list("Service", namespace))
        except (ForbiddenError, NotFoundError):
            continue
    return found


def find_prometheus(cluster: object, progress: Callable[[str], None] | None = None) -> ServiceProxyHttp:
    """Find the in-cluster Prometheus and return a transport to it through the API server.

    Args:
        cluster: the live source (it needs ``list`` and ``get_raw``).
        progress: called with a short label before each probe, or None.

    Returns:
        The transport to the first candidate that answers ``/api/v1/status/buildinfo`` as Prometheus.

    Raises:
        UsageError: ``cluster`` is a snapshot (no API server to proxy through).
        SourceError: no Prometheus found; the message lists what was tried and why it failed.
    """
    if not isinstance(cluster, ClusterReader):
        raise UsageError("Finding the in-cluster Prometheus needs a live cluster.", "Pass --prometheus URL.")
    tried: list[str] = []
    for service in candidates(_services(cluster))[:_MAX_TRIED]:
        if progress is not None:
            progress(f"trying Prometheus at {service}")
        http = ServiceProxyHttp(cluster, service)
        try:
            status, body = http.get("/api/v1/status/buildinfo", {})
        except ForbiddenError as error:
            if error.status == 401:
                raise  # the credentials themselves: no other Service would do better
            tried.append(f"{service} (proxy forbidden)")
            continue
        if status == 200 and _is_prometheus(body):
            return http
        tried.append(f"{service} ({_failure(status, body)})")
    where = f" Tried {', '.join(tried)}." if tried else " No Service looks like Prometheus."
    raise SourceError(f"No Prometheus found through the API server's service proxy.{where}", _NOT_FOUND_HINT)


def in_cluster_prometheus(cluster: object, progress: Callable[[str], None] | None = None) -> PrometheusSource:
    """A :class:`~kubectl_ml.sources.prometheus.PrometheusSource` over the in-cluster Prometheus.

    Args:
        cluster: the live source.
        progress: passed to the discovery and to the source.

    Returns:
        The usage source, its report ``source`` naming the Service (``{"type": "prometheus", "service": ...,
        "via": "apiserver-proxy"}``).

    Raises:
        UsageError: ``cluster`` is a snapshot.
        SourceError: no Prometheus found (see :func:`find_prometheus`).
    """
    http = find_prometheus(cluster, progress)
    description = {"type": "prometheus", "service": str(http.service), "via": "apiserver-proxy"}
    return PrometheusSource(http, description=description, progress=progress)


def _is_prometheus(body: bytes) -> bool:
    try:
        document = decode_json(body)
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(document, dict) or document.get("status") != "success":
        return False
    data = document.get("data")
    return isinstance(data, dict) and "version" in data


def _failure(status: int, body: bytes) -> str:
    if status == 200:
        return "not Prometheus' API"
    try:
        message = str(decode_json(body).get("message") or "")
    except (ValueError, UnicodeDecodeError, AttributeError):
        message = ""
    return f"{status}: {message}" if message else str(status)
