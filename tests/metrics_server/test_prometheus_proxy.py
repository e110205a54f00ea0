"""Finding the in-cluster Prometheus through the API server's service proxy: the local API server forwards to a
small HTTP server that answers like Prometheus (tests/metrics_file/test_parity.py does it with a real one).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from kubectl_ml.errors import ForbiddenError, SourceError, UsageError
from kubectl_ml.sources.live import LiveSource
from kubectl_ml.sources.prometheus import PrometheusSource
from kubectl_ml.sources.prometheus_proxy import (
    MONITORING_NAMESPACES,
    PrometheusService,
    ServiceProxyHttp,
    candidates,
    find_prometheus,
    in_cluster_prometheus,
)
from kubectl_ml.sources.snapshot import SnapshotSource
from tests.support.apiserver import ApiServer
from tests.support.fixtures import CLUSTER

BUILDINFO = {"status": "success", "data": {"version": "2.42.0", "revision": "x", "branch": "HEAD"}}


class FakePrometheus:
    """Answers /api/v1/status/buildinfo and /api/v1/query like Prometheus, and records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
                fake.asked.append((parts.path, query))
                if parts.path == "/api/v1/status/buildinfo":
                    self._send(200, BUILDINFO)
                elif parts.path == "/api/v1/query" and "(" not in query.get("query", "("):
                    self._send(200, {"status": "success", "data": {"resultType": "vector", "result": []}})
                elif parts.path == "/api/v1/query":
                    self._send(400, {"status": "error", "errorType": "bad_data", "error": "parse error"})
                else:
                    self._send(404, {"status": "error", "error": "not found"})

            def _send(self, status: int, document: dict[str, Any]) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def service(namespace: str, name: str, *ports: dict[str, Any], labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": {"ports": list(ports) or [{"name": "http", "port": 80}]},
    }


KPS = service("monitoring", "kps-kube-prometheus-prometheus", {"name": "http-web", "port": 9090})
OPERATED = service("monitoring", "prometheus-operated", {"name": "web", "port": 9090}, {"name": "grpc", "port": 10901})
ALERTMANAGER = service("monitoring", "alertmanager-operated", {"name": "web", "port": 9093})
NODE_EXPORTER = service("monitoring", "kps-prometheus-node-exporter", {"name": "metrics", "port": 9100})


@pytest.fixture
def prometheus() -> Iterator[FakePrometheus]:
    fake = FakePrometheus()
    yield fake
    fake.stop()


def open_live(server: ApiServer, tmp_path: Path) -> LiveSource:
    kubeconfig = server.write_kubeconfig(tmp_path / "kube")
    return LiveSource(kubeconfig=str(kubeconfig), context=None, request_timeout=5.0, environ=os.environ)


def test_candidates_rank_the_usual_installations() -> None:
    services = [
        service("obs", "prometheus", {"name": "web", "port": 9090}),
        service("monitoring", "prometheus-server", {"name": "http", "port": 80}),
        OPERATED,
        ALERTMANAGER,
        NODE_EXPORTER,
        service("monitoring", "prometheus-operator", {"name": "https", "port": 443}),
        service(
            "custom", "metrics-store", {"name": "web", "port": 9090}, labels={"app.kubernetes.io/name": "prometheus"}
        ),
        service("monitoring", "prometheus-k8s", {"name": "web", "port": 9090}, {"name": "reloader-web", "port": 8080}),
        service("other", "prometheus-k8s", {"name": "https", "port": 9091, "appProtocol": "https"}),
        KPS,
        service("apps", "web", {"name": "http", "port": 80}),
    ]
    assert [str(item) for item in candidates(services)] == [
        "monitoring/kps-kube-prometheus-prometheus:http-web",
        "monitoring/prometheus-k8s:web",
        "other/prometheus-k8s:https",
        "monitoring/prometheus-server:http",
        "monitoring/prometheus-operated:web",
        "obs/prometheus:web",
        "custom/metrics-store:web",
    ]
    assert candidates([service("other", "prometheus-k8s", {"name": "https", "port": 9091})])[0].scheme == "https"
    assert candidates([service("x", "prometheus", {"port": 9090})])[0].port == "9090"  # an unnamed port


def test_finds_prometheus_and_queries_it_through_the_proxy(tmp_path: Path, prometheus: FakePrometheus) -> None:
    with ApiServer([ALERTMANAGER, OPERATED, KPS, NODE_EXPORTER], tls=True) as server:
        server.proxy_service("monitoring", KPS["metadata"]["name"], prometheus.url)
        http = find_prometheus(open_live(server, tmp_path))
        status, body = http.get("/api/v1/query", {"query": 'up{job="x y"}', "time": "1790000000.000"})
    assert str(http.service) == "monitoring/kps-kube-prometheus-prometheus:http-web"
    assert status == 200
    assert json.loads(body)["status"] == "success"
    proxy = "/api/v1/namespaces/monitoring/services/http:kps-kube-prometheus-prometheus:http-web/proxy"
    assert server.paths() == [
        "GET /api/v1/services?limit=500",
        f"GET {proxy}/api/v1/status/buildinfo",
        f'GET {proxy}/api/v1/query?query=up{{job="x y"}}&time=1790000000.000',
    ]
    assert prometheus.asked[-1] == ("/api/v1/query", {"query": 'up{job="x y"}', "time": "1790000000.000"})


def test_a_service_without_endpoints_gives_way_to_the_next(tmp_path: Path, prometheus: FakePrometheus) -> None:
    with ApiServer([OPERATED, KPS], tls=True) as server:
        server.proxy_service("monitoring", "prometheus-operated", prometheus.url)  # KPS has no endpoints
        http = find_prometheus(open_live(server, tmp_path))
    assert http.service.name == "prometheus-operated"


def test_namespaces_are_searched_one_by_one_when_listing_all_is_forbidden(
    tmp_path: Path, prometheus: FakePrometheus
) -> None:
    with ApiServer([OPERATED], tls=True) as server:
        server.forbid("/api/v1/services")
        server.proxy_service("monitoring", "prometheus-operated", prometheus.url)
        http = find_prometheus(open_live(server, tmp_path))
    assert http.service.name == "prometheus-operated"
    listed = [path for path in server.paths() if "/services?" in path]
    assert listed[0] == "GET /api/v1/services?limit=500"
    assert listed[1:] == [f"GET /api/v1/namespaces/{name}/services?limit=500" for name in MONITORING_NAMESPACES]


def test_no_prometheus_is_a_clear_error_with_the_hint(tmp_path: Path) -> None:
    with ApiServer([ALERTMANAGER, NODE_EXPORTER], tls=True) as server, pytest.raises(SourceError) as raised:
        find_prometheus(open_live(server, tmp_path))
    assert "No Prometheus found" in raised.value.message
    assert "--prometheus URL" in (raised.value.hint or "")


def test_what_was_tried_is_said(tmp_path: Path) -> None:
    with ApiServer([OPERATED, KPS], tls=True) as server:
        server.forbid("/api/v1/namespaces/monitoring/services/http:prometheus-operated:web/proxy/*")
        live = open_live(server, tmp_path)
        with pytest.raises(SourceError) as raised:
            find_prometheus(live)
    assert "kube-prometheus-prometheus:http-web (503: " in raised.value.message
    assert 'no endpoints available for service "kps-kube-prometheus-prometheus"' in raised.value.message
    assert "monitoring/prometheus-operated:web (proxy forbidden)" in raised.value.message


def test_proxy_errors_come_back_as_statuses_and_forbidden_raises(tmp_path: Path, prometheus: FakePrometheus) -> None:
    with ApiServer([KPS], tls=True) as server:
        server.proxy_service("monitoring", KPS["metadata"]["name"], prometheus.url)
        http = ServiceProxyHttp(open_live(server, tmp_path), candidates([KPS])[0])
        status, body = http.get("/api/v1/query", {"query": "rate(", "time": "1"})
        assert status == 400
        assert "400" in json.loads(body)["message"]
        server.forbid("/api/v1/namespaces/monitoring/services/*")
        with pytest.raises(ForbiddenError) as raised:
            http.get("/api/v1/query", {"query": "up"})
    assert "services/proxy" in (raised.value.hint or "")


def test_in_cluster_prometheus_is_a_prometheus_source_named_by_its_service(
    tmp_path: Path, prometheus: FakePrometheus
) -> None:
    with ApiServer([KPS], tls=True) as server:
        server.proxy_service("monitoring", KPS["metadata"]["name"], prometheus.url)
        source = in_cluster_prometheus(open_live(server, tmp_path))
    assert isinstance(source, PrometheusSource)


def test_a_snapshot_has_no_proxy() -> None:
    with pytest.raises(UsageError):
        find_prometheus(SnapshotSource(CLUSTER))


def test_proxy_path() -> None:
    service_ = PrometheusService("monitoring", "prometheus-k8s", "web", "https")
    assert service_.proxy_path == "/api/v1/namespaces/monitoring/services/https:prometheus-k8s:web/proxy"
