"""Containers that use /dev/shm and have no memory-backed one.

What: a container that asks for an accelerator, has no ``volumeMount`` at ``/dev/shm`` of an ``emptyDir``
with ``medium: Memory`` (a pod with ``hostIPC: true`` uses the node's and is not flagged; a mount of
another kind of volume there is flagged too), and does something that uses shared memory. The summary
says what, first match wins:

* a model server that uses it (``model_servers``): vLLM, TGI, Triton, SGLang, NIM, KServe's Hugging Face
  server; TorchServe only across GPUs. TF Serving, Ollama, llama.cpp, TEI and JetStream run one process
  per model and are not flagged;
* distributed training, by command (``torchrun``, ``python -m torch.distributed.run``, ``deepspeed``,
  ``accelerate launch``, ``mpirun``/``mpiexec``/``horovodrun``, ``tune run``, an ``sshd`` waiting for an
  MPI launcher), by environment (``NCCL_*``, ``WORLD_SIZE``, ``MASTER_ADDR``, Trainer's ``PET_*``), by kind
  (the pod templates of PyTorchJob, MPIJob, TFJob, JAXJob, ... , TrainJob and its runtimes, JobSet), by
  image (PyTorch, NVIDIA PyTorch and NeMo, DeepSpeed, Megatron, torchtune, Hugging Face trainers, ...), or
  a Python training script (``train.py``, ``finetune.py``);
* more than one GPU: NCCL between them goes through ``/dev/shm``.

Smoke tests and single-process containers are not flagged, whatever their image or kind: every command
they run is a check, a wait or a client (``nvidia-smi``, ``sleep``, CUDA samples such as ``vectorAdd``
and ``deviceQuery``, ``gpu_burn``, ``curl``, ``perf_analyzer``, a ``python -m http.server``), or they run
the image of a sample or demo server as it is (``cuda-vector-add``, ``nvcr.io/nvidia/k8s/cuda-sample``,
gpu-burn, a bare ``nvidia/cuda``, nginx, agnhost).

A GPU container of unknown purpose (one GPU, a custom image, no telling command) is reported at info
severity and says so: most GPU work in Python loads data through worker processes that use
``/dev/shm``, but lint cannot know that this one does, and a warning on every GPU container was the
noise this rule was precise about. TPU containers (``google.com/tpu``) are flagged only when they run
PyTorch (its DataLoader workers use ``/dev/shm`` on any device); JAX and TensorFlow on TPU exchange data
through the TPU runtime, not NCCL.

Why it matters: the container runtime gives ``/dev/shm`` 64Mi. PyTorch DataLoader workers pass batches
through it, NCCL and Open MPI use it between processes on one node, and model servers share tensors
between their processes through it; all fail with bus errors or hangs that look like random crashes
(``shm-exhausted`` in ``kubectl ml doctor``). No other linter checks it.

Remedy: mount an ``emptyDir`` with ``medium: Memory`` and a ``sizeLimit`` at ``/dev/shm`` (its use counts
against the container's memory limit). The patch adds a volume ``dshm`` and its mount.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from kubectl_ml.gpu._common import build
from kubectl_ml.lint import model_servers
from kubectl_ml.lint._common import containers, gpu_resources, image_repository, resources_of
from kubectl_ml.lint.smoke_tests import is_smoke_test
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.quantity import try_parse_quantity
from kubectl_ml.model.subjects import Subject

CODES = declare(
    CodeInfo(
        "shm-missing",
        "lint",
        Severity.WARNING,
        "GPU container without memory-backed /dev/shm",
        "A GPU container has no emptyDir with medium: Memory at /dev/shm, so it gets the runtime's 64Mi "
        "default; DataLoader workers and NCCL fail with bus errors.",
        "Mount an emptyDir with medium: Memory (and a sizeLimit) at /dev/shm.",
        docs="https://kubernetes.io/docs/concepts/storage/volumes/#emptydir",
    ),
)


_SHM = "/dev/shm"

_DISTRIBUTED = {
    "torchrun": "torchrun",
    "torch.distributed.run": "python -m torch.distributed.run",
    "torch.distributed.launch": "python -m torch.distributed.launch",
    "deepspeed": "deepspeed",
    "deepspeed.launcher.runner": "deepspeed",
    "accelerate launch": "accelerate launch",
    "accelerate.commands.launch": "accelerate launch",
    "mpirun": "mpirun",
    "mpiexec": "mpiexec",
    "horovodrun": "horovodrun",
    "tune run": "torchtune (tune run)",
    "composer": "composer",
    "colossalai run": "colossalai run",
}
_TRAINING_ENV = re.compile(r"^(NCCL_\w+|WORLD_SIZE|MASTER_ADDR|LOCAL_WORLD_SIZE|PET_NNODES|PET_MASTER_ADDR)$")
_TRAINING_KINDS = frozenset(
    {
        "PyTorchJob", "MPIJob", "TFJob", "MXJob", "PaddleJob", "XGBoostJob", "JAXJob", "TrainJob",
        "TrainingRuntime", "ClusterTrainingRuntime", "JobSet",
    }
)  # fmt: skip
_TRAINING_IMAGE_WORDS = frozenset(
    {
        "pytorch", "deepspeed", "nemo", "megatron", "torchtune", "torchtitan", "axolotl", "composer", "horovod",
        "trl", "unsloth", "colossalai", "accelerate",
    }
)  # fmt: skip
_TRAINING_IMAGE = re.compile(r"llm-foundry|transformers-pytorch|torchtune-trainer")
_TRAINING_SCRIPT = re.compile(r"(^|[_-])(train|training|finetune|fine_tune|pretrain|sft)([_.-]|$)", re.IGNORECASE)
_COUNTED = re.compile(r"/(gpu|gpu\.shared|tpu|gaudi|neuron|neurondevice|i915|xe)$|/mig-")
_WHAT = "NCCL and DataLoader workers use /dev/shm"
_MPI = frozenset({"mpirun", "mpiexec", "horovodrun", "sshd for an MPI launcher"})
_MPI_WHAT = "Open MPI's ranks on one node and NCCL use /dev/shm"


@dataclass(frozen=True)
class _Use:
    """Why the container needs /dev/shm (the end of the summary), and how sure the rule is."""

    why: str
    severity: Severity | None = None  # None: the code's (warning)


def _gpu_count(container: Mapping[str, Any]) -> int:
    requests, limits = resources_of(container)
    total = Fraction(0)
    for name in {*requests, *limits}:
        value = try_parse_quantity(limits.get(name, requests.get(name)))
        if value is not None and _COUNTED.search(str(name)):
            total += value
    return int(total)


def _image_trains(container: Mapping[str, Any]) -> bool:
    image = container.get("image")
    if not isinstance(image, str):
        return False
    repository = image_repository(image).lower()
    return bool(_TRAINING_IMAGE.search(repository)) or bool(
        _TRAINING_IMAGE_WORDS & set(re.split(r"[/._:-]", repository))
    )


def _distributed(commands: list[list[str]]) -> str | None:
    for words in commands:
        name = model_servers.program(words)
        rest = [word for word in words[1:] if not word.startswith("-")]
        for key in (f"{name} {rest[0]}" if rest else "", name):
            if key in _DISTRIBUTED:
                return _DISTRIBUTED[key]
        if posixpath.basename(words[0]) == "sshd":
            return "sshd for an MPI launcher"
    return None


def _script(commands: list[list[str]]) -> str | None:
    for words in commands:
        name = model_servers.program(words)
        stem = name.removesuffix(".py").rsplit(".", 1)[-1]
        if name != posixpath.basename(words[0]) and _TRAINING_SCRIPT.search(stem):
            return name
    return None


def _env(container: Mapping[str, Any]) -> str | None:
    for item in container.get("env") or []:
        if isinstance(item, Mapping) and _TRAINING_ENV.match(str(item.get("name", ""))):
            return str(item["name"])
    return None


def _gpus(count: int) -> str:
    return f" with {count} GPUs" if count > 1 else ""


def _server_use(match: model_servers.Match, count: int) -> _Use | None:
    server = match.server
    if server.shm == "always" or (server.shm == "multi-gpu" and count > 1):
        role = "runs" if match.serving else "is a worker of"
        return _Use(f"it {role} {server.name}{_gpus(count)}: {server.shm_why}")
    return None


def _use(subject: Subject, container: Mapping[str, Any], tpu: bool) -> _Use | None:
    """What in the container uses /dev/shm, or None when nothing does (or nothing is known to)."""
    commands = model_servers.simple_commands(container)
    if is_smoke_test(container, commands):
        return None
    count = _gpu_count(container)
    match = model_servers.detect(container)
    if match is not None:
        return None if tpu else _server_use(match, count)
    launcher = _distributed(commands)
    pytorch = _image_trains(container) or (launcher is not None and launcher not in _MPI)
    if tpu:
        return _Use("it runs PyTorch on TPU: DataLoader workers pass batches through /dev/shm") if pytorch else None
    if launcher is not None:
        what = _MPI_WHAT if launcher in _MPI else _WHAT
        return _Use(f"it runs {launcher}{_gpus(count)}: {what}")
    variable = _env(container)
    if variable is not None:
        return _Use(f"it sets {variable} (distributed training){_gpus(count)}: {_WHAT}")
    kind = subject.entry.kind if subject.entry else ""
    if kind in _TRAINING_KINDS:
        here = f", here with {count} GPUs" if count > 1 else ""
        return _Use(f"{kind} pods run distributed training{here}: {_WHAT}")
    if _image_trains(container):
        image = image_repository(str(container.get("image")))
        return _Use(f"it runs the training image {image}{_gpus(count)}: {_WHAT}")
    script = _script(commands)
    if script is not None:
        return _Use(f"it runs {script}{_gpus(count)}: {_WHAT}")
    if count > 1:
        return _Use(f"it asks for {count} GPUs: NCCL between their processes uses /dev/shm")
    return _Use(
        "lint cannot tell what it runs: if it loads data with PyTorch DataLoader workers or uses NCCL, 64Mi "
        "is too little",
        Severity.INFO,
    )


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``shm-missing`` per container that uses /dev/shm without a memory-backed one."""
    if subject.spec.get("hostIPC") is True or subject.injects.shm or subject.partial:
        return  # the host's /dev/shm, KubeRay's own memory-backed mount, or placement defined elsewhere
    volumes = {
        str(volume.get("name")): volume for volume in subject.spec.get("volumes") or [] if isinstance(volume, Mapping)
    }
    for container in containers(subject):
        gpus = gpu_resources(container.body)
        if not gpus:
            continue
        mounts = [
            (index, mount)
            for index, mount in enumerate(container.body.get("volumeMounts") or [])
            if isinstance(mount, Mapping) and str(mount.get("mountPath", "")).rstrip("/") == _SHM
        ]
        if any(
            ((volumes.get(str(mount.get("name"))) or {}).get("emptyDir") or {}).get("medium") == "Memory"
            for _, mount in mounts
        ):
            continue
        use = _use(subject, container.body, tpu=all("tpu" in name for name in gpus))
        if use is None:
            continue
        if mounts:
            index, mount = mounts[0]
            volume = volumes.get(str(mount.get("name")))
            evidence = Evidence("spec", container.path(subject, f"volumeMounts[{index}]"), dict(mount))
            said = f"mounts volume {mount.get('name')} at /dev/shm, which is not an emptyDir with medium: Memory"
            if volume is None:
                said = f"mounts volume {mount.get('name')} at /dev/shm, which the pod does not define"
        else:
            evidence = Evidence("spec", container.path(subject, "volumeMounts"), container.body.get("volumeMounts"))
            said = "has no memory-backed /dev/shm (the runtime's default is 64Mi)"
        patch = subject.patch(
            {
                "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "16Gi"}}],
                "containers": [{"name": container.name, "volumeMounts": [{"name": "dshm", "mountPath": _SHM}]}],
            }
        )
        yield build(
            "shm-missing",
            subject.ref,
            f"{subject.noun}, container {container.name} asks for {', '.join(gpus)} but {said}; {use.why}.",
            container=container.name,
            evidence=[evidence],
            patch=patch,
            severity=use.severity,
        )
