"""The scaffolds' logic: pinned images, Job and serving settings, fitting to a cluster's GPU nodes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kubectl_ml.errors import ExitCode, UsageError
from kubectl_ml.scaffold.common import check_pinned_image
from kubectl_ml.scaffold.job import build_job
from kubectl_ml.scaffold.placement import fit_placement
from kubectl_ml.scaffold.runtimes import RUNTIMES
from kubectl_ml.scaffold.serving import ServingParams, build_serving
from kubectl_ml.scaffold.training import JobParams
from tests.conftest import FIXTURES

DEMO_NODES = json.loads((FIXTURES / "demo" / "nodes.json").read_text())["items"]


def _node(name: str, gpus: int = 0, taints: list[dict[str, Any]] | None = None, **labels: str) -> dict[str, Any]:
    capacity = {"cpu": "32", "memory": "256Gi", **({"nvidia.com/gpu": str(gpus)} if gpus else {})}
    return {
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/arch": "amd64", **labels}},
        "spec": {"taints": taints or []},
        "status": {"capacity": capacity, "allocatable": capacity},
    }


@pytest.mark.parametrize(
    "image",
    ["pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", "registry:5000/team/img:1.0", "img@sha256:" + "a" * 64],
)
def test_pinned_images_pass(image: str) -> None:
    assert check_pinned_image(image) == image


@pytest.mark.parametrize("image", ["vllm/vllm-openai:latest", "vllm/vllm-openai", "registry:5000/team/img"])
def test_unpinned_images_are_usage_errors_with_a_hint(image: str) -> None:
    with pytest.raises(UsageError) as caught:
        check_pinned_image(image)
    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.hint
    assert "--image" in caught.value.hint


def _pod(job: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = job["spec"]["template"]["spec"]
    return spec


def test_job_gpu_settings() -> None:
    (job,) = build_job(JobParams("t", "img:1", gpus=2, active_deadline_seconds=3600))
    pod = _pod(job)
    container = pod["containers"][0]
    assert pod["restartPolicy"] == "Never"
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 2  # an integer, as a limit
    assert "nvidia.com/gpu" not in container["resources"]["requests"]
    assert job["spec"]["activeDeadlineSeconds"] == 3600
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    shm = next(volume for volume in pod["volumes"] if volume["name"] == "dshm")
    assert shm["emptyDir"] == {"medium": "Memory", "sizeLimit": "16Gi"}  # half of the 32Gi limit
    rules = job["spec"]["podFailurePolicy"]["rules"]
    assert rules[0]["action"] == "Ignore"
    assert rules[0]["onPodConditions"][0]["type"] == "DisruptionTarget"
    assert rules[1]["onExitCodes"]["containerName"] == container["name"]


def test_cpu_job_has_no_gpu_toleration_and_no_deadline_unless_asked() -> None:
    (job,) = build_job(JobParams("t", "img:1"))
    assert "tolerations" not in _pod(job)
    assert "activeDeadlineSeconds" not in job["spec"]


def test_distributed_job_is_indexed_with_a_headless_service_and_torchrun_env() -> None:
    service, job = build_job(JobParams("ddp", "img:1", gpus=8, workers=4))
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["selector"].items() <= job["spec"]["template"]["metadata"]["labels"].items()
    assert (job["spec"]["completionMode"], job["spec"]["completions"], job["spec"]["parallelism"]) == ("Indexed", 4, 4)
    assert _pod(job)["subdomain"] == service["metadata"]["name"]
    variables = {item["name"]: item for item in _pod(job)["containers"][0]["env"]}
    assert variables["MASTER_ADDR"]["value"] == "ddp-0.ddp"
    assert variables["NNODES"]["value"] == "4"
    assert variables["WORLD_SIZE"]["value"] == "32"
    assert "job-completion-index" in variables["NODE_RANK"]["valueFrom"]["fieldRef"]["fieldPath"]
    assert variables["PET_NODE_RANK"]["value"] == "$(NODE_RANK)"


@pytest.mark.parametrize("runtime", ["vllm", "tgi"])
def test_llm_runtimes_get_at_least_ten_minutes_to_start(runtime: str) -> None:
    _service, deployment = build_serving(ServingParams("s", "img:1", runtime, "org/model"))
    probe = deployment["spec"]["template"]["spec"]["containers"][0]["startupProbe"]
    assert probe.get("initialDelaySeconds", 0) + probe["failureThreshold"] * probe["periodSeconds"] >= 600


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_probes_use_a_declared_port(runtime: str) -> None:
    objects = build_serving(ServingParams("s", "img:1", runtime, "gs://b/m"))
    container = objects[1]["spec"]["template"]["spec"]["containers"][0]
    ports = {port["name"] for port in container["ports"]}
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        check = container[kind].get("httpGet") or container[kind]["tcpSocket"]
        assert check["port"] in ports


def test_model_is_passed_the_way_each_runtime_expects() -> None:
    def args(runtime: str, model: str, gpus: int = 1) -> list[str]:
        container = build_serving(ServingParams("s", "i:1", runtime, model, gpus))[1]["spec"]["template"]["spec"]
        return list(container["containers"][0].get("args", []))

    assert args("vllm", "org/m", 2)[:1] == ["org/m"]
    assert "--tensor-parallel-size" in args("vllm", "org/m", 2)
    assert args("tgi", "org/m")[:2] == ["--model-id", "org/m"]
    assert args("triton", "s3://b/repo") == ["--model-repository=s3://b/repo"]
    assert "--model_base_path=gs://b/resnet" in args("tfserving", "gs://b/resnet")
    assert args("torchserve", "m=m.mar")[-2:] == ["--models", "m=m.mar"]


def test_pdb_only_with_several_replicas() -> None:
    assert [o["kind"] for o in build_serving(ServingParams("s", "i:1", "vllm", "m"))] == ["Service", "Deployment"]
    objects = build_serving(ServingParams("s", "i:1", "vllm", "m", replicas=3))
    assert objects[-1]["kind"] == "PodDisruptionBudget"
    assert objects[-1]["spec"] == {
        "maxUnavailable": 1,
        "selector": objects[1]["spec"]["selector"],
    }
    assert all(o["kind"] != "HorizontalPodAutoscaler" for o in objects)


def test_runtime_without_model_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="needs --model"):
        build_serving(ServingParams("s", "i:1", "vllm"))
    with pytest.raises(UsageError, match="unknown runtime"):
        build_serving(ServingParams("s", "i:1", "ollama", "m"))


def test_fit_to_gke_demo_tolerates_its_gpu_taint_exactly() -> None:
    placement = fit_placement(DEMO_NODES, 1)
    assert placement.tolerations == [
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}
    ]
    assert placement.node_selector == {}  # A100 and GH200 nodes both hold one GPU
    assert any("amd64, arm64" in note for note in placement.notes)


def test_fit_selects_the_only_nodes_that_hold_the_request() -> None:
    placement = fit_placement(DEMO_NODES, 4)
    assert placement.node_selector == {"cloud.google.com/gke-accelerator": "nvidia-tesla-a100"}


def test_fit_without_gpu_taint_adds_no_toleration() -> None:
    nodes = [_node("cpu"), _node("gpu", 8, accelerator="nvidia")]
    placement = fit_placement(nodes, 1)
    assert placement.tolerations == []
    assert placement.node_selector == {}


def test_fit_aks_style_taint_that_the_generic_toleration_misses() -> None:
    nodes = [_node("gpu", 4, [{"key": "sku", "value": "gpu", "effect": "NoSchedule"}])]
    assert fit_placement(nodes, 1).tolerations == [
        {"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}
    ]


def test_fit_ignores_system_taints_and_notes_an_impossible_request() -> None:
    taints = [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    placement = fit_placement([_node("gpu", 2, taints)], 8)
    assert placement.tolerations == []
    assert any("no node has 8" in note for note in placement.notes)


def test_fit_for_cpu_pods_is_empty() -> None:
    assert fit_placement(DEMO_NODES, 0).tolerations == []
