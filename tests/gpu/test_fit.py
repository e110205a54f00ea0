from __future__ import annotations

from typing import Any

from kubectl_ml.flows import gpu as gpu_flow
from kubectl_ml.gpu import fit
from kubectl_ml.model.findings import ObjectRef, Severity
from kubectl_ml.sources.snapshot import SnapshotSource
from tests.gpu.scenarios import GPU_FIXTURES, by_object, evidence, load

GKE_A = "gke-ml-prod-a100-pool-0d6e2f1a-7qzc"
GKE_B = "gke-ml-prod-a100-pool-0d6e2f1a-m2hd"
KARPENTER = "ip-192-168-77-142.us-west-2.compute.internal"


def _findings(scenario: str):
    cluster = load(scenario)
    return list(fit.placement_findings(cluster.nodes, cluster.pods, cluster.workloads))


def _codes(findings) -> dict[str, str]:
    return {f"{item.object.kind}/{item.object.name}": item.code for item in findings}


def test_gke_verdicts() -> None:
    assert _codes(_findings("gke")) == {
        "StatefulSet/trainer": "gpu-placement",
        "Deployment/llm-finetune": "request-exceeds-node-capacity",
        "Deployment/vllm-h100": "node-selector-mismatch",
        "Deployment/triton": "gpu-placement",
        "Pod/finetune-4gpu": "insufficient-resources",
        "Pod/eval-mmlu": "gpu-placement",
    }


def test_deployment_needing_8_gpus_where_the_largest_node_has_4() -> None:
    finding = by_object(_findings("gke"), "request-exceeds-node-capacity")["Deployment/llm-finetune"]
    assert finding.severity is Severity.ERROR
    assert finding.object == ObjectRef("Deployment", "ml-training", "llm-finetune")
    assert "8 nvidia.com/gpu where the largest node it may use has 4 (" + GKE_A + ")" in finding.summary
    assert finding.summary.index("nvidia.com/gpu") < finding.summary.index(" cpu ")  # the GPUs come first
    assert evidence(finding)["spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']"] == "8"
    assert evidence(finding)[f"nodes/{GKE_A}.status.allocatable['nvidia.com/gpu']"] == "4"


def test_selector_names_the_values_the_gpu_nodes_have() -> None:
    finding = by_object(_findings("gke"), "node-selector-mismatch")["Deployment/vllm-h100"]
    assert "cloud.google.com/gke-accelerator in ['nvidia-tesla-a100']" in finding.summary
    assert evidence(finding) == {
        "spec.template.spec.nodeSelector": {"cloud.google.com/gke-accelerator": "nvidia-h100-80gb"}
    }
    # h100 is not a10g in another case: the user may want H100s, so no patch to A100s.
    assert finding.patch is None
    assert finding.commands == ("kubectl get nodes -L cloud.google.com/gke-accelerator",)


def test_karpenter_label_case_gets_a_patch() -> None:
    finding = by_object(_findings("eks-karpenter"), "node-selector-mismatch")["Job/sdxl-train"]
    assert "karpenter.k8s.aws/instance-gpu-name in ['a10g']" in finding.summary
    assert finding.patch == {
        "spec": {"template": {"spec": {"nodeSelector": {"karpenter.k8s.aws/instance-gpu-name": "a10g"}}}}
    }


def test_gke_template_without_toleration_is_admitted_with_one() -> None:
    # ExtendedResourceToleration on GKE: no untolerated-taint for the triton template.
    finding = by_object(_findings("gke"), "gpu-placement")["Deployment/triton"]
    assert finding.severity is Severity.INFO
    assert "fits 2 nodes of 3" in finding.summary


def test_aks_template_without_sku_toleration() -> None:
    findings = _findings("aks-tainted")
    assert _codes(findings) == {
        "Deployment/bert-serving": "untolerated-taint",
        "Deployment/bert-serving-ok": "gpu-placement",
    }
    finding = by_object(findings, "untolerated-taint")["Deployment/bert-serving"]
    assert "sku=gpu:NoSchedule (on 1 node)" in finding.summary
    assert evidence(finding)["nodes/aks-gpunp-30518822-vmss000000.spec.taints[0]"] == {
        "key": "sku",
        "value": "gpu",
        "effect": "NoSchedule",
    }
    # The patch keeps the spot toleration the template has: tolerations is replaced as a whole.
    assert finding.patch == {
        "spec": {
            "template": {
                "spec": {
                    "tolerations": [
                        {
                            "key": "kubernetes.azure.com/scalesetpriority",
                            "operator": "Equal",
                            "value": "spot",
                            "effect": "NoSchedule",
                        },
                        {"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"},
                    ]
                }
            }
        }
    }


def test_pending_pod_on_a_tainted_karpenter_node() -> None:
    findings = _findings("eks-karpenter")
    assert _codes(findings) == {
        "Job/sdxl-train": "node-selector-mismatch",
        "Deployment/whisper": "gpu-placement",
        "Pod/llama-infer-0": "untolerated-taint",
    }
    finding = by_object(findings, "untolerated-taint")["Pod/llama-infer-0"]
    assert "nvidia.com/gpu=true:NoSchedule" in finding.summary
    # The pod's admission-default tolerations are not copied into the patch.
    assert finding.patch == {
        "spec": {
            "tolerations": [{"key": "nvidia.com/gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}]
        }
    }


def test_whisper_fits_only_the_untainted_node() -> None:
    finding = by_object(_findings("eks-karpenter"), "gpu-placement")["Deployment/whisper"]
    assert "fits 1 node of 3: ip-192-168-5-203.us-west-2.compute.internal" in finding.summary


def test_nvidia_gpu_where_only_mig_and_shared_exist() -> None:
    findings = _findings("mig-shared")
    assert _codes(findings) == {
        "Deployment/bert-train": "gpu-resource-unknown",
        "Deployment/notebook": "gpu-placement",
        "Deployment/tgi-small": "gpu-placement",
    }
    finding = by_object(findings, "gpu-resource-unknown")["Deployment/bert-train"]
    assert "nvidia.com/mig-1g.5gb (on 1 node)" in finding.summary
    assert "nvidia.com/gpu.shared (on 1 node)" in finding.summary
    assert evidence(finding) == {
        "spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']": "1",
        "nodes/t4-node-01.status.allocatable['nvidia.com/gpu.shared']": "40",
        "nodes/dgx-a100-01.status.allocatable['nvidia.com/mig-1g.5gb']": "56",
    }
    assert finding.patch is None


def test_insufficient_now_and_tolerating_with_exists_and_empty_effect() -> None:
    findings = _findings("gke")
    busy = by_object(findings, "insufficient-resources")["Pod/finetune-4gpu"]
    assert "1 node could hold it" in busy.summary
    assert f"4 nvidia.com/gpu (at most 2 free, on {GKE_A})" in busy.summary
    # eval-mmlu tolerates nvidia.com/gpu with operator Exists and no effect: both GPU nodes are open to it.
    placed = by_object(findings, "gpu-placement")["Pod/eval-mmlu"]
    assert f"has room now on 2 nodes of 3: {GKE_A}, {GKE_B}" in placed.summary


def _node(name: str, gpus: str, taints: list[dict[str, Any]] | None = None, **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {"taints": taints or []},
        "status": {"allocatable": {"cpu": "8", "memory": "64Gi", "nvidia.com/gpu": gpus, "pods": "110"}},
    }


def _template(**spec: Any) -> dict[str, Any]:
    containers = [{"name": "c", "resources": {"limits": {"nvidia.com/gpu": "1"}}}]
    return {
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "x"},
        "spec": {"template": {"spec": {"containers": containers, **spec}}},
    }


def test_lt_gt_tolerations_and_prefer_no_schedule() -> None:
    nodes = [
        _node("soft", "1", [{"key": "nvidia.com/gpu", "value": "present", "effect": "PreferNoSchedule"}]),
        _node("score", "1", [{"key": "example.com/reliability", "value": "950", "effect": "NoSchedule"}]),
    ]
    tolerate_above = [{"key": "example.com/reliability", "operator": "Gt", "value": "900", "effect": "NoSchedule"}]
    [placed] = fit.placement_findings(nodes, [], [_template(tolerations=tolerate_above)])
    assert "fits 2 nodes of 2" in placed.summary
    tolerate_below = [{"key": "example.com/reliability", "operator": "Lt", "value": "900", "effect": "NoSchedule"}]
    [placed] = fit.placement_findings(nodes, [], [_template(tolerations=tolerate_below)])
    assert "fits 1 node of 2: soft" in placed.summary


def test_typo_gets_a_rename_patch() -> None:
    template = _template()
    template["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"nvidia.com/gpus": "1"}}
    [finding] = fit.placement_findings([_node("n", "1")], [], [template])
    assert finding.code == "gpu-resource-unknown"
    assert finding.patch == {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "c", "resources": {"limits": {"nvidia.com/gpus": None, "nvidia.com/gpu": "1"}}}
                    ]
                }
            }
        }
    }


def test_replicaset_of_a_listed_deployment_is_not_checked_twice() -> None:
    deployment = _template(nodeSelector={"gpu": "h100"})
    replica_set = _template(nodeSelector={"gpu": "h100"})
    replica_set["kind"] = "ReplicaSet"
    replica_set["metadata"] = {
        "name": "d-5f6",
        "namespace": "x",
        "ownerReferences": [{"kind": "Deployment", "name": "d", "controller": True}],
    }
    pod = {
        "kind": "Pod",
        "metadata": {
            "name": "d-5f6-abcde",
            "namespace": "x",
            "ownerReferences": [{"kind": "ReplicaSet", "name": "d-5f6", "controller": True}],
        },
        "spec": replica_set["spec"]["template"]["spec"],
        "status": {"phase": "Pending"},
    }
    findings = list(fit.placement_findings([_node("n", "1", gpu="a100")], [pod], [deployment, replica_set]))
    assert [(item.code, item.object.kind) for item in findings] == [("node-selector-mismatch", "Deployment")]


def test_cordoned_nodes_and_cpu_templates() -> None:
    cordoned = _node("n", "1")
    cordoned["spec"]["unschedulable"] = True
    [finding] = fit.placement_findings([cordoned], [], [_template()])
    assert finding.code == "insufficient-resources"
    assert finding.commands == ("kubectl uncordon n",)
    cpu_only = _template()
    cpu_only["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "1"}}
    assert list(fit.placement_findings([_node("n", "1")], [], [cpu_only])) == []


def test_hami_memory_and_core_shares_are_not_unknown_resources() -> None:
    # HAMi's README: limits nvidia.com/gpu: 1, nvidia.com/gpumem: 3000, nvidia.com/gpucores: 30. Nodes
    # advertise only nvidia.com/gpu (HAMi's scheduler extender reads the rest), so neither name may be
    # called unknown, nor "more than any node has".
    template = _template()
    template["spec"]["template"]["spec"]["containers"][0]["resources"] = {
        "limits": {"nvidia.com/gpu": "1", "nvidia.com/gpumem": "3000", "nvidia.com/gpucores": "30"}
    }
    [placed] = fit.placement_findings([_node("n", "1")], [], [template])
    assert placed.code == "gpu-placement"
    assert "fits 1 node of 1: n" in placed.summary


def test_one_pod_holds_the_gpus_in_the_singular() -> None:
    """A helper's review (issue 14): "1 pod hold the 4 nvidia.com/gpu"."""
    folder = GPU_FIXTURES.parent / "gpu-cases" / "insufficient-resources" / "fires" / "gke-gpus-held-by-trainer"
    report = gpu_flow.gpu_report(SnapshotSource(folder), None)
    [summary] = [finding.summary for finding in report.findings if finding.code == "insufficient-resources"]
    assert " 1 pod holds the 4 nvidia.com/gpu of the 1 node it may use." in summary
