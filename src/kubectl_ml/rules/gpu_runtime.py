"""The GPU could not be handed to the container: runtime, driver or device-plugin failures.

What: recognizes, wherever they appear (sandbox events, start errors, pod admission status, logs):

* ``no runtime for "nvidia" is configured``: a RuntimeClass ``nvidia`` on a node whose containerd has
  no such handler;
* ``nvidia-container-cli: initialization error``: driver/library version mismatch, no driver
  (``libnvidia-ml.so.1`` missing, e.g. a non-GPU node), driver not loaded;
* ``UnexpectedAdmissionError`` / ``OutOfnvidia.com/gpu`` / ``TopologyAffinityError`` on a pod that
  asks for an accelerator: the kubelet could not allocate the devices (unhealthy GPUs, a kubelet
  restart, a pod bound to a full node with ``nodeName``, no NUMA-aligned set of GPUs);
* in the application's log: ``CUDA driver version is insufficient for CUDA runtime version``,
  ``no CUDA-capable device is detected``, ``Failed to initialize NVML: Unknown Error`` (device access
  lost), ``could not load NVML library`` (no NVIDIA runtime), ``no kernel image is available for
  execution on the device`` (an image built for other GPUs);
* at admission: a GPU the driver reports lost (``nvml: GPU is lost``), a device plugin that stopped
  answering (``error reading from server: EOF``), unhealthy devices of any vendor.

Why it matters: no other tool classifies these; the fix is on the node, not in the pod. A sandbox
error older than the pod's first start, or a hook error in the lastState of a container that runs
now, is history and is not reported.

Remedy: fix the node's NVIDIA driver and container toolkit (GPU Operator), or move the pod to a
healthy GPU node; check the RuntimeClass and the device plugin.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.model.accelerators import looks_like_accelerator
from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import ContainerView, containers, requests_gpu
from kubectl_ml.rules._common import event_evidence, find_line, finding, log_evidence, status_evidence

NEEDS = (Need("events"), Need("logs"))

CODES = declare(
    CodeInfo(
        "gpu-runtime-error",
        "start",
        Severity.ERROR,
        "NVIDIA runtime or driver failure",
        "The GPU could not be given to the container: NVIDIA container runtime not configured, "
        "driver missing or mismatched, or the device plugin could not allocate the device.",
        "Fix the node's NVIDIA driver/container toolkit (or move the pod to a healthy GPU node); "
        "check the RuntimeClass.",
        docs="https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/troubleshooting.html",
        variants={
            "runtime-not-configured": (
                "Install/configure the NVIDIA container toolkit on the node (the GPU Operator does this), or "
                "schedule the pod only on nodes where the nvidia RuntimeClass works."
            ),
            "driver-mismatch": "Reboot or drain the node so the new driver loads, or reinstall a matching driver.",
            "no-driver": (
                "Install the NVIDIA driver on the node (GPU Operator), or keep the pod off nodes without GPUs "
                "with a GPU request/nodeSelector."
            ),
            "node-had-no-gpu": (
                "Delete the pod so it is scheduled again; do not set nodeName on GPU pods, use a nodeSelector "
                "or affinity so the scheduler counts the GPUs."
            ),
            "topology": (
                "Request fewer GPUs per pod, or relax the kubelet's topologyManagerPolicy (single-numa-node or "
                "restricted) on that node pool; delete the pod so it is scheduled again."
            ),
            "gpu-lost": (
                "Cordon and drain the node and reset or reboot it (a lost GPU comes back only then; dmesg shows"
                " the Xid error); delete the pod so it is scheduled on a healthy node."
            ),
            "device-plugin-gone": (
                "Check the device plugin's pod on that node (its restarts and log: kubectl get pods -A -o wide "
                "| grep -i device-plugin), then delete this pod so it is admitted again."
            ),
            "unhealthy-devices": (
                "Delete the pod so it is rescheduled; check the node's device health ({tools}) and the device "
                "plugin's log."
            ),
            "nvml-unknown-error": (
                "Recreate the pod to get the GPU back; to stop it recurring, create the /dev/char symlinks the "
                "NVIDIA container toolkit documents for this error (nvidia-ctk system create-dev-char-symlinks "
                "--create-all; the GPU Operator does it), or avoid the static CPU manager policy on GPU nodes."
            ),
            "no-nvml-library": (
                "Make the NVIDIA runtime the node's default (nvidia-ctk runtime configure --set-as-default, "
                "then restart the container runtime) or give the pod the nvidia RuntimeClass; install the "
                "driver if the node has none (GPU Operator)."
            ),
            "no-kernel-image": (
                "Use an image (or PyTorch/vLLM wheel) built for this GPU's compute capability "
                "(TORCH_CUDA_ARCH_LIST when building), or run it on the GPUs it was built for."
            ),
            "cuda-driver-too-old": (
                "Use an image built for the node's CUDA driver version, or upgrade the node's driver."
            ),
            "no-cuda-device": (
                "Request the GPU in resources.limits (e.g. nvidia.com/gpu: 1) and check the NVIDIA runtime."
            ),
            "other": "Check the node's NVIDIA driver and container toolkit (the GPU Operator's pods on that node).",
        },
    ),
)


_RUNTIME_NOT_CONFIGURED = 'no runtime for "nvidia" is configured'
_CLI = "nvidia-container-cli"
_LOG_NEEDLES = (
    "CUDA driver version is insufficient for CUDA runtime version",
    "no CUDA-capable device is detected",
    "nvidia-container-cli: initialization error",
    # NVIDIA/k8s-device-plugin#145 and #303; dphnAI/sonar#49, vllm-project/vllm#18835
    "Failed to initialize NVML",
    "no kernel image is available for execution on the device",
)
# Where each vendor's devices are looked at when the device plugin calls them unhealthy.
_HEALTH_TOOLS = {
    "amd.com/": "rocm-smi and the AMD device plugin's log",
    "gpu.intel.com/": "xpu-smi (or intel_gpu_top) and the Intel device plugin's log",
    "aws.amazon.com/": "neuron-ls and the Neuron device plugin's log",
    "habana.ai/": "hl-smi and the Habana device plugin's log",
}


def _explain(message: str) -> tuple[str, str, dict[str, str]]:
    """(what happened, the fix to name, its values) for a runtime/driver message."""
    if _RUNTIME_NOT_CONFIGURED in message:
        return (
            "the node's container runtime has no \"nvidia\" handler for the pod's RuntimeClass",
            "runtime-not-configured",
            {},
        )
    if "driver/library version mismatch" in message:
        return (
            "the NVIDIA kernel driver and user-space libraries on the node differ (a driver upgrade without a reboot)",
            "driver-mismatch",
            {},
        )
    if "libnvidia-ml.so" in message or "driver not loaded" in message:
        return (
            "the node has no working NVIDIA driver (not installed, not loaded, or not a GPU node)",
            "no-driver",
            {},
        )
    if "Node didn't have enough resource" in message:
        return (
            "the node had no free GPU when the kubelet admitted the pod (the pod named its node with nodeName, "
            "bypassing the scheduler, or raced another pod for the last GPU)",
            "node-had-no-gpu",
            {},
        )
    if "Topology locality" in message:
        return (
            "the kubelet's topology manager found no set of GPUs (with the CPUs) on one NUMA node",
            "topology",
            {},
        )
    if "GPU is lost" in message:
        # kubernetes/kubernetes#97131: `nvml: GPU is lost`: the GPU dropped off the PCIe bus (Xid 79).
        return (
            "a GPU on the node fell off the bus (the driver reports it lost: a hardware or Xid failure)",
            "gpu-lost",
            {},
        )
    if "Allocate failed" in message and ("error reading from server" in message or "code = Unavailable" in message):
        # Project-HAMi/HAMi#71: the kubelet's Allocate call found no device plugin answering.
        return (
            "the device plugin stopped answering while the kubelet allocated the GPU (it crashed or restarted)",
            "device-plugin-gone",
            {},
        )
    if "requested number of devices unavailable" in message or "cannot allocate unhealthy devices" in message:
        tools = next(
            (tool for prefix, tool in _HEALTH_TOOLS.items() if prefix in message), "nvidia-smi, XID errors in dmesg"
        )
        return (
            "the device plugin could not allocate the GPUs it had advertised (unhealthy devices or a kubelet restart)",
            "unhealthy-devices",
            {"tools": tools},
        )
    if "Failed to initialize NVML: Unknown Error" in message:
        # NVIDIA/k8s-device-plugin#145, NVIDIA/nvidia-container-toolkit#48
        return (
            "NVML cannot reach the GPU: the container lost access to its GPU device files (a systemd "
            "daemon-reload, or the kubelet's static CPU manager policy, rewrote its device cgroup)",
            "nvml-unknown-error",
            {},
        )
    if "could not load NVML library" in message:
        # NVIDIA/k8s-device-plugin#303
        return (
            "the container found no NVIDIA driver library (NVML, libnvidia-ml.so): the node's default runtime is "
            "not the NVIDIA runtime, or the node has no driver",
            "no-nvml-library",
            {},
        )
    if "no kernel image is available for execution on the device" in message:
        return (
            "the image has no kernel image for this GPU's architecture (it was built for other compute capabilities)",
            "no-kernel-image",
            {},
        )
    if "CUDA driver version is insufficient" in message:
        return (
            "the image's CUDA runtime is newer than the node's driver supports",
            "cuda-driver-too-old",
            {},
        )
    if "no CUDA-capable device is detected" in message:
        return (
            "the process sees no GPU (no GPU requested, or the runtime did not inject one)",
            "no-cuda-device",
            {},
        )
    return (
        "the NVIDIA container runtime failed to set up the GPU",
        "other",
        {},
    )


def _gpu_finding(context: PodContext, message: str, evidence: list[Evidence], container: str | None) -> Finding:
    what, fix, values = _explain(message)
    node = (context.pod.get("spec") or {}).get("nodeName") or ""
    commands = [f"kubectl describe node {node}"] if node else []
    subject = f"Container {container}" if container else f"Pod {context.name}"
    return finding(
        "gpu-runtime-error",
        context,
        f"{subject} cannot use its GPU: {what}.",
        container=container,
        evidence=evidence,
        fix=fix,
        values=values,
        commands=commands,
    )


def _started(pod: Mapping[str, Any]) -> bool:
    """True once a container of the pod has run: its sandbox exists, whatever old events say."""
    return any(
        (view.status.get("state") or {}).get("running") or view.terminated or view.last_terminated
        for view in containers(pod)
    )


def _admission_failure(context: PodContext) -> Finding | None:
    """A GPU pod the kubelet rejected at admission (device plugin, capacity, topology)."""
    status = context.pod.get("status") or {}
    reason = str(status.get("reason") or "")
    if reason.startswith("OutOf"):
        # `OutOf<resource>`: only an accelerator resource is a GPU problem (OutOfcpu is not).
        if not looks_like_accelerator(reason[len("OutOf") :]):
            return None
    elif reason not in ("UnexpectedAdmissionError", "TopologyAffinityError"):
        return None
    # The device manager rejects RDMA NICs, FPGAs and other devices the same way: only a pod that asks
    # for an accelerator has a GPU problem.
    if not requests_gpu(context.pod):
        return None
    message = str(status.get("message") or "")
    return _gpu_finding(
        context,
        message,
        [status_evidence("status.reason", reason), status_evidence("status.message", message)],
        None,
    )


def _container_failure(context: PodContext, container: ContainerView) -> Finding | None:
    """The NVIDIA hook's error in a start failure, or a GPU error in the previous log."""
    # A container that runs now got past the hook: a driver error in lastState was fixed since (reboot,
    # driver reload). An application error in the previous log still counts: a crash loop runs briefly.
    if not (container.status.get("state") or {}).get("running"):
        termination, path = container.latest_termination()
        for text, text_path in (
            (str(termination.get("message") or ""), f"{path}.message"),
            (str(container.waiting.get("message") or ""), f"{container.status_path}.state.waiting.message"),
        ):
            if _CLI in text:
                return _gpu_finding(context, text, [status_evidence(text_path, text)], container.name)
    log = context.previous_logs.get(container.name)
    previous = log is not None
    if log is None:
        # A container that was not restarted (restartPolicy Never, a failed Job pod): its current log.
        log = context.current_logs.get(container.name, "")
    line = find_line(log, _LOG_NEEDLES)
    if line:
        return _gpu_finding(context, line, [log_evidence(container.name, line, previous)], container.name)
    return None


def check(context: PodContext) -> Iterator[Finding]:
    """Yield findings for GPU runtime/driver/device failures."""
    admission = _admission_failure(context)
    if admission is not None:
        yield admission
        return
    if not _started(context.pod):
        for event in context.events:
            if event.reason == "FailedCreatePodSandBox" and _RUNTIME_NOT_CONFIGURED in event.message:
                yield _gpu_finding(context, event.message, [event_evidence(event, context.now)], None)
                return
    for container in containers(context.pod):
        result = _container_failure(context, container)
        if result is not None:
            yield result
