"""probes-missing and startup-probe-missing on model servers as they are really deployed (issue 12).

Images and commands come from public examples: vLLM's Kubernetes guide (fixtures/lint/vllm-deployment.yaml),
TGI Deployments with no containerPort, NIM, Ollama, TF Serving, the LWS vLLM sample
(fixtures/operators/manifests/lws/lws-vllm-gpu.yaml) and Triton's SDK image.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from kubectl_ml.lint import LintInput, lint_objects
from kubectl_ml.model.findings import Finding
from tests.conftest import FIXTURES

GPU = {"requests": {"cpu": "4", "memory": "16Gi"}, "limits": {"memory": "16Gi", "nvidia.com/gpu": 1}}


def deployment(name: str, *containers: dict[str, Any]) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "serving"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": list(containers)}},
        },
    }


def findings(code: str, *objects: dict[str, Any]) -> list[Finding]:
    inputs = [LintInput(obj, "f.yaml", 1) for obj in objects]
    return [finding for finding in lint_objects(inputs) if finding.code == code]


def vllm(**fields: Any) -> dict[str, Any]:
    """vLLM's guide's container, without the containerPort most Deployments behind a Service leave out."""
    body: dict[str, Any] = {
        "name": "vllm",
        "image": "vllm/vllm-openai:v0.6.3",
        "command": ["/bin/sh", "-c"],
        "args": ["vllm serve meta-llama/Llama-3.1-8B-Instruct --trust-remote-code"],
        "resources": GPU,
    }
    body.update(fields)
    return body


# --- probes-missing ------------------------------------------------------------------------------------------


def test_a_vllm_server_without_a_container_port_needs_a_readiness_probe() -> None:
    (finding,) = findings("probes-missing", deployment("llama", vllm()))
    assert finding.container == "vllm"
    assert finding.summary == (
        "Deployment llama (pod template), container vllm runs vLLM (command vllm serve) on port 8000 without a "
        "readinessProbe: it gets traffic before the model is loaded."
    )
    assert finding.evidence[0].path == "spec.template.spec.containers[0].image"
    probe = finding.patch["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]  # type: ignore[index]
    assert probe["httpGet"] == {"path": "/v1/models", "port": 8000}
    assert "GET /v1/models on port 8000" in (finding.remedy or "")


@pytest.mark.parametrize(
    ("container", "said", "probe"),
    [
        (
            {
                "image": "ghcr.io/huggingface/text-generation-inference:1.3",
                "command": ["text-generation-launcher", "--model-id", "mistralai/Mistral-7B-Instruct-v0.1"],
            },
            "runs TGI (command text-generation-launcher) on port 80",
            {"path": "/health", "port": 80},
        ),
        (
            {
                "image": "ghcr.io/huggingface/text-generation-inference:2.4.0",
                "args": ["--model-id", "bigcode/starcoderbase-7b", "--num-shard", "1", "--port", "8080"],
            },
            "runs TGI (image ghcr.io/huggingface/text-generation-inference) on port 8080",
            {"path": "/health", "port": 8080},
        ),
        (
            {"image": "ollama/ollama:0.5.7"},
            "runs Ollama (image ollama/ollama) on port 11434",
            {"path": "/", "port": 11434},
        ),
        (
            {
                "image": "tensorflow/serving:2.18.0-gpu",
                "args": ["--model_name=resnet", "--model_base_path=gs://bucket/models/resnet"],
            },
            "runs TF Serving (image tensorflow/serving) on port 8501",
            {"path": "/v1/models/resnet", "port": 8501},
        ),
        (
            {"image": "nvcr.io/nim/meta/llama3-8b-instruct:1.0.0"},
            "runs NIM (image nvcr.io/nim/meta/llama3-8b-instruct) without",
            None,
        ),
    ],
    ids=["tgi-command", "tgi-args", "ollama", "tfserving", "nim"],
)
def test_model_servers_are_recognised_by_image_and_command(
    container: dict[str, Any], said: str, probe: dict[str, Any] | None
) -> None:
    (finding,) = findings("probes-missing", deployment("llm", {"name": "server", "resources": GPU, **container}))
    assert said in finding.summary
    if probe is None:
        assert finding.patch is None  # NIM's readiness endpoint is not in the reference: the generic remedy
    else:
        patched = finding.patch["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]  # type: ignore[index]
        assert patched["httpGet"] == probe


def test_once_per_pod_and_a_sidecar_does_not_gate_the_model() -> None:
    exporter = {"name": "metrics", "image": "prom/statsd-exporter:v0.26.0", "ports": [{"containerPort": 9102}]}
    (finding,) = findings("probes-missing", deployment("llama", vllm(ports=[{"containerPort": 8000}]), exporter))
    assert finding.container == "vllm"
    assert finding.evidence[0].path == "spec.template.spec.containers[0].ports"
    # the sidecar's readinessProbe says nothing about the model
    ready_sidecar = {**exporter, "readinessProbe": {"httpGet": {"path": "/", "port": 9102}}}
    assert [f.container for f in findings("probes-missing", deployment("llama", vllm(), ready_sidecar))] == ["vllm"]


def test_a_sidecar_is_not_flagged_when_the_main_container_gates_readiness() -> None:
    ready = vllm(readinessProbe={"httpGet": {"path": "/v1/models", "port": 8000}})
    exporter = {"name": "metrics", "image": "prom/statsd-exporter:v0.26.0", "ports": [{"containerPort": 9102}]}
    assert findings("probes-missing", deployment("llama", ready, exporter)) == []
    web = {
        "name": "web",
        "image": "nginx:1.27",
        "ports": [{"containerPort": 80}],
        "readinessProbe": {"httpGet": {"path": "/", "port": 80}},
    }
    proxy = {
        "name": "oauth2-proxy",
        "image": "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0",
        "ports": [{"containerPort": 4180}],
    }
    assert findings("probes-missing", deployment("web", web, proxy)) == []
    # nothing gates it: one finding, on the first serving container
    del web["readinessProbe"]
    assert [f.container for f in findings("probes-missing", deployment("web", web, proxy))] == ["web"]


def test_a_vllm_leader_worker_set_checks_the_leader_only() -> None:
    lws = next(
        doc
        for doc in yaml.safe_load_all((FIXTURES / "operators/manifests/lws/lws-vllm-gpu.yaml").read_text("utf-8"))
        if doc and doc["kind"] == "LeaderWorkerSet"
    )
    assert findings("probes-missing", lws) == []  # the leader has a readinessProbe; workers answer no requests
    bare = copy.deepcopy(lws)
    del bare["spec"]["leaderWorkerTemplate"]["leaderTemplate"]["spec"]["containers"][0]["readinessProbe"]
    (finding,) = findings("probes-missing", bare)
    assert finding.container == "vllm-leader"
    assert "runs vLLM (command vllm.entrypoints.openai.api_server) on port 8080" in finding.summary


def test_a_triton_client_is_no_server() -> None:
    client = {
        "name": "triton",
        "image": "nvcr.io/nvidia/tritonserver:24.12-py3-sdk",
        "command": ["sleep", "infinity"],
    }
    assert findings("probes-missing", deployment("triton-perf", client)) == []


# --- startup-probe-missing -----------------------------------------------------------------------------------


def test_a_liveness_budget_that_covers_loading_needs_no_startup_probe() -> None:
    short = {"httpGet": {"path": "/health", "port": 8000}, "initialDelaySeconds": 60, "periodSeconds": 10}
    (finding,) = findings("startup-probe-missing", deployment("llama", vllm(livenessProbe=short)))
    assert "container vllm runs vLLM with a livenessProbe and no startupProbe" in finding.summary
    assert "within 90 s" in finding.summary
    delayed = {**short, "initialDelaySeconds": 600}
    assert findings("startup-probe-missing", deployment("llama", vllm(livenessProbe=delayed))) == []
    patient = {"httpGet": {"path": "/health", "port": 8000}, "periodSeconds": 10, "failureThreshold": 60}
    assert findings("startup-probe-missing", deployment("llama", vllm(livenessProbe=patient))) == []
    almost = {**patient, "failureThreshold": 59}
    assert (
        "within 590 s" in findings("startup-probe-missing", deployment("llama", vllm(livenessProbe=almost)))[0].summary
    )


def test_startup_probe_missing_recognises_servers_by_command_and_their_workers() -> None:
    liveness = {"httpGet": {"path": "/health", "port": 8080}, "periodSeconds": 10}
    tgi = {
        "name": "tgi",
        "image": "registry.example.com/ml/tgi-mistral:3.0.1",  # TGI rebuilt with its weights inside
        "command": ["text-generation-launcher", "--model-id", "/data/mistral", "--port", "8080"],
        "livenessProbe": liveness,
        "resources": GPU,
    }
    (finding,) = findings("startup-probe-missing", deployment("tgi", tgi))
    assert "container tgi runs TGI with a livenessProbe" in finding.summary
    worker = vllm(
        name="vllm-worker",
        command=["sh", "-c"],
        args=[
            "bash /vllm-workspace/examples/online_serving/multi-node-serving.sh worker "
            "--ray_address=$(LWS_LEADER_ADDRESS)"
        ],
        livenessProbe={"exec": {"command": ["ray", "health-check"]}},
    )
    (finding,) = findings("startup-probe-missing", deployment("vllm", worker))
    assert "container vllm-worker is a vLLM worker with a livenessProbe" in finding.summary
    client = {
        "name": "triton",
        "image": "nvcr.io/nvidia/tritonserver:24.12-py3-sdk",
        "command": ["sleep", "infinity"],
        "livenessProbe": {"exec": {"command": ["true"]}},
    }
    assert findings("startup-probe-missing", deployment("triton-perf", client)) == []
