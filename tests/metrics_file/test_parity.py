"""The metrics-file source and a real Prometheus give the same numbers for the same OpenMetrics file.

One scenario (tests/support/prometheus.py's standard history: a rollout whose old pods are gone, a duplicate
scrape job, pod-level and pause-container series, a counter reset at a restart, a one-sample memory peak, an
OOM kill, a CronJob's Job, GPUs under the three DCGM label sets, a 120 s scrape, 200 bulk containers) is
written as one ``metrics.om``. That file is backfilled with promtool into a real Prometheus, read by
:class:`PrometheusSource` (directly, and through the local API server's service proxy as the in-cluster
Prometheus), and read by :class:`MetricsFileSource`. Every ContainerUsage figure must agree to the bit (both
sides do the same float operations in the same order), and so must the owners. Either implementation drifting
from the other, or from docs/rightsize.md's semantics, fails here.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kubectl_ml.model.usage import ContainerUsage, GpuUsage, Stats, UsageData, UsageQuery
from kubectl_ml.sources.live import LiveSource
from kubectl_ml.sources.metrics_file import MetricsFileSource
from kubectl_ml.sources.prometheus import PrometheusSource, RequestsHttp
from kubectl_ml.sources.prometheus_proxy import in_cluster_prometheus
from tests.support.apiserver import ApiServer
from tests.support.prometheus import END, WINDOW, History, PrometheusServer, serve, standard_history

RELATIVE = 0.0
EDGE = "edge-cases"
NAMESPACE_SETS = [
    None,
    [EDGE],
    ["ml-serving"],
    ["slow-scrape"],
    ["no-ksm", "ksm-only", "gpu-operator"],
    ["small", "bulk"],
]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@dataclass
class Irregular:
    """A series with samples at arbitrary times (seconds with milliseconds), which History's grids cannot hold."""

    name: str
    kind: str
    labels: dict[str, str]
    samples: list[tuple[str, float]]

    @property
    def family(self) -> str:
        return self.name.removesuffix("_total") if self.kind == "counter" else self.name


def edge_cases(seed: int = 11) -> list[Irregular]:
    """Namespace ``edge-cases``: jittered scrapes 20 to 140 s apart, timestamps below the millisecond, counter resets.

    Every rate range then starts and ends at a different distance from its samples, on both sides of the 1.1
    average-interval extrapolation threshold, and timestamps test promtool's ``int(seconds * 1000)``.
    """
    rng = random.Random(seed)
    found = []
    for pod in ("jitter-0", "jitter-1"):
        for job in ("kubelet", "cadvisor"):  # duplicate series of one container, each with its own jitter
            labels = {"namespace": EDGE, "pod": pod, "container": "main", "job": job}
            moment, total = END - 1800 + rng.uniform(0, 60), 1000.0 * rng.random()
            cpu, memory = [], []
            while moment < END + 60:
                stamp = f"{moment:.4f}"  # below the millisecond: promtool truncates to whole ms
                total = 0.0 if rng.random() < 0.03 else total + rng.uniform(0, 2) * rng.uniform(20, 140)
                cpu.append((stamp, round(total, 6)))
                memory.append((stamp, float(rng.randrange(10**8, 10**9))))
                moment += rng.uniform(20, 140)
            found.append(Irregular("container_cpu_usage_seconds_total", "counter", labels, cpu))
            found.append(Irregular("container_memory_working_set_bytes", "gauge", labels, memory))
    return found


def write_metrics_om(history: History, path: Path, extra: list[Irregular] = ()) -> Path:  # type: ignore[assignment]
    """The whole history as one OpenMetrics file, as a snapshot holds it: families contiguous, ``# EOF`` last."""
    path.parent.mkdir(parents=True, exist_ok=True)
    families: dict[str, list[Any]] = {}
    for series in [*history.series, *extra]:
        families.setdefault(series.family, []).append(series)
    with path.open("w", encoding="utf-8") as stream:
        for family, members in sorted(families.items()):
            stream.write(f"# TYPE {family} {members[0].kind}\n")
            for series in members:
                labels = ",".join(f'{key}="{_escape(value)}"' for key, value in series.labels.items())
                prefix = f"{series.name}{{{labels}}}"
                samples = (
                    series.samples
                    if isinstance(series, Irregular)
                    else [(series.start + index * series.step, value) for index, value in enumerate(series.values)]
                )
                for moment, value in samples:
                    number = int(value) if value.is_integer() else repr(value)  # exact, as Prometheus stores it
                    stream.write(f"{prefix} {number} {moment}\n")
        stream.write("# EOF\n")
    return path


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, PrometheusServer]]:
    folder = tmp_path_factory.mktemp("parity")
    path = write_metrics_om(standard_history(), folder / "snapshot" / "metrics.om", edge_cases())
    with serve([path], folder) as server:
        yield path, server


def query() -> UsageQuery:
    # The rate window is left to each source to choose from the scrape interval: that choice must agree too.
    return UsageQuery(window_seconds=WINDOW, end=END, rate_window_seconds=None)


def close(local: float | None, remote: float | None) -> bool:
    """Equal to the bit: both sides do the same float operations in the same order (RELATIVE > 0 would allow
    for a summation in another order, which neither does today)."""
    if local is None or remote is None:
        return local is remote
    return local == remote or math.isclose(local, remote, rel_tol=RELATIVE, abs_tol=0.0)


def differences(local: UsageData, remote: UsageData) -> list[str]:
    """Every figure that differs, as readable lines (empty when the sources agree)."""
    found = []
    for key in sorted(set(local.containers) | set(remote.containers)):
        mine, theirs = local.containers.get(key), remote.containers.get(key)
        if mine is None or theirs is None:
            found.append(f"{key}: only in {'Prometheus' if mine is None else 'metrics.om'}")
            continue
        found.extend(f"{key} {line}" for line in _container_differences(mine, theirs))
    if local.pod_owners != remote.pod_owners:
        found.append(f"pod owners: {_dict_difference(local.pod_owners, remote.pod_owners)}")
    if local.controller_owners != remote.controller_owners:
        found.append(f"controller owners: {_dict_difference(local.controller_owners, remote.controller_owners)}")
    return found


def _container_differences(mine: ContainerUsage, theirs: ContainerUsage) -> list[str]:
    found = []
    for resource in ("cpu", "memory"):
        ours, other = getattr(mine, resource), getattr(theirs, resource)
        if (ours is None) != (other is None):
            found.append(f"{resource}: {ours} != {other}")
        elif isinstance(ours, Stats) and isinstance(other, Stats):
            found.extend(
                f"{resource}.{name}: {getattr(ours, name)!r} != {getattr(other, name)!r}"
                for name in ("request", "limit", "max")
                if not close(getattr(ours, name), getattr(other, name))
            )
    if mine.samples != theirs.samples:
        found.append(f"samples: {mine.samples} != {theirs.samples}")
    if not close(mine.history_seconds, theirs.history_seconds):
        found.append(f"history: {mine.history_seconds!r} != {theirs.history_seconds!r}")
    if mine.oom_killed != theirs.oom_killed:
        found.append(f"oom_killed: {mine.oom_killed} != {theirs.oom_killed}")
    if (mine.gpu is None) != (theirs.gpu is None):
        found.append(f"gpu: {mine.gpu} != {theirs.gpu}")
    elif isinstance(mine.gpu, GpuUsage) and isinstance(theirs.gpu, GpuUsage):
        for name in ("utilization_p50", "utilization_max", "memory_used_max", "memory_total", "gpus"):
            if not close(getattr(mine.gpu, name), getattr(theirs.gpu, name)):
                found.append(f"gpu.{name}: {getattr(mine.gpu, name)!r} != {getattr(theirs.gpu, name)!r}")
    return found


def _dict_difference(mine: dict, theirs: dict) -> str:  # type: ignore[type-arg]
    only_mine = {key: mine[key] for key in mine.keys() - theirs.keys()}
    only_theirs = {key: theirs[key] for key in theirs.keys() - mine.keys()}
    changed = {key: (mine[key], theirs[key]) for key in mine.keys() & theirs.keys() if mine[key] != theirs[key]}
    return f"only metrics.om {only_mine}, only Prometheus {only_theirs}, different {changed}"


@pytest.mark.parametrize("namespaces", NAMESPACE_SETS, ids=lambda item: ",".join(item) if item else "all")
def test_metrics_file_and_prometheus_agree(
    scenario: tuple[Path, PrometheusServer], namespaces: list[str] | None
) -> None:
    path, server = scenario
    remote = PrometheusSource(RequestsHttp(server.url), description={"type": "prometheus", "url": server.url})
    expected = remote.usage(namespaces, query())
    # Prometheus 2.x ranges are closed ([T - W, T]); the scenario puts no sample on an edge, so the left-open
    # ranges of docs/rightsize.md give the same figures: both are checked.
    for closed in (True, False):
        actual = MetricsFileSource(path, closed_ranges=closed).usage(namespaces, query())
        assert differences(actual, expected) == [], f"closed_ranges={closed}"


@pytest.mark.parametrize("step", [60, 45])
def test_every_order_statistic_of_a_short_window_agrees(scenario: tuple[Path, PrometheusServer], step: int) -> None:
    """Ten subquery steps, and the quantiles k/9 that pick each of them: every single rate is compared."""
    path, server = scenario
    remote = PrometheusSource(RequestsHttp(server.url), description={"type": "prometheus", "url": server.url})
    for end in (END, END - 917.5):
        for low in range(5):
            asked = UsageQuery(
                window_seconds=10 * step,
                end=end,
                request_quantile=low / 9,
                limit_quantile=(9 - low) / 9,
                rate_window_seconds=300,
                step_seconds=step,
            )
            expected = remote.usage([EDGE], asked)
            actual = MetricsFileSource(path, closed_ranges=True).usage([EDGE], asked)
            assert len(expected.containers) == 2
            assert differences(actual, expected) == [], f"end={end} quantiles={low}/9"


def test_the_comparison_is_not_vacuous(scenario: tuple[Path, PrometheusServer]) -> None:
    """The scenario holds what the parity must cover, as the metrics-file source reads it."""
    path, _server = scenario
    data = MetricsFileSource(path, closed_ranges=True).usage(None, query())
    containers = data.containers
    assert len(containers) > 200
    serving = {key: usage for key, usage in containers.items() if key[0] == "ml-serving"}
    assert len(serving) == 10
    assert any(usage.oom_killed for usage in serving.values())
    gpus = [usage.gpu for usage in serving.values() if usage.gpu is not None]
    assert sorted(gpu.gpus for gpu in gpus) == [1, 1, 2]
    assert any(kind == "ReplicaSet" and name == "api-5b6d8f7c9" for kind, name in data.pod_owners.values())
    assert ("ml-serving", "Job", "nightly-eval-29833430") in data.controller_owners
    assert all(usage.cpu is not None for key, usage in containers.items() if key[0] != "ksm-only")
    assert len({usage.history_seconds for usage in serving.values()}) > 2  # gone pods, a Job, whole-window pods


def test_the_in_cluster_prometheus_through_the_service_proxy_gives_the_same(
    scenario: tuple[Path, PrometheusServer], tmp_path: Path
) -> None:
    path, server = scenario
    prometheus_service = {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": {
            "name": "prometheus-k8s",
            "namespace": "monitoring",
            "labels": {"app.kubernetes.io/name": "prometheus"},
        },
        "spec": {"ports": [{"name": "web", "port": 9090, "targetPort": "web"}]},
    }
    with ApiServer([prometheus_service], tls=True) as apiserver:
        apiserver.proxy_service("monitoring", "prometheus-k8s", server.url)
        kubeconfig = apiserver.write_kubeconfig(tmp_path / "kube")
        live = LiveSource(kubeconfig=str(kubeconfig), context=None, request_timeout=30.0, environ=os.environ)
        proxied = in_cluster_prometheus(live).usage(["ml-serving"], query())
    assert proxied.source == {
        "type": "prometheus",
        "service": "monitoring/prometheus-k8s:web",
        "via": "apiserver-proxy",
    }
    assert proxied.queries == 6
    local = MetricsFileSource(path, closed_ranges=True).usage(["ml-serving"], query())
    assert differences(local, proxied) == []
    assert {request.method for request in apiserver.requests} == {"GET"}
