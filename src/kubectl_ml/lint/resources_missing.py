"""Containers without CPU and memory requests, and GPU containers without a memory limit.

What: every container (init containers too) with no CPU request or no memory request (a limit alone
counts: the API defaults the request to it), and every container that asks for an accelerator without
``limits.memory``. A CPU limit is not required: GPU training is often better without one (throttling).
Not reported on a KServe InferenceService: its webhook gives a container without requests the defaults
of ``inferenceservice-config`` (1 CPU, 2Gi), so its pods are never BestEffort. Nor on a container that
does no lasting work (``smoke_tests.idles``: ``sleep``, ``echo``, ``nvidia-smi``, a CUDA sample, the
pause image): there is nothing to size, and owners of such examples call the finding noise.

Why it matters: without requests the scheduler places the pod blind and it is the first evicted under
pressure (BestEffort). A GPU container without a memory limit can take the node's memory from the other
GPU pods; the GPU guardrails users ask for (NVIDIA/aicr#860) want memory request = limit for GPU pods.

Remedy: set ``requests.cpu`` and ``requests.memory`` (``kubectl ml rightsize`` measures them from usage),
and ``limits.memory`` on GPU containers.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_ml.gpu._common import build
from kubectl_ml.lint._common import containers, gpu_resources, resources_of
from kubectl_ml.lint.smoke_tests import idles
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.subjects import Subject

CODES = declare(
    CodeInfo(
        "resources-missing",
        "lint",
        Severity.WARNING,
        "CPU or memory requests (or GPU memory limit) missing",
        "A container has no CPU or memory request (a limit counts as one), or a GPU container has no "
        "memory limit: the scheduler places it blind, and it is the first to be evicted.",
        "Set requests.cpu and requests.memory (kubectl ml rightsize measures them), and limits.memory for "
        "GPU containers.",
        docs="https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
        variants={
            "set": "Set {missing}; kubectl ml rightsize recommends values from usage.",
            "set-gpu": (
                "Set {missing} (for a GPU container, a memory limit equal to the request); kubectl ml rightsize"
                " recommends values from usage."
            ),
        },
    ),
)


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``resources-missing`` per container, naming every missing field."""
    if subject.partial:
        return  # Trainer's spec.trainer may leave resources to its runtime's template
    if subject.ref.kind.split(".", 1)[0] == "InferenceService":
        # KServe's webhook gives a predictor, transformer or explainer container without requests the
        # defaults of its inferenceservice-config (1 CPU, 2Gi): never BestEffort, so this would be false.
        return
    for container in containers(subject):
        if idles(container.body):
            continue  # sleep, echo, nvidia-smi, a CUDA sample: what it uses is too little to size
        requests, limits = resources_of(container.body)
        missing = [f"requests.{name}" for name in ("cpu", "memory") if name not in requests and name not in limits]
        gpus = gpu_resources(container.body)
        if gpus and "memory" not in limits:
            missing.append("limits.memory")
        if not missing:
            continue
        why = " (it asks for " + ", ".join(gpus) + ")" if "limits.memory" in missing else ""
        yield build(
            "resources-missing",
            subject.ref,
            f"{subject.noun}, container {container.name} has no {', '.join(missing)}{why}.",
            container=container.name,
            evidence=[Evidence("spec", container.path(subject, "resources"), container.body.get("resources") or None)],
            fix="set-gpu" if why else "set",
            values={"missing": ", ".join(missing)},
            commands=["kubectl ml rightsize"],
        )
