"""A GPU-built image in a container that requests no GPU.

What: an app container (init containers are left out: they are short) whose image is built for GPUs and
that asks for no accelerator and holds no DRA claim (``resources.claims``). An image is GPU-built when a
word of its tag is ``gpu``, ``cuda*``, ``cu<NN>``, ``cudnn*`` or ``rocm*`` (``tensorflow/tensorflow:
2.15.0-gpu``, ``pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime``, ``lmsysorg/sglang:v0.4.0-cu124``), when
its repository is a CUDA or ROCm base (``nvidia/cuda``, ``rocm/*``, a name ending in ``-gpu``), or when
it is a GPU build of a framework or model server (NGC's PyTorch, TensorFlow and Triton, vLLM's
``vllm-openai``, TGI, SGLang). A word ``cpu`` anywhere (``latest-cpu``, ``vllm-cpu``) makes it a CPU build.
Not reported: GPU node agents (their images and DaemonSets are meant to see every GPU), containers
that set ``NVIDIA_VISIBLE_DEVICES`` themselves (``gpu-visible-devices-all`` judges those; ``void`` is the
fix), the templates of ClusterTrainingRuntimes and ClusterServingRuntimes (each TrainJob's
``resourcesPerNode`` or InferenceService sets the GPU), the head group of a Ray cluster (KubeRay's
documented pattern runs the workers' image there), and client builds of a server (Triton's ``-sdk``).
An info finding: a CPU-only step of a GPU pipeline is legitimate.

Why it matters: either the container needs a GPU and will fall back to the CPU or fail to start its model
(``no CUDA-capable device is detected``), or it needs none and, where ``nvidia`` is the node's default
runtime, the CUDA base images' own ``NVIDIA_VISIBLE_DEVICES=all`` gives it every GPU of the node without
the scheduler counting them (NVIDIA device plugin README; scaffold-gpu-lint-anchors §0.1 and §5.7).

Remedy: request the GPU it needs (``limits: nvidia.com/gpu: 1``), or use the image's CPU build, or set
``NVIDIA_VISIBLE_DEVICES=void`` in its env so that it sees no GPU. No patch: which one is right is the
author's choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubectl_ml.gpu._common import build
from kubectl_ml.lint._common import containers, image_repository
from kubectl_ml.lint.gpu_visible_devices_all import requests_device, visible_devices
from kubectl_ml.lint.model_servers import is_client_image
from kubectl_ml.lint.run_as_root import is_node_agent
from kubectl_ml.model.accelerators import is_gpu_node_agent_image
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.subjects import Subject

CODES = declare(
    CodeInfo(
        "gpu-image-without-gpu",
        "lint",
        Severity.INFO,
        "GPU-built image without a GPU request",
        "A container runs an image built for GPUs (a CUDA or ROCm build) and requests no GPU: it needs one, "
        "or, where nvidia is the default runtime, it sees every GPU of the node.",
        "Request the GPU it needs, or use the image's CPU build, or set NVIDIA_VISIBLE_DEVICES=void.",
        docs="https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/",
        variants={
            "in-manifest": (
                "Request the GPU it needs (limits nvidia.com/gpu: 1); if it runs on CPU, use the image's CPU "
                "build or set NVIDIA_VISIBLE_DEVICES=void in its env."
            ),
        },
    ),
)


# Tag words of GPU builds: gpu, cuda12.1, cu121, cudnn8, rocm6.0.
_GPU_WORD = re.compile(r"^(gpu|cuda[\d.]*|cu\d{2,3}|cudnn[\d.]*|rocm[\d.]*)$")
# Repositories of GPU builds: CUDA and ROCm bases, "-gpu" names, NGC frameworks, GPU model servers.
_GPU_REPOSITORY = re.compile(
    r"(^|/)nvidia/cuda$|nvcr\.io/nvidia/(cuda|cuda-dl-base|pytorch|tensorflow|tritonserver|nemo|jax)$"
    r"|(^|/)rocm/[^/]+$|[-_]gpu$|(^|/)vllm/vllm-openai$|text-generation-inference$|(^|/)lmsysorg/sglang$"
)


def gpu_build(image: str) -> str | None:
    """Why ``image`` is a GPU build (the word or repository that says so), or None."""
    repository = image_repository(image).lower()
    rest = image[len(image_repository(image)) :].lower()
    tag = rest[1:] if rest.startswith(":") else ""
    tag = tag.split("@", 1)[0]
    words = [word for word in re.split(r"[-_:/]", f"{repository.rsplit('/', 1)[-1]}-{tag}") if word]
    if "cpu" in words or is_gpu_node_agent_image(image):
        return None
    for word in re.split(r"[-_]", tag):
        if _GPU_WORD.match(word):
            return f"tag word {word}"
    if _GPU_REPOSITORY.search(repository):
        return f"repository {image_repository(image)}"
    return None


# Cluster-wide blueprints whose consumers set the resources (a TrainJob's resourcesPerNode, an
# InferenceService's predictor): one template serves every team's GPU and CPU jobs, so "no GPU here" says
# nothing. A namespaced runtime usually serves one team's jobs, and is still judged.
_BLUEPRINT_KINDS = frozenset({"ClusterTrainingRuntime", "ClusterServingRuntime"})
# KubeRay's documented pattern: the head runs the workers' image and schedules, not computes.
_RAY_KINDS = frozenset({"RayCluster", "RayJob", "RayService"})


def _exempt(subject: Subject, image: str) -> bool:
    kind = subject.ref.kind.split(".", 1)[0]
    if kind in _BLUEPRINT_KINDS:
        return True
    if kind in _RAY_KINDS and "head" in subject.role.lower():
        return True
    return is_client_image(image)  # Triton's -sdk client build: perf_analyzer, no GPU needed


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``gpu-image-without-gpu`` per app container with a GPU-built image and no GPU request."""
    for container in containers(subject, init=False):
        image = container.body.get("image")
        if not isinstance(image, str) or not image.strip():
            continue
        why = gpu_build(image.strip())
        if why is None or requests_device(container.body) or visible_devices(container.body) is not None:
            continue
        if is_node_agent(subject, container) or _exempt(subject, image.strip()):
            continue
        yield build(
            "gpu-image-without-gpu",
            subject.ref,
            f"{subject.noun}, container {container.name} runs {image.strip()}, an image built for GPUs ({why}), "
            "and requests no GPU: it either needs one, or, where nvidia is the node's default runtime, sees every "
            "GPU of the node without the scheduler counting them.",
            container=container.name,
            evidence=[Evidence("spec", container.path(subject, "image"), image)],
            fix="in-manifest",
        )
