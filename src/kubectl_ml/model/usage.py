"""Observed resource usage, as every usage source hands it to the recommender.

Prometheus, a snapshot's metrics.om and metrics-server sampling all give plain numbers per container,
already reduced to quantiles over the window.

Sources compute the statistics (Prometheus does it server-side with ``quantile_over_time``; the snapshot
source does the same arithmetic locally), so the recommender never sees raw samples and the number of
Prometheus queries does not grow with the number of containers.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Stats:
    """Summary of one resource of one container over the window.

    Attributes:
        request: the request quantile (``--request-quantile``, P50 by default), cores or bytes.
        limit: the limit quantile (``--limit-quantile``, P99 by default).
        max: the highest value seen (for memory, the highest raw sample: the safety floor of a limit).
    """

    request: float
    limit: float
    max: float


@dataclass(frozen=True)
class GpuUsage:
    """DCGM exporter figures for the GPUs a container used (dcgm-exporter maps GPUs to pods).

    Attributes:
        utilization_p50: median ``DCGM_FI_DEV_GPU_UTIL`` (0-100) over the window.
        utilization_max: highest utilization seen.
        memory_used_max: highest ``DCGM_FI_DEV_FB_USED``, bytes (the exporter reports MiB).
        memory_total: framebuffer size, bytes (FB_USED + FB_FREE), when known.
        gpus: how many GPUs the container had.
    """

    utilization_p50: float
    utilization_max: float
    memory_used_max: float
    memory_total: float | None = None
    gpus: int = 1


@dataclass(frozen=True)
class ContainerUsage:
    """What one container of one pod used over the window.

    Attributes:
        namespace, pod, container: which container (the pod may no longer exist).
        cpu: CPU in cores (from ``rate(container_cpu_usage_seconds_total[W])``), or None without data.
        memory: working-set bytes (``container_memory_working_set_bytes`` raw samples), or None.
        samples: number of memory samples in the window.
        history_seconds: time between the first and last sample in the window.
        oom_killed: the container was OOMKilled in the window.
        gpu: DCGM figures, when the exporter reports this container.
    """

    namespace: str
    pod: str
    container: str
    cpu: Stats | None = None
    memory: Stats | None = None
    samples: int = 0
    history_seconds: float = 0.0
    oom_killed: bool = False
    gpu: GpuUsage | None = None


@dataclass
class UsageData:
    """Everything a usage source returns for a set of namespaces.

    Attributes:
        containers: usage per (namespace, pod, container).
        pod_owners: (namespace, pod) -> (owner kind, owner name), from ``kube_pod_owner``; covers pods that no
            longer exist (a ReplicaSet replaced by a rollout within the window).
        controller_owners: (namespace, kind, name) -> (owner kind, owner name), e.g. a ReplicaSet's Deployment
            (``kube_replicaset_owner``) or a Job's CronJob (``kube_job_owner``).
        source: the ``source`` member of the report (``{"type": "prometheus", "url": ...}``).
        confidence: ``high`` for a metrics history, ``low`` for a short metrics-server sampling.
        notes: what could not be read (a missing metric, a forbidden proxy), one sentence each.
        queries: how many queries the source sent (Prometheus), for the report and the benchmark.
    """

    containers: dict[tuple[str, str, str], ContainerUsage] = field(default_factory=dict)
    pod_owners: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    controller_owners: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)
    source: dict[str, object] = field(default_factory=dict)
    confidence: str = "high"
    notes: list[str] = field(default_factory=list)
    queries: int = 0


@dataclass(frozen=True)
class UsageQuery:
    """What a usage source is asked for (DESIGN §5; the statistics are specified in docs/rightsize.md).

    Attributes:
        window_seconds: how far back to look (``--window``, 7 days by default).
        end: the evaluation time as Unix seconds; None for "now" (a snapshot uses its newest sample).
        request_quantile: the quantile that becomes the request (``--request-quantile``, 0.5).
        limit_quantile: the quantile that becomes the limit before the margin (``--limit-quantile``, 0.99).
        rate_window_seconds: the CPU rate window; None to choose 4x the detected scrape interval, at least
            5 minutes.
        step_seconds: the subquery resolution for CPU rates (60).
    """

    window_seconds: float = 7 * 86400
    end: float | None = None
    request_quantile: float = 0.5
    limit_quantile: float = 0.99
    rate_window_seconds: float | None = None
    step_seconds: float = 60.0
