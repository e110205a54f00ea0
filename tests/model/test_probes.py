"""Probe failure wordings of every kubelet/Go release, classified by what fixes them."""

from __future__ import annotations

import pytest

from kubectl_ml.model.probes import classify_probe_failure, undeclared_port


@pytest.mark.parametrize(
    ("message", "kind", "status"),
    [
        # llm-d/llm-d-inference-sim#45
        ("Liveness probe failed: HTTP probe failed with statuscode: 404", "not-found", 404),
        # stackrox/acs-fleet-manager#110
        ("Liveness probe failed: HTTP probe failed with statuscode: 401", "client-error", 401),
        # doctor-anchors §4.6
        ("Readiness probe failed: HTTP probe failed with statuscode: 503", "server-error", 503),
        ("Liveness probe failed: HTTP probe failed with statuscode: 500", "server-error", 500),
        (
            'Liveness probe failed: Get "http://10.244.1.7:8080/healthz": dial tcp 10.244.1.7:8080: connect: '
            "connection refused",
            "refused",
            None,
        ),
        ("Liveness probe failed: cat: can't open 'healthy': No such file or directory", "exec", None),
        (
            'Readiness probe failed: Get "http://10.42.0.10:8080/ready": context deadline exceeded '
            "(Client.Timeout exceeded while awaiting headers)",
            "timeout",
            None,
        ),
        ("readiness probe failed: http probe failed with STATUSCODE: 404", "not-found", 404),
    ],
)
def test_classify(message: str, kind: str, status: int | None) -> None:
    failure = classify_probe_failure(message)
    assert (failure.kind, failure.status) == (kind, status)


def test_the_probed_url_is_kept() -> None:
    message = (
        'Liveness probe failed: Get "http://10.244.1.7:8080/healthz": dial tcp 10.244.1.7:8080: connect: '
        "connection refused"
    )
    assert classify_probe_failure(message).url == "http://10.244.1.7:8080/healthz"


def test_undeclared_port() -> None:
    spec = {"ports": [{"containerPort": 8000, "name": "http"}]}
    assert undeclared_port(spec, {"httpGet": {"path": "/health", "port": 8080}}) is not None
    assert undeclared_port(spec, {"httpGet": {"path": "/health", "port": "http"}}) is None
    assert undeclared_port(spec, {"httpGet": {"path": "/health", "port": 8000}}) is None
    assert undeclared_port({}, {"httpGet": {"port": 8080}}) is None
