"""A real Prometheus for tests and benchmarks, filled with generated history (DESIGN §6.4).

No cluster runs here, so the Prometheus usage source is tested against the real thing: the Debian package
``prometheus`` (``./scripts/test.sh`` installs it when absent), filled by
``promtool tsdb create-blocks-from openmetrics`` with history written by this module, and started on
127.0.0.1 with an empty configuration (it scrapes nothing, so the data never changes).

The history is realistic where it matters to the queries (reference/rightsize-anchors.md §8):

- cAdvisor: ``container_cpu_usage_seconds_total`` as a monotonic counter (cumulative seconds) that falls back
  to zero when the container restarts, ``container_memory_working_set_bytes`` gauges, with ``job``,
  ``metrics_path``, ``id``, ``image`` and ``node`` labels; duplicate series of a container under a second job
  and cgroup id; pod-level (``container=""``) and pause-container (``container="POD"``) series;
- kube-state-metrics: ``kube_pod_owner`` (``<none>`` for bare pods), ``kube_replicaset_owner``,
  ``kube_job_owner``, ``kube_pod_container_status_last_terminated_reason``;
- dcgm-exporter: ``DCGM_FI_DEV_GPU_UTIL`` (0-100), ``DCGM_FI_DEV_FB_USED``/``_FREE`` (MiB), under the three
  label sets a rightsizer meets.

Samples come every 60 s at second 15 of each minute. Tests evaluate at second 30, so no sample sits on the
edge of a range (``[T-W, T]`` is closed in Prometheus 2.x, left-open in 3.x) or on a subquery step (multiples
of 60 s): the numbers are the same under both versions' rules. Timestamps are written in seconds, one file per
epoch-aligned 2-hour window (promtool re-reads its whole input for every 2-hour block it cuts), files
backfilled in parallel.

In tests, the session fixtures ``prometheus_history`` (the scenario of :func:`standard_history`) and
``prometheus`` (a running server holding it) are imported by tests/prometheus/conftest.py. A benchmark
builds its own history and serves it::

    history = History()
    add_namespace(history, "bulk", pods=1000, containers_per_pod=2, start=END - DAY, end=END)
    with serve(history, Path(tempfile.mkdtemp())) as server:
        source = PrometheusSource(RequestsHttp(server.url), description={"type": "prometheus", "url": server.url})
        source.usage(["bulk"], UsageQuery(window_seconds=DAY, end=END))

(2,000 containers with a day of history: 7.3 million samples, about 40 s to write and backfill on 2 cores,
then 8.5 s for the six queries.) ``serve`` also takes OpenMetrics files, e.g. a snapshot's ``metrics.om``.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import socket
import subprocess
import time
import zlib
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

SCRAPE_INTERVAL = 60
# Samples at second 15 of each minute; queries at second 30 (see the module docstring).
SAMPLE_PHASE = 15
BLOCK_SECONDS = 2 * 3600
HOUR = 3600
DAY = 86400
MIB = 1024 * 1024
GIB = 1024 * MIB

MISSING_BINARIES = (
    "prometheus and promtool are not on PATH: ./scripts/test.sh installs them (Debian package prometheus); "
    "the rightsize tests need a real Prometheus and fail without one."
)

ValueAt = Callable[[int], float]


@dataclass
class Series:
    """One time series: a sample every ``step`` seconds from ``start``.

    Attributes:
        name: the sample name, e.g. ``container_cpu_usage_seconds_total``.
        labels: its labels, in the order they are written.
        start: the first sample's time (Unix seconds).
        values: one value per sample.
        kind: the OpenMetrics family type, ``gauge`` or ``counter`` (a counter's family drops ``_total``).
        step: seconds between samples.
    """

    name: str
    labels: dict[str, str]
    start: int
    values: array[float]
    kind: str = "gauge"
    step: int = SCRAPE_INTERVAL

    @property
    def family(self) -> str:
        """The OpenMetrics family name (``# TYPE`` line)."""
        return self.name.removesuffix("_total") if self.kind == "counter" else self.name

    @property
    def end(self) -> int:
        """The last sample's time."""
        return self.start + (len(self.values) - 1) * self.step

    def samples(self, low: float = -math.inf, high: float = math.inf) -> list[tuple[int, float]]:
        """``(time, value)`` pairs with ``low <= time <= high``."""
        first = max(0, math.ceil((low - self.start) / self.step)) if low > -math.inf else 0
        last = min(len(self.values) - 1, math.floor((high - self.start) / self.step)) if high < math.inf else None
        stop = len(self.values) if last is None else last + 1
        return [(self.start + index * self.step, self.values[index]) for index in range(first, max(first, stop))]


@dataclass
class History:
    """Every series of a scenario, written out as OpenMetrics for promtool."""

    series: list[Series] = field(default_factory=list)

    def add(self, series: Series) -> Series:
        """Add a series and return it."""
        self.series.append(series)
        return series

    def find(self, name: str, **labels: str) -> list[Series]:
        """The series of a metric whose labels include ``labels``."""
        return [
            item
            for item in self.series
            if item.name == name and all(item.labels.get(key, "") == value for key, value in labels.items())
        ]

    def write_openmetrics(self, folder: Path) -> list[Path]:
        """Write one OpenMetrics file per epoch-aligned 2-hour window, families contiguous, ``# EOF`` last.

        Returns:
            The files written, in time order.
        """
        folder.mkdir(parents=True, exist_ok=True)
        families: dict[str, list[Series]] = {}
        for item in self.series:
            families.setdefault(item.family, []).append(item)
        low = min(item.start for item in self.series) // BLOCK_SECONDS * BLOCK_SECONDS
        high = max(item.end for item in self.series)
        prefixes = {id(item): _prefix(item) for item in self.series}
        paths = []
        for window_start in range(low, high + 1, BLOCK_SECONDS):
            window_end = window_start + BLOCK_SECONDS  # exclusive
            lines: list[str] = []
            for family, members in sorted(families.items()):
                header = False
                for item in members:
                    first = max(0, math.ceil((window_start - item.start) / item.step))
                    stop = min(len(item.values), math.ceil((window_end - item.start) / item.step))
                    if first >= stop:
                        continue
                    if not header:
                        lines.append(f"# TYPE {family} {item.kind}\n")
                        header = True
                    prefix, values, start, step = prefixes[id(item)], item.values, item.start, item.step
                    lines.extend(
                        f"{prefix} {_number(values[index])} {start + index * step}\n" for index in range(first, stop)
                    )
            if lines:
                path = folder / f"{window_start}.om"
                lines.append("# EOF\n")
                path.write_text("".join(lines), encoding="utf-8")
                paths.append(path)
        return paths


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _prefix(item: Series) -> str:
    labels = ",".join(f'{key}="{_escape(value)}"' for key, value in item.labels.items())
    return f"{item.name}{{{labels}}}"


def _number(value: float) -> str:
    # Integers as integers (bytes, MiB); other floats in their shortest exact form, so Prometheus stores
    # exactly the value the tests compute from.
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def _grid(start: float, end: float, step: int = SCRAPE_INTERVAL) -> range:
    """Sample times at second ``SAMPLE_PHASE`` of the minute, from the first at or after start to end."""
    first = math.ceil((start - SAMPLE_PHASE) / step) * step + SAMPLE_PHASE
    return range(first, int(end) + 1, step)


def _rng(*parts: object) -> random.Random:
    """A generator seeded by its owner's identity, so the history is the same on every run."""
    return random.Random(zlib.crc32("/".join(map(str, parts)).encode()))


def gauge(
    name: str, labels: Mapping[str, str], start: float, end: float, value: ValueAt, step: int = SCRAPE_INTERVAL
) -> Series:
    """A gauge sampled every scrape interval between start and end.

    Args:
        name: metric name.
        labels: its labels.
        start: no sample before this time.
        end: no sample after this time.
        value: the value at a sample time.
        step: the scrape interval.

    Returns:
        The series (not yet added to a history).
    """
    times = _grid(start, end, step)
    return Series(name, dict(labels), times.start, array("d", (value(moment) for moment in times)), step=step)


def counter(
    name: str,
    labels: Mapping[str, str],
    start: float,
    end: float,
    rate: ValueAt,
    restarts: Sequence[int] = (),
    step: int = SCRAPE_INTERVAL,
) -> Series:
    """A monotonic counter (cumulative seconds for CPU) that falls back to zero at each restart.

    Args:
        name: metric name, ending with ``_total``.
        labels: its labels.
        start: when the container started (the counter is zero then).
        end: no sample after this time.
        rate: the per-second increase over the scrape interval that ends at a sample time.
        restarts: times at which the container restarted: its counter starts again from zero.
        step: the scrape interval.

    Returns:
        The series (not yet added to a history).
    """
    times = _grid(start, end, step)
    values = array("d")
    total, previous = 0.0, float(start)
    pending = sorted(restarts)
    for moment in times:
        if pending and pending[0] <= moment:
            total, previous = 0.0, float(pending.pop(0))
        total += rate(moment) * (moment - previous)
        values.append(total)
        previous = moment
    return Series(name, dict(labels), times.start, values, kind="counter", step=step)


def add_container(
    history: History,
    namespace: str,
    pod: str,
    container: str,
    start: float,
    end: float,
    *,
    cpu: ValueAt,
    memory: ValueAt,
    restarts: Sequence[int] = (),
    node: str = "node-1",
    job: str = "kubelet",
    step: int = SCRAPE_INTERVAL,
) -> tuple[Series, Series]:
    """cAdvisor's CPU counter and working-set gauge for one container, labelled as the kubelet does.

    Returns:
        The CPU and the memory series.
    """
    labels = {
        "container": container,
        "id": f"/kubepods/burstable/pod{zlib.crc32(pod.encode()):08x}/{zlib.crc32((pod + container).encode()):08x}",
        "image": f"registry.example.com/{container}:1.0",
        "instance": node,
        "job": job,
        "metrics_path": "/metrics/cadvisor",
        "name": f"{zlib.crc32((pod + container).encode()):08x}",
        "namespace": namespace,
        "node": node,
        "pod": pod,
    }
    cpu_series = history.add(counter("container_cpu_usage_seconds_total", labels, start, end, cpu, restarts, step))
    memory_series = history.add(gauge("container_memory_working_set_bytes", labels, start, end, memory, step))
    return cpu_series, memory_series


def duplicate(history: History, original: Series, *, job: str, scale: float = 1.0) -> Series:
    """The same container's series again under another scrape job and cgroup id (values times ``scale``)."""
    labels = dict(original.labels, job=job, id=original.labels.get("id", "") + "/duplicate")
    values = array("d", (value * scale for value in original.values))
    return history.add(Series(original.name, labels, original.start, values, original.kind, original.step))


def add_pod_cgroups(history: History, namespace: str, pod: str, start: float, end: float) -> None:
    """The pod-level cgroup (``container=""``) and the pause container (``POD``), which rightsize must drop."""
    for container, scale in (("", 40.0), ("POD", 20.0)):
        labels = {"container": container, "job": "kubelet", "namespace": namespace, "pod": pod, "node": "node-1"}
        history.add(counter("container_cpu_usage_seconds_total", labels, start, end, lambda _t, s=scale: s))
        history.add(gauge("container_memory_working_set_bytes", labels, start, end, lambda _t, s=scale: s * GIB))


def add_pod_owner(
    history: History,
    namespace: str,
    pod: str,
    kind: str,
    name: str,
    start: float,
    end: float,
    step: int = SCRAPE_INTERVAL,
) -> Series:
    """``kube_pod_owner`` while the pod exists (``kind``/``name`` ``<none>`` for a bare pod)."""
    labels = {
        "job": "kube-state-metrics",
        "namespace": namespace,
        "owner_is_controller": "<none>" if kind == "<none>" else "true",
        "owner_kind": kind,
        "owner_name": name,
        "pod": pod,
        "uid": f"{zlib.crc32(pod.encode()):08x}-0000-4000-8000-000000000000",
    }
    return history.add(gauge("kube_pod_owner", labels, start, end, lambda _t: 1.0, step))


def add_controller_owner(
    history: History, metric: str, namespace: str, name: str, kind: str, owner: str, start: float, end: float
) -> Series:
    """``kube_replicaset_owner`` or ``kube_job_owner`` for a controller that exists from start to end."""
    key = "replicaset" if metric == "kube_replicaset_owner" else "job_name"
    labels = {
        "job": "kube-state-metrics",
        key: name,
        "namespace": namespace,
        "owner_is_controller": "true",
        "owner_kind": kind,
        "owner_name": owner,
    }
    return history.add(gauge(metric, labels, start, end, lambda _t: 1.0))


def add_terminated(
    history: History, namespace: str, pod: str, container: str, reason: str, start: float, end: float
) -> Series:
    """``kube_pod_container_status_last_terminated_reason`` from the termination on."""
    labels = {"container": container, "job": "kube-state-metrics", "namespace": namespace, "pod": pod, "reason": reason}
    return history.add(gauge("kube_pod_container_status_last_terminated_reason", labels, start, end, lambda _t: 1.0))


@dataclass(frozen=True)
class GpuLabels:
    """Which labels dcgm-exporter's series use to name the pod (reference/rightsize-anchors.md §8.4)."""

    namespace: str
    pod: str
    container: str
    # Target labels Prometheus adds when it scrapes the exporter pod (they collide with namespace/pod).
    target: Mapping[str, str] = field(default_factory=dict)


CURRENT_LABELS = GpuLabels("namespace", "pod", "container")
OLD_LABELS = GpuLabels(
    "pod_namespace",
    "pod_name",
    "container_name",
    {"namespace": "gpu-operator", "pod": "dcgm-exporter-6xq2p", "container": "dcgm-exporter"},
)
EXPORTED_LABELS = GpuLabels(
    "exported_namespace",
    "exported_pod",
    "exported_container",
    {"namespace": "gpu-operator", "pod": "nvidia-dcgm-exporter-9tq4z", "container": "nvidia-dcgm-exporter"},
)
FRAMEBUFFER_MIB = 81559  # an H100 80GB HBM3


def add_gpu(
    history: History,
    style: GpuLabels,
    workload: tuple[str, str, str] | None,
    gpu: int,
    start: float,
    end: float,
    *,
    utilization: ValueAt,
    used_mib: ValueAt,
    host: str = "gpu-node-1",
) -> tuple[Series, Series, Series]:
    """DCGM_FI_DEV_GPU_UTIL, _FB_USED and _FB_FREE of one GPU, mapped to ``workload`` (namespace, pod, container).

    ``workload=None`` is an unallocated GPU: only the exporter's own target labels (if any) name a pod.

    Returns:
        The utilisation, used and free series.
    """
    labels: dict[str, str] = {
        "DCGM_FI_DRIVER_VERSION": "550.54.15",
        "Hostname": host,
        "UUID": f"GPU-{zlib.crc32(f'{host}/{gpu}'.encode()):08x}-7d2c-4e1a-9b3f-{gpu:012d}",
        "device": f"nvidia{gpu}",
        "gpu": str(gpu),
        "modelName": "NVIDIA H100 80GB HBM3",
    }
    labels.update(style.target)
    if workload is not None:
        labels.update({style.namespace: workload[0], style.pod: workload[1], style.container: workload[2]})
    return (
        history.add(gauge("DCGM_FI_DEV_GPU_UTIL", labels, start, end, utilization)),
        history.add(gauge("DCGM_FI_DEV_FB_USED", labels, start, end, used_mib)),
        history.add(gauge("DCGM_FI_DEV_FB_FREE", labels, start, end, lambda t: FRAMEBUFFER_MIB - used_mib(t))),
    )


def noisy(
    seed: object, base: float, spread: float = 0.4, burst: float = 0.0, whole: bool = False, ceiling: float = math.inf
) -> ValueAt:
    """A deterministic usage curve: ``base`` x (1 +- spread), rare bursts, at most ``ceiling``, as a function of time.

    Values are remembered per time, so two series can share one curve (DCGM's FB_USED and FB_FREE).
    """
    generator = _rng(seed)
    cache: dict[int, float] = {}

    def value(moment: int) -> float:
        if moment not in cache:
            level = base * (1 - spread + 2 * spread * generator.random())
            if burst and generator.random() < 0.01:
                level *= burst
            level = min(level, ceiling)
            cache[moment] = float(round(level)) if whole else level
        return cache[moment]

    return value


def add_namespace(
    history: History,
    namespace: str,
    *,
    pods: int,
    containers_per_pod: int,
    start: float,
    end: float,
    pods_per_replicaset: int = 10,
) -> list[tuple[str, str, str]]:
    """A namespace of Deployments (``pods_per_replicaset`` pods each), with cAdvisor and kube-state-metrics.

    Returns:
        The (namespace, pod, container) of every container.
    """
    containers = []
    for index in range(pods):
        deployment = f"app-{index // pods_per_replicaset:03d}"
        replicaset = f"{deployment}-{zlib.crc32(deployment.encode()) % 10**9:09d}"[: len(deployment) + 10]
        pod = f"{replicaset}-{index % pods_per_replicaset:05d}"
        for number in range(containers_per_pod):
            container = "main" if number == 0 else f"sidecar-{number}"
            add_container(
                history,
                namespace,
                pod,
                container,
                start,
                end,
                cpu=noisy((namespace, pod, container, "cpu"), 0.05 + 0.01 * number),
                memory=noisy((namespace, pod, container, "memory"), 200 * MIB, 0.1, whole=True),
            )
            containers.append((namespace, pod, container))
        add_pod_owner(history, namespace, pod, "ReplicaSet", replicaset, start, end)
        if index % pods_per_replicaset == 0:
            add_controller_owner(
                history, "kube_replicaset_owner", namespace, replicaset, "Deployment", deployment, start, end
            )
    return containers


# The standard scenario ------------------------------------------------------------------------------------

# Evaluation time of the tests (second 30 of a minute); the newest sample is 15 s earlier.
END = 1_790_006_430
WINDOW = DAY
SERVING = "ml-serving"
OLD_REPLICASET, NEW_REPLICASET = "api-5b6d8f7c9", "api-7f9c6d5b8"
OLD_PODS = (f"{OLD_REPLICASET}-x2x4k", f"{OLD_REPLICASET}-q8w7z")
NEW_PODS = (f"{NEW_REPLICASET}-h5j2m", f"{NEW_REPLICASET}-n3p6r")
ROLLOUT = END - 10 * HOUR - 30
DATABASE_POD = "vector-db-0"
DATABASE_RESTART = END - 5 * HOUR - 30
DATABASE_PEAK = END - 3 * HOUR - 15  # a sample time: the one-sample peak inside the window
OLD_PEAK = END - 25 * HOUR - 15  # a higher peak, outside the window
JOB, JOB_POD, CRONJOB = "nightly-eval-29833430", "nightly-eval-29833430-k7m2p", "nightly-eval"
JOB_START, JOB_END = END - 8 * HOUR - 30, END - 7 * HOUR - 20 * 60 - 30
LLM_REPLICASET = "llm-6d8f9c7b5"
LLM_POD = f"{LLM_REPLICASET}-w4x8k"
NOTEBOOK_POD = "notebook-alice"
EXPORTER_POD = "nvidia-dcgm-exporter-9tq4z"
SMALL, BULK = "small", "bulk"
SLOW, SLOW_SCRAPE_INTERVAL = "slow-scrape", 120
BULK_START = END - 3 * HOUR - 30


def standard_history() -> History:
    """The scenario the Prometheus tests query, one namespace per situation.

    - ``ml-serving``: a Deployment ``api`` whose ReplicaSet ``api-5b6d8f7c9`` was replaced by
      ``api-7f9c6d5b8`` 10 h before the end (its pods are gone, its usage counts); a duplicate scrape job and
      pod-level series for one pod; StatefulSet ``vector-db`` with a one-sample memory peak inside the window,
      a higher one before it, a CPU counter reset at a restart and an OOM kill; a CronJob's Job that ran for
      40 minutes on a GPU (plain DCGM labels); Deployment ``llm`` on two busy GPUs (``exported_*`` labels);
      a bare pod ``notebook-alice`` holding an idle GPU (old exporter labels). Ten containers.
    - ``no-ksm``: cAdvisor only (no kube-state-metrics series there).
    - ``ksm-only``: kube-state-metrics only (no cAdvisor series there).
    - ``gpu-operator``: the DCGM exporter pod itself, whose target labels the scrape gives every GPU series.
    - ``slow-scrape``: one container scraped every 120 s (the CPU rate window must grow to 8 minutes).
    - ``small`` (10 containers) and ``bulk`` (200 containers): Deployments, 3 h of history.
    """
    history = History()
    start = END - 26 * HOUR
    for pod in (*OLD_PODS, *NEW_PODS):
        old = pod in OLD_PODS
        begin, finish = (start, ROLLOUT) if old else (ROLLOUT, END)
        for container, cpu_base, memory_base in (("server", 0.4, 600 * MIB), ("proxy", 0.05, 60 * MIB)):
            if old and container == "proxy":
                continue  # the rollout added the proxy sidecar
            cpu, memory = add_container(
                history,
                SERVING,
                pod,
                container,
                begin,
                finish,
                cpu=noisy((pod, container, "cpu"), cpu_base, 0.5, burst=3),
                memory=noisy((pod, container, "memory"), memory_base, 0.15, whole=True),
            )
            if pod == NEW_PODS[0] and container == "server":
                duplicate(history, cpu, job="kubernetes-cadvisor")
                duplicate(history, memory, job="kubernetes-cadvisor", scale=0.97)
        add_pod_owner(history, SERVING, pod, "ReplicaSet", OLD_REPLICASET if old else NEW_REPLICASET, begin, finish)
    add_pod_cgroups(history, SERVING, NEW_PODS[0], ROLLOUT, END)
    # ReplicaSets outlive their pods (scaled to zero, kept for rollbacks).
    add_controller_owner(history, "kube_replicaset_owner", SERVING, OLD_REPLICASET, "Deployment", "api", start, END)
    add_controller_owner(history, "kube_replicaset_owner", SERVING, NEW_REPLICASET, "Deployment", "api", ROLLOUT, END)

    database_memory = noisy((DATABASE_POD, "memory"), 2 * GIB, 0.1, whole=True)
    add_container(
        history,
        SERVING,
        DATABASE_POD,
        "db",
        start,
        END,
        cpu=noisy((DATABASE_POD, "cpu"), 1.2, 0.3, burst=2),
        memory=lambda t: 6.5 * GIB if t == DATABASE_PEAK else 9.0 * GIB if t == OLD_PEAK else database_memory(t),
        restarts=(DATABASE_RESTART,),
    )
    add_pod_owner(history, SERVING, DATABASE_POD, "StatefulSet", "vector-db", start, END)
    add_terminated(history, SERVING, DATABASE_POD, "db", "OOMKilled", DATABASE_RESTART, END)

    add_container(
        history,
        SERVING,
        JOB_POD,
        "eval",
        JOB_START,
        JOB_END,
        cpu=noisy((JOB_POD, "cpu"), 3.0, 0.2),
        memory=noisy((JOB_POD, "memory"), 12 * GIB, 0.2, whole=True),
    )
    add_pod_owner(history, SERVING, JOB_POD, "Job", JOB, JOB_START, JOB_END)
    add_controller_owner(history, "kube_job_owner", SERVING, JOB, "CronJob", CRONJOB, JOB_START, END)
    add_gpu(
        history,
        CURRENT_LABELS,
        (SERVING, JOB_POD, "eval"),
        3,
        JOB_START,
        JOB_END,
        utilization=noisy((JOB_POD, "gpu"), 80, 0.2, whole=True, ceiling=100),
        used_mib=noisy((JOB_POD, "fb"), 30000, 0.3, whole=True),
        host="gpu-node-2",
    )

    add_container(
        history,
        SERVING,
        LLM_POD,
        "vllm",
        start,
        END,
        cpu=noisy((LLM_POD, "cpu"), 2.0, 0.3),
        memory=noisy((LLM_POD, "memory"), 24 * GIB, 0.05, whole=True),
    )
    add_pod_owner(history, SERVING, LLM_POD, "ReplicaSet", LLM_REPLICASET, start, END)
    add_controller_owner(history, "kube_replicaset_owner", SERVING, LLM_REPLICASET, "Deployment", "llm", start, END)
    for gpu in (0, 1):
        add_gpu(
            history,
            EXPORTED_LABELS,
            (SERVING, LLM_POD, "vllm"),
            gpu,
            start,
            END,
            utilization=noisy((LLM_POD, "gpu", gpu), 60 + 10 * gpu, 0.5, whole=True, ceiling=100),
            # vLLM reserves 90% of the card at start: flat framebuffer use.
            used_mib=lambda _t: 73400.0,
        )
    add_gpu(history, EXPORTED_LABELS, None, 2, start, END, utilization=lambda _t: 0.0, used_mib=lambda _t: 0.0)

    add_container(
        history,
        SERVING,
        NOTEBOOK_POD,
        "jupyter",
        start,
        END,
        cpu=noisy((NOTEBOOK_POD, "cpu"), 0.02, 0.5),
        memory=noisy((NOTEBOOK_POD, "memory"), 3 * GIB, 0.02, whole=True),
    )
    add_pod_owner(history, SERVING, NOTEBOOK_POD, "<none>", "<none>", start, END)
    add_gpu(
        history,
        OLD_LABELS,
        (SERVING, NOTEBOOK_POD, "jupyter"),
        0,
        start,
        END,
        utilization=lambda _t: 0.0,
        used_mib=lambda _t: 1200.0,
        host="gpu-node-3",
    )

    add_container(
        history,
        "no-ksm",
        "worker-5d8c7b9f6-t2v9x",
        "worker",
        BULK_START,
        END,
        cpu=noisy("worker-cpu", 0.3),
        memory=noisy("worker-memory", 500 * MIB, 0.1, whole=True),
    )
    add_pod_owner(history, "ksm-only", "idle-0", "StatefulSet", "idle", BULK_START, END)
    add_container(
        history,
        SLOW,
        "exporter-0",
        "exporter",
        BULK_START,
        END,
        cpu=noisy("slow-cpu", 0.25, 0.5, burst=3),
        memory=noisy("slow-memory", 100 * MIB, 0.1, whole=True),
        step=SLOW_SCRAPE_INTERVAL,
    )
    add_pod_owner(history, SLOW, "exporter-0", "StatefulSet", "exporter", BULK_START, END, step=SLOW_SCRAPE_INTERVAL)
    add_container(
        history,
        "gpu-operator",
        EXPORTER_POD,
        "nvidia-dcgm-exporter",
        start,
        END,
        cpu=noisy("exporter-cpu", 0.01),
        memory=noisy("exporter-memory", 300 * MIB, 0.1, whole=True),
    )
    add_pod_owner(history, "gpu-operator", EXPORTER_POD, "DaemonSet", "nvidia-dcgm-exporter", start, END)

    add_namespace(history, SMALL, pods=5, containers_per_pod=2, start=BULK_START, end=END)
    add_namespace(history, BULK, pods=100, containers_per_pod=2, start=BULK_START, end=END)
    return history


# The server -----------------------------------------------------------------------------------------------


def binaries() -> tuple[str, str]:
    """The paths of ``prometheus`` and ``promtool``; fails the test (never skips) when either is missing."""
    server, tool = shutil.which("prometheus"), shutil.which("promtool")
    if server is None or tool is None:
        pytest.fail(MISSING_BINARIES, pytrace=False)
    return server, tool


def backfill(history: History, data: Path) -> None:
    """Write the history as OpenMetrics and turn it into TSDB blocks in ``data``."""
    folder = data.parent / f"{data.name}-openmetrics"
    backfill_files(history.write_openmetrics(folder), data)
    shutil.rmtree(folder, ignore_errors=True)


def backfill_files(files: Sequence[Path], data: Path) -> None:
    """Turn OpenMetrics files (e.g. a snapshot's metrics.om) into TSDB blocks in ``data``, with promtool, in parallel.

    Raises:
        RuntimeError: promtool rejected a file (its message says why: no ``# EOF``, families not contiguous).
    """
    _, tool = binaries()
    data.mkdir(parents=True, exist_ok=True)

    def create(path: Path) -> None:
        result = subprocess.run(
            [tool, "tsdb", "create-blocks-from", "openmetrics", "-q", str(path), str(data)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"promtool failed on {path}: {result.stderr.strip()}")

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(create, files))


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PrometheusServer:
    """A running ``prometheus`` process on 127.0.0.1.

    Attributes:
        url: its base URL.
        process: the process.
    """

    url: str
    process: subprocess.Popen[bytes]

    def query(self, expression: str, at: float) -> list[tuple[dict[str, str], float]]:
        """Run an instant query directly (the tests' own probes), as (labels, value) pairs."""
        response = requests.get(f"{self.url}/api/v1/query", params={"query": expression, "time": str(at)}, timeout=30)
        response.raise_for_status()
        return [(item["metric"], float(item["value"][1])) for item in response.json()["data"]["result"]]

    def requests_total(self, handler: str = "/api/v1/query") -> float:
        """``prometheus_http_requests_total`` of a handler, summed over status codes, from its own /metrics."""
        text = requests.get(f"{self.url}/metrics", timeout=10).text
        total = 0.0
        for line in text.splitlines():
            if line.startswith("prometheus_http_requests_total{") and f'handler="{handler}"' in line:
                total += float(line.rsplit(" ", 1)[1])
        return total

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 10 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(data: Path, *, timeout: float = 30.0) -> PrometheusServer:
    """Start prometheus on a free 127.0.0.1 port over the TSDB in ``data``; return when it is ready.

    The configuration is empty (nothing is scraped, the data stays as backfilled) and retention is long:
    retention counts from the newest block, so a short one would delete old backfilled blocks.
    """
    server, _ = binaries()
    config = data.parent / f"{data.name}-prometheus.yml"
    config.write_text("", encoding="utf-8")
    port = free_port()
    log = (data.parent / f"{data.name}-prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            server,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=36500d",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    running = PrometheusServer(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = (data.parent / f"{data.name}-prometheus.log").read_text(errors="replace")
            raise RuntimeError(f"prometheus exited with {process.returncode}: {output[-2000:]}")
        try:
            if requests.get(f"{running.url}/-/ready", timeout=1).status_code == 200:
                return running
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    running.stop()
    raise RuntimeError(f"prometheus was not ready within {timeout:g} s")


@contextmanager
def serve(history: History | Sequence[Path], folder: Path) -> Iterator[PrometheusServer]:
    """Backfill a history (or OpenMetrics files) into ``folder/data``, run Prometheus over it, stop it after.

    Args:
        history: generated history, or OpenMetrics files such as a snapshot's ``metrics.om``.
        folder: an empty working folder.

    Yields:
        The running server.
    """
    data = folder / "data"
    if isinstance(history, History):
        backfill(history, data)
    else:
        backfill_files(history, data)
    running = start(data)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def prometheus_history() -> History:
    """The standard scenario (:func:`standard_history`), built once per session."""
    return standard_history()


@pytest.fixture(scope="session")
def prometheus(prometheus_history: History, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    """A real Prometheus holding the standard scenario; fails (not skips) without the binaries."""
    binaries()
    with serve(prometheus_history, tmp_path_factory.mktemp("prometheus")) as running:
        yield running
