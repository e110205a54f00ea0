"""Pod requests as the scheduler counts them (resourcehelper.PodRequests), and node resources."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from kubectl_ml.model.accelerators import KNOWN_ACCELERATORS, is_accelerator, looks_like_accelerator
from kubectl_ml.model.resources import (
    accelerator_requests,
    allocated_on,
    container_requests,
    node_resources,
    pod_requests,
)

Mi, Gi = 2**20, 2**30


def _container(
    name: str, requests: dict[str, str] | None = None, limits: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    return {"name": name, "image": "ghcr.io/acme/trainer:1.4.2", "resources": resources, **extra}


def _pod(containers: list[dict[str, Any]], init: list[dict[str, Any]] | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"containers": containers, **spec}
    if init:
        body["initContainers"] = init
    return {"spec": body, "status": {"phase": "Pending"}}


def test_app_containers_are_summed() -> None:
    pod = _pod(
        [_container("a", {"cpu": "500m", "memory": "1Gi"}), _container("b", {"cpu": "1500m", "memory": "512Mi"})]
    )
    assert pod_requests(pod) == {"cpu": Fraction(2), "memory": Fraction(Gi + 512 * Mi)}


def test_a_limit_stands_in_for_a_missing_request() -> None:
    gpu_by_limit = _container("trainer", {"cpu": "4", "memory": "16Gi"}, {"memory": "16Gi", "nvidia.com/gpu": "8"})
    assert container_requests(gpu_by_limit) == {"cpu": 4, "memory": 16 * Gi, "nvidia.com/gpu": 8}
    # where both are set the request wins
    both = _container("c", {"cpu": "1"}, {"cpu": "2"})
    assert container_requests(both) == {"cpu": 1}


def test_classic_init_containers_take_the_maximum() -> None:
    pod = _pod(
        [_container("app", {"cpu": "1", "memory": "1Gi"})],
        init=[
            _container("download-model", {"cpu": "2", "memory": "512Mi"}),
            _container("warmup", {"cpu": "500m", "memory": "4Gi"}),
        ],
    )
    assert pod_requests(pod) == {"cpu": Fraction(2), "memory": Fraction(4 * Gi)}


def test_sidecars_add_to_the_app_and_to_later_init_containers() -> None:
    sidecar = _container("log-shipper", {"cpu": "250m", "memory": "256Mi"}, restartPolicy="Always")
    pod = _pod(
        [_container("app", {"cpu": "1", "memory": "1Gi"})],
        init=[sidecar, _container("download-model", {"cpu": "2", "memory": "512Mi"})],
    )
    # app + sidecar = 1250m/1280Mi; download-model runs beside the sidecar: 2250m/768Mi
    assert pod_requests(pod) == {"cpu": Fraction(9, 4), "memory": Fraction(1280 * Mi)}


def test_a_classic_init_container_before_the_sidecar_does_not_count_it() -> None:
    sidecar = _container("proxy", {"cpu": "500m"}, restartPolicy="Always")
    pod = _pod([_container("app", {"cpu": "1"})], init=[_container("setup", {"cpu": "1"}), sidecar])
    assert pod_requests(pod) == {"cpu": Fraction(3, 2)}


def test_overhead_is_added() -> None:
    pod = _pod([_container("app", {"cpu": "1", "memory": "1Gi"})], overhead={"cpu": "250m", "memory": "120Mi"})
    assert pod_requests(pod) == {"cpu": Fraction(5, 4), "memory": Fraction(Gi + 120 * Mi)}


def test_pod_level_resources_replace_the_containers_sum() -> None:
    pod = _pod(
        [_container("a", {"cpu": "1", "memory": "1Gi"}, {"nvidia.com/gpu": "1"}), _container("b", {"cpu": "1"})],
        resources={"requests": {"cpu": "4"}, "limits": {"cpu": "4", "memory": "8Gi"}},
    )
    assert pod_requests(pod) == {"cpu": 4, "memory": 8 * Gi, "nvidia.com/gpu": 1}


def test_limit_only_gpu_and_accelerator_requests() -> None:
    pod = _pod(
        [
            _container("trainer", {"cpu": "8"}, {"nvidia.com/gpu": "8"}),
            _container("sidecar", {"cpu": "100m"}, {"nvidia.com/gpu": "0"}),
        ]
    )
    assert accelerator_requests(pod) == {"nvidia.com/gpu": 8}
    assert accelerator_requests(_pod([_container("cpu-only", {"cpu": "1"})])) == {}


def test_malformed_quantities_are_ignored() -> None:
    assert container_requests(_container("c", {"cpu": "lots", "memory": "1Gi"})) == {"memory": Gi}


def test_accelerator_names() -> None:
    # Every default whole-device name a device plugin advertises, and the partitioned and shared forms.
    for name in (
        *KNOWN_ACCELERATORS,
        "nvidia.com/mig-1g.5gb",
        "nvidia.com/mig-3g.40gb",
        "nvidia.com/gpu.shared",
        "volcano.sh/vgpu-number",
    ):
        assert is_accelerator(name), name
    for name in ("cpu", "memory", "nvidia.com/gpus", "gpu.intel.com/millicores", "example.com/widget"):
        assert not is_accelerator(name), name
    assert looks_like_accelerator("nvidia.com/gpus")
    assert not looks_like_accelerator("example.com/widget")


def test_node_resources() -> None:
    node = {
        "status": {
            "capacity": {"cpu": "48", "nvidia.com/gpu": "4"},
            "allocatable": {"cpu": "47780m", "memory": "186877432Ki", "nvidia.com/gpu": "4"},
        }
    }
    assert node_resources(node) == {"cpu": Fraction(4778, 100), "memory": 186877432 * 1024, "nvidia.com/gpu": 4}
    assert node_resources(node, "capacity") == {"cpu": 48, "nvidia.com/gpu": 4}
    assert node_resources({}) == {}


def test_allocated_on_skips_finished_pods() -> None:
    running = {**_pod([_container("a", {"cpu": "1"}, {"nvidia.com/gpu": "2"})]), "status": {"phase": "Running"}}
    done = {**_pod([_container("b", {"cpu": "4"})]), "status": {"phase": "Succeeded"}}
    failed = {**_pod([_container("c", {"cpu": "4"})]), "status": {"phase": "Failed"}}
    assert allocated_on([running, done, failed]) == {"cpu": 1, "nvidia.com/gpu": 2}
