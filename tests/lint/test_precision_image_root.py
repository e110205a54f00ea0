"""Precision of image-tag-latest and run-as-root on manifests taken from public sources (issue 12).

image-tag-latest: placeholders are "not checked" (info), moving tags (latest-gpu, nightly, main...) are
flagged, pinned ones are not. run-as-root: GPU node agents are not reported, and the patch sets a non-zero
runAsUser and runAsGroup, since runAsNonRoot alone makes the kubelet refuse root images (vLLM, TGI, CUDA).
"""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_ml.lint import LintInput, lint_objects
from kubectl_ml.lint.image_tag_latest import placeholder, unpinned_tag
from kubectl_ml.model.findings import Finding, Severity


def findings(obj: dict[str, Any], code: str) -> list[Finding]:
    return [f for f in lint_objects([LintInput(obj, "f.yaml", 1)]) if f.code == code]


def deployment(name: str, container: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container], **spec}},
        },
    }


# image-tag-latest ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        "CONTAINER_IMAGE",  # luonan54/bert-as-service docker/bert-deployment.tpl
        "FILLED_BY_OPERATOR",  # replaced by an operator before it applies the pod
        "$image",  # a shell template's variable
        "${IMAGE_URI}",
        "$(IMG)",
        "{{ .Values.image.repository }}:{{ .Values.image.tag }}",  # a Helm template left unrendered
        "<image>",
        "ko://knative.dev/serving/cmd/controller",  # Knative's config, resolved by ko
        "IMAGE_PLACEHOLDER",
        "REPLACE_ME",
        "registry.cn-hangzhou.aliyuncs.com/xxx/xxx:v1",
    ],
)
def test_placeholders_are_not_checked(image: str) -> None:
    (finding,) = findings(deployment("bert-deployment", {"name": "bert-container", "image": image}), "image-tag-latest")
    assert finding.severity is Severity.INFO
    assert "placeholder" in finding.summary
    assert "not checked" in finding.summary
    assert (finding.evidence[0].path, finding.evidence[0].value) == ("spec.template.spec.containers[0].image", image)
    assert "helm template" in finding.remedy


@pytest.mark.parametrize(
    ("image", "fires"),
    [
        ("gcr.io/PROJECT_ID/hello-app:1.0", False),  # GKE docs' sample: only the project id is to fill in
        ("<<PROJECT>>/jax/hello:latest", True),  # GoogleCloudPlatform/kubernetes-engine-samples gke-a100-jax
        ("<ACCOUNT_ID>.dkr.ecr.us-west-2.amazonaws.com/pytorch-mnist:mlp", False),
    ],
)
def test_a_placeholder_only_in_the_path_leaves_the_tag_judged(image: str, fires: bool) -> None:
    # The tag is written out: "decided where it is filled in" would be false (tests/lint/corpus baseline).
    found = findings(deployment("jax", {"name": "jax-worker", "image": image}), "image-tag-latest")
    assert [finding.severity for finding in found] == ([Severity.WARNING] if fires else [])


def test_words_with_spaces_are_a_placeholder_not_an_untagged_image() -> None:
    # The GPU Operator's assets: image: "FILLED BY THE OPERATOR" (NVIDIA/gpu-operator assets/state-*).
    (finding,) = findings(
        deployment("nvidia-device-plugin", {"name": "nvidia-device-plugin", "image": "FILLED BY THE OPERATOR"}),
        "image-tag-latest",
    )
    assert finding.severity is Severity.INFO
    assert "placeholder" in finding.summary


@pytest.mark.parametrize(
    "image",
    [
        "tensorflow/tensorflow:latest-gpu",
        "tensorflow/serving:latest-gpu",
        "ghcr.io/huggingface/text-generation-inference:latest",
        "vllm/vllm-openai:nightly",
        "vllm/vllm-openai:nightly-aarch64",
        "semoss/model-serving:vllm-cuda-v0.10.1-latest",
        "ghcr.io/berriai/litellm:main-latest",
        "harness/chaos-log-watcher:main-latest",
        "nginx:stable-alpine",
    ],
)
def test_moving_tags_are_flagged(image: str) -> None:
    (finding,) = findings(deployment("gpu", {"name": "gpu-container", "image": image}), "image-tag-latest")
    assert finding.severity is Severity.WARNING
    tag = image.rsplit(":", 1)[1]
    assert f"tag {tag}" in finding.summary
    assert image.rsplit(":", 1)[0] in finding.remedy


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/huggingface/text-generation-inference:sha-293b8125-rocm",
        "ghcr.io/huggingface/text-generation-inference:sha-9f38d93-intel-cpu",
        "nvcr.io/nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04",  # devel is a flavour, not a channel
        "pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime",
        "vllm/vllm-openai:v0.6.3",
        "kubeflow/training-operator:v1-855e096",  # a branch build at a commit
        "vllm/vllm-openai:latest@sha256:" + "a" * 64,  # a digest pins it
    ],
)
def test_pinned_tags_are_not_flagged(image: str) -> None:
    assert findings(deployment("gpu", {"name": "gpu-container", "image": image}), "image-tag-latest") == []


@pytest.mark.parametrize(
    ("tag", "moving"),
    [
        ("master", True),
        ("dev", True),
        ("develop", True),
        ("edge", True),
        ("unstable", True),
        ("canary", True),
        ("latest-cpu", True),
        ("2.1-latest", True),  # latest always moves
        ("2.3.0-dev", False),  # a pre-release of a fixed version
        ("nightly-20240501", False),  # a dated nightly
        ("main-3f2a9c1", False),  # a branch build at a commit
        ("1.25-stable", False),
        ("12.4.1-cudnn-devel-ubuntu22.04", False),
        ("server-cuda", False),  # a flavour name: not a channel word
    ],
)
def test_moving_words(tag: str, moving: bool) -> None:
    assert (unpinned_tag(f"docker.io/library/image:{tag}") == tag) is moving


def test_untagged_and_latest_still_flagged_as_before() -> None:
    assert unpinned_tag("nginx") == "(none)"
    assert unpinned_tag("localhost:5000/team/model") == "(none)"
    assert unpinned_tag("vllm/vllm-openai:latest") == "latest"
    assert placeholder("nvcr.io/nvidia/tritonserver:24.05-py3") is None
    assert placeholder("localhost:5000/team/model:1.0") is None


# run-as-root ---------------------------------------------------------------------------------------


def dcgm_exporter() -> dict[str, Any]:
    """NVIDIA/dcgm-exporter dcgm-exporter.yaml: runAsUser 0, by design."""
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "dcgm-exporter", "labels": {"app.kubernetes.io/name": "dcgm-exporter"}},
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/name": "dcgm-exporter"}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "dcgm-exporter"}, "name": "dcgm-exporter"},
                "spec": {
                    "containers": [
                        {
                            "image": "nvcr.io/nvidia/k8s/dcgm-exporter:2.2.9-2.4.1-ubuntu18.04",
                            "env": [
                                {"name": "DCGM_EXPORTER_LISTEN", "value": ":9400"},
                                {"name": "DCGM_EXPORTER_KUBERNETES", "value": "true"},
                            ],
                            "name": "dcgm-exporter",
                            "ports": [{"name": "metrics", "containerPort": 9400}],
                            "securityContext": {"runAsNonRoot": False, "runAsUser": 0},
                            "volumeMounts": [
                                {
                                    "name": "pod-gpu-resources",
                                    "readOnly": True,
                                    "mountPath": "/var/lib/kubelet/pod-resources",
                                }
                            ],
                        }
                    ],
                    "volumes": [{"name": "pod-gpu-resources", "hostPath": {"path": "/var/lib/kubelet/pod-resources"}}],
                },
            },
        },
    }


def test_gpu_node_agents_are_not_reported() -> None:
    assert findings(dcgm_exporter(), "run-as-root") == []


def test_a_privileged_daemonset_container_is_a_node_agent() -> None:
    obj = dcgm_exporter()
    spec = obj["spec"]["template"]["spec"]
    spec["volumes"] = []
    container = spec["containers"][0]
    container.pop("volumeMounts")
    container["image"] = "docker.io/hubblo/scaphandre:1.0.0"
    container["securityContext"] = {"privileged": True}
    assert findings(obj, "run-as-root") == []


def test_an_ordinary_daemonset_is_still_reported() -> None:
    obj = dcgm_exporter()
    spec = obj["spec"]["template"]["spec"]
    spec["volumes"] = []
    container = spec["containers"][0]
    container.pop("volumeMounts")
    container["image"] = "docker.io/hubblo/scaphandre:1.0.0"
    container.pop("securityContext")
    (finding,) = findings(obj, "run-as-root")
    assert finding.severity is Severity.WARNING


def vllm_deployment(**spec: Any) -> dict[str, Any]:
    """vllm-project/vllm docs/deployment/k8s.md (image pinned, GPU kept)."""
    return deployment(
        "mistral-7b",
        {
            "name": "mistral-7b",
            "image": "vllm/vllm-openai:v0.6.3",
            "command": ["/bin/sh", "-c"],
            "args": ["vllm serve mistralai/Mistral-7B-Instruct-v0.3 --trust-remote-code"],
            "ports": [{"containerPort": 8000}],
            "resources": {"limits": {"cpu": "10", "memory": "20G", "nvidia.com/gpu": "1"}},
            "volumeMounts": [{"mountPath": "/root/.cache/huggingface", "name": "cache-volume"}],
        },
        volumes=[{"name": "cache-volume", "persistentVolumeClaim": {"claimName": "mistral-7b"}}],
        **spec,
    )


def test_the_patch_sets_a_user_as_well_for_root_images() -> None:
    (finding,) = findings(vllm_deployment(), "run-as-root")
    assert "vllm/vllm-openai runs as root by default" in finding.summary
    assert finding.patch == {
        "spec": {
            "template": {
                "spec": {
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000}
                }
            }
        }
    }
    assert "kubelet refuse" in finding.remedy
    assert "HF_HOME" in finding.remedy


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/huggingface/text-generation-inference:sha-8a5bcba",
        "nvidia/cuda:12.4.1-base-ubuntu22.04",
        "pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime",
    ],
)
def test_root_images_are_named(image: str) -> None:
    obj = vllm_deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = image
    (finding,) = findings(obj, "run-as-root")
    assert "runs as root by default" in finding.summary
    assert finding.patch is not None
    assert finding.patch["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 1000


def test_a_container_override_is_patched_on_the_container() -> None:
    obj = vllm_deployment(securityContext={"runAsNonRoot": True})
    obj["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {"runAsNonRoot": False}
    (finding,) = findings(obj, "run-as-root")
    assert finding.patch == {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "mistral-7b",
                            "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000},
                        }
                    ]
                }
            }
        }
    }


def test_an_explicit_root_user_gets_no_patch_and_says_why() -> None:
    obj = vllm_deployment(securityContext={"runAsUser": 0})
    (finding,) = findings(obj, "run-as-root")
    assert finding.patch is None
    assert "set on purpose" in finding.remedy
