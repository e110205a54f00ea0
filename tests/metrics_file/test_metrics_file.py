"""The metrics-file source on small, hand-computed cases: PromQL's rate, subquery steps, quantiles, duplicates.

Every expected figure below is worked out by hand in the comment next to it, from the rules of
docs/rightsize.md; tests/metrics_file/test_parity.py checks the same code against a real Prometheus.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_ml.errors import SnapshotFormatError, SourceError
from kubectl_ml.model.usage import UsageQuery
from kubectl_ml.sources.metrics_file import (
    Evaluator,
    MetricsFileSource,
    default_rate_window_ms,
    extrapolated_rate,
    gpu_container,
    quantile,
)
from tests.metrics_file.om import cadvisor, every, write_om

CPU = "container_cpu_usage_seconds_total"
MEMORY = "container_memory_working_set_bytes"


def usage(path: Path, namespaces: list[str] | None = None, *, closed: bool = False, **query: float):
    settings: dict[str, float] = {"window_seconds": 300, "step_seconds": 60, "rate_window_seconds": 120}
    settings.update(query)
    return MetricsFileSource(path, closed_ranges=closed).usage(namespaces, UsageQuery(**settings))  # type: ignore[arg-type]


# -- rate() ------------------------------------------------------------------------------------------------


TIMES = [30_000, 90_000, 150_000, 210_000]  # a 300 s range [0, 300 s]: 30 s in, 90 s before the end


def test_rate_extrapolates_to_a_near_edge_and_half_an_interval_at_a_far_one() -> None:
    # increase 18 over 180 s; start 30 s away (< 1.1 x 60 s: extrapolate 30 s), end 90 s away (>= 66 s: 30 s).
    # 18 * (180 + 30 + 30) / 180 / 300 = 0.08
    rate = extrapolated_rate(TIMES, [10, 16, 22, 28], 0, 4, 0, 300_000, 300.0)
    assert rate == pytest.approx(0.08, rel=1e-14)


def test_rate_does_not_extrapolate_a_counter_below_zero() -> None:
    # values 1, 7, 13, 19: zero is reached 180 * (1 / 18) = 10 s before the first sample, closer than 30 s.
    # 18 * (180 + 10 + 30) / 180 / 300 = 0.0733...
    rate = extrapolated_rate(TIMES, [1, 7, 13, 19], 0, 4, 0, 300_000, 300.0)
    assert rate == pytest.approx(18 * 220 / 180 / 300, rel=1e-14)


def test_rate_adds_back_a_counter_reset() -> None:
    # 10, 16, then a restart: 2, 8. Increase = 8 - 10 + 16 = 14; 14 * 240 / 180 / 300 = 0.06222...
    rate = extrapolated_rate(TIMES, [10, 16, 2, 8], 0, 4, 0, 300_000, 300.0)
    assert rate == pytest.approx(14 * 240 / 180 / 300, rel=1e-14)


def test_rate_of_a_window_slice_uses_only_those_samples() -> None:
    # Samples 1..2 only (90 s, 150 s): increase 6 over 60 s, start 90 s away and end 150 s away (both >= 66 s).
    rate = extrapolated_rate(TIMES, [10, 16, 22, 28], 1, 3, 0, 300_000, 300.0)
    assert rate == pytest.approx(6 * (60 + 30 + 30) / 60 / 300, rel=1e-14)


# -- quantiles and steps --------------------------------------------------------------------------------------


def test_quantile_interpolates_between_ranks_as_promql() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert quantile(0.5, values) == 3.0  # rank 2
    assert quantile(0.99, values) == pytest.approx(4 * 0.04 + 10 * 0.96)  # rank 3.96
    assert quantile(0.0, values) == 1.0
    assert quantile(1.0, values) == 10.0
    assert quantile(0.25, [5.0]) == 5.0
    assert quantile(-0.1, values) == float("-inf")
    assert quantile(1.1, values) == float("inf")


@pytest.mark.parametrize(
    ("end", "closed", "first", "count"),
    [
        (630_000, False, 360_000, 5),  # (330 s, 630 s]: 360 ... 600
        (630_000, True, 360_000, 5),  # 330 s is no multiple of 60 s: the same steps
        (600_000, False, 360_000, 5),  # (300 s, 600 s]: 300 s is excluded
        (600_000, True, 300_000, 6),  # [300 s, 600 s] (Prometheus 2.x)
    ],
)
def test_subquery_steps_are_multiples_of_the_step_inside_the_window(
    end: int, closed: bool, first: int, count: int
) -> None:
    steps = Evaluator(end_ms=end, window_ms=300_000, step_ms=60_000, rate_window_ms=120_000, closed=closed).steps()
    assert (steps[0], len(steps), steps[-1]) == (first, count, first + (count - 1) * 60_000)


# -- CPU ------------------------------------------------------------------------------------------------------

# A counter from 1000 (far from zero: no zero-point clamp) growing 6, 12, 18, 24, 30, 36 core-seconds a minute.
COUNTER = every(0, 60, [1000, 1006, 1018, 1036, 1060, 1090, 1126])


def test_cpu_quantiles_of_the_rate_subquery(tmp_path: Path) -> None:
    write_om(tmp_path, [(CPU, cadvisor("ns", "p", "c"), COUNTER)])
    cpu = usage(tmp_path, end=360).containers[("ns", "p", "c")].cpu
    # Steps 120..360 s; rate[120 s] holds the samples at t - 60 and t: increase / 60 (start 60 s away, < 66 s:
    # extrapolated to 120 s, divided by 120 s). Rates 0.2, 0.3, 0.4, 0.5, 0.6.
    assert cpu is not None
    assert cpu.request == pytest.approx(0.4)  # rank 2
    assert cpu.limit == pytest.approx(0.5 * 0.04 + 0.6 * 0.96)  # rank 3.96
    assert cpu.max == pytest.approx(0.6)


def test_cpu_with_prometheus_2_closed_ranges(tmp_path: Path) -> None:
    write_om(tmp_path, [(CPU, cadvisor("ns", "p", "c"), COUNTER)])
    cpu = usage(tmp_path, end=360, closed=True).containers[("ns", "p", "c")].cpu
    # Steps 60..360 s. At 60 s, [-60, 60] holds t=0 and 60: 6 * (60 + 60) / 60 / 120 = 0.1. Later steps hold three
    # samples (t-120, t-60, t): increase / 120 = 0.15, 0.25, 0.35, 0.45, 0.55.
    assert cpu is not None
    assert cpu.request == pytest.approx((0.25 + 0.35) / 2)  # rank 2.5 of six
    assert cpu.limit == pytest.approx(0.45 * 0.05 + 0.55 * 0.95)  # rank 4.95
    assert cpu.max == pytest.approx(0.55)


def test_cpu_rate_survives_a_container_restart(tmp_path: Path) -> None:
    # 0.5 core throughout; the container restarts after t=180 s and its counter starts again from 0.
    samples = every(0, 60, [1000, 1030, 1060, 1090, 10, 40, 70])
    write_om(tmp_path, [(CPU, cadvisor("ns", "p", "c"), samples)])
    cpu = usage(tmp_path, end=360, request_quantile=0, limit_quantile=0.25).containers[("ns", "p", "c")].cpu
    # Steps 120, 180 and 360 s: 30 core-seconds a minute, 0.5.
    # 240 s: 1090 then 10, the reset adds 1090 back: 10 - 1090 + 1090 = 10; 10 * 120 / 60 / 120 = 1/6.
    # 300 s: 10 then 40; the counter would reach zero 60 * 10 / 30 = 20 s before the first sample, closer than
    #   60 s: 30 * (60 + 20) / 60 / 120 = 1/3.
    assert cpu is not None
    assert cpu.request == pytest.approx(1 / 6)  # quantile 0: the smallest rate
    assert cpu.limit == pytest.approx(1 / 3)  # quantile 0.25 of five: rank 1
    assert cpu.max == pytest.approx(0.5)


def test_cpu_of_duplicate_series_is_max_by_of_per_series_statistics(tmp_path: Path) -> None:
    # The same container under two scrape jobs, each minute's rate being increase / 60 (see above).
    # Job a: 0.5, 0.5, 0.1, 0.1, 0.1 core; job b: 0.1, 0.1, 0.5, 0.5, 0.1 core.
    write_om(
        tmp_path,
        [
            (CPU, cadvisor("ns", "p", "c", job="a"), every(0, 60, [1000, 1006, 1036, 1066, 1072, 1078, 1084])),
            (CPU, cadvisor("ns", "p", "c", job="b"), every(0, 60, [1000, 1006, 1012, 1018, 1048, 1078, 1084])),
        ],
    )
    cpu = usage(tmp_path, end=360, limit_quantile=1).containers[("ns", "p", "c")].cpu
    # P50 of each series is 0.1, so the max by is 0.1: the rates are not added (0.6 at steps 180 and 240 would
    # count one container twice), nor maxed step by step (0.5 at four steps of five: a P50 of 0.5).
    assert cpu is not None
    assert (cpu.request, cpu.limit, cpu.max) == pytest.approx((0.1, 0.5, 0.5))


def test_a_rate_needs_two_samples_in_its_range(tmp_path: Path) -> None:
    # Samples 5 minutes apart with a 2-minute rate window: no range holds two samples, so no CPU figure.
    write_om(tmp_path, [(CPU, cadvisor("ns", "p", "c"), every(0, 300, [1000, 1100, 1200]))])
    container = usage(tmp_path, end=600, window_seconds=600).containers.get(("ns", "p", "c"))
    assert container is None


# -- memory -----------------------------------------------------------------------------------------------------


def test_memory_quantiles_over_raw_samples_in_the_window(tmp_path: Path) -> None:
    write_om(tmp_path, [(MEMORY, cadvisor("ns", "p", "c"), every(0, 60, [100, 1, 2, 3, 4, 10]))])
    container = usage(tmp_path, end=300).containers[("ns", "p", "c")]
    # (0 s, 300 s] leaves out the 100 at t=0: [1, 2, 3, 4, 10].
    assert container.memory is not None
    assert container.memory.request == 3
    assert container.memory.limit == pytest.approx(4 * 0.04 + 10 * 0.96)
    assert container.memory.max == 10
    assert (container.samples, container.history_seconds) == (5, 0.0)  # one 5-minute step, at 300 s, sees them
    assert container.cpu is None


def test_memory_window_with_prometheus_2_closed_ranges(tmp_path: Path) -> None:
    write_om(tmp_path, [(MEMORY, cadvisor("ns", "p", "c"), every(0, 60, [100, 1, 2, 3, 4, 10]))])
    container = usage(tmp_path, end=300, closed=True).containers[("ns", "p", "c")]
    assert container.memory is not None
    assert container.memory.request == 3.5  # [1, 2, 3, 4, 10, 100], rank 2.5
    assert container.memory.max == 100
    # Six samples; the history starts after T - W all the same (the Prometheus source's timestamp() > T - W).
    assert (container.samples, container.history_seconds) == (6, 300.0)  # steps 0 .. 300 s see samples


def test_history_is_measured_in_five_minute_steps(tmp_path: Path) -> None:
    # Samples every 30 s from 390 s to 480 s, then a duplicate series seen once more at 850 s. History steps are
    # multiples of 5 minutes: the first that sees a sample in its 5 minutes is 600 s, the last 900 s.
    write_om(
        tmp_path,
        [
            (MEMORY, cadvisor("ns", "p", "c"), every(390, 30, [1, 2, 3, 4])),
            (MEMORY, cadvisor("ns", "p", "c", job="other"), [(850, 5)]),
        ],
    )
    container = usage(tmp_path, end=930, window_seconds=900).containers[("ns", "p", "c")]
    assert container.history_seconds == 300.0  # 900 - 600 (the samples span 460 s)
    # At 899 s the steps are 0, 300 and 600 s: only 600 s sees a sample. At 1200 s the steps are 600, 900 and
    # 1200 s: (300, 600] holds 390 to 480 s, (600, 900] holds 850 s, (900, 1200] nothing.
    assert usage(tmp_path, end=899, window_seconds=900).containers[("ns", "p", "c")].history_seconds == 0.0
    assert usage(tmp_path, end=1200, window_seconds=900).containers[("ns", "p", "c")].history_seconds == 300.0


def test_memory_of_duplicate_series_is_max_by_of_per_series_statistics(tmp_path: Path) -> None:
    write_om(
        tmp_path,
        [
            (MEMORY, cadvisor("ns", "p", "c", image="a"), every(60, 60, [1, 2, 3])),
            (MEMORY, cadvisor("ns", "p", "c", image="b"), every(60, 60, [5, 0, 0])),
        ],
    )
    container = usage(tmp_path, end=180).containers[("ns", "p", "c")]
    # P50 per series: 2 and 0, max by -> 2 (a pooled P50 of [0, 0, 1, 2, 3, 5] would be 1.5). Max: 5.
    assert container.memory is not None
    assert (container.memory.request, container.memory.max) == (2, 5)
    assert container.samples == 3


def test_pod_cgroup_and_pause_container_series_are_dropped(tmp_path: Path) -> None:
    samples = every(60, 60, [1, 2, 3])
    write_om(
        tmp_path,
        [
            (MEMORY, cadvisor("ns", "p", ""), samples),
            (MEMORY, cadvisor("ns", "p", "POD"), samples),
            (MEMORY, {"namespace": "ns", "pod": "p"}, samples),
            (MEMORY, {"namespace": "ns", "container": "c"}, samples),
            (MEMORY, cadvisor("ns", "p", "app"), samples),
        ],
    )
    assert list(usage(tmp_path, end=180).containers) == [("ns", "p", "app")]


# -- the evaluation time, namespaces, owners, OOM, GPU -------------------------------------------------------------


def test_the_evaluation_time_is_the_newest_sample_of_the_whole_file(tmp_path: Path) -> None:
    write_om(
        tmp_path,
        [
            (MEMORY, cadvisor("a", "p", "c"), every(60, 60, [1, 2, 3, 4, 5])),  # 60 .. 300 s
            (MEMORY, cadvisor("b", "p", "c"), [(420, 9)]),  # another namespace, newer
            ("up", {"job": "kubelet"}, [(480, 1)]),  # an unrelated metric, newest
        ],
    )
    data = usage(tmp_path, ["a"])
    # T = 480 s, window (180 s, 480 s]: samples at 240 and 300 s only.
    assert list(data.containers) == [("a", "p", "c")]
    assert data.containers[("a", "p", "c")].samples == 2
    assert data.source == {"type": "metrics-file", "path": str(tmp_path / "metrics.om"), "time": "1970-01-01T00:08:00Z"}
    assert usage(tmp_path, ["a"], end=300).containers[("a", "p", "c")].samples == 5  # an explicit end wins


def owner(namespace: str, pod: str, kind: str, name: str, controller: str = "true") -> dict[str, str]:
    return {
        "namespace": namespace,
        "pod": pod,
        "owner_kind": kind,
        "owner_name": name,
        "owner_is_controller": controller,
    }


def test_owners_include_pods_that_are_gone_and_rank_the_controller_first(tmp_path: Path) -> None:
    recent = every(60, 60, [1, 1, 1])
    rs_owner = {"namespace": "ns", "replicaset": "web-1", "owner_kind": "Deployment", "owner_name": "web"}
    job_owner = {"namespace": "ns", "job_name": "train-29000000", "owner_kind": "CronJob", "owner_name": "train"}
    orphan_owner = {"namespace": "ns", "replicaset": "orphan-1", "owner_kind": "<none>", "owner_name": "<none>"}
    write_om(
        tmp_path,
        [
            ("kube_pod_owner", owner("ns", "old-1", "ReplicaSet", "web-1"), recent[:1]),  # gone after 60 s
            ("kube_pod_owner", owner("ns", "new-1", "ReplicaSet", "web-2"), recent),
            ("kube_pod_owner", owner("ns", "bare", "<none>", "<none>", "<none>"), recent),
            ("kube_pod_owner", owner("ns", "adopted", "ReplicaSet", "a-1", "false"), recent),
            ("kube_pod_owner", owner("ns", "adopted", "StatefulSet", "z", "true"), recent),
            ("kube_pod_owner", owner("ns", "ancient", "ReplicaSet", "web-0"), [(-600, 1)]),  # before the window
            ("kube_pod_owner", owner("other", "x", "Job", "j"), recent),  # another namespace
            ("kube_replicaset_owner", rs_owner, recent),
            ("kube_replicaset_owner", orphan_owner, recent),
            ("kube_job_owner", job_owner, recent),
        ],
    )
    data = usage(tmp_path, ["ns"], end=180)
    assert data.pod_owners == {
        ("ns", "old-1"): ("ReplicaSet", "web-1"),
        ("ns", "new-1"): ("ReplicaSet", "web-2"),
        ("ns", "bare"): ("<none>", "<none>"),  # kube-state-metrics' word for a bare pod, kept
        ("ns", "adopted"): ("StatefulSet", "z"),  # the controller wins
    }
    assert data.controller_owners == {
        ("ns", "ReplicaSet", "web-1"): ("Deployment", "web"),
        ("ns", "Job", "train-29000000"): ("CronJob", "train"),
    }
    assert data.containers == {}


def test_oom_killed_in_the_window(tmp_path: Path) -> None:
    samples = every(60, 60, [1, 2, 3])
    reason = "kube_pod_container_status_last_terminated_reason"
    write_om(
        tmp_path,
        [
            (MEMORY, cadvisor("ns", "p", "killed"), samples),
            (MEMORY, cadvisor("ns", "p", "crashed"), samples),
            (MEMORY, cadvisor("ns", "p", "long-ago"), samples),
            (reason, {"namespace": "ns", "pod": "p", "container": "killed", "reason": "OOMKilled"}, [(120, 1)]),
            (reason, {"namespace": "ns", "pod": "p", "container": "crashed", "reason": "Error"}, [(120, 1)]),
            (reason, {"namespace": "ns", "pod": "p", "container": "long-ago", "reason": "OOMKilled"}, [(-600, 1)]),
        ],
    )
    containers = usage(tmp_path, end=180).containers
    assert {key[2]: value.oom_killed for key, value in containers.items()} == {
        "killed": True,
        "crashed": False,
        "long-ago": False,
    }


@pytest.mark.parametrize(
    "labels",
    [
        {"namespace": "ml", "pod": "trainer-0", "container": "main"},
        {"pod_namespace": "ml", "pod_name": "trainer-0", "container_name": "main", "namespace": "gpu-operator"},
        {
            "exported_namespace": "ml",
            "exported_pod": "trainer-0",
            "exported_container": "main",
            "namespace": "gpu-operator",
            "pod": "nvidia-dcgm-exporter-x",
            "container": "exporter",
        },
    ],
)
def test_gpu_figures_under_every_dcgm_label_set(tmp_path: Path, labels: dict[str, str]) -> None:
    gpu = {"gpu": "0", "UUID": "GPU-1", "Hostname": "node-1", **labels}
    write_om(
        tmp_path,
        [
            ("DCGM_FI_DEV_GPU_UTIL", gpu, every(60, 60, [0, 50, 100, 30])),
            ("DCGM_FI_DEV_FB_USED", gpu, every(60, 60, [1000, 2000, 3000, 2500])),  # MiB
            ("DCGM_FI_DEV_FB_FREE", gpu, every(60, 60, [39960, 38960, 37960, 38460])),
        ],
    )
    container = usage(tmp_path, ["ml"], end=240).containers[("ml", "trainer-0", "main")]
    assert container.gpu is not None
    assert container.gpu.utilization_p50 == 40  # [0, 30, 50, 100], rank 1.5
    assert container.gpu.utilization_max == 100
    assert container.gpu.memory_used_max == 3000 * 2**20
    assert container.gpu.memory_total == 40960 * 2**20
    assert container.gpu.gpus == 1
    assert container.cpu is None
    assert container.memory is None


def test_gpu_without_a_pod_belongs_to_no_container() -> None:
    assert gpu_container({"gpu": "0", "UUID": "GPU-1"}) is None
    assert gpu_container({"pod": "", "namespace": "x"}) is None


def test_missing_metrics_are_said(tmp_path: Path) -> None:
    write_om(tmp_path, [(MEMORY, cadvisor("ns", "p", "c"), every(60, 60, [1, 2]))])
    data = usage(tmp_path, end=120)
    assert data.containers[("ns", "p", "c")].cpu is None
    assert any("container_cpu_usage_seconds_total" in note for note in data.notes)
    assert any("kube_pod_owner" in note for note in data.notes)
    assert not any(MEMORY in note for note in data.notes)


def test_an_empty_file_gives_no_usage_and_says_so(tmp_path: Path) -> None:
    write_om(tmp_path, [])
    data = usage(tmp_path)
    assert data.containers == {}
    assert len(data.notes) == 1
    assert "no samples" in data.notes[0]


def test_default_rate_window_is_four_scrape_intervals_and_at_least_five_minutes() -> None:
    # (samples, history seconds) per container; the interval is the median of history / (samples - 1).
    assert default_rate_window_ms([(241, 3600.0)]) == 300_000  # 15 s
    assert default_rate_window_ms([(61, 3600.0), (2, 60.0), (3, 10.0)]) == 300_000  # 60 s
    assert default_rate_window_ms([(61, 3624.0)]) == 300_000  # a jittered minute: 60.4 s rounds to 60 s
    assert default_rate_window_ms([(41, 3600.0)]) == 360_000  # 90 s
    assert default_rate_window_ms([(13, 3600.0), (1, 0.0)]) == 1_200_000  # 5 minutes; one sample says nothing
    assert default_rate_window_ms([]) == 300_000  # no data: a 60 s scrape


def test_default_rate_window_follows_the_scrape_interval(tmp_path: Path) -> None:
    # A 5-minute scrape: a 20-minute rate window, so every 1-minute step has a rate (0.5 core, all steps).
    counter = every(0, 300, [1000 + 150 * index for index in range(13)])
    write_om(tmp_path, [(CPU, cadvisor("ns", "p", "c"), counter), (MEMORY, cadvisor("ns", "p", "c"), counter)])
    query = UsageQuery(window_seconds=3600, end=3600, rate_window_seconds=None)
    cpu = MetricsFileSource(tmp_path).usage(None, query).containers[("ns", "p", "c")].cpu
    assert cpu is not None
    assert (cpu.request, cpu.max) == pytest.approx((0.5, 0.5))


# -- reading the file --------------------------------------------------------------------------------------------------


def test_text_variants_read_as_one_series(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "# HELP container_memory_working_set_bytes Current working set in bytes.",
            "# TYPE container_memory_working_set_bytes gauge",
            'container_memory_working_set_bytes{namespace="ns",pod="p",container="c",id="/a \\"b\\""} 1 60',
            'container_memory_working_set_bytes{container="c",id="/a \\"b\\"",pod="p",namespace="ns"} 3 120',
            'container_memory_working_set_bytes{namespace="ns",pod="p",container="c",id="/a \\"b\\""}  2  90\r',
            'container_memory_working_set_bytes{namespace="ns",pod="p",container="c",id="/a \\"b\\"",} 4 180.0',
            'container_cpu_usage_seconds_total{namespace="ns",pod="p",container="c"} 10 60 # {trace_id="x"} 1 59',
            "# EOF",
        ]
    )
    (tmp_path / "metrics.om").write_text(text + "\n", encoding="utf-8")
    container = usage(tmp_path, end=180).containers[("ns", "p", "c")]
    assert container.samples == 4  # four spellings of one series (label order, spaces, trailing comma)
    assert container.memory is not None
    assert (container.memory.request, container.memory.max) == (2.5, 4)


def test_samples_out_of_order_are_sorted(tmp_path: Path) -> None:
    write_om(tmp_path, [(MEMORY, cadvisor("ns", "p", "c"), [(180, 3), (60, 1), (120, 2), (120, 7)])])
    container = usage(tmp_path, end=180).containers[("ns", "p", "c")]
    assert container.memory is not None
    assert (container.samples, container.memory.max) == (3, 3)


def test_a_directory_means_its_metrics_om(tmp_path: Path) -> None:
    write_om(tmp_path, [(MEMORY, cadvisor("ns", "p", "c"), [(60, 1)])])
    assert MetricsFileSource(tmp_path).path == tmp_path / "metrics.om"
    with pytest.raises(SourceError, match="does not exist"):
        MetricsFileSource(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("lines", "line", "reason"),
    [
        (['m{a="b"} 1 60', 'm{a="b"} x 120', "# EOF"], 2, "the value 'x' is not a number"),
        (['m{a="b"} 1 60', 'm{a="b"} 1', "# EOF"], 2, "no timestamp"),
        (['m{a="b"} 1 1795000000000', "# EOF"], 1, "looks like milliseconds"),
        (['m{a="b"} 1 NaN', "# EOF"], 1, "not a finite number"),
        (['m{a="b} 1 60', "# EOF"], 1, "not a sample line"),
        (["m{a=b} 1 60", "# EOF"], 1, "malformed labels"),
        (["m 1 60", "m 2 120"], 2, "without `# EOF`"),
        (["m 1 60", "# EOF", "m 2 120"], 3, "after `# EOF`"),
    ],
)
def test_malformed_input_names_the_file_and_line(tmp_path: Path, lines: list[str], line: int, reason: str) -> None:
    path = tmp_path / "metrics.om"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SnapshotFormatError) as raised:
        usage(tmp_path)
    assert f"{path}, line {line}: " in raised.value.message
    assert reason in raised.value.message
    assert raised.value.hint


def test_a_bad_value_in_a_known_series_is_caught_on_the_fast_path(tmp_path: Path) -> None:
    lines = [f'{MEMORY}{{namespace="ns",pod="p",container="c"}} {index} {60 * index}' for index in range(1, 50)]
    lines.insert(30, f'{MEMORY}{{namespace="ns",pod="p",container="c"}} 1,5 1800')
    path = tmp_path / "metrics.om"
    path.write_text("\n".join([*lines, "# EOF"]) + "\n", encoding="utf-8")
    with pytest.raises(SnapshotFormatError, match=r"line 31: the value '1,5' is not a number"):
        usage(tmp_path)


def test_bytes_that_are_not_utf8_are_a_format_error(tmp_path: Path) -> None:
    (tmp_path / "metrics.om").write_bytes(b'm{a="\xff"} 1 60\n# EOF\n')
    with pytest.raises(SnapshotFormatError, match="not UTF-8"):
        usage(tmp_path)
