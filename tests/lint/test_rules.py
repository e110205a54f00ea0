"""Each lint code fires, and does not fire, on small real-shaped objects (pure: no files)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubectl_ml.lint import RULES, LintInput, field_line, lint_objects, lintable
from kubectl_ml.model.findings import Severity


def deployment(**container: Any) -> dict[str, Any]:
    """A Deployment that passes every rule; keyword arguments replace container fields (None deletes)."""
    body: dict[str, Any] = {
        "name": "server",
        "image": "ghcr.io/acme/server:1.2.3",
        "ports": [{"containerPort": 8000}],
        "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "2Gi"}},
        "readinessProbe": {"httpGet": {"path": "/health", "port": 8000}},
    }
    for key, value in container.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ml"},
        "spec": {"template": {"spec": {"securityContext": {"runAsNonRoot": True}, "containers": [body]}}},
    }


def gpu_server(**container: Any) -> dict[str, Any]:
    """A GPU serving Deployment that passes every rule."""
    fields: dict[str, Any] = {
        "resources": {"requests": {"cpu": "4", "memory": "16Gi"}, "limits": {"memory": "16Gi", "nvidia.com/gpu": 1}},
        "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
        "livenessProbe": {"httpGet": {"path": "/health", "port": 8000}},
        "startupProbe": {"httpGet": {"path": "/health", "port": 8000}, "failureThreshold": 60},
    }
    fields.update(container)
    obj = deployment(**fields)
    obj["spec"]["template"]["spec"]["volumes"] = [{"name": "dshm", "emptyDir": {"medium": "Memory"}}]
    return obj


def codes(*objects: dict[str, Any]) -> list[str]:
    return [finding.code for finding in lint_objects([LintInput(obj, "f.yaml", 1) for obj in objects])]


def test_the_reference_objects_are_clean() -> None:
    assert codes(deployment(), gpu_server()) == []


@pytest.mark.parametrize(
    ("image", "fires"),
    [
        ("vllm/vllm-openai:latest", True),
        ("nginx", True),
        ("localhost:5000/team/model", True),  # a registry port is not a tag
        ("nvcr.io/nvidia/tritonserver:24.05-py3", False),
        ("localhost:5000/team/model:1.0", False),
        ("pytorch/pytorch@sha256:" + "a" * 64, False),
        ("pytorch/pytorch:latest@sha256:" + "a" * 64, False),  # a digest pins it
    ],
)
def test_image_tag_latest(image: str, fires: bool) -> None:
    assert ("image-tag-latest" in codes(deployment(image=image))) is fires


def test_image_tag_latest_checks_init_containers() -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"]["initContainers"] = [
        {"name": "fetch", "image": "busybox", "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}
    ]
    findings = lint_objects([LintInput(obj, "f.yaml", 1)])
    assert [(f.code, f.container) for f in findings] == [("image-tag-latest", "fetch")]
    assert findings[0].evidence[0].path == "spec.template.spec.initContainers[0].image"


@pytest.mark.parametrize(
    ("resources", "fires"),
    [
        (None, True),
        ({}, True),
        ({"requests": {"cpu": "1"}}, True),
        ({"limits": {"cpu": "1", "memory": "1Gi"}}, False),  # limits default the requests
        ({"requests": {"cpu": "1", "memory": "1Gi"}}, False),  # no CPU or memory limit needed without a GPU
    ],
)
def test_resources_missing(resources: Any, fires: bool) -> None:
    assert ("resources-missing" in codes(deployment(resources=resources))) is fires


def test_resources_missing_wants_a_memory_limit_on_gpu_containers() -> None:
    resources = {"requests": {"cpu": "4", "memory": "16Gi"}, "limits": {"nvidia.com/gpu": 1}}
    findings = [f for f in lint_objects([LintInput(gpu_server(resources=resources), "f", 1)])]
    missing = [f for f in findings if f.code == "resources-missing"]
    assert len(missing) == 1
    assert "limits.memory" in missing[0].summary
    assert "requests.cpu" not in missing[0].summary


def test_probes_missing_fires_for_a_serving_deployment_and_statefulset_only() -> None:
    assert "probes-missing" in codes(deployment(readinessProbe=None))
    stateful = deployment(readinessProbe=None)
    stateful["kind"] = "StatefulSet"
    assert "probes-missing" in codes(stateful)
    no_port = deployment(readinessProbe=None, ports=None)
    assert "probes-missing" not in codes(no_port)
    daemon = deployment(readinessProbe=None)
    daemon["kind"] = "DaemonSet"
    assert "probes-missing" not in codes(daemon)
    job = deployment(readinessProbe=None)
    job["kind"] = "Job"
    assert "probes-missing" not in codes(job)


def test_startup_probe_missing_on_a_known_runtime_image_without_gpu() -> None:
    liveness = {"httpGet": {"path": "/ping", "port": 8080}, "periodSeconds": 10}
    obj = deployment(image="pytorch/torchserve:0.11.0-cpu", livenessProbe=liveness)
    findings = [f for f in lint_objects([LintInput(obj, "f", 1)]) if f.code == "startup-probe-missing"]
    assert len(findings) == 1
    assert "within 30 s" in findings[0].summary
    startup = findings[0].patch["spec"]["template"]["spec"]["containers"][0]["startupProbe"]  # type: ignore[index]
    assert startup == {"httpGet": {"path": "/ping", "port": 8080}, "periodSeconds": 10, "failureThreshold": 60}


def test_startup_probe_missing_on_a_gpu_server_of_any_image() -> None:
    assert "startup-probe-missing" in codes(gpu_server(startupProbe=None))
    # no livenessProbe: nothing kills it while it loads
    assert "startup-probe-missing" not in codes(gpu_server(startupProbe=None, livenessProbe=None))
    # an ordinary web server is no model server
    assert "startup-probe-missing" not in codes(deployment(livenessProbe={"tcpSocket": {"port": 8000}}))


def test_shm_missing() -> None:
    assert "shm-missing" in codes(gpu_server(volumeMounts=None))
    # /dev/shm from a volume that is not memory-backed
    disk = gpu_server()
    disk["spec"]["template"]["spec"]["volumes"] = [{"name": "dshm", "emptyDir": {}}]
    assert "shm-missing" in codes(disk)
    # hostIPC shares the node's /dev/shm
    host = gpu_server(volumeMounts=None)
    host["spec"]["template"]["spec"]["hostIPC"] = True
    assert "shm-missing" not in codes(host)
    # no GPU, no finding; nvidia.com/gpu: 0 is no GPU
    assert "shm-missing" not in codes(deployment())
    zero = {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "1Gi", "nvidia.com/gpu": 0}}
    assert "shm-missing" not in codes(deployment(resources=zero))


def test_run_as_root() -> None:
    root = deployment(securityContext={"runAsUser": 0})
    findings = [f for f in lint_objects([LintInput(root, "f", 1)]) if f.code == "run-as-root"]
    assert len(findings) == 1
    assert "runAsUser: 0" in findings[0].summary
    assert findings[0].severity is Severity.WARNING
    unset = deployment()
    unset["spec"]["template"]["spec"]["securityContext"] = {}
    assert "run-as-root" in codes(unset)
    # container-level runAsNonRoot, or a non-zero runAsUser, keep it from root
    assert "run-as-root" not in codes(deployment(securityContext={"runAsNonRoot": True}))
    numeric = copy.deepcopy(unset)
    numeric["spec"]["template"]["spec"]["securityContext"] = {"runAsUser": 1000}
    assert "run-as-root" not in codes(numeric)
    # a container may override the pod's runAsNonRoot
    assert "run-as-root" in codes(deployment(securityContext={"runAsNonRoot": False}))


def test_gpu_limit_codes_reuse_the_gpu_check() -> None:
    request_only = {"requests": {"cpu": "1", "memory": "1Gi", "nvidia.com/gpu": 1}, "limits": {"memory": "1Gi"}}
    assert "gpu-limit-missing" in codes(gpu_server(resources=request_only))
    differ = {
        "requests": {"cpu": "1", "memory": "1Gi", "nvidia.com/gpu": 1},
        "limits": {"memory": "1Gi", "nvidia.com/gpu": 2},
    }
    assert "gpu-request-limit-mismatch" in codes(gpu_server(resources=differ))
    fraction = {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "1Gi", "nvidia.com/gpu": "0.5"}}
    assert "gpu-request-limit-mismatch" in codes(gpu_server(resources=fraction))
    assert not {"gpu-limit-missing", "gpu-request-limit-mismatch"} & set(codes(gpu_server()))


@pytest.mark.parametrize(
    ("resource", "fires"),
    [
        ("nvidia.com/gpus", True),
        ("nvidia.com/GPU-typo-gpu", True),
        ("gpu", True),
        ("nvidia.com/gpu", False),
        ("nvidia.com/mig-1g.5gb", False),
        ("nvidia.com/gpu.shared", False),
        ("amd.com/gpu", False),
        ("gpu.intel.com/i915", False),
        ("gpu.intel.com/millicores", False),
        ("google.com/tpu", False),
        ("aws.amazon.com/neuroncore", False),
        # HAMi and Volcano vGPU qualifiers, read by their scheduler extenders (never advertised by nodes)
        ("nvidia.com/gpumem", False),
        ("nvidia.com/gpucores", False),
        ("nvidia.com/gpumem-percentage", False),
        ("volcano.sh/vgpu-number", False),
        ("volcano.sh/vgpu-memory", False),
        ("nvidia.com/gpumemory", True),
    ],
)
def test_gpu_resource_unknown(resource: str, fires: bool) -> None:
    resources = {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "1Gi", resource: 1}}
    assert ("gpu-resource-unknown" in codes(gpu_server(resources=resources))) is fires


def test_gpu_resource_unknown_suggests_the_real_name() -> None:
    resources = {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "1Gi", "nvidia.com/gpus": 1}}
    finding = next(
        f
        for f in lint_objects([LintInput(gpu_server(resources=resources), "f", 1)])
        if f.code == "gpu-resource-unknown"
    )
    assert "Did you mean nvidia.com/gpu?" in finding.summary
    assert finding.evidence[0].path == "spec.template.spec.containers[0].resources.limits['nvidia.com/gpus']"


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("Pod", ()),
        ("Deployment", ("spec", "template")),
        ("StatefulSet", ("spec", "template")),
        ("DaemonSet", ("spec", "template")),
        ("ReplicaSet", ("spec", "template")),
        ("ReplicationController", ("spec", "template")),
        ("Job", ("spec", "template")),
        ("CronJob", ("spec", "jobTemplate", "spec", "template")),
    ],
)
def test_every_kind_with_a_pod_spec_is_linted(kind: str, path: tuple[str, ...]) -> None:
    pod_spec = {"containers": [{"name": "c", "image": "nginx"}]}
    obj: dict[str, Any] = {"spec": pod_spec}
    for key in reversed(path):
        obj = {key: obj}
    obj.update({"kind": kind, "apiVersion": "v1", "metadata": {"name": "x"}})
    assert lintable(obj)
    findings = lint_objects([LintInput(obj, "f", 1)])
    assert "image-tag-latest" in {f.code for f in findings}
    prefix = ".".join(path) + "." if path else ""
    assert {f.evidence[0].path for f in findings if f.code == "image-tag-latest"} == {
        f"{prefix}spec.containers[0].image"
    }


def test_objects_without_a_pod_spec_are_not_linted() -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": []}}
    crd = {"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob", "metadata": {"name": "p"}, "spec": {}}
    assert not lintable(service)
    assert not lintable(crd)
    assert lint_objects([LintInput(service, "f", 1), LintInput(crd, "f", 5)]) == []


def test_findings_carry_file_and_lines() -> None:
    obj = deployment(image="nginx")
    lines = {"": 3, "spec.template.spec.containers[0]": 10, "spec.template.spec.containers[0].image": 11}
    (finding,) = lint_objects([LintInput(obj, "a.yaml", 3, lines)])
    assert (finding.object.file, finding.object.line, finding.line) == ("a.yaml", 3, 11)
    assert finding.as_dict()["object"] == {
        "kind": "Deployment",
        "namespace": "ml",
        "name": "web",
        "file": "a.yaml",
        "line": 3,
    }
    assert finding.as_dict()["line"] == 11


def test_field_line_falls_back_to_the_nearest_parent() -> None:
    lines = {"": 1, "spec": 2, "spec.containers[0]": 5, "spec.containers[0].resources.limits": 8}
    assert field_line(lines, "spec.containers[0].resources.limits['nvidia.com/gpu']") == 8
    assert field_line(lines, "spec.containers[0].securityContext.runAsUser") == 5
    assert field_line(lines, "spec.volumes[2]") == 2
    assert field_line({}, "spec") is None


def test_rule_registry_is_consistent() -> None:
    for rule in RULES:
        assert rule.id == rule.module.__name__.rsplit(".", 1)[-1].replace("_", "-")
        for section in ("What:", "Why it matters:", "Remedy:"):
            assert section in (rule.module.__doc__ or ""), rule.id
