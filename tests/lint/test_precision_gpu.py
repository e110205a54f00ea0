"""Precision of the GPU lint rules on manifests taken from public sources (issue 12).

gpu-resource-unknown knows the GPU-sharing names (HAMi, Volcano, Alibaba) and tells a typo (error) from a
vendor it does not know (warning); gpu-visible-devices-all judges NVIDIA_VISIBLE_DEVICES against the
container's request; gpu-image-without-gpu notes CUDA/ROCm builds that request no GPU.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubectl_ml.lint import LintInput, lint_objects
from kubectl_ml.model.findings import Finding, Severity


def findings(obj: dict[str, Any], code: str) -> list[Finding]:
    return [f for f in lint_objects([LintInput(obj, "f.yaml", 1)]) if f.code == code]


def pod(name: str, container: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [container], **spec}}


def hami_pod(limits: dict[str, Any]) -> dict[str, Any]:
    """Project-HAMi/HAMi examples/nvidia/default_use.yaml, with the given limits."""
    return pod(
        "gpu-pod",
        {
            "name": "ubuntu-container",
            "image": "ubuntu:18.04",
            "command": ["bash", "-c", "sleep 86400"],
            "resources": {"limits": limits},
        },
    )


def cuda_vector_add(env: list[dict[str, Any]] | None, limits: dict[str, Any] | None) -> dict[str, Any]:
    """The cuda-vector-add test pod of the NFD operator (nvidia namespace), with env and limits replaced."""
    container: dict[str, Any] = {
        "name": "cuda-vector-add",
        "image": "docker.io/mirrorgooglecontainers/cuda-vector-add:v0.1",
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }
    if env is not None:
        container["env"] = env
    if limits is not None:
        container["resources"] = {"limits": limits}
    obj = pod("cuda-vector-add", container, restartPolicy="OnFailure")
    obj["metadata"]["namespace"] = "nvidia"
    return obj


def visible(value: str) -> list[dict[str, Any]]:
    return [
        {"name": "NVIDIA_VISIBLE_DEVICES", "value": value},
        {"name": "NVIDIA_DRIVER_CAPABILITIES", "value": "compute,utility"},
    ]


def device_plugin_daemonset(env: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """NVIDIA/k8s-device-plugin deployments/static/nvidia-device-plugin.yml."""
    container: dict[str, Any] = {
        "image": "nvcr.io/nvidia/k8s-device-plugin:v0.17.1",
        "name": "nvidia-device-plugin-ctr",
        "env": env or [{"name": "FAIL_ON_INIT_ERROR", "value": "false"}],
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "kubelet-device-plugins-dir", "mountPath": "/var/lib/kubelet/device-plugins"}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "nvidia-device-plugin-daemonset", "namespace": "kube-system"},
        "spec": {
            "selector": {"matchLabels": {"name": "nvidia-device-plugin-ds"}},
            "template": {
                "metadata": {"labels": {"name": "nvidia-device-plugin-ds"}},
                "spec": {
                    "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
                    "priorityClassName": "system-node-critical",
                    "containers": [container],
                    "volumes": [
                        {
                            "name": "kubelet-device-plugins-dir",
                            "hostPath": {"path": "/var/lib/kubelet/device-plugins", "type": "Directory"},
                        }
                    ],
                },
            },
        },
    }


# gpu-resource-unknown ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "limits",
    [
        # HAMi README / examples/nvidia/default_use.yaml
        {"nvidia.com/gpu": 1, "nvidia.com/gpumem": 3000, "nvidia.com/gpucores": 30},
        # Volcano vGPU (volcano-vgpu-device-plugin README)
        {"volcano.sh/vgpu-number": 2, "volcano.sh/vgpu-memory": 3000, "volcano.sh/vgpu-cores": 50},
        # Volcano GPU share (pkg/scheduler/api devices: VolcanoGPUResource, VolcanoGPUNumber)
        {"volcano.sh/gpu-memory": "2048"},
        {"volcano.sh/gpu-number": "2"},
        # Alibaba gpushare-scheduler-extender samples/1.yaml, and ACK's cGPU core_mem mode
        {"aliyun.com/gpu-mem": 8138},
        {"aliyun.com/gpu-core.percentage": 25, "aliyun.com/gpu-mem": 5},
        {"alibabacloud.com/gpu-mem": 8, "alibabacloud.com/gpu-count": 1},
        # HAMi's other vendors (charts/hami values.yaml and device-configmap.yaml)
        {"mthreads.com/vgpu": 1, "mthreads.com/sgpu-memory": 32, "mthreads.com/sgpu-core": 50},
        {"metax-tech.com/sgpu": 1},
        {"iluvatar.ai/BI-V150-vgpu": 1},
        {"amd.com/gpu": 1, "amd.com/gpumem": 2000, "amd.com/gpucores": 50},
        {"tencent.com/vcuda-core": 50, "tencent.com/vcuda-memory": 10},
    ],
)
def test_gpu_sharing_names_are_known(limits: dict[str, Any]) -> None:
    assert findings(hami_pod(limits), "gpu-resource-unknown") == []


@pytest.mark.parametrize(
    ("resource", "meant"),
    [
        ("nvidia.com/gpus", "nvidia.com/gpu"),
        ("nvidia.com/GPU", "nvidia.com/gpu"),
        ("aliyun.com/gpumem", "aliyun.com/gpu-mem"),
        ("nvidia.com/gpumemory", "nvidia.com/gpumem"),
        ("volcano.sh/vgpu-memroy", "volcano.sh/vgpu-memory"),
        # A typo in the vendor's domain: "<anything>/gpu" passed as another vendor's plugin before.
        ("nvida.com/gpu", "nvidia.com/gpu"),
        ("nvidia.con/gpu", "nvidia.com/gpu"),
        ("nvdia.com/gpu", "nvidia.com/gpu"),
        ("Nvidia.com/gpu", "nvidia.com/gpu"),
    ],
)
def test_a_near_miss_of_a_known_name_is_an_error_with_a_rename_patch(resource: str, meant: str) -> None:
    (finding,) = findings(hami_pod({resource: 1}), "gpu-resource-unknown")
    assert finding.severity is Severity.ERROR
    assert f"Did you mean {meant}?" in finding.summary
    assert finding.evidence[0].path == f"spec.containers[0].resources.limits['{resource}']"
    assert finding.evidence[0].value == 1
    assert finding.patch == {
        "spec": {"containers": [{"name": "ubuntu-container", "resources": {"limits": {resource: None, meant: 1}}}]}
    }


def test_a_typo_in_requests_and_limits_is_renamed_in_both() -> None:
    obj = hami_pod({"nvidia.com/gpus": 1})
    obj["spec"]["containers"][0]["resources"]["requests"] = {"nvidia.com/gpus": 1}
    (finding,) = findings(obj, "gpu-resource-unknown")
    resources = finding.patch["spec"]["containers"][0]["resources"]  # type: ignore[index]
    assert resources == {
        "requests": {"nvidia.com/gpus": None, "nvidia.com/gpu": 1},
        "limits": {"nvidia.com/gpus": None, "nvidia.com/gpu": 1},
    }


@pytest.mark.parametrize(
    "resource",
    [
        "nvidia.com/gpu-topo",  # carmark/node-topo-sched-extender's ResourceName
        "seculayer.com/gpu-mem",  # seculayer/gpushare-scheduler-extender's ResourceName
    ],
)
def test_an_unknown_vendor_name_is_a_warning_offline(resource: str) -> None:
    (finding,) = findings(hami_pod({resource: 1}), "gpu-resource-unknown")
    assert finding.severity is Severity.WARNING
    assert finding.patch is None
    assert "no device plugin or GPU sharing scheduler this plugin knows" in finding.summary
    assert "kubectl ml gpu" in finding.remedy


def test_a_name_without_a_domain_is_an_error() -> None:
    (finding,) = findings(hami_pod({"gpu": 1}), "gpu-resource-unknown")
    assert finding.severity is Severity.ERROR
    assert "must be a standard resource for containers" in finding.summary


# gpu-visible-devices-all ---------------------------------------------------------------------------


def test_all_next_to_a_gpu_request_exposes_every_gpu() -> None:
    (finding,) = findings(cuda_vector_add(visible("all"), {"nvidia.com/gpu": 1}), "gpu-visible-devices-all")
    assert finding.severity is Severity.WARNING
    assert finding.container == "cuda-vector-add"
    assert (finding.evidence[0].path, finding.evidence[0].value) == ("spec.containers[0].env[0].value", "all")
    assert "every GPU of the node" in finding.summary
    assert finding.patch == {
        "spec": {
            "containers": [{"name": "cuda-vector-add", "env": [{"name": "NVIDIA_VISIBLE_DEVICES", "$patch": "delete"}]}]
        }
    }


def test_a_device_list_next_to_a_gpu_request_overrides_the_allocation() -> None:
    (finding,) = findings(cuda_vector_add(visible("0,1"), {"nvidia.com/gpu": 1}), "gpu-visible-devices-all")
    assert finding.severity is Severity.WARNING
    assert "the GPUs 0,1" in finding.summary


@pytest.mark.parametrize("value", ["void", "none", ""])
def test_void_or_none_next_to_a_gpu_request_hides_the_gpu(value: str) -> None:
    (finding,) = findings(cuda_vector_add(visible(value), {"nvidia.com/gpu": 1}), "gpu-visible-devices-all")
    assert finding.severity is Severity.ERROR
    assert "hidden from it" in finding.summary
    assert finding.patch is not None


def test_all_without_a_gpu_request_squats_on_the_gpus() -> None:
    obj = pod(
        "inference",
        {
            "name": "inference",
            "image": "vllm/vllm-openai:v0.6.3",
            "ports": [{"containerPort": 8000, "name": "http"}],
            "env": [
                {"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"},
                {"name": "NVIDIA_DRIVER_CAPABILITIES", "value": "all"},
            ],
        },
        runtimeClassName="nvidia",
        restartPolicy="Always",
    )
    (finding,) = findings(obj, "gpu-visible-devices-all")
    assert finding.severity is Severity.WARNING
    assert "requests no GPU" in finding.summary
    assert "runtimeClassName nvidia" in finding.summary
    assert finding.patch is None
    # it says so once: the image rule leaves containers that set the variable to this one
    assert findings(obj, "gpu-image-without-gpu") == []


def test_void_without_a_gpu_request_is_the_documented_workaround() -> None:
    assert findings(cuda_vector_add(visible("void"), None), "gpu-visible-devices-all") == []
    assert findings(cuda_vector_add(visible("none"), None), "gpu-visible-devices-all") == []


def test_node_agents_that_need_every_gpu_are_not_reported() -> None:
    # Azure's MIG device plugin DaemonSet sets NVIDIA_VISIBLE_DEVICES=all on the NVIDIA plugin.
    env = [
        {"name": "MIG_STRATEGY", "value": "single"},
        {"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"},
        {"name": "NVIDIA_DRIVER_CAPABILITIES", "value": "compute,utility"},
    ]
    assert findings(device_plugin_daemonset(env), "gpu-visible-devices-all") == []
    # The GPU Operator validator's privileged init container.
    validator = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "nvidia-operator-validator", "namespace": "gpu-operator"},
        "spec": {
            "selector": {"matchLabels": {"app": "nvidia-operator-validator"}},
            "template": {
                "spec": {
                    "initContainers": [
                        {
                            "name": "toolkit-validation",
                            "image": "nvcr.io/nvidia/cloud-native/gpu-operator-validator:v23.3.2",
                            "command": ["sh", "-c"],
                            "args": ["nvidia-validator"],
                            "env": [
                                {"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"},
                                {"name": "WITH_WAIT", "value": "false"},
                                {"name": "COMPONENT", "value": "toolkit"},
                            ],
                            "securityContext": {"privileged": True},
                        }
                    ],
                    "containers": [
                        {
                            "name": "nvidia-operator-validator",
                            "image": "nvcr.io/nvidia/cloud-native/gpu-operator-validator:v23.3.2",
                        }
                    ],
                }
            },
        },
    }
    assert findings(validator, "gpu-visible-devices-all") == []


def test_a_value_from_elsewhere_is_not_judged() -> None:
    env = [{"name": "NVIDIA_VISIBLE_DEVICES", "valueFrom": {"configMapKeyRef": {"name": "gpu", "key": "devices"}}}]
    assert findings(cuda_vector_add(env, {"nvidia.com/gpu": 1}), "gpu-visible-devices-all") == []


def test_the_same_applies_to_a_deployment_template() -> None:
    obj = cuda_vector_add(visible("all"), {"nvidia.com/gpu": 1})
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "cuda-vector-add", "namespace": "nvidia"},
        "spec": {"template": {"spec": copy.deepcopy(obj["spec"])}},
    }
    (finding,) = findings(deployment, "gpu-visible-devices-all")
    assert finding.evidence[0].path == "spec.template.spec.containers[0].env[0].value"
    assert finding.patch is not None
    assert "template" in finding.patch["spec"]


# gpu-image-without-gpu -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "why"),
    [
        ("tensorflow/tensorflow:latest-gpu", "tag word gpu"),
        ("pytorch/pytorch:2.0-cuda12.0", "tag word cuda12.0"),
        ("nvcr.io/nvidia/k8s/cuda-sample:vectoradd-cuda12.5.0", "tag word cuda12.5.0"),
        ("nvidia/cuda:9.0-devel", "repository nvidia/cuda"),
        ("ghcr.io/huggingface/text-generation-inference:sha-11d7af7-rocm", "tag word rocm"),
        ("vllm/vllm-openai:v0.6.3", "repository vllm/vllm-openai"),
    ],
)
def test_a_gpu_build_without_a_gpu_request_is_noted(image: str, why: str) -> None:
    obj = pod("gpu", {"name": "gpu-container", "image": image, "command": ["sleep", "infinity"]})
    (finding,) = findings(obj, "gpu-image-without-gpu")
    assert finding.severity is Severity.INFO
    assert why in finding.summary
    assert (finding.evidence[0].path, finding.evidence[0].value) == ("spec.containers[0].image", image)
    assert "NVIDIA_VISIBLE_DEVICES=void" in finding.remedy
    assert finding.patch is None


@pytest.mark.parametrize(
    "image",
    [
        "tensorflow/tensorflow:2.12.0",
        "ghcr.io/huggingface/text-generation-inference:sha-9f38d93-intel-cpu",
        "quay.io/pierdipi/vllm-cpu:latest",
        "ubuntu:18.04",
    ],
)
def test_cpu_builds_are_not_noted(image: str) -> None:
    obj = pod("tpu-pod", {"name": "tpu-container", "image": image})
    assert findings(obj, "gpu-image-without-gpu") == []


def test_a_gpu_build_with_a_gpu_request_or_a_claim_is_not_noted() -> None:
    limits = {"nvidia.com/gpu": 1}
    obj = pod(
        "gpu", {"name": "gpu-container", "image": "tensorflow/tensorflow:latest-gpu", "resources": {"limits": limits}}
    )
    assert findings(obj, "gpu-image-without-gpu") == []
    # NVIDIA's DRA driver: the GPU comes from a ResourceClaim
    claimed = pod(
        "gpu-test1",
        {
            "name": "ctr0",
            "image": "nvcr.io/nvidia/k8s/cuda-sample:vectoradd-cuda12.5.0",
            "resources": {"claims": [{"name": "gpu"}]},
        },
        resourceClaims=[{"name": "gpu", "resourceClaimTemplateName": "single-gpu"}],
    )
    assert findings(claimed, "gpu-image-without-gpu") == []
    # the README's workaround: NVIDIA_VISIBLE_DEVICES=void
    assert findings(cuda_vector_add(visible("void"), None), "gpu-image-without-gpu") == []


def test_node_agents_with_gpu_images_are_not_noted() -> None:
    obj = device_plugin_daemonset()
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = "nvcr.io/nvidia/gpu-feature-discovery:v0.8.2"
    assert findings(obj, "gpu-image-without-gpu") == []
