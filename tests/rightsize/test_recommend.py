"""The recommendation maths: quantiles to requests, margins, rounding, peaks, OOM bump, per-pod maximum."""

from __future__ import annotations

import pytest

from kubectl_ml.model.usage import ContainerUsage, GpuUsage, Stats
from kubectl_ml.rightsize.recommend import mebibytes, millicores, recommend
from kubectl_ml.rightsize.settings import RightsizeSettings
from kubectl_ml.rightsize.workloads import Workload

MIB = 1024 * 1024
GIB = 1024 * MIB
DEPLOY = Workload("Deployment", "ml-serving", "llm-server")
WEEK = 7 * 86400


def usage(
    pod: str, cpu: tuple[float, float, float] | None, memory: tuple[float, float, float] | None, **extra
) -> ContainerUsage:
    return ContainerUsage(
        "ml-serving",
        pod,
        "server",
        cpu=Stats(*cpu) if cpu else None,
        memory=Stats(*memory) if memory else None,
        samples=extra.pop("samples", 10080),
        history_seconds=extra.pop("history", WEEK),
        **extra,
    )


def spec(requests: dict | None = None, limits: dict | None = None) -> dict:
    return {"name": "server", "resources": {"requests": requests or {}, "limits": limits or {}}}


def test_request_is_the_request_quantile_and_limit_the_limit_quantile_plus_margin() -> None:
    result = recommend(
        DEPLOY, "server", spec(), [usage("a", (0.25, 1.0, 1.5), (1 * GIB, 2 * GIB, 2 * GIB))], RightsizeSettings()
    )
    assert result.recommended == {
        "requests": {"cpu": "250m", "memory": "1024Mi"},
        "limits": {"cpu": "1200m", "memory": "2458Mi"},  # 2 GiB x 1.2 = 2457.6 MiB, rounded up
    }
    assert result.notes == []


@pytest.mark.parametrize(
    ("cores", "text"), [(0.4111, "412m"), (0.412, "412m"), (0.0000001, "1m"), (2.0, "2000m"), (0.1 + 0.2, "300m")]
)
def test_cpu_rounds_up_to_whole_millicores(cores: float, text: str) -> None:
    assert millicores(cores) == text


@pytest.mark.parametrize(("num_bytes", "text"), [(1536 * MIB, "1536Mi"), (1536 * MIB + 1, "1537Mi"), (1, "1Mi")])
def test_memory_rounds_up_to_whole_mib(num_bytes: float, text: str) -> None:
    assert mebibytes(num_bytes) == text


def test_memory_limit_is_never_below_the_highest_sample() -> None:
    # P99 x 1.2 = 1.2 GiB, but one sample reached 3 GiB: that limit would have OOM-killed the container.
    result = recommend(
        DEPLOY, "server", spec(), [usage("a", (0.1, 0.2, 0.3), (512 * MIB, 1 * GIB, 3 * GIB))], RightsizeSettings()
    )
    assert result.recommended["limits"]["memory"] == "3072Mi"
    assert any("highest sample" in note for note in result.notes)


def test_an_oom_killed_container_gets_a_limit_above_the_one_it_hit() -> None:
    oom = usage("a", (0.1, 0.2, 0.3), (1 * GIB, 1.5 * GIB, 1.6 * GIB), oom_killed=True)
    result = recommend(DEPLOY, "server", spec(limits={"memory": "2Gi"}), [oom], RightsizeSettings())
    assert result.recommended["limits"]["memory"] == mebibytes(2 * GIB * 1.2)
    assert any("OOMKilled" in note for note in result.notes)


def test_an_oom_kill_does_not_lower_a_limit_that_usage_already_raises() -> None:
    oom = usage("a", (0.1, 0.2, 0.3), (1 * GIB, 3 * GIB, 3 * GIB), oom_killed=True)
    result = recommend(DEPLOY, "server", spec(limits={"memory": "2Gi"}), [oom], RightsizeSettings())
    assert result.recommended["limits"]["memory"] == mebibytes(3 * GIB * 1.2)


def test_per_pod_first_then_the_maximum_over_the_workloads_pods() -> None:
    busy = usage("busy", (1.0, 2.0, 2.5), (2 * GIB, 3 * GIB, 3 * GIB))
    quiet = usage("quiet", (0.1, 0.2, 0.3), (1 * GIB, 1 * GIB, 1 * GIB))
    gone = usage("old-replicaset-pod", (0.5, 4.0, 4.0), (1 * GIB, 1 * GIB, 1 * GIB))
    result = recommend(DEPLOY, "server", spec(), [busy, quiet, gone], RightsizeSettings())
    assert result.recommended["requests"]["cpu"] == "1000m"  # the busy replica, not an average
    assert result.recommended["limits"]["cpu"] == "4800m"  # the pod of the earlier ReplicaSet counts
    assert result.pods == 3


def test_too_little_history_is_noted() -> None:
    young = usage("a", (0.1, 0.2, 0.3), (GIB, GIB, GIB), history=5 * 3600, samples=300)
    result = recommend(DEPLOY, "server", spec(), [young], RightsizeSettings())
    assert any("only 5h of history" in note for note in result.notes)


def test_too_few_samples_are_noted() -> None:
    sparse = usage("a", (0.1, 0.2, 0.3), (GIB, GIB, GIB), samples=12)
    result = recommend(DEPLOY, "server", spec(), [sparse], RightsizeSettings())
    assert any("only 12 samples" in note for note in result.notes)


def test_no_usage_keeps_the_current_resources_and_says_so() -> None:
    current = spec(requests={"cpu": "500m", "memory": "1Gi"}, limits={"memory": "2Gi"})
    result = recommend(DEPLOY, "server", current, [], RightsizeSettings())
    assert result.recommended == result.current
    assert result.current["requests"] == {"cpu": "500m", "memory": "1Gi"}
    assert any("no usage data" in note for note in result.notes)


def test_quantile_and_margin_settings_change_the_figures() -> None:
    settings = RightsizeSettings(limit_margin=0.5)
    result = recommend(DEPLOY, "server", spec(), [usage("a", (0.2, 1.0, 1.0), (GIB, GIB, GIB))], settings)
    assert result.recommended["limits"]["cpu"] == "1500m"
    assert result.recommended["limits"]["memory"] == "1536Mi"


def test_an_idle_gpu_is_flagged() -> None:
    idle = usage("a", (0.1, 0.2, 0.3), (GIB, GIB, GIB), gpu=GpuUsage(0.0, 2.0, 512 * MIB, 80 * GIB))
    result = recommend(DEPLOY, "server", spec(), [idle], RightsizeSettings())
    assert result.gpu is not None
    assert result.gpu["idle"] is True
    assert any(note.startswith("GPU idle") for note in result.notes)


def test_a_busy_gpu_is_not_flagged() -> None:
    busy = usage("a", (0.1, 0.2, 0.3), (GIB, GIB, GIB), gpu=GpuUsage(85.0, 100.0, 70 * GIB, 80 * GIB))
    result = recommend(DEPLOY, "server", spec(), [busy], RightsizeSettings())
    assert result.gpu is not None
    assert result.gpu["idle"] is False
    assert not any("GPU" in note for note in result.notes)


def test_json_shape_is_the_design_contract() -> None:
    document = recommend(
        DEPLOY, "server", spec(), [usage("a", (0.25, 1.0, 1.5), (GIB, 2 * GIB, 2 * GIB))], RightsizeSettings()
    ).as_dict()
    assert list(document) == [
        "namespace",
        "workload",
        "container",
        "current",
        "recommended",
        "usage",
        "samples",
        "history",
        "notes",
    ]
    assert document["workload"] == {"kind": "Deployment", "name": "llm-server"}
    assert document["usage"]["cpu"] == {"p50": 0.25, "p99": 1.0, "max": 1.5}
    assert document["history"] == "7d"


def test_init_containers_are_patched_as_init_containers() -> None:
    from dataclasses import replace

    from kubectl_ml.rightsize.report import RightsizeReport, workload_patches

    app = recommend(DEPLOY, "server", spec(), [usage("a", (0.25, 1.0, 1.5), (GIB, GIB, GIB))], RightsizeSettings())
    fetch = replace(
        recommend(DEPLOY, "fetch-model", spec(), [usage("a", (0.1, 0.5, 0.5), (GIB, GIB, GIB))], RightsizeSettings()),
        init=True,
    )
    ((_first, patch),) = [
        (item.item, item.body) for item in workload_patches(RightsizeReport(7 * 86400, {}, [app, fetch]))
    ]
    template = patch["spec"]["template"]["spec"]
    assert [item["name"] for item in template["containers"]] == ["server"]
    assert [item["name"] for item in template["initContainers"]] == ["fetch-model"]
