"""The golden cases: one per generator and runtime, with realistic pinned images."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from kubectl_ml.scaffold.job import build_job
from kubectl_ml.scaffold.serving import ServingParams, build_serving
from kubectl_ml.scaffold.training import JobParams

PYTORCH = "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime"

GPU_JOB = JobParams(
    "finetune",
    PYTORCH,
    gpus=1,
    namespace="ml-training",
    dataset_pvc="imagenet",
    checkpoint_pvc="finetune-checkpoints",
    active_deadline_seconds=24 * 3600,
    command=("python", "train.py", "--epochs", "10"),
)
DISTRIBUTED_JOB = JobParams(
    "llm-pretrain",
    PYTORCH,
    gpus=8,
    cpu="64",
    memory="512Gi",
    namespace="ml-training",
    workers=4,
    dataset_pvc="corpus",
    checkpoint_pvc="pretrain-checkpoints",
    command=("torchrun", "train.py"),
)

CASES: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "job-cpu": lambda: build_job(
        JobParams("tokenize", "python:3.12.8-slim", namespace="ml-training", command=("python", "tokenize.py"))
    ),
    "job-gpu": lambda: build_job(GPU_JOB),
    "job-distributed": lambda: build_job(DISTRIBUTED_JOB),
    # The same two jobs for the operators: only the kind differs.
    "pytorchjob-gpu": lambda: build_job(replace(GPU_JOB, kind="pytorchjob")),
    "pytorchjob-distributed": lambda: build_job(replace(DISTRIBUTED_JOB, kind="pytorchjob")),
    "jobset-gpu": lambda: build_job(replace(GPU_JOB, kind="jobset")),
    "jobset-distributed": lambda: build_job(replace(DISTRIBUTED_JOB, kind="jobset")),
    "serving-triton": lambda: build_serving(
        ServingParams(
            "resnet",
            "nvcr.io/nvidia/tritonserver:25.01-py3",
            "triton",
            "s3://models/triton",
            replicas=2,
            namespace="ml-serving",
        )
    ),
    "serving-vllm": lambda: build_serving(
        ServingParams(
            "llama",
            "vllm/vllm-openai:v0.11.0",
            "vllm",
            "meta-llama/Llama-3.1-70B-Instruct",
            gpus=4,
            replicas=2,
            namespace="ml-serving",
        )
    ),
    "serving-tgi": lambda: build_serving(
        ServingParams(
            "mistral",
            "ghcr.io/huggingface/text-generation-inference:3.3.4",
            "tgi",
            "mistralai/Mistral-7B-Instruct-v0.3",
            namespace="ml-serving",
        )
    ),
    "serving-torchserve": lambda: build_serving(
        ServingParams(
            "densenet",
            "pytorch/torchserve:0.12.0-gpu",
            "torchserve",
            "densenet161=densenet161.mar",
            namespace="ml-serving",
        )
    ),
    "serving-tfserving": lambda: build_serving(
        ServingParams(
            "half-plus-two",
            "tensorflow/serving:2.18.0-gpu",
            "tfserving",
            "gs://models/half_plus_two",
            namespace="ml-serving",
        )
    ),
    "serving-custom": lambda: build_serving(
        ServingParams(
            "ranker",
            "registry.example.com/ml/ranker:1.4.2",
            "custom",
            "s3://models/ranker",
            gpus=0,
            cpu="2",
            memory="4Gi",
            namespace="ml-serving",
        )
    ),
}
