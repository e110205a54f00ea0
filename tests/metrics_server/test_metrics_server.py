"""The metrics-server source against the local API server: real sockets, the real kubernetes client transport.

The API server serves ``metrics.k8s.io/v1beta1`` PodMetrics that change from one request to the next
(tests/support/apiserver.py), and a fake clock makes ten minutes of sampling take no time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubectl_ml.errors import ForbiddenError, SourceError, UsageError
from kubectl_ml.model.usage import UsageQuery
from kubectl_ml.sources.live import LiveSource
from kubectl_ml.sources.metrics_server import MetricsServerSource
from kubectl_ml.sources.snapshot import SnapshotSource
from tests.support.apiserver import ApiServer
from tests.support.fixtures import CLUSTER

BASE = 1_790_000_000  # PodMetrics timestamps: BASE + 15 s per metrics-server refresh


class FakeClock:
    """A monotonic clock that only moves when the source sleeps."""

    def __init__(self) -> None:
        self.now = 500.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def stamp(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def pod_metrics(namespace: str, pod: str, moment: int, **containers: tuple[str, str]) -> dict[str, Any]:
    return {
        "metadata": {"name": pod, "namespace": namespace, "creationTimestamp": stamp(moment)},
        "timestamp": stamp(moment),
        "window": "15.01s",
        "containers": [
            {"name": name, "usage": {"cpu": cpu, "memory": memory}} for name, (cpu, memory) in containers.items()
        ],
    }


@pytest.fixture
def server() -> Iterator[ApiServer]:
    with ApiServer([], tls=True) as running:
        yield running
    assert {request.method for request in running.requests} <= {"GET"}


@pytest.fixture
def live(server: ApiServer, tmp_path: Path) -> LiveSource:
    kubeconfig = server.write_kubeconfig(tmp_path / "kube")
    return LiveSource(kubeconfig=str(kubeconfig), context=None, request_timeout=5.0, environ=os.environ)


def sampler(live: LiveSource, clock: FakeClock, sample_for: float = 60, interval: float = 15) -> MetricsServerSource:
    return MetricsServerSource(live, sample_for=sample_for, interval=interval, clock=clock, sleep=clock.sleep)


def test_samples_every_interval_and_reduces_with_promql_quantiles(server: ApiServer, live: LiveSource) -> None:
    cpu = ["100m", "300m", "200m", "500m", "400m"]
    memory = ["100Mi", "300Mi", "200Mi", "500Mi", "400Mi"]
    server.serve_pod_metrics(
        [[pod_metrics("ml", "api-0", BASE + 15 * poll, server=(cpu[poll], memory[poll]))] for poll in range(5)]
    )
    clock = FakeClock()
    started = time.monotonic()
    data = sampler(live, clock).usage(["ml"], UsageQuery())
    assert time.monotonic() - started < 5  # a minute of sampling, in no real time
    assert clock.sleeps == [15, 15, 15, 15]  # polls at 0, 15, 30, 45 and 60 s
    assert [request.path for request in server.requests] == ["/apis/metrics.k8s.io/v1beta1/namespaces/ml/pods"] * 5
    container = data.containers[("ml", "api-0", "server")]
    assert container.cpu is not None
    assert container.memory is not None
    # [0.1, 0.2, 0.3, 0.4, 0.5]: P50 rank 2; P99 rank 3.96 -> 0.4 * 0.04 + 0.5 * 0.96.
    assert (container.cpu.request, container.cpu.limit, container.cpu.max) == pytest.approx((0.3, 0.496, 0.5))
    mib = 2**20
    assert (container.memory.request, container.memory.max) == (300 * mib, 500 * mib)
    assert (container.samples, container.history_seconds) == (5, 60.0)
    assert container.gpu is None
    assert container.oom_killed is False
    assert data.confidence == "low"
    assert data.source == {"type": "metrics-server", "sampleFor": "1m", "interval": "15s"}
    assert any("point-in-time" in note and "no GPU" in note for note in data.notes)
    assert data.pod_owners == {}


def test_a_sample_seen_twice_counts_once(server: ApiServer, live: LiveSource) -> None:
    # Polled every 5 s, metrics-server (refreshing every 15 s) answers the same sample three times in a row.
    polls = [
        [pod_metrics("ml", "api-0", BASE + 15 * (poll // 3), server=(f"{poll // 3 + 1}", "1Gi"))] for poll in range(7)
    ]
    server.serve_pod_metrics(polls)
    data = sampler(live, FakeClock(), sample_for=30, interval=5).usage(["ml"], UsageQuery())
    container = data.containers[("ml", "api-0", "server")]
    assert (container.samples, container.history_seconds) == (3, 30.0)
    assert container.cpu is not None
    assert container.cpu.request == 2.0  # [1, 2, 3]


def test_every_quantity_form_metrics_server_uses(server: ApiServer, live: LiveSource) -> None:
    forms = [("1908735n", "123456Ki"), ("250u", "1Gi"), ("0.5", "1e9"), ("2", "512M")]
    server.serve_pod_metrics([[pod_metrics("ml", "p", BASE + 15 * index, c=form)] for index, form in enumerate(forms)])
    data = sampler(live, FakeClock(), sample_for=45).usage(["ml"], UsageQuery(request_quantile=0, limit_quantile=1))
    container = data.containers[("ml", "p", "c")]
    assert container.cpu is not None
    assert container.memory is not None
    assert (container.cpu.request, container.cpu.max) == pytest.approx((0.00025, 2.0))
    assert (container.memory.request, container.memory.max) == (123456 * 1024, 2**30)


def test_all_namespaces_is_one_request_a_poll_and_pods_come_and_go(server: ApiServer, live: LiveSource) -> None:
    polls = [
        [pod_metrics("a", "old", BASE, c=("1", "1Mi")), pod_metrics("b", "x", BASE, c=("1", "1Mi"))],
        [pod_metrics("a", "new", BASE + 15, c=("2", "2Mi")), pod_metrics("b", "x", BASE + 15, c=("1", "1Mi"))],
    ]
    server.serve_pod_metrics(polls)
    data = sampler(live, FakeClock(), sample_for=30).usage(None, UsageQuery())
    assert [request.path for request in server.requests] == ["/apis/metrics.k8s.io/v1beta1/pods"] * 3
    # The third poll repeats the second (the last poll repeats): the same samples, not new ones.
    assert {key: usage.samples for key, usage in data.containers.items()} == {
        ("a", "old", "c"): 1,
        ("a", "new", "c"): 1,
        ("b", "x", "c"): 2,
    }


def test_several_namespaces_are_polled_together(server: ApiServer, live: LiveSource) -> None:
    server.serve_pod_metrics(
        [[pod_metrics(space, "p", BASE + 15 * poll, c=("1", "1Mi")) for space in "ab"] for poll in range(3)]
    )
    data = sampler(live, FakeClock(), sample_for=30).usage(["a", "b", "a"], UsageQuery())
    paths = [request.path.split("/")[-2] for request in server.requests]
    assert paths == ["a", "b"] * 3
    assert {key: usage.samples for key, usage in data.containers.items()} == {("a", "p", "c"): 3, ("b", "p", "c"): 3}


def test_no_metrics_server_is_a_clear_error_at_once(server: ApiServer, live: LiveSource) -> None:
    clock = FakeClock()
    with pytest.raises(SourceError) as raised:
        sampler(live, clock, sample_for=600).usage(["ml"], UsageQuery())
    assert "metrics-server is not installed" in raised.value.message
    assert "--prometheus URL" in (raised.value.hint or "")
    assert "--snapshot" in (raised.value.hint or "")
    assert len(server.requests) == 1
    assert clock.sleeps == []


def test_metrics_server_down_is_a_clear_error(server: ApiServer, live: LiveSource) -> None:
    server.serve_pod_metrics([[pod_metrics("ml", "p", BASE, c=("1", "1Mi"))]])
    server.fail("/apis/metrics.k8s.io/", 503, message="the server is currently unable to handle the request")
    with pytest.raises(SourceError, match="registered but not answering"):
        sampler(live, FakeClock()).usage(["ml"], UsageQuery())


def test_a_failed_poll_later_is_skipped_and_said(server: ApiServer, live: LiveSource) -> None:
    server.serve_pod_metrics([[pod_metrics("ml", "p", BASE + 15 * poll, c=("1", "1Mi"))] for poll in range(5)])
    data_source = sampler(live, FakeClock())
    original = live.get_raw
    calls = []

    def flaky(path: str, query: object = None) -> bytes:
        calls.append(path)
        if len(calls) == 3:
            server.fail("/apis/metrics.k8s.io/", 500, times=1)
        return original(path)

    live.get_raw = flaky  # type: ignore[method-assign]
    data = data_source.usage(["ml"], UsageQuery())
    assert data.containers[("ml", "p", "c")].samples == 4
    assert any("1 of 5 metrics-server requests failed" in note for note in data.notes)


def test_forbidden_pod_metrics_says_what_rbac_is_needed(server: ApiServer, live: LiveSource) -> None:
    server.serve_pod_metrics([[]])
    server.forbid("/apis/metrics.k8s.io/")
    with pytest.raises(ForbiddenError) as raised:
        sampler(live, FakeClock()).usage(["ml"], UsageQuery())
    assert "pods.metrics.k8s.io" in (raised.value.hint or "")


def test_a_snapshot_cannot_be_sampled() -> None:
    with pytest.raises(UsageError, match="live cluster"):
        MetricsServerSource(SnapshotSource(CLUSTER))


def test_the_api_server_serves_podmetrics_like_metrics_server(server: ApiServer, live: LiveSource) -> None:
    server.serve_pod_metrics([[pod_metrics("ml", "p", BASE, c=("1", "1Mi"))]])
    one = live.get_raw("/apis/metrics.k8s.io/v1beta1/namespaces/ml/pods/p")
    assert b'"kind": "PodMetrics"' in one
    with pytest.raises(SourceError, match=r'podmetrics\.metrics\.k8s\.io "ml/nope" not found'):
        live.get_raw("/apis/metrics.k8s.io/v1beta1/namespaces/ml/pods/nope")
