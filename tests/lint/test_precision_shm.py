"""shm-missing fires where /dev/shm is really used, says why, and leaves smoke tests alone (issue 12).

Images and commands are those of public examples: NVIDIA's device-plugin README, the Kubernetes GPU docs,
Kubeflow, JobSet, LWS and Kueue samples (fixtures/operators/manifests, whose SOURCE.md names each), vLLM's
and TGI's Kubernetes guides, HAMi's and gpu-burn's example pods, Triton's SDK image.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from kubectl_ml.lint import LintInput, lint_objects
from kubectl_ml.lint.model_servers import detect, simple_commands
from kubectl_ml.model.findings import Finding, Severity
from tests.conftest import FIXTURES

MANIFESTS = FIXTURES / "operators" / "manifests"


def pod(name: str, gpus: int | str = 1, **container: Any) -> dict[str, Any]:
    """A Pod with one container asking for ``gpus`` nvidia.com/gpu, as the public examples write it."""
    body = {"name": name, **container}
    body.setdefault("resources", {"limits": {"nvidia.com/gpu": gpus}})
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"restartPolicy": "Never", "containers": [body]},
    }


def deployment(name: str, *containers: dict[str, Any]) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": list(containers)}},
        },
    }


def shm(*objects: dict[str, Any]) -> list[Finding]:
    inputs = [LintInput(obj, "f.yaml", 1) for obj in objects]
    return [finding for finding in lint_objects(inputs) if finding.code == "shm-missing"]


def fixture(path: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((MANIFESTS / path).read_text(encoding="utf-8")) if doc]


def without_shm(obj: dict[str, Any]) -> dict[str, Any]:
    """The object with every /dev/shm mount and its volume taken away."""
    obj = copy.deepcopy(obj)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("volumeMounts"), list):
                node["volumeMounts"] = [m for m in node["volumeMounts"] if m.get("mountPath") != "/dev/shm"]
            if isinstance(node.get("volumes"), list):
                node["volumes"] = [v for v in node["volumes"] if v.get("name") != "dshm"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(obj)
    return obj


# --- smoke tests and single-process containers: no finding -------------------------------------------------


@pytest.mark.parametrize(
    "obj",
    [
        # NVIDIA/k8s-device-plugin README, "Running GPU Jobs"
        pod("gpu-pod", image="nvcr.io/nvidia/k8s/cuda-sample:vectoradd-cuda12.5.0"),
        # the Kubernetes docs' GPU example
        pod("cuda-vector-add", image="k8s.gcr.io/cuda-vector-add:v0.1"),
        pod("example-vector-add", image="registry.k8s.io/cuda-vector-add:v0.1"),
        # kubectl run ... --image nvcr.io/nvidia/cuda:12.5.0-base-ubuntu22.04 nvidia-smi
        pod("nvidia-test", image="nvcr.io/nvidia/cuda:12.5.0-base-ubuntu22.04", command=["nvidia-smi"]),
        # args alone: the CUDA image's entrypoint runs them
        pod("nvidia-smi", image="nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04", args=["nvidia-smi", "-l"]),
        pod("nvidia-smi", image="nvcr.io/nvidia/k8s/cuda-sample:vectoradd-cuda11.1", command=["nvidia-smi"]),
        # HAMi's example: a training image kept alive with sleep, to exec into
        pod(
            "gpu-pod",
            image="cr.metax-tech.com/public-ai-release/c500/colossalai:2.24.0.5-py38-ubuntu20.04-amd64",
            command=["sleep", "infinity"],
        ),
        # gpu-burn as a Job's pod
        pod(
            "gpuburn-job",
            image="iankoulski/gpuburn",
            env=[{"name": "GPUBURN_TIME", "value": "60"}],
            command=["/bin/sh", "-c"],
            args=['echo "Running gpu_burn for $GPUBURN_TIME seconds..."\n/app/gpu_burn $GPUBURN_TIME\n'],
        ),
        # a nvidia-smi loop
        pod(
            "smi-loop",
            image="nvidia/cuda:12.6.1-base-ubuntu24.04",
            command=["bash", "-c"],
            args=["while true; do nvidia-smi --query-gpu=index,utilization.gpu --format=csv; sleep 1; done"],
        ),
        # Triton's SDK (client) image: sleep to exec into, or a perf_analyzer loop
        pod("triton-perf", image="nvcr.io/nvidia/tritonserver:24.12-py3-sdk", command=["sleep", "infinity"]),
        pod(
            "triton-client",
            image="nvcr.io/nvidia/tritonserver:25.10-py3-sdk",
            command=["bash", "-c"],
            args=[
                "while true; do perf_analyzer -m resnet50_libtorch --service-kind=triton -b 2 -u triton:8001 "
                "-i grpc; sleep 60; done"
            ],
        ),
        # an HTTP demo server given a GPU
        pod("demo", image="python:3.12-slim", command=["python", "-m", "http.server", "8080"]),
    ],
    ids=lambda obj: f"{obj['metadata']['name']}-{obj['spec']['containers'][0]['image']}",
)
def test_smoke_tests_and_single_process_containers_are_left_alone(obj: dict[str, Any]) -> None:
    assert shm(obj) == []


def test_the_operator_samples_that_only_wait_or_serve_a_demo_page_are_left_alone() -> None:
    # Kueue's provisioning sample: agnhost pause with a GPU; its LWS sample: nginx-slim workers with a GPU
    assert shm(*fixture("kueue/kueue-provisioning-job-gpu.yaml")) == []
    assert shm(*fixture("kueue/kueue-sample-leaderworkerset-tas-gpu.yaml")) == []


def test_jax_on_tpu_is_a_different_case() -> None:
    (jobset,) = fixture("jobset/jobset-tpu-v6e-jax.yaml")
    assert shm(jobset) == []
    # PyTorch on TPU still loads data through DataLoader workers
    torch_xla = copy.deepcopy(jobset)
    container = torch_xla["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]["spec"]["containers"][0]
    container["image"] = "us-central1-docker.pkg.dev/tpu-pytorch-releases/docker/xla:r2.6.0_3.10_tpuvm"
    container["command"] = ["torchrun", "--nproc_per_node=4", "train.py"]
    (finding,) = shm(torch_xla)
    assert "runs PyTorch on TPU: DataLoader workers pass batches through /dev/shm" in finding.summary


def test_model_servers_that_run_one_process_are_left_alone() -> None:
    ollama = {"name": "ollama", "image": "ollama/ollama:0.5.7", "resources": {"limits": {"nvidia.com/gpu": 1}}}
    assert shm(deployment("ollama", ollama)) == []
    tf = {"name": "serving", "image": "tensorflow/serving:2.18.0-gpu", "resources": {"limits": {"nvidia.com/gpu": 1}}}
    assert shm(deployment("tfserving", tf)) == []
    torchserve = {
        "name": "ts",
        "image": "pytorch/torchserve:0.12.0-gpu",
        "resources": {"limits": {"nvidia.com/gpu": 1}},
    }
    assert shm(deployment("torchserve", torchserve)) == []
    # TorchServe across GPUs runs its model under torchrun
    torchserve["resources"] = {"limits": {"nvidia.com/gpu": 4}}
    (finding,) = shm(deployment("torchserve", torchserve))
    assert "it runs TorchServe with 4 GPUs: a model spread over GPUs runs under torchrun" in finding.summary


# --- training: fires, and says why --------------------------------------------------------------------------


def test_the_issue_example_torchrun_with_8_gpus() -> None:
    obj = pod(
        "ddp",
        8,
        image="pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
        command=["torchrun", "--nnodes=1", "--nproc_per_node=8", "train.py"],
    )
    (finding,) = shm(obj)
    assert finding.severity is Severity.WARNING
    assert finding.summary.endswith(
        "has no memory-backed /dev/shm (the runtime's default is 64Mi); "
        "it runs torchrun with 8 GPUs: NCCL and DataLoader workers use /dev/shm."
    )


@pytest.mark.parametrize(
    ("container", "why"),
    [
        (
            {
                "image": "registry.baidubce.com/kuizhiqing/torch-imagenet:v1",
                "command": ["python", "-m", "torch.distributed.run", "train.py"],
            },
            "it runs python -m torch.distributed.run with 2 GPUs",
        ),
        (
            {
                "image": "ghcr.io/acme/llm-finetune:1.4",
                "command": ["bash", "-c"],
                "args": ["deepspeed --num_gpus 2 finetune.py --deepspeed ds_config.json"],
            },
            "it runs deepspeed with 2 GPUs",
        ),
        (
            {"image": "ghcr.io/acme/trainer:0.3", "command": ["accelerate", "launch", "--multi_gpu", "sft.py"]},
            "it runs accelerate launch with 2 GPUs",
        ),
        (
            {
                "image": "mpioperator/tensorflow-benchmarks:latest",
                "command": [
                    "mpirun",
                    "--allow-run-as-root",
                    "-np",
                    "2",
                    "-x",
                    "NCCL_DEBUG=INFO",
                    "python",
                    "scripts/tf_cnn_benchmarks/tf_cnn_benchmarks.py",
                ],
            },
            "it runs mpirun with 2 GPUs: Open MPI's ranks on one node and NCCL use /dev/shm",
        ),
        (
            {
                "image": "torchelastic/examples:0.2.0",
                "env": [{"name": "NCCL_DEBUG", "value": "INFO"}],
                "args": ["--nproc_per_node=1", "/workspace/examples/imagenet/main.py"],
            },
            "it sets NCCL_DEBUG (distributed training) with 2 GPUs",
        ),
        (
            {"image": "nvcr.io/nvidia/pytorch:24.10-py3", "command": ["python", "/workspace/examples/mnist.py"]},
            "it runs the training image nvcr.io/nvidia/pytorch with 2 GPUs",
        ),
        (
            {"image": "ghcr.io/acme/vision:2.0", "command": ["python3", "tools/train.py", "configs/resnet50.py"]},
            "it runs train.py with 2 GPUs",
        ),
        (
            {"image": "ghcr.io/acme/vision:2.0", "command": ["python3", "tools/eval.py"]},
            "it asks for 2 GPUs: NCCL between their processes uses /dev/shm",
        ),
    ],
    ids=["torch.distributed.run", "deepspeed", "accelerate", "mpirun", "env", "image", "script", "gpus"],
)
def test_training_is_recognised_by_command_env_image_and_gpu_count(container: dict[str, Any], why: str) -> None:
    (finding,) = shm(pod("trainer", 2, **container))
    assert why in finding.summary
    assert finding.severity is Severity.WARNING


def test_training_kinds_keep_their_findings() -> None:
    findings = shm(*fixture("kubeflow-training/pytorchjob-mnist-nccl-gpu.yaml"))
    assert [f.summary.split(",")[0] for f in findings] == [
        "Master template of PyTorchJob pytorch-dist-mnist-nccl",
        "Worker template of PyTorchJob pytorch-dist-mnist-nccl",
    ]
    assert all("PyTorchJob pods run distributed training: NCCL" in f.summary for f in findings)
    (mpi,) = shm(*fixture("kubeflow-mpi/mpijob-v2beta1-tensorflow-benchmarks-gpu.yaml"))
    assert "MPIJob pods run distributed training" in mpi.summary
    (tune,) = shm(*fixture("kubeflow-trainer/clustertrainingruntime-torchtune-llama3.2-1b-gpu.yaml"))
    assert "it runs torchtune (tune run) with 2 GPUs" in tune.summary
    (volcano,) = shm(*fixture("volcano/vcjob-mindspore-gpu.yaml"))
    assert "it runs sshd for an MPI launcher: Open MPI's ranks" in volcano.summary
    deepspeed = shm(*fixture("kubeflow-training/pytorchjob-deepspeed-gpu.yaml"))
    assert len(deepspeed) == 2


def test_a_jobset_running_torchrun() -> None:
    (jobset,) = fixture("jobset/jobset-pytorch-cnn-mnist.yaml")
    gpu = copy.deepcopy(jobset)
    container = gpu["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]["spec"]["containers"][0]
    container["resources"] = {"limits": {"nvidia.com/gpu": 1}}
    (finding,) = shm(gpu)
    assert "it runs torchrun: NCCL and DataLoader workers use /dev/shm" in finding.summary


# --- model servers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("container", "why"),
    [
        (
            {
                "image": "vllm/vllm-openai:v0.6.3",
                "command": ["/bin/sh", "-c"],
                "args": ["vllm serve meta-llama/Llama-3.1-8B-Instruct --trust-remote-code"],
            },
            "it runs vLLM: vLLM's processes",
        ),
        (
            {
                "image": "ghcr.io/huggingface/text-generation-inference:1.3",
                "command": ["text-generation-launcher", "--model-id", "mistralai/Mistral-7B-Instruct-v0.1"],
            },
            "it runs TGI: TGI's shards talk through NCCL",
        ),
        (
            {
                "image": "nvcr.io/nvidia/tritonserver:24.05-py3",
                "command": ["tritonserver"],
                "args": ["--model-repository=/models"],
            },
            "it runs Triton: Triton's Python-backend stubs",
        ),
        (
            {
                "image": "lmsysorg/sglang:v0.4.1-cu124",
                "command": [
                    "python3",
                    "-m",
                    "sglang.launch_server",
                    "--model-path",
                    "meta-llama/Llama-3.1-8B-Instruct",
                    "--host",
                    "0.0.0.0",
                    "--port",
                    "30000",
                ],
            },
            "it runs SGLang",
        ),
        ({"image": "nvcr.io/nim/meta/llama3-8b-instruct:1.0.0"}, "it runs NIM"),
    ],
    ids=["vllm", "tgi", "triton", "sglang", "nim"],
)
def test_model_servers_that_use_shared_memory(container: dict[str, Any], why: str) -> None:
    body = {"name": "server", "resources": {"limits": {"nvidia.com/gpu": 1}}, **container}
    (finding,) = shm(deployment("llm", body))
    assert why in finding.summary
    assert finding.severity is Severity.WARNING


def test_a_vllm_leader_worker_set_without_shm() -> None:
    (lws, _service) = fixture("lws/lws-vllm-gpu.yaml")
    assert shm(lws) == []  # the sample mounts its dshm
    leader, worker = shm(without_shm(lws))
    assert "it runs vLLM with 8 GPUs" in leader.summary
    assert worker.container == "vllm-worker"
    assert "it is a worker of vLLM with 8 GPUs" in worker.summary


# --- unknown purpose: info, and it says so ------------------------------------------------------------------


def test_a_gpu_container_of_unknown_purpose_is_info_and_says_why() -> None:
    body = {
        "name": "server",
        "image": "ghcr.io/acme/server:1.2.3",
        "ports": [{"containerPort": 8000}],
        "resources": {"limits": {"nvidia.com/gpu": 1}},
    }
    (finding,) = shm(deployment("web", body))
    assert finding.severity is Severity.INFO
    assert "lint cannot tell what it runs" in finding.summary


def test_a_disk_volume_at_dev_shm_is_still_flagged_with_the_reason() -> None:
    obj = pod(
        "ddp",
        8,
        image="pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
        command=["torchrun", "--nproc_per_node=8", "train.py"],
        volumeMounts=[{"name": "dshm", "mountPath": "/dev/shm"}],
    )
    obj["spec"]["volumes"] = [{"name": "dshm", "emptyDir": {}}]
    (finding,) = shm(obj)
    assert "which is not an emptyDir with medium: Memory; it runs torchrun with 8 GPUs" in finding.summary


# --- the command reader -------------------------------------------------------------------------------------


def test_shell_scripts_are_read_command_by_command() -> None:
    container = {
        "command": ["bash", "-xc"],
        "args": ["set -e\nexport A=1; nvidia-smi -L && sleep 300 || true\n"],
    }
    assert [words[0] for words in simple_commands(container)] == ["set", "export", "nvidia-smi", "sleep", "true"]
    assert simple_commands({"args": ["--model", "x"]}) == []  # options for the image's entrypoint
    assert simple_commands({"command": ["bash", "-xe", "/mnt/gpu-burn-entrypoint/entrypoint.sh"]}) == [
        ["/mnt/gpu-burn-entrypoint/entrypoint.sh"]
    ]


def test_triton_sdk_image_is_no_server() -> None:
    assert detect({"image": "nvcr.io/nvidia/tritonserver:24.12-py3-sdk"}) is None
    match = detect({"image": "nvcr.io/nvidia/tritonserver:24.12-py3"})
    assert match is not None
    assert (match.server.name, match.port, match.readiness_path) == ("Triton", 8000, "/v2/health/ready")
