"""The registry of finding codes: the contract users and scripts rely on (DESIGN §2).

Codes are stable kebab-case names. Add codes, never rename one. ``docs/codes.md`` is generated from
this table by ``scripts/gen_docs.py`` and a test fails when the two differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_ml.model.findings import Evidence, Finding, ObjectRef, Severity


@dataclass(frozen=True)
class CodeInfo:
    """What a code means and how it is usually fixed.

    Attributes:
        code: the stable kebab-case identifier.
        area: the family shown in docs (image pull, start, running, scheduling, workload, gpu, lint).
        severity: the usual severity; a rule may lower it when the evidence says the pod still works.
        title: a few words for tables.
        meaning: one or two sentences: what went wrong.
        fix: one or two imperative sentences: what to change.
        generic: a catch-all that gives way to a more specific finding on the same container.
    """

    code: str
    area: str
    severity: Severity
    title: str
    meaning: str
    fix: str
    generic: bool = False


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

CODES: dict[str, CodeInfo] = {
    info.code: info
    for info in (
        # image pull
        CodeInfo(
            "image-not-found",
            "image pull",
            _E,
            "image or tag does not exist",
            "The registry answered that the repository, tag or digest does not exist.",
            "Correct the image name or tag; list the tags the registry has.",
        ),
        CodeInfo(
            "image-pull-unauthorized",
            "image pull",
            _E,
            "registry refused the credentials",
            "The registry refused the pull: no credentials, wrong credentials, or no access to the "
            "repository (a private repository also answers this way when the name is wrong).",
            "Create a docker-registry Secret and list it in imagePullSecrets (or on the "
            "ServiceAccount); check the repository name.",
        ),
        CodeInfo(
            "image-pull-rate-limited",
            "image pull",
            _E,
            "registry rate limit (429)",
            "The registry throttled the node's pulls (HTTP 429, e.g. Docker Hub's pull limit).",
            "Authenticate pulls with imagePullSecrets, or mirror the image to your own registry.",
        ),
        CodeInfo(
            "registry-unreachable",
            "image pull",
            _E,
            "registry cannot be reached",
            "The node could not reach the registry: DNS failure, timeout, refused connection or a "
            "TLS certificate it does not trust.",
            "Check the registry host name, the node's DNS and egress, proxies, and the CA the node trusts.",
        ),
        CodeInfo(
            "invalid-image-name",
            "image pull",
            _E,
            "image reference is malformed",
            "The image reference cannot be parsed (upper-case letters, bad characters, a stray space or colon).",
            "Fix the image reference in the pod template.",
        ),
        CodeInfo(
            "image-pull-failed",
            "image pull",
            _E,
            "image pull failed, cause unknown",
            "The image could not be pulled and the detailed error is no longer available (events "
            "expire after about an hour).",
            "Watch the next pull attempt's events, or pull the image by hand from a machine with the same access.",
            generic=True,
        ),
        # start
        CodeInfo(
            "config-missing",
            "start",
            _E,
            "ConfigMap, Secret or key missing",
            "The container references a ConfigMap or Secret (or a key in one) that does not exist in the namespace.",
            "Create the object or key, fix the name, or mark the reference optional.",
        ),
        CodeInfo(
            "command-not-found",
            "start",
            _E,
            "command not found in the image",
            "The container's command or entrypoint does not exist in the image (or is not executable).",
            "Fix command/args, or use an image that contains the program.",
        ),
        CodeInfo(
            "exec-format-error",
            "start",
            _E,
            "image built for another CPU",
            "The image's binaries are for another CPU architecture than the node's "
            "(e.g. an amd64 image on an arm64 node).",
            "Build a multi-arch image, or pin the pod to "
            "nodes of the image's architecture with a kubernetes.io/arch nodeSelector.",
        ),
        CodeInfo(
            "gpu-runtime-error",
            "start",
            _E,
            "NVIDIA runtime or driver failure",
            "The GPU could not be given to the container: NVIDIA container runtime not configured, "
            "driver missing or mismatched, or the device plugin could not allocate the device.",
            "Fix the node's NVIDIA driver/container toolkit (or move the pod to a healthy GPU node); "
            "check the RuntimeClass.",
        ),
        CodeInfo(
            "admission-denied",
            "start",
            _E,
            "pod rejected at creation",
            "The API server refused to create the pods (PodSecurity, an admission webhook, or a "
            "missing ServiceAccount).",
            "Change the pod template to satisfy the policy, or fix the named object.",
        ),
        CodeInfo(
            "volume-mount-failed",
            "start",
            _E,
            "volume cannot be attached or mounted",
            "A volume of the pod could not be attached to the node or mounted (a ReadWriteOnce volume "
            "still attached elsewhere, a missing hostPath, a CSI driver failure).",
            "Follow the message: wait for or force the detach, fix the path or the driver, or use a volume "
            "access mode that fits the pods.",
        ),
        # running
        CodeInfo(
            "crash-loop",
            "running",
            _E,
            "container keeps exiting",
            "The application exits and Kubernetes restarts it with growing back-off.",
            "Read the log tail and the exit code; fix the application error or its configuration.",
            generic=True,
        ),
        CodeInfo(
            "oom-killed",
            "running",
            _E,
            "container memory limit hit",
            "The kernel killed the container because it used more memory than its limit.",
            "Raise limits.memory (kubectl ml rightsize gives a measured value), or use less memory.",
        ),
        CodeInfo(
            "evicted",
            "running",
            _W,
            "evicted by node pressure",
            "The kubelet evicted the pod because the node ran short of memory, disk or another resource.",
            "Set requests close to real usage so the pod is not the first to go; "
            "limit ephemeral storage; check the node.",
        ),
        CodeInfo(
            "liveness-probe-restarts",
            "running",
            _E,
            "killed by its liveness probe",
            "The kubelet restarted the container because its liveness probe failed.",
            "Give slow starts a startupProbe, raise timeoutSeconds/failureThreshold, or fix the health endpoint.",
        ),
        CodeInfo(
            "readiness-probe-failing",
            "running",
            _E,
            "readiness probe failing",
            "The container runs but its readiness probe fails, so it receives no traffic.",
            "Check the probe's port and path against the server, and how long the model takes to load.",
        ),
        CodeInfo(
            "cuda-oom",
            "running",
            _E,
            "GPU memory exhausted (CUDA OOM)",
            "The process ran out of GPU memory; raising the container's memory limit does not help.",
            "Lower the batch size, use gradient accumulation or checkpointing, mixed precision, or "
            "shard the model over more GPUs.",
        ),
        CodeInfo(
            "shm-exhausted",
            "running",
            _E,
            "/dev/shm too small",
            "Shared memory ran out (the container default is 64Mi); PyTorch DataLoader workers need more.",
            "Mount an emptyDir with medium: Memory at /dev/shm (its size counts against the memory limit).",
        ),
        CodeInfo(
            "nccl-timeout",
            "running",
            _E,
            "distributed collective timed out",
            "A NCCL collective did not complete: a peer rank died or hung, or the network between ranks failed.",
            "Find the first rank that failed (its logs show the real error); check the network between nodes.",
        ),
        # scheduling
        CodeInfo(
            "insufficient-resources",
            "scheduling",
            _E,
            "waiting for free capacity",
            "A node could hold the pod, but none has enough free CPU, memory or GPUs now.",
            "Wait for capacity, free it, lower the requests, or add nodes.",
        ),
        CodeInfo(
            "request-exceeds-node-capacity",
            "scheduling",
            _E,
            "no node could ever fit it",
            "The pod requests more than the allocatable capacity of every node it may run on.",
            "Lower the request to what one node has, or add a node pool with larger machines.",
        ),
        CodeInfo(
            "untolerated-taint",
            "scheduling",
            _E,
            "node taint not tolerated",
            "The nodes the pod needs are tainted and the pod has no matching toleration.",
            "Add the toleration for the named taint (only where the pod should run there).",
        ),
        CodeInfo(
            "node-selector-mismatch",
            "scheduling",
            _E,
            "no node matches selector/affinity",
            "No node has the labels the pod's nodeSelector or required node affinity asks for.",
            "Fix the selector to match real node labels, or label the nodes.",
        ),
        CodeInfo(
            "pvc-unbound",
            "scheduling",
            _E,
            "PersistentVolumeClaim not bound",
            "A PersistentVolumeClaim the pod mounts is missing or not bound to a volume.",
            "Create the claim, fix its StorageClass, or provision a volume.",
        ),
        CodeInfo(
            "quota-exceeded",
            "scheduling",
            _E,
            "ResourceQuota refused the pods",
            "The namespace's ResourceQuota refused to admit the pods.",
            "Lower the pods' requests/limits, raise the quota, or free quota by removing other workloads.",
        ),
        CodeInfo(
            "scheduling-constraint",
            "scheduling",
            _E,
            "other scheduling constraint",
            "The scheduler rejected every node for another reason: pod affinity or anti-affinity, "
            "topology spread, host ports, volume zone or node name.",
            "Relax the named constraint, or add nodes that satisfy it.",
        ),
        CodeInfo(
            "scheduling-gated",
            "scheduling",
            _W,
            "held by scheduling gates",
            "The pod has schedulingGates, so the scheduler ignores it until a controller (e.g. Kueue) removes them.",
            "Check the controller that owns the gate (its queue, quota or admission).",
        ),
        CodeInfo(
            "job-suspended",
            "scheduling",
            _W,
            "Job suspended, no pods",
            "The Job has suspend: true, so it creates no pods; a queue such as Kueue keeps it so "
            "until quota is available.",
            "Check the queue's quota and the Job's workload status, or resume the Job.",
        ),
        # operators and queues
        CodeInfo(
            "workload-failed",
            "operator",
            _E,
            "operator marked it failed",
            "The operator that runs the workload (Kubeflow, JobSet, KubeRay, Volcano, Trainer) marked it "
            "failed; its status says why, in the operator's words.",
            "Fix what the message and the failed pods' findings name, then submit the workload again.",
        ),
        CodeInfo(
            "workload-not-ready",
            "operator",
            _E,
            "operator reports it not ready",
            "A serving or cluster object (InferenceService, LeaderWorkerSet, RayCluster, RayService) is not "
            "ready, by its own status conditions.",
            "Follow the condition's message: it usually names the revision, pod or model that fails.",
        ),
        CodeInfo(
            "workload-restarting",
            "operator",
            _W,
            "operator restarts it",
            "The operator restarted the workload's pods after a failure (Kubeflow Restarting, JobSet "
            "restarts, RayJob retries): it will fail again for the same cause.",
            "Read the failed pods' findings for the cause before the restart budget runs out.",
        ),
        CodeInfo(
            "workload-no-pods",
            "operator",
            _E,
            "no pods, and nothing says why",
            "The workload should be running but has no pods: with no status at all, its operator is not "
            "running or not watching this namespace; with a status, it could not create them.",
            "Check that the operator's controller runs (kubectl get pods -A | grep the operator) and its "
            "log, and the object's events.",
        ),
        CodeInfo(
            "gang-not-formed",
            "operator",
            _E,
            "some pods run, others never scheduled",
            "A distributed job's pods start together or not at all: some of its pods are Pending while "
            "the others run and wait for them, holding their GPUs.",
            "Fix what keeps the Pending pods from scheduling (their finding says it), or use gang "
            "scheduling (Kueue, Volcano, coscheduling) so no pod starts before all can.",
        ),
        CodeInfo(
            "queue-quota-insufficient",
            "queue",
            _E,
            "Kueue cannot reserve quota",
            "Kueue has not admitted the workload: its ClusterQueue has not enough quota (nominal, and what "
            "it may borrow) for what the workload asks.",
            "Lower the request, wait for running workloads to finish, or raise the ClusterQueue's "
            "nominalQuota (or let it borrow from its cohort).",
        ),
        CodeInfo(
            "queue-missing",
            "queue",
            _E,
            "queue absent, stopped or inactive",
            "The workload names a LocalQueue that does not exist, or whose ClusterQueue is missing, "
            "stopped or inactive: Kueue will never admit it.",
            "Create the LocalQueue (pointing at an active ClusterQueue), fix the queue-name label, or "
            "start the ClusterQueue (spec.stopPolicy: None).",
        ),
        CodeInfo(
            "workload-preempted",
            "queue",
            _W,
            "evicted by Kueue",
            "Kueue evicted the admitted workload (preempted by a higher-priority workload, or its pods "
            "were not ready in time); it waits in the queue again.",
            "Give it a higher WorkloadPriorityClass, or more quota; for PodsReady timeouts, find why pods "
            "start slowly (image pulls, scheduling).",
        ),
        # gpu
        CodeInfo(
            "gpu-resource-unknown",
            "gpu",
            _E,
            "resource name no node has",
            "The pod asks for an extended resource no node advertises (often a typo such as "
            "nvidia.com/gpus, or a MIG/shared name the nodes do not use); in lint, without nodes, a name of no "
            "known vendor or sharing scheduler is a warning.",
            "Use a resource name the GPU nodes advertise (kubectl ml gpu lists them).",
        ),
        CodeInfo(
            "gpu-node-untainted",
            "gpu",
            _W,
            "GPU node without a GPU taint",
            "A node that advertises GPUs has no NoSchedule or NoExecute taint, so any pod, with or "
            "without a GPU request, can be scheduled there and hold its CPU and memory.",
            "Taint the GPU node pool (the platform's usual taint) and give GPU workloads the matching toleration.",
        ),
        CodeInfo(
            "gpu-node-squatter",
            "gpu",
            _W,
            "pod without a GPU request on a GPU node",
            "A running pod that requests no accelerator is bound to a GPU node: it takes CPU and memory "
            "the GPU pods need, and may see every GPU of the node.",
            "Remove the toleration that lets it on (an operator: Exists without a key tolerates everything), or "
            "taint the node; give it a nodeSelector or affinity for the CPU pool.",
        ),
        CodeInfo(
            "gpu-limit-missing",
            "gpu",
            _E,
            "GPU request without a limit",
            "A container requests an accelerator without a limit; the API server rejects such a pod "
            '("Limit must be set for non overcommitable resources"), so a controller never creates its pods.',
            "Set limits to the GPU count (a limit alone is enough: the request defaults to it).",
        ),
        CodeInfo(
            "gpu-request-limit-mismatch",
            "gpu",
            _E,
            "GPU request and limit differ, or not an integer",
            "A container's accelerator request differs from its limit, or the count is not a whole "
            "number; the API server rejects both, so a controller never creates its pods.",
            "Set the same whole number in requests and limits (or only in limits).",
        ),
        CodeInfo(
            "gpu-placement",
            "gpu",
            _I,
            "nodes a GPU workload fits",
            "For information: the nodes a GPU pod or workload template could run on (taints, selectors and "
            "capacity all allow it).",
            "",  # nothing to fix: an information has no fix line
        ),
        # lint
        CodeInfo(
            "image-tag-latest",
            "lint",
            _W,
            "image tag :latest, moving, or none",
            "The image has the tag latest, another moving tag (latest-gpu, nightly, main) or no tag (which means "
            "latest): a restart or a new node may pull another version, and the running version cannot be told "
            "from the manifest. An image that is a placeholder ($IMAGE, {{ .Values.image }}) is reported as not "
            "checked (info).",
            "Pin a version tag (vllm/vllm-openai:v0.6.3) or a digest (@sha256:...).",
        ),
        CodeInfo(
            "resources-missing",
            "lint",
            _W,
            "CPU or memory requests (or GPU memory limit) missing",
            "A container has no CPU or memory request (a limit counts as one), or a GPU container has no "
            "memory limit: the scheduler places it blind, and it is the first to be evicted.",
            "Set requests.cpu and requests.memory (kubectl ml rightsize measures them), and limits.memory for "
            "GPU containers.",
        ),
        CodeInfo(
            "probes-missing",
            "lint",
            _W,
            "serving container without readinessProbe",
            "A Deployment or StatefulSet container that serves on a port has no readinessProbe, so it gets "
            "traffic before the model is loaded, and during rollouts.",
            "Add a readinessProbe on the server's readiness endpoint (e.g. /health, /v2/health/ready).",
        ),
        CodeInfo(
            "startup-probe-missing",
            "lint",
            _W,
            "model server with livenessProbe, no startupProbe",
            "A model server has a livenessProbe but no startupProbe: the kubelet kills it while the model "
            "is still loading, and it restarts forever.",
            "Add a startupProbe on the same endpoint whose budget (periodSeconds x failureThreshold) covers "
            "model loading, at least 10 minutes for LLMs.",
        ),
        CodeInfo(
            "invalid-manifest",
            "lint",
            _E,
            "field of the wrong type (the API server would reject it)",
            "A field has a type the Kubernetes API does not accept there (limits as a list, containers as a "
            "mapping, a port as a string): kubectl apply fails on it.",
            "Write the field with the type its API reference gives (kubectl explain <kind>.<field>).",
        ),
        CodeInfo(
            "shm-missing",
            "lint",
            _W,
            "GPU container without memory-backed /dev/shm",
            "A GPU container has no emptyDir with medium: Memory at /dev/shm, so it gets the runtime's 64Mi "
            "default; DataLoader workers and NCCL fail with bus errors.",
            "Mount an emptyDir with medium: Memory (and a sizeLimit) at /dev/shm.",
        ),
        CodeInfo(
            "run-as-root",
            "lint",
            _W,
            "container may run as root",
            "A container runs as user 0, or nothing (runAsNonRoot or a non-zero runAsUser) keeps it from "
            "running as root.",
            "Set securityContext.runAsNonRoot: true with a non-zero runAsUser and runAsGroup (the kubelet "
            "refuses runAsNonRoot alone when the image's user is root or not numeric).",
        ),
        CodeInfo(
            "gpu-visible-devices-all",
            "lint",
            _W,
            "NVIDIA_VISIBLE_DEVICES set in the pod spec",
            "A container sets NVIDIA_VISIBLE_DEVICES itself: all (or a device list) exposes GPUs the scheduler "
            "did not give it, to pods with or without a GPU request; void or none hides the GPU it requested.",
            "Remove NVIDIA_VISIBLE_DEVICES and let the device plugin set it; set it to void only in containers "
            "that request no GPU.",
        ),
        CodeInfo(
            "gpu-image-without-gpu",
            "lint",
            _I,
            "GPU-built image without a GPU request",
            "A container runs an image built for GPUs (a CUDA or ROCm build) and requests no GPU: it needs one, "
            "or, where nvidia is the default runtime, it sees every GPU of the node.",
            "Request the GPU it needs, or use the image's CPU build, or set NVIDIA_VISIBLE_DEVICES=void.",
        ),
    )
}


def make_finding(
    code: str,
    subject: ObjectRef,
    summary: str,
    *,
    container: str | None = None,
    evidence: Iterable[Evidence] = (),
    remedy: str | None = None,
    patch: Mapping[str, Any] | None = None,
    commands: Sequence[str] = (),
    severity: Severity | None = None,
    workload: ObjectRef | None = None,
) -> Finding:
    """A finding with the code's registered severity and fix, unless the rule or check has better words."""
    info = CODES[code]
    return Finding(
        code=code,
        severity=severity or info.severity,
        object=subject,
        summary=summary,
        remedy=remedy or info.fix,
        container=container,
        evidence=tuple(evidence),
        patch=dict(patch) if patch is not None else None,
        commands=tuple(commands),
        workload=workload,
    )
