"""The Prometheus usage source against a real Prometheus holding generated history.

Every expected number is computed here from the generated samples (tests/prometheus/promql.py), never read
back from Prometheus, and compared with what the source gets from the server: the statistics of
docs/rightsize.md, owners (gone pods included), OOM kills, GPU figures, notes for missing metrics, and the
number of queries, counted by Prometheus itself.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from kubectl_ml.model.usage import UsageData, UsageQuery
from kubectl_ml.sources.prometheus import HISTORY_STEP, MIB, PrometheusSource, RequestsHttp
from tests.prometheus import promql
from tests.support.prometheus import (
    BULK,
    CRONJOB,
    DATABASE_PEAK,
    DATABASE_POD,
    DATABASE_RESTART,
    END,
    EXPORTER_POD,
    FRAMEBUFFER_MIB,
    GIB,
    JOB,
    JOB_POD,
    LLM_POD,
    LLM_REPLICASET,
    NEW_PODS,
    NEW_REPLICASET,
    NOTEBOOK_POD,
    OLD_PEAK,
    OLD_PODS,
    OLD_REPLICASET,
    SERVING,
    SLOW,
    SLOW_SCRAPE_INTERVAL,
    SMALL,
    WINDOW,
    History,
    PrometheusServer,
)

QUERY = UsageQuery(window_seconds=WINDOW, end=END)
SERVING_CONTAINERS = {
    *((SERVING, pod, "server") for pod in (*OLD_PODS, *NEW_PODS)),
    *((SERVING, pod, "proxy") for pod in NEW_PODS),
    (SERVING, DATABASE_POD, "db"),
    (SERVING, JOB_POD, "eval"),
    (SERVING, LLM_POD, "vllm"),
    (SERVING, NOTEBOOK_POD, "jupyter"),
}
# Per query set, whatever the number of containers (DESIGN §7: at most 12 per namespace).
QUERY_BUDGET = 12


@dataclass
class Recording:
    """A PrometheusHttp that forwards to the real server and keeps every request."""

    inner: RequestsHttp
    sent: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def get(self, path: str, params: Mapping[str, str]) -> tuple[int, bytes]:
        self.sent.append((path, dict(params)))
        return self.inner.get(path, params)


def source(server: PrometheusServer) -> PrometheusSource:
    return PrometheusSource(RequestsHttp(server.url), description={"type": "prometheus", "url": server.url})


@pytest.fixture(scope="module")
def serving(prometheus: PrometheusServer) -> UsageData:
    return source(prometheus).usage([SERVING], QUERY)


def test_every_workload_container_is_found_and_pod_level_series_are_dropped(serving: UsageData) -> None:
    assert set(serving.containers) == SERVING_CONTAINERS
    assert all(item.container not in ("", "POD") for item in serving.containers.values())
    assert serving.source == {"type": "prometheus", "url": serving.source["url"]}
    assert serving.notes == []


@pytest.mark.parametrize("key", sorted(SERVING_CONTAINERS))
def test_memory_statistics_are_those_of_the_raw_samples(
    serving: UsageData, prometheus_history: History, key: tuple[str, str, str]
) -> None:
    expected = promql.memory(prometheus_history, key, end=END, window=WINDOW)
    usage = serving.containers[key]
    assert usage.memory is not None
    assert (usage.memory.request, usage.memory.limit, usage.memory.max) == pytest.approx(
        (expected.stats.request, expected.stats.limit, expected.stats.max), rel=1e-12
    )
    assert usage.samples == expected.samples
    # History is measured in 5-minute steps: within a step of the time between the first and last samples.
    assert usage.history_seconds == expected.history
    assert abs(usage.history_seconds - expected.span) <= HISTORY_STEP


def test_memory_max_is_the_one_sample_peak_inside_the_window(serving: UsageData, prometheus_history: History) -> None:
    (series,) = promql.container_series(prometheus_history, promql.MEMORY, SERVING, DATABASE_POD, "db")
    samples = dict(series.samples())
    # The peak is one sample high between ordinary neighbours; a higher one lies before the window.
    assert samples[DATABASE_PEAK] == 6.5 * GIB
    assert samples[DATABASE_PEAK - 60] < 3 * GIB
    assert samples[DATABASE_PEAK + 60] < 3 * GIB
    assert samples[OLD_PEAK] == 9 * GIB
    assert OLD_PEAK < END - WINDOW
    memory = serving.containers[(SERVING, DATABASE_POD, "db")].memory
    assert memory is not None
    assert memory.max == 6.5 * GIB
    # The P99 ignores one sample in 1,440: only the raw max keeps the peak a memory limit must stay above.
    assert memory.limit < 3 * GIB


@pytest.mark.parametrize("key", sorted(SERVING_CONTAINERS))
def test_cpu_statistics_are_quantiles_of_the_rate_over_a_five_minute_window(
    serving: UsageData, prometheus_history: History, key: tuple[str, str, str]
) -> None:
    expected = promql.cpu(prometheus_history, key, end=END, window=WINDOW, rate_window=300)
    cpu = serving.containers[key].cpu
    assert cpu is not None
    assert (cpu.request, cpu.limit, cpu.max) == pytest.approx(
        (expected.request, expected.limit, expected.max), rel=1e-9
    )


def test_a_counter_reset_at_a_restart_is_not_a_negative_rate(serving: UsageData, prometheus_history: History) -> None:
    (series,) = promql.container_series(prometheus_history, promql.CPU, SERVING, DATABASE_POD, "db")
    before = series.samples(DATABASE_RESTART - 60, DATABASE_RESTART)[-1][1]
    after = series.samples(DATABASE_RESTART, DATABASE_RESTART + 60)[0][1]
    assert after < 60 < before  # the counter fell back to zero: 15 s of use since the restart
    cpu = serving.containers[(SERVING, DATABASE_POD, "db")].cpu
    # Taken as a decrease, the drop would read as minus thousands of cores; rate() adds the reset back.
    assert cpu is not None
    assert 0.8 < cpu.request < 1.6
    assert cpu.max <= 1.2 * 1.3 * 2


def test_duplicate_series_of_another_scrape_job_count_once(serving: UsageData, prometheus_history: History) -> None:
    key = (SERVING, NEW_PODS[0], "server")
    cpu_series = promql.container_series(prometheus_history, promql.CPU, *key)
    memory_series = promql.container_series(prometheus_history, promql.MEMORY, *key)
    assert {item.labels["job"] for item in cpu_series} == {"kubelet", "kubernetes-cadvisor"}
    assert len(memory_series) == 2
    main = next(item for item in memory_series if item.labels["job"] == "kubelet")
    usage = serving.containers[key]
    assert usage.memory is not None
    assert usage.memory.max == max(value for _t, value in main.samples(END - WINDOW, END))
    # Summing the two identical CPU series would double the usage.
    expected = promql.cpu(prometheus_history, key, end=END, window=WINDOW, rate_window=300)
    assert usage.cpu is not None
    assert usage.cpu.request == pytest.approx(expected.request, rel=1e-9)
    assert usage.cpu.request < 0.6


def test_samples_and_history_cover_gone_pods_and_short_jobs(serving: UsageData) -> None:
    gone = serving.containers[(SERVING, OLD_PODS[0], "server")]
    job = serving.containers[(SERVING, JOB_POD, "eval")]
    whole = serving.containers[(SERVING, LLM_POD, "vllm")]
    # Samples are raw; history is to 5 minutes (a 40-minute Job's 39 minutes between first and last sample).
    assert job.samples == 40
    assert abs(job.history_seconds - 39 * 60) <= HISTORY_STEP
    assert whole.samples == WINDOW // 60
    assert abs(whole.history_seconds - WINDOW) <= HISTORY_STEP
    assert gone.samples == 839  # from the window's start to the rollout, 10 h before the end
    assert abs(gone.history_seconds - 838 * 60) <= HISTORY_STEP


def test_owners_include_pods_of_an_earlier_replicaset(serving: UsageData) -> None:
    assert serving.pod_owners == {
        **{(SERVING, pod): ("ReplicaSet", OLD_REPLICASET) for pod in OLD_PODS},
        **{(SERVING, pod): ("ReplicaSet", NEW_REPLICASET) for pod in NEW_PODS},
        (SERVING, DATABASE_POD): ("StatefulSet", "vector-db"),
        (SERVING, JOB_POD): ("Job", JOB),
        (SERVING, LLM_POD): ("ReplicaSet", LLM_REPLICASET),
        (SERVING, NOTEBOOK_POD): ("<none>", "<none>"),
    }
    assert serving.controller_owners == {
        (SERVING, "ReplicaSet", OLD_REPLICASET): ("Deployment", "api"),
        (SERVING, "ReplicaSet", NEW_REPLICASET): ("Deployment", "api"),
        (SERVING, "ReplicaSet", LLM_REPLICASET): ("Deployment", "llm"),
        (SERVING, "Job", JOB): ("CronJob", CRONJOB),
    }


def test_only_the_oom_killed_container_is_flagged(serving: UsageData) -> None:
    flagged = {key for key, item in serving.containers.items() if item.oom_killed}
    assert flagged == {(SERVING, DATABASE_POD, "db")}


def gpu_expectation(history: History, **labels: str) -> tuple[float, float, float, float, int]:
    """(mean of per-GPU median utilisation, max utilisation, max framebuffer used, card size, GPUs) in bytes."""
    utilization = history.find("DCGM_FI_DEV_GPU_UTIL", **labels)
    used = history.find("DCGM_FI_DEV_FB_USED", **labels)
    free = history.find("DCGM_FI_DEV_FB_FREE", **labels)
    inside = [[value for _t, value in item.samples(END - WINDOW, END)] for item in utilization]
    used_values = [[value for _t, value in item.samples(END - WINDOW, END)] for item in used]
    totals = [
        a.samples(END - WINDOW, END)[-1][1] + b.samples(END - WINDOW, END)[-1][1]
        for a, b in zip(used, free, strict=True)
    ]
    return (
        statistics.fmean(promql.quantile(0.5, values) for values in inside),
        max(max(values) for values in inside),
        max(max(values) for values in used_values) * MIB,
        max(totals) * MIB,
        len(utilization),
    )


@pytest.mark.parametrize(
    ("key", "labels"),
    [
        # dcgm-exporter scraped without honor_labels: the pod's labels become exported_*.
        ((SERVING, LLM_POD, "vllm"), {"exported_pod": LLM_POD, "exported_container": "vllm"}),
        # Current exporter labels, on a Job that ran 40 minutes.
        ((SERVING, JOB_POD, "eval"), {"pod": JOB_POD, "container": "eval"}),
        # Older exporters: pod_namespace/pod_name/container_name.
        ((SERVING, NOTEBOOK_POD, "jupyter"), {"pod_name": NOTEBOOK_POD, "container_name": "jupyter"}),
    ],
)
def test_gpu_figures_under_each_dcgm_label_set(
    serving: UsageData, prometheus_history: History, key: tuple[str, str, str], labels: dict[str, str]
) -> None:
    gpu = serving.containers[key].gpu
    assert gpu is not None
    p50, peak, used, total, count = gpu_expectation(prometheus_history, **labels)
    assert (gpu.utilization_p50, gpu.utilization_max, gpu.memory_used_max, gpu.memory_total, gpu.gpus) == (
        pytest.approx(p50),
        peak,
        used,
        total,
        count,
    )
    assert gpu.memory_total == FRAMEBUFFER_MIB * MIB


def test_idle_gpu_shows_zero_utilisation_and_busy_ones_do_not(serving: UsageData) -> None:
    notebook = serving.containers[(SERVING, NOTEBOOK_POD, "jupyter")].gpu
    llm = serving.containers[(SERVING, LLM_POD, "vllm")].gpu
    assert notebook is not None
    assert (notebook.utilization_max, notebook.gpus) == (0.0, 1)
    assert llm is not None
    assert llm.gpus == 2
    assert llm.utilization_p50 > 40
    assert {key for key, item in serving.containers.items() if item.gpu} == {
        (SERVING, LLM_POD, "vllm"),
        (SERVING, JOB_POD, "eval"),
        (SERVING, NOTEBOOK_POD, "jupyter"),
    }


@pytest.fixture(scope="module")
def everything(prometheus: PrometheusServer) -> UsageData:
    return source(prometheus).usage(None, QUERY)


def test_all_namespaces_in_one_query_set_give_the_same_figures(everything: UsageData, serving: UsageData) -> None:
    assert everything.queries == serving.queries <= QUERY_BUDGET
    assert {key: item for key, item in everything.containers.items() if key[0] == SERVING} == serving.containers
    assert {key[0] for key in everything.containers} == {SERVING, "no-ksm", "gpu-operator", SMALL, BULK, SLOW}
    assert len(everything.containers) == len(SERVING_CONTAINERS) + 1 + 1 + 10 + 200 + 1
    assert everything.pod_owners[("ksm-only", "idle-0")] == ("StatefulSet", "idle")


def test_the_dcgm_exporter_pod_is_not_taken_for_a_gpu_user(everything: UsageData) -> None:
    # Its target labels (namespace/pod/container) sit on every GPU series it exports, allocated or not.
    exporter = everything.containers[("gpu-operator", EXPORTER_POD, "nvidia-dcgm-exporter")]
    assert exporter.gpu is None
    assert exporter.memory is not None


def test_several_namespaces_are_one_query_set(prometheus: PrometheusServer, everything: UsageData) -> None:
    both = source(prometheus).usage([SMALL, "no-ksm"], QUERY)
    assert both.containers == {key: item for key, item in everything.containers.items() if key[0] in (SMALL, "no-ksm")}
    assert both.queries == everything.queries


def test_scrape_interval_is_detected_and_widens_the_rate_window(
    prometheus: PrometheusServer, prometheus_history: History
) -> None:
    data = source(prometheus).usage([SLOW], QUERY)
    key = (SLOW, "exporter-0", "exporter")
    usage = data.containers[key]
    # 4 x 120 s = 8 minutes; a 5-minute window would hold two or three samples and read differently.
    expected = promql.cpu(prometheus_history, key, end=END, window=WINDOW, rate_window=4 * SLOW_SCRAPE_INTERVAL)
    five_minutes = promql.cpu(prometheus_history, key, end=END, window=WINDOW, rate_window=300)
    assert usage.cpu is not None
    assert (usage.cpu.request, usage.cpu.limit, usage.cpu.max) == pytest.approx(
        (expected.request, expected.limit, expected.max), rel=1e-9
    )
    assert (usage.cpu.limit, usage.cpu.max) != pytest.approx((five_minutes.limit, five_minutes.max), rel=1e-6)
    assert usage.samples == 3 * 3600 // SLOW_SCRAPE_INTERVAL + 1
    assert abs(usage.history_seconds - 3 * 3600) <= HISTORY_STEP


def test_rate_window_and_quantiles_follow_the_query(prometheus: PrometheusServer, prometheus_history: History) -> None:
    query = UsageQuery(
        window_seconds=6 * 3600, end=END, request_quantile=0.9, limit_quantile=1.0, rate_window_seconds=600
    )
    data = source(prometheus).usage([SERVING], query)
    key = (SERVING, DATABASE_POD, "db")
    cpu = promql.cpu(prometheus_history, key, end=END, window=6 * 3600, rate_window=600, request=0.9, limit=1.0)
    memory = promql.memory(prometheus_history, key, end=END, window=6 * 3600, request=0.9, limit=1.0)
    usage = data.containers[key]
    assert usage.cpu is not None
    assert usage.memory is not None
    assert (usage.cpu.request, usage.cpu.limit, usage.cpu.max) == pytest.approx((cpu.request, cpu.limit, cpu.max))
    assert (usage.memory.request, usage.memory.limit, usage.memory.max) == pytest.approx(
        (memory.stats.request, memory.stats.limit, memory.stats.max)
    )
    assert usage.memory.limit == usage.memory.max  # the 1.0 quantile is the max
    # Pods gone for more than the window are out of it.
    assert (SERVING, OLD_PODS[0], "server") not in data.containers


def test_without_an_end_time_the_window_ends_now(prometheus: PrometheusServer) -> None:
    # The generated history ended months ago: a one-day window ending now holds nothing.
    data = source(prometheus).usage([SERVING], UsageQuery(window_seconds=WINDOW))
    assert data.containers == {}
    assert data.notes
    assert data.notes[0].startswith("No container usage in ml-serving")


def test_a_namespace_without_data_is_a_note_not_an_error(prometheus: PrometheusServer) -> None:
    data = source(prometheus).usage(["nothing-here"], QUERY)
    assert data.containers == {}
    assert data.pod_owners == {}
    assert data.notes == [
        "No container usage in nothing-here over the window: container_memory_working_set_bytes and "
        "container_cpu_usage_seconds_total have no series there (nothing ran, or cAdvisor is not scraped)."
    ]


def test_missing_kube_state_metrics_and_dcgm_are_notes(prometheus: PrometheusServer) -> None:
    data = source(prometheus).usage(["no-ksm"], QUERY)
    assert set(data.containers) == {("no-ksm", "worker-5d8c7b9f6-t2v9x", "worker")}
    assert data.pod_owners == {}
    assert data.notes == [
        "kube_pod_owner missing: pods that no longer exist are grouped by name only, and OOM kills are unknown "
        "(is kube-state-metrics scraped?).",
        "DCGM_FI_DEV_GPU_UTIL missing: no GPU figures (they need NVIDIA's DCGM exporter; nothing is lost if no "
        "container uses a GPU).",
    ]


def test_a_metric_missing_in_one_namespace_is_named_with_it(everything: UsageData) -> None:
    assert everything.notes == [
        "kube_pod_owner missing for no-ksm: pods that no longer exist are grouped by name only, and OOM kills "
        "are unknown (is kube-state-metrics scraped?)."
    ]


def test_cadvisor_missing_in_a_namespace_with_kube_state_metrics(prometheus: PrometheusServer) -> None:
    data = source(prometheus).usage(["ksm-only"], QUERY)
    assert data.containers == {}
    assert data.pod_owners == {("ksm-only", "idle-0"): ("StatefulSet", "idle")}
    assert data.notes[0].startswith("No container usage in ksm-only")


@pytest.mark.parametrize(("namespace", "containers"), [(SMALL, 10), (BULK, 200)])
def test_queries_do_not_grow_with_containers(prometheus: PrometheusServer, namespace: str, containers: int) -> None:
    before = prometheus.requests_total("/api/v1/query")
    data = source(prometheus).usage([namespace], QUERY)
    sent = prometheus.requests_total("/api/v1/query") - before
    assert len(data.containers) == containers
    assert sent == data.queries == 6 <= QUERY_BUDGET
    assert prometheus.requests_total("/api/v1/query_range") == 0


def test_queries_are_instant_at_the_end_time_with_raw_memory_ranges(prometheus: PrometheusServer) -> None:
    http = Recording(RequestsHttp(prometheus.url))
    labels: list[str] = []
    data = PrometheusSource(http, description={"type": "prometheus"}, progress=labels.append).usage([SERVING], QUERY)
    assert labels == ["memory", "history", "cpu", "owners", "gpu", "gpu memory"]
    assert len(http.sent) == data.queries
    assert {path for path, _params in http.sent} == {"/api/v1/query"}
    assert {params["time"] for _path, params in http.sent} == {f"{END}.000"}
    memory, history, cpu, owners, gpu, framebuffer = (params["query"] for _path, params in http.sent)
    # Memory over raw samples: a range selector, no subquery that could step over a one-sample peak.
    selector = 'container_memory_working_set_bytes{namespace="ml-serving",container!="",container!="POD"}'
    assert f"{selector}[1d])" in memory
    assert ":" not in memory
    assert "container_cpu_usage_seconds_total" in cpu
    assert "[5m])[1d:1m])" in cpu
    assert "[1d:5m]" in history
    assert all(name in owners for name in ("kube_pod_owner", "kube_replicaset_owner", "kube_job_owner", "OOMKilled"))
    for metric, text in (("DCGM_FI_DEV_GPU_UTIL", gpu), ("DCGM_FI_DEV_FB_FREE", framebuffer)):
        assert metric in text
        assert all(label in text for label in ("exported_namespace", "pod_namespace", 'namespace="ml-serving"'))
