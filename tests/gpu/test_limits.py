from __future__ import annotations

from typing import Any

from kubectl_ml.gpu import limits
from kubectl_ml.model.findings import ObjectRef, Severity
from tests.gpu.scenarios import by_object, evidence, load


def _findings(scenario: str):
    cluster = load(scenario)
    return list(limits.limit_findings(cluster.pods, cluster.workloads))


def test_request_without_limit_on_a_deployment_template() -> None:
    finding = by_object(_findings("aks-untainted"), "gpu-limit-missing")["Deployment/embedder"]
    assert finding.severity is Severity.ERROR
    assert finding.object == ObjectRef("Deployment", "ml-serving", "embedder")
    assert finding.container == "main"
    assert "Limit must be set for non overcommitable resources" in finding.summary
    assert "never creates its pods" in finding.summary
    assert evidence(finding) == {"spec.template.spec.containers[0].resources.requests['nvidia.com/gpu']": "1"}
    assert finding.patch == {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "resources": {"limits": {"nvidia.com/gpu": "1"}, "requests": {"nvidia.com/gpu": "1"}},
                        }
                    ]
                }
            }
        }
    }


def test_request_different_from_limit_on_a_job_template() -> None:
    finding = by_object(_findings("aks-untainted"), "gpu-request-limit-mismatch")["Job/train-resnet"]
    assert "must be equal to nvidia.com/gpu limit of 2" in finding.summary
    assert evidence(finding) == {
        "spec.template.spec.containers[0].resources.requests['nvidia.com/gpu']": "1",
        "spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']": "2",
    }
    assert finding.patch == {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "resources": {"limits": {"nvidia.com/gpu": "2"}, "requests": {"nvidia.com/gpu": "2"}},
                        }
                    ]
                }
            }
        }
    }


def test_fraction_of_a_gpu_in_a_cronjob_template() -> None:
    finding = by_object(_findings("aks-untainted"), "gpu-request-limit-mismatch")["CronJob/nightly-eval"]
    assert "0.5 nvidia.com/gpu" in finding.summary
    assert "must be an integer" in finding.summary
    assert "nvidia.com/gpu.shared" in finding.remedy
    assert evidence(finding) == {
        "spec.jobTemplate.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']": "0.5"
    }
    assert finding.patch == {
        "spec": {
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {"containers": [{"name": "main", "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}
                    }
                }
            }
        }
    }


def test_correct_templates_and_pods_pass() -> None:
    for scenario in ("gke", "aks-tainted", "eks-karpenter", "mig-shared"):
        assert _findings(scenario) == [], scenario


def _pod(resources: dict[str, Any], owner: dict[str, Any] | None = None, init: bool = False) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "p", "namespace": "x"}
    if owner:
        metadata["ownerReferences"] = [owner]
    key = "initContainers" if init else "containers"
    return {"kind": "Pod", "metadata": metadata, "spec": {key: [{"name": "c", "resources": resources}]}}


def test_bare_pod_limit_only_is_fine_and_typo_counts() -> None:
    assert list(limits.limit_findings([_pod({"limits": {"nvidia.com/gpu": "2"}})], [])) == []
    [finding] = limits.limit_findings([_pod({"requests": {"nvidia.com/gpus": "1"}})], [])
    assert finding.code == "gpu-limit-missing"
    assert finding.object == ObjectRef("Pod", "x", "p")
    assert finding.patch == {
        "spec": {
            "containers": [
                {"name": "c", "resources": {"limits": {"nvidia.com/gpus": "1"}, "requests": {"nvidia.com/gpus": "1"}}}
            ]
        }
    }
    assert "never creates" not in finding.summary


def test_init_container_and_cpu_resources() -> None:
    [finding] = limits.limit_findings(
        [_pod({"requests": {"nvidia.com/gpu": "1", "cpu": "1"}, "limits": {"cpu": "2"}}, init=True)], []
    )
    assert finding.code == "gpu-limit-missing"
    assert list(evidence(finding)) == ["spec.initContainers[0].resources.requests['nvidia.com/gpu']"]


def test_pods_of_a_listed_workload_are_left_to_its_template() -> None:
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "controller": True}
    replica_set = {
        "kind": "ReplicaSet",
        "metadata": {"name": "rs", "namespace": "x"},
        "spec": {
            "template": {"spec": {"containers": [{"name": "c", "resources": {"requests": {"nvidia.com/gpu": "1"}}}]}}
        },
    }
    findings = list(limits.limit_findings([_pod({"requests": {"nvidia.com/gpu": "1"}}, owner)], [replica_set]))
    assert [(item.code, item.object.kind) for item in findings] == [("gpu-limit-missing", "ReplicaSet")]
