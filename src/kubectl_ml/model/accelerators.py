"""The GPU vocabulary: accelerator resource names, sharing names, GPU node labels and taints.

Every command asks the same questions: does this pod ask for a GPU, is this resource name a device a
plugin advertises, is this a GPU node, is this taint a GPU pool's barrier or a node's sickness, is this
name a typo of a real one. They are answered here, once, so that ``doctor``, ``gpu``, ``lint`` and
``new`` never disagree (reference: scaffold-gpu-lint-anchors §1.1 to §1.5).

Three kinds of resource names matter:

* devices, advertised by a device plugin on the node and counted by the scheduler: ``nvidia.com/gpu``,
  MIG slices ``nvidia.com/mig-1g.5gb``, time-sliced ``nvidia.com/gpu.shared``, AMD, Intel, TPU, Neuron,
  Gaudi, and the sharing plugins' counts (Volcano's ``volcano.sh/vgpu-number`` and GPU-share
  ``volcano.sh/gpu-memory``/``gpu-number``, Tencent's ``tencent.com/vcuda-core``/``vcuda-memory``,
  Alibaba's ``aliyun.com/gpu-mem``/``gpu-count``/``gpu-core.percentage`` and open-gpu-share's
  ``alibabacloud.com/gpu-mem``, HAMi's other vendors: ``mthreads.com/vgpu``, ``metax-tech.com/sgpu``,
  ``iluvatar.ai/<chip>-vgpu``);
* companions, which qualify a device request and are read by a scheduler extender, never advertised
  by nodes (``ignoredByScheduler``): HAMi's ``nvidia.com/gpumem``, ``gpumem-percentage``, ``gpucores``,
  ``priority`` (and ``amd.com/gpumem``/``gpucores``, ``mthreads.com/sgpu-memory``/``sgpu-core``; HAMi's
  charts/hami values.yaml and device-configmap.yaml) and Volcano's ``volcano.sh/vgpu-memory``,
  ``vgpu-memory-percentage``, ``vgpu-cores``. No node offers them, and that is no fault: they are never
  "unknown" and never "too many";
* bookkeeping names that look like devices but are not (Intel's ``gpu.intel.com/millicores``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

# Vendor names of device-plugin resources (scaffold-gpu-lint-anchors §1.1), and the sharing plugins'.
_DEVICE = re.compile(
    r"^(nvidia\.com/(gpu|mig-[^/]+)(\.shared)?|amd\.com/[^/]+|gpu\.intel\.com/[^/]+|google\.com/tpu"
    r"|aws\.amazon\.com/neuron(core|device)?|habana\.ai/gaudi|[^/]+/gpu(\.shared)?"
    r"|volcano\.sh/vgpu-number|volcano\.sh/gpu-(memory|number)|tencent\.com/vcuda-(core|memory)"
    r"|(aliyun|alibabacloud)\.com/gpu-(mem|count)|aliyun\.com/gpu-core\.(percentage|tflops)"
    r"|mthreads\.com/vgpu|metax-tech\.com/sgpu|iluvatar\.ai/([^/]+-)?vgpu|iluvatar\.ai/vcuda-(core|memory))$"
)
# The whole-device names device plugins advertise by default, for "did you mean" on a misspelling.
KNOWN_ACCELERATORS = (
    "nvidia.com/gpu",
    "amd.com/gpu",
    "gpu.intel.com/i915",
    "gpu.intel.com/xe",
    "google.com/tpu",
    "aws.amazon.com/neuron",
    "aws.amazon.com/neuroncore",
    "habana.ai/gaudi",
)
# Every specific name above that a manifest may ask for, for lint's "near miss of a known name" (a typo,
# an error) as against a name of a vendor the plugin does not know (offline, only a warning).
SHARING_DEVICES = (
    "nvidia.com/gpu.shared",
    "volcano.sh/vgpu-number",
    "volcano.sh/gpu-memory",
    "volcano.sh/gpu-number",
    "tencent.com/vcuda-core",
    "tencent.com/vcuda-memory",
    "aliyun.com/gpu-mem",
    "aliyun.com/gpu-count",
    "aliyun.com/gpu-core.percentage",
    "alibabacloud.com/gpu-mem",
    "alibabacloud.com/gpu-count",
    "mthreads.com/vgpu",
    "metax-tech.com/gpu",
    "metax-tech.com/sgpu",
    "birentech.com/gpu",
)
# HAMi (Project-HAMi/HAMi device-config: resourceMemoryName, resourceCoreName, ...) and Volcano vGPU
# (volcano-vgpu-device-plugin): read by their scheduler, which kube-scheduler is told to ignore.
SHARING_COMPANIONS = frozenset(
    {
        "nvidia.com/gpumem",
        "nvidia.com/gpumem-percentage",
        "nvidia.com/gpucores",
        "nvidia.com/priority",
        "volcano.sh/vgpu-memory",
        "volcano.sh/vgpu-memory-percentage",
        "volcano.sh/vgpu-cores",
        "amd.com/gpumem",
        "amd.com/gpucores",
        "mthreads.com/sgpu-memory",
        "mthreads.com/sgpu-core",
    }
)
# Images of the node agents that GPUs need: device plugins, GPU feature discovery, DCGM exporter, the GPU
# Operator's driver, toolkit, validator, MIG and driver managers, NFD (NVIDIA/gpu-operator values.yaml,
# NVIDIA/k8s-device-plugin deployments/static, NVIDIA/dcgm-exporter, HAMi's and Volcano's device plugins).
_NODE_AGENT_IMAGE = re.compile(
    r"k8s-device-plugin|device-plugin|dcgm-exporter|/dcgm(:|$)|gpu-feature-discovery|gpu-operator-validator"
    r"|container-toolkit|k8s-driver-manager|k8s-mig-manager|nvidia/driver(:|@|$)|node-feature-discovery"
    r"|intel-gpu-plugin|projecthami/hami(:|@|$)|k8s-vgpu"
)
# Intel's NFD also exposes bookkeeping resources that are not devices.
ACCELERATOR_BOOKKEEPING = frozenset({"gpu.intel.com/millicores", "gpu.intel.com/memory.max", "gpu.intel.com/tiles"})
# Words that make a resource name look like an accelerator, to catch misspellings (nvidia.com/gpus).
# (any case: resource names are case-sensitive, so nvidia.com/GPU is a misspelling too).
_ACCELERATOR_WORDS = re.compile(r"gpu|tpu|mig-|neuron|gaudi|vcuda", re.IGNORECASE)
# A requested name this close to an advertised one is a typo (nvidia.com/gpus), worth a rename patch;
# looser matches are only offered as "did you mean" (lint has no nodes to check them against).
TYPO_CUTOFF = 0.9
SUGGESTION_CUTOFF = 0.6

# Labels that mark a GPU node before (or without) its device plugin advertising the GPUs: GPU Operator,
# GFD, NFD, GKE, EKS cluster-autoscaler, Karpenter and AKS (scaffold-gpu-lint-anchors §1.2).
GPU_NODE_LABELS = (
    "nvidia.com/gpu.present",
    "nvidia.com/gpu.count",
    "feature.node.kubernetes.io/pci-10de.present",
    "cloud.google.com/gke-accelerator",
    "k8s.amazonaws.com/accelerator",
    "karpenter.k8s.aws/instance-gpu-count",
    "kubernetes.azure.com/accelerator",
    "accelerator",
)
# Taints that nodes get from Kubernetes, the cloud or an autoscaler while they are unhealthy, starting,
# control-plane or being removed: no workload should tolerate them, and they are never a GPU pool's
# barrier (the node lifecycle controller, cloud-node controller, cluster-autoscaler and Karpenter).
SYSTEM_TAINT_PREFIXES = (
    "node.kubernetes.io/",
    "node-role.kubernetes.io/control-plane",
    "node-role.kubernetes.io/master",
    "node.cloudprovider.kubernetes.io/",
    "ToBeDeletedByClusterAutoscaler",
    "DeletionCandidateOfClusterAutoscaler",
    "karpenter.sh/",
)
# Without nodes, a taint is a GPU pool's when its key or value says so: nvidia.com/gpu=present (GKE),
# nvidia.com/gpu=true (Karpenter docs), sku=gpu (AKS docs), dedicated=gpu, ...
_GPU_TAINT_WORDS = re.compile(r"gpu|nvidia|accelerator|tpu|neuron|gaudi", re.IGNORECASE)


def known_resource_names() -> tuple[str, ...]:
    """Every specific accelerator name a manifest may ask for: devices, sharing counts and companions."""
    return (*KNOWN_ACCELERATORS, *SHARING_DEVICES, *sorted(SHARING_COMPANIONS), *sorted(ACCELERATOR_BOOKKEEPING))


def is_gpu_node_agent_image(image: str) -> bool:
    """True for the images of GPU node agents (device plugins, DCGM exporter, GFD, the Operator's operands)."""
    return bool(_NODE_AGENT_IMAGE.search(image.lower()))


# The vendors' own domains: a ``<domain>/gpu`` whose domain is a near miss of one (nvida.com, nvidia.con,
# Nvidia.com, nvidia) is a typo, not another vendor's plugin.
_VENDOR_DOMAINS = ("nvidia.com", "amd.com", "gpu.intel.com", "google.com", "aws.amazon.com", "habana.ai")
_GENERIC_GPU = re.compile(r"^([^/]+)/gpu(\.shared)?$")


def _misspelt_vendor(resource: str) -> bool:
    found = _GENERIC_GPU.match(resource)
    if found is None:
        return False
    domain = found.group(1)
    if domain in _VENDOR_DOMAINS:
        return False
    if domain != domain.lower():
        return True  # resource names are lower case (a DNS subdomain): the API server refuses Nvidia.com/gpu
    if "." not in domain and any(vendor.split(".", 1)[0] == domain for vendor in _VENDOR_DOMAINS):
        return True  # nvidia/gpu: the vendor without its domain
    return bool(difflib.get_close_matches(domain, _VENDOR_DOMAINS, n=1, cutoff=0.85))


def is_accelerator(resource: str) -> bool:
    """True for device names a plugin advertises (nvidia.com/gpu, MIG, shared, AMD, Intel, TPU, vGPU...)."""
    if resource in ACCELERATOR_BOOKKEEPING or _misspelt_vendor(resource):
        return False
    return bool(_DEVICE.match(resource))


def is_companion(resource: str) -> bool:
    """True for a sharing scheduler's qualifier (HAMi's nvidia.com/gpumem): no node advertises it."""
    return resource in SHARING_COMPANIONS


def looks_like_accelerator(resource: str) -> bool:
    """A device name, a companion, or a misspelling of one (``nvidia.com/gpus``)."""
    return is_accelerator(resource) or is_companion(resource) or bool(_ACCELERATOR_WORDS.search(resource))


def is_misspelt_accelerator(resource: str) -> bool:
    """Looks like an accelerator, yet is no device, companion or bookkeeping name any plugin uses."""
    return (
        looks_like_accelerator(resource)
        and not is_accelerator(resource)
        and not is_companion(resource)
        and resource not in ACCELERATOR_BOOKKEEPING
    )


def asks_for_accelerator(requests: Mapping[str, Fraction]) -> bool:
    """True when any accelerator-like name is requested above zero: the one answer to "is it a GPU pod"."""
    return any(looks_like_accelerator(name) and value > 0 for name, value in requests.items())


def closest_name(resource: str, names: Iterable[str], cutoff: float = TYPO_CUTOFF) -> str | None:
    """The name in ``names`` that ``resource`` is most likely a misspelling of, or None."""
    found = difflib.get_close_matches(resource, list(names), n=1, cutoff=cutoff)
    return found[0] if found else None


def is_system_taint_key(key: str | None) -> bool:
    """True for node-lifecycle, control-plane and autoscaler taint keys (not-ready, being deleted...)."""
    return bool(key) and str(key).startswith(SYSTEM_TAINT_PREFIXES)


def is_system_taint(taint: Mapping[str, Any]) -> bool:
    """:func:`is_system_taint_key` of a taint object."""
    return is_system_taint_key(str(taint.get("key", "")))


def is_gpu_taint_text(key: str | None, value: str | None = None) -> bool:
    """True when a taint's key or value names accelerators (used when the nodes could not be read)."""
    return bool(_GPU_TAINT_WORDS.search(f"{key or ''}={value or ''}"))


def has_gpu_node_label(labels: Mapping[str, Any]) -> bool:
    """True when one of the platforms' GPU node labels is set to something other than empty/0/false."""
    return any(labels.get(label) not in (None, "", "0", "false") for label in GPU_NODE_LABELS)
