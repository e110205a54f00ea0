"""Write the snapshots under fixtures/gpu/ that tests/gpu/ reads (python scripts/make_gpu_fixtures.py).

Each scenario is a cluster in the snapshot layout (DESIGN §3): nodes.json, <namespace>/pods.json and the
controllers in extra.json. Node labels, taints and resource names follow
shared/reference/scaffold-gpu-lint-anchors.md §1.1-1.3 (GKE's automatic nvidia.com/gpu=present taint and
gke-accelerator label, AKS's accelerator=nvidia label and sku=gpu taint, Karpenter's instance-gpu-* labels
and nvidia.com/gpu=true taint, MIG mixed nvidia.com/mig-1g.5gb, time-sliced nvidia.com/gpu.shared).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster_builders import ago, as_list, container, node, owner, pod, running_conditions, uid_for

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "gpu"

GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


def gpus(count: str, *, request: str | None = None, cpu: str = "4", memory: str = "16Gi", name: str = "nvidia.com/gpu"):
    """A resources block with an accelerator limit (and request when given)."""
    requests: dict[str, str] = {"cpu": cpu, "memory": memory}
    limits: dict[str, str] = {"memory": memory}
    if count:
        limits[name] = count
    if request is not None:
        requests[name] = request
    return {"requests": requests, "limits": limits}


def cloud_node(name: str, platform: str, *, instance: str, labels: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    """A node of the given platform: providerID, instance type and platform labels."""
    body = node(
        name,
        labels={"node.kubernetes.io/instance-type": instance, "beta.kubernetes.io/instance-type": instance, **labels},
        **kwargs,
    )
    if platform == "aks":
        body["spec"]["providerID"] = (
            "azure:///subscriptions/3f2c8a71-5d4e-4b6a-9c1d-7e8f9a0b1c2d/resourceGroups/mc_rg-ml-prod_aks-ml-prod_eastus/"
            f"providers/Microsoft.Compute/virtualMachineScaleSets/{name.rsplit('-', 1)[0]}-vmss/virtualMachines/0"
        )
        body["spec"].pop("podCIDR", None)
    elif platform == "eks":
        body["spec"]["providerID"] = f"aws:///us-west-2a/i-0{uid_for(name).replace('-', '')[:16]}"
        body["spec"].pop("podCIDR", None)
    elif platform == "other":
        body["spec"].pop("providerID")
    return body


def running(name: str, namespace: str, node_name: str, resources: dict[str, Any] | None = None, **kwargs: Any):
    """A Running pod bound to ``node_name``."""
    image = kwargs.pop("image", "python:3.11-slim")
    return pod(
        name,
        namespace,
        [
            container(
                kwargs.pop("container", "main"),
                image,
                resources=resources or {"requests": {"cpu": "500m", "memory": "1Gi"}},
            )
        ],
        None,
        node_name=node_name,
        conditions=running_conditions(True),
        **kwargs,
    )


def pending(name: str, namespace: str, resources: dict[str, Any], message: str | None, **kwargs: Any):
    """A Pending pod the scheduler could not place (PodScheduled False, Unschedulable), or not tried yet."""
    image = kwargs.pop("image", "nvcr.io/nvidia/pytorch:24.05-py3")
    return pod(
        name,
        namespace,
        [container("trainer", image, resources=resources)],
        None,
        phase="Pending",
        node_name=None,
        created=kwargs.pop("created", 3600),
        conditions=None
        if message is None
        else [
            {
                "type": "PodScheduled",
                "status": "False",
                "lastProbeTime": None,
                "lastTransitionTime": ago(600),
                "reason": "Unschedulable",
                "message": message,
            }
        ],
        qos="Burstable",
        **kwargs,
    )


def daemon_pod(name: str, daemonset: str, node_name: str, tolerations: list[dict[str, Any]], image: str):
    """A DaemonSet's pod on one node (a node agent)."""
    return running(
        name,
        "kube-system",
        node_name,
        image=image,
        container=daemonset,
        owner_ref=owner("DaemonSet", daemonset, "kube-system"),
        extra_spec={"tolerations": tolerations},
    )


def template(resources: dict[str, Any], image: str, **spec: Any) -> dict[str, Any]:
    """A pod template."""
    return {
        "metadata": {"labels": {"app": "x"}},
        "spec": {"containers": [container("main", image, resources=resources)], "restartPolicy": "Always", **spec},
    }


def workload(kind: str, name: str, namespace: str, pod_template: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A controller object as kubectl get -o json returns it (status trimmed to what matters)."""
    api = {"Job": "batch/v1", "CronJob": "batch/v1"}.get(kind, "apps/v1")
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "uid": uid_for(kind, namespace, name),
        "resourceVersion": "52011",
        "generation": 1,
        "creationTimestamp": ago(1800),
        "labels": {"app": name},
    }
    if "owner_ref" in extra:
        metadata["ownerReferences"] = [extra.pop("owner_ref")]
    pod_template = json.loads(json.dumps(pod_template).replace('"app": "x"', f'"app": "{name}"'))
    if kind == "Job":
        pod_template["spec"]["restartPolicy"] = "Never"
        spec: dict[str, Any] = {"backoffLimit": 6, "completions": 1, "parallelism": 1, "template": pod_template}
    elif kind == "CronJob":
        pod_template["spec"]["restartPolicy"] = "Never"
        spec = {
            "schedule": "0 2 * * *",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {"spec": {"template": pod_template}},
        }
    else:
        spec = {
            "replicas": extra.pop("replicas", 1),
            "selector": {"matchLabels": {"app": name}},
            "template": pod_template,
        }
    return {"apiVersion": api, "kind": kind, "metadata": metadata, "spec": spec, "status": extra.pop("status", {})}


def write(scenario: str, nodes: list[dict[str, Any]], pods: list[dict[str, Any]], workloads: list[dict[str, Any]]):
    folder = ROOT / scenario
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "nodes.json").write_text(json.dumps(as_list("Node", nodes), indent=2) + "\n")
    for namespace in sorted({item["metadata"]["namespace"] for item in pods}):
        (folder / namespace).mkdir()
        items = [item for item in pods if item["metadata"]["namespace"] == namespace]
        (folder / namespace / "pods.json").write_text(json.dumps(as_list("Pod", items), indent=2) + "\n")
    extra = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": workloads}
    (folder / "extra.json").write_text(json.dumps(extra, indent=2) + "\n")


# -- GKE: GPU pool added to a cluster with a CPU pool, so GKE tainted it nvidia.com/gpu=present ------------

GKE_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}


def gke() -> None:
    def gke_gpu(name: str, allocatable: int) -> dict[str, Any]:
        return node(
            name,
            cpu="12",
            memory="83Gi",
            gpus=4,
            allocatable_gpus=allocatable,
            labels={
                "cloud.google.com/gke-accelerator": "nvidia-tesla-a100",
                "cloud.google.com/gke-nodepool": "a100-pool",
                "cloud.google.com/machine-family": "a2",
                "node.kubernetes.io/instance-type": "a2-highgpu-4g",
                "beta.kubernetes.io/instance-type": "a2-highgpu-4g",
            },
            taints=[GKE_TAINT],
        )

    nodes = [
        node("gke-ml-prod-cpu-pool-6f1c2a3b-x1k9", labels={"cloud.google.com/gke-nodepool": "cpu-pool"}),
        gke_gpu("gke-ml-prod-a100-pool-0d6e2f1a-7qzc", 4),
        gke_gpu("gke-ml-prod-a100-pool-0d6e2f1a-m2hd", 3),
    ]
    a, b = nodes[1]["metadata"]["name"], nodes[2]["metadata"]["name"]
    plugin = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    mirror = running(f"kube-proxy-{a}", "kube-system", a, image="gke.gcr.io/kube-proxy-amd64:v1.31.4-gke.1256000")
    mirror["metadata"]["annotations"] = {
        "kubernetes.io/config.mirror": "4f3b8e2a1c9d7f6e5b4a3c2d1e0f9a8b",
        "kubernetes.io/config.source": "file",
    }
    mirror["metadata"]["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "Node", "name": a, "uid": uid_for("node", a), "controller": True}
    ]
    mirror["spec"]["tolerations"] = [
        {"operator": "Exists", "effect": "NoExecute"},
        {"operator": "Exists", "effect": "NoSchedule"},
    ]
    pods = [
        daemon_pod(
            "nvidia-gpu-device-plugin-small-cos-5kq8v",
            "nvidia-gpu-device-plugin-small-cos",
            a,
            plugin,
            "gke.gcr.io/nvidia-gpu-device-plugin@sha256:4e1a",
        ),
        daemon_pod(
            "nvidia-gpu-device-plugin-small-cos-w7r2n",
            "nvidia-gpu-device-plugin-small-cos",
            b,
            plugin,
            "gke.gcr.io/nvidia-gpu-device-plugin@sha256:4e1a",
        ),
        daemon_pod(
            "fluentbit-gke-9xv4m", "fluentbit-gke", a, [{"operator": "Exists"}], "gke.gcr.io/fluent-bit:v1.8.12-gke.28"
        ),
        mirror,
        running(
            "trainer-0",
            "ml-training",
            a,
            gpus("2", cpu="4", memory="32Gi"),
            image="nvcr.io/nvidia/pytorch:24.05-py3",
            owner_ref=owner("StatefulSet", "trainer", "ml-training"),
            extra_spec={"tolerations": [GPU_TOLERATION]},
        ),
        running(
            "log-shipper-7c9d5b8f4-2xqkz",
            "monitoring",
            a,
            owner_ref=owner("ReplicaSet", "log-shipper-7c9d5b8f4", "monitoring"),
            extra_spec={"tolerations": [{"operator": "Exists"}]},
            image="fluent/fluent-bit:3.1.9",
        ),
        running(
            "feature-cache-0",
            "ml-training",
            b,
            {"requests": {"cpu": "2", "memory": "8Gi", "nvidia.com/gpu": "0"}, "limits": {"nvidia.com/gpu": "0"}},
            owner_ref=owner("StatefulSet", "feature-cache", "ml-training"),
            extra_spec={"tolerations": [GPU_TOLERATION]},
            image="redis:7.4",
        ),
        pending(
            "finetune-4gpu",
            "ml-training",
            gpus("4", cpu="4", memory="32Gi"),
            "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: "
            "1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
            extra_spec={"tolerations": [GPU_TOLERATION]},
        ),
        pending(
            "eval-mmlu",
            "ml-training",
            gpus("1"),
            None,  # created seconds ago: not tried by the scheduler yet
            created=5,
            # operator Exists with no effect: tolerates nvidia.com/gpu with every effect and value.
            extra_spec={"tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists"}]},
        ),
    ]
    workloads = [
        workload(
            "StatefulSet",
            "trainer",
            "ml-training",
            template(
                gpus("2", cpu="4", memory="32Gi"), "nvcr.io/nvidia/pytorch:24.05-py3", tolerations=[GPU_TOLERATION]
            ),
        ),
        workload(
            "Deployment",
            "llm-finetune",
            "ml-training",
            template(gpus("8", cpu="32", memory="300Gi"), "nvcr.io/nvidia/pytorch:24.05-py3"),
        ),
        workload(
            "Deployment",
            "vllm-h100",
            "ml-serving",
            template(
                gpus("1"),
                "vllm/vllm-openai:v0.6.3",
                nodeSelector={"cloud.google.com/gke-accelerator": "nvidia-h100-80gb"},
            ),
        ),
        # No toleration: GKE's ExtendedResourceToleration adds nvidia.com/gpu Exists NoSchedule to its pods.
        workload("Deployment", "triton", "ml-serving", template(gpus("1"), "nvcr.io/nvidia/tritonserver:24.05-py3")),
        workload(
            "Deployment",
            "log-shipper",
            "monitoring",
            template({"requests": {"cpu": "500m"}}, "fluent/fluent-bit:3.1.9", tolerations=[{"operator": "Exists"}]),
        ),
        workload(
            "ReplicaSet",
            "log-shipper-7c9d5b8f4",
            "monitoring",
            template({"requests": {"cpu": "500m"}}, "fluent/fluent-bit:3.1.9", tolerations=[{"operator": "Exists"}]),
            owner_ref=owner("Deployment", "log-shipper", "monitoring"),
        ),
        workload(
            "DaemonSet",
            "nvidia-gpu-device-plugin-small-cos",
            "kube-system",
            template(
                {"requests": {"cpu": "50m"}}, "gke.gcr.io/nvidia-gpu-device-plugin@sha256:4e1a", tolerations=plugin
            ),
        ),
    ]
    write("gke", nodes, pods, workloads)


# -- AKS: GPU pools are never tainted by AKS ----------------------------------------------------------

AKS_LABELS = {"kubernetes.azure.com/cluster": "MC_rg-ml-prod_aks-ml-prod_eastus", "kubernetes.azure.com/mode": "user"}


def aks_gpu(name: str, taints: list[dict[str, str]] | None) -> dict[str, Any]:
    return cloud_node(
        name,
        "aks",
        instance="Standard_NC24ads_A100_v4",
        labels={
            **AKS_LABELS,
            "accelerator": "nvidia",
            "kubernetes.azure.com/accelerator": "nvidia",
            "agentpool": "gpunp",
            "kubernetes.azure.com/agentpool": "gpunp",
        },
        cpu="24",
        memory="220Gi",
        gpus=1,
        taints=taints,
    )


def aks_system() -> dict[str, Any]:
    return cloud_node(
        "aks-system-18245837-vmss000000",
        "aks",
        instance="Standard_D4s_v5",
        labels={
            **AKS_LABELS,
            "agentpool": "system",
            "kubernetes.azure.com/agentpool": "system",
            "kubernetes.azure.com/mode": "system",
        },
        cpu="4",
        memory="16Gi",
    )


def aks_untainted() -> None:
    gpu_node = aks_gpu("aks-gpunp-30518822-vmss000000", None)
    name = gpu_node["metadata"]["name"]
    pods = [
        running(
            "web-frontend-6d4f8b7c9-kx2vb",
            "ml-serving",
            name,
            owner_ref=owner("ReplicaSet", "web-frontend-6d4f8b7c9", "ml-serving"),
            image="nginx:1.27",
        ),
        daemon_pod(
            "nvidia-device-plugin-daemonset-8xk2p",
            "nvidia-device-plugin-daemonset",
            name,
            [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
            "nvcr.io/nvidia/k8s-device-plugin:v0.17.0",
        ),
    ]
    workloads = [
        workload(
            "Deployment",
            "embedder",
            "ml-serving",
            template(
                {"requests": {"cpu": "2", "memory": "8Gi", "nvidia.com/gpu": "1"}, "limits": {"memory": "8Gi"}},
                "ghcr.io/huggingface/text-embeddings-inference:1.5",
            ),
        ),
        workload(
            "Job", "train-resnet", "ml-training", template(gpus("2", request="1"), "nvcr.io/nvidia/pytorch:24.05-py3")
        ),
        workload("CronJob", "nightly-eval", "ml-training", template(gpus("0.5"), "nvcr.io/nvidia/pytorch:24.05-py3")),
    ]
    write("aks-untainted", [aks_system(), gpu_node], pods, workloads)


def aks_tainted() -> None:
    gpu_node = aks_gpu("aks-gpunp-30518822-vmss000000", [{"key": "sku", "value": "gpu", "effect": "NoSchedule"}])
    spot = {
        "key": "kubernetes.azure.com/scalesetpriority",
        "operator": "Equal",
        "value": "spot",
        "effect": "NoSchedule",
    }
    workloads = [
        # AKS has no ExtendedResourceToleration: the GPU request alone does not tolerate sku=gpu.
        workload(
            "Deployment",
            "bert-serving",
            "ml-serving",
            template(gpus("1"), "nvcr.io/nvidia/tritonserver:24.05-py3", tolerations=[spot]),
        ),
        workload(
            "Deployment",
            "bert-serving-ok",
            "ml-serving",
            template(
                gpus("1"),
                "nvcr.io/nvidia/tritonserver:24.05-py3",
                tolerations=[{"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}],
            ),
        ),
    ]
    write("aks-tainted", [aks_system(), gpu_node], [], workloads)


# -- EKS: a Karpenter GPU node tainted as Karpenter's docs do, a managed node group left untainted ------


def eks() -> None:
    cpu = cloud_node(
        "ip-192-168-31-7.us-west-2.compute.internal",
        "eks",
        instance="m5.2xlarge",
        labels={"eks.amazonaws.com/nodegroup": "system", "eks.amazonaws.com/capacityType": "ON_DEMAND"},
        cpu="8",
        memory="32Gi",
    )
    karpenter = cloud_node(
        "ip-192-168-77-142.us-west-2.compute.internal",
        "eks",
        instance="g5.xlarge",
        labels={
            "karpenter.sh/nodepool": "gpu",
            "karpenter.sh/capacity-type": "on-demand",
            "karpenter.k8s.aws/instance-gpu-count": "1",
            "karpenter.k8s.aws/instance-gpu-manufacturer": "nvidia",
            "karpenter.k8s.aws/instance-gpu-memory": "22888",
            "karpenter.k8s.aws/instance-gpu-name": "a10g",
        },
        cpu="4",
        memory="16Gi",
        gpus=1,
        taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
    )
    managed = cloud_node(
        "ip-192-168-5-203.us-west-2.compute.internal",
        "eks",
        instance="g4dn.xlarge",
        labels={"eks.amazonaws.com/nodegroup": "gpu-t4", "k8s.amazonaws.com/accelerator": "nvidia-tesla-t4"},
        cpu="4",
        memory="16Gi",
        gpus=1,
    )
    small = {"cpu": "2", "memory": "8Gi"}
    pods = [
        pending(
            "llama-infer-0",
            "ml-serving",
            gpus("1", **small),
            "0/3 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: true}, 2 node(s) didn't match "
            "Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for "
            "scheduling.",
            extra_spec={"nodeSelector": {"karpenter.k8s.aws/instance-gpu-name": "a10g"}},
        )
    ]
    workloads = [
        workload(
            "Job",
            "sdxl-train",
            "ml-training",
            template(
                gpus("1", **small),
                "nvcr.io/nvidia/pytorch:24.05-py3",
                nodeSelector={"karpenter.k8s.aws/instance-gpu-name": "A10G"},
                tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
            ),
        ),
        workload("Deployment", "whisper", "ml-serving", template(gpus("1", **small), "ghcr.io/example/whisper:1.0")),
    ]
    write("eks-karpenter", [cpu, karpenter, managed], pods, workloads)


# -- on-prem with the GPU Operator: one MIG mixed node, one time-sliced node (renameByDefault: true) ------


def mig_shared() -> None:
    taint = [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]
    mig = cloud_node(
        "dgx-a100-01",
        "other",
        instance="DGXA100",
        labels={
            "nvidia.com/gpu.present": "true",
            "nvidia.com/gpu.product": "A100-SXM4-40GB",
            "nvidia.com/gpu.count": "8",
            "nvidia.com/gpu.memory": "40960",
            "nvidia.com/mig.strategy": "mixed",
            "nvidia.com/mig.config": "all-1g.5gb",
            "nvidia.com/mig-1g.5gb.count": "56",
        },
        cpu="128",
        memory="1000Gi",
        taints=taint,
    )
    # The kubelet keeps nvidia.com/gpu at 0 after MIG split the GPUs; the slices are their own resource.
    for field in ("capacity", "allocatable"):
        mig["status"][field]["nvidia.com/gpu"] = "0"
        mig["status"][field]["nvidia.com/mig-1g.5gb"] = "56"
    shared = cloud_node(
        "t4-node-01",
        "other",
        instance="PowerEdge-R750",
        labels={
            "nvidia.com/gpu.present": "true",
            "nvidia.com/gpu.product": "Tesla-T4",
            "nvidia.com/gpu.count": "4",
            "nvidia.com/gpu.memory": "15360",
            "nvidia.com/gpu.replicas": "40",
            "nvidia.com/gpu.sharing-strategy": "time-slicing",
        },
        cpu="64",
        memory="256Gi",
        gpus=40,
        gpu_resource="nvidia.com/gpu.shared",
        taints=taint,
    )
    workloads = [
        workload(
            "Deployment",
            "bert-train",
            "ml-training",
            template(gpus("1"), "nvcr.io/nvidia/pytorch:24.05-py3", tolerations=[GPU_TOLERATION]),
        ),
        workload(
            "Deployment",
            "notebook",
            "ml-training",
            template(
                gpus("1", name="nvidia.com/mig-1g.5gb"),
                "jupyter/pytorch-notebook:2024-05-27",
                tolerations=[GPU_TOLERATION],
            ),
        ),
        workload(
            "Deployment",
            "tgi-small",
            "ml-serving",
            template(
                gpus("1", name="nvidia.com/gpu.shared"),
                "ghcr.io/huggingface/text-generation-inference:2.4.0",
                tolerations=[GPU_TOLERATION],
            ),
        ),
    ]
    write("mig-shared", [mig, shared], [], workloads)


if __name__ == "__main__":
    gke()
    aks_untainted()
    aks_tainted()
    eks()
    mig_shared()
