"""``kubectl ml new job`` and ``kubectl ml new serving``: write manifests that are right the first time."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kubectl_ml.cli._options import Context, Kubeconfig, Snapshot, parse_duration
from kubectl_ml.errors import UsageError
from kubectl_ml.scaffold.runtimes import RUNTIMES

if TYPE_CHECKING:  # imported lazily at run time, to keep --help fast
    from kubectl_ml.sources.base import Source

new_app = typer.Typer(
    help="Write a training Job or a model server's manifests (to stdout, or -f FILE).",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


class ManifestFormat(str, Enum):
    """``-o`` values of ``new``."""

    yaml = "yaml"
    json = "json"


class JobKind(str, Enum):
    """``--kind`` values of ``new job`` (the order of ``scaffold.JOB_KINDS``)."""

    job = "job"
    pytorchjob = "pytorchjob"
    jobset = "jobset"


Output = Annotated[ManifestFormat, typer.Option("--output", "-o", help="Output format.", case_sensitive=False)]
File = Annotated[str | None, typer.Option("--filename", "-f", help="Write to FILE instead of stdout.")]
Force = Annotated[bool, typer.Option("--force", help="Overwrite FILE when it exists.")]
Image = Annotated[str, typer.Option("--image", help="Container image with a pinned tag or digest.")]
Gpus = Annotated[int, typer.Option("--gpus", min=0, metavar="N", help="nvidia.com/gpu per pod.")]
Cpu = Annotated[str | None, typer.Option("--cpu", help="CPU request (default: 4 per GPU, 2 without).")]
Memory = Annotated[
    str | None, typer.Option("--memory", help="Memory request = limit (default: 16Gi per GPU; 8Gi without a GPU).")
]
ManifestNamespace = Annotated[str | None, typer.Option("--namespace", "-n", help="Namespace of the manifests.")]


# `new` reads the cluster only to place the workload (GPU labels and taints), and writes YAML without
# them when the cluster does not answer: a short wait, not the 30 s of the read commands.
PlacementTimeout = Annotated[
    str,
    typer.Option(
        "--request-timeout",
        metavar="DURATION",
        help="Give up reading the cluster's GPU nodes after this long; 0 waits forever.",
        rich_help_panel="Cluster",
    ),
]


def _nodes_source(
    gpus: int, snapshot: str | None, kubeconfig: str | None, context: str | None, timeout: str | None
) -> Callable[[], Source] | None:
    """How to open the cluster to fit to, when one is given or configured; None: the generic placement."""
    if not gpus:
        return None
    if not (snapshot or kubeconfig or context):
        from kubectl_ml.sources.kubeconfig import candidate_files

        if not any(path.is_file() for path in candidate_files(None, os.environ)):
            return None  # no cluster configured: nothing to fit, nothing to say
    from kubectl_ml.cli._source import ClusterOptions, open_source

    options = ClusterOptions(kubeconfig, context, None, False, timeout, snapshot)
    return lambda: open_source(options)


def _say(notes: list[str]) -> None:
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def _emit(objects: list[dict[str, Any]], output: ManifestFormat, filename: str | None, force: bool) -> None:
    from kubectl_ml.render.data import manifests_text

    text = manifests_text(objects, output.value)
    if not filename or filename == "-":
        sys.stdout.write(text)
        return
    path = Path(filename)
    if path.exists() and not force:
        raise UsageError(f"{filename} exists", "Pass --force to overwrite it, or choose another -f FILE.")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {filename}: {error.strerror}", None) from error
    print(f"wrote {filename}: " + ", ".join(f"{o['kind']}/{o['metadata']['name']}" for o in objects), file=sys.stderr)


@new_app.command()
def job(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Name of the Job, PyTorchJob or JobSet.")],
    image: Image,
    command: Annotated[
        list[str] | None, typer.Argument(metavar="[-- COMMAND...]", help="The command, after --.", show_default=False)
    ] = None,
    gpus: Gpus = 0,
    cpu: Cpu = None,
    memory: Memory = None,
    namespace: ManifestNamespace = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, metavar="N", help="Pods for distributed training (torchrun).")
    ] = 1,
    kind: Annotated[
        JobKind,
        typer.Option(
            "--kind",
            case_sensitive=False,
            help="job (Indexed Job + headless Service), pytorchjob (Kubeflow PyTorchJob) or jobset (JobSet).",
        ),
    ] = JobKind.job,
    dataset_pvc: Annotated[str | None, typer.Option("--dataset-pvc", help="PVC mounted read-only at /data.")] = None,
    checkpoint_pvc: Annotated[str | None, typer.Option("--checkpoint-pvc", help="PVC mounted at /checkpoints.")] = None,
    active_deadline: Annotated[
        str | None, typer.Option("--active-deadline", help="Hard time limit, e.g. 12h, 2d.")
    ] = None,
    output: Output = ManifestFormat.yaml,
    filename: File = None,
    force: Force = False,
    snapshot: Snapshot = None,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    request_timeout: PlacementTimeout = "5s",
) -> None:
    """A training Job, PyTorchJob or JobSet: resources, GPU toleration, /dev/shm, failure policy, TTL; torchrun.

    \b
    Examples:
      kubectl ml new job train --image pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime --gpus 1 -- python train.py
      kubectl ml new job ddp --image my/trainer:1.2 --gpus 8 --workers 4 --dataset-pvc data -- torchrun train.py
      kubectl ml new job ddp --image my/trainer:1.2 --gpus 8 --workers 4 --kind pytorchjob -- torchrun train.py
    """
    from kubectl_ml.flows.new import new_job
    from kubectl_ml.scaffold.common import check_pinned_image
    from kubectl_ml.scaffold.inputs import MAX_WORKERS, check_common, check_count
    from kubectl_ml.scaffold.training import JobParams

    shown_kind = {"job": "Job", "pytorchjob": "PyTorchJob", "jobset": "JobSet"}.get(kind.value, kind.value)
    pvcs = {"--dataset-pvc": dataset_pvc, "--checkpoint-pvc": checkpoint_pvc}
    check_common(shown_kind, name, namespace, gpus, cpu, memory, pvcs)
    check_count(workers, "--workers", 1, MAX_WORKERS, "pods")
    deadline = None if active_deadline is None else int(parse_duration(active_deadline, "--active-deadline"))
    params = JobParams(
        name, check_pinned_image(image), gpus, cpu, memory, namespace, workers, dataset_pvc, checkpoint_pvc,
        deadline, tuple(command or ()), kind.value,
    )  # fmt: skip
    scaffold = new_job(params, _nodes_source(gpus, snapshot, kubeconfig, context, request_timeout), bool(snapshot))
    _say(scaffold.notes)
    _emit(scaffold.objects, output, filename, force)


@new_app.command()
def serving(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Name of the Deployment and Service.")],
    image: Image,
    runtime: Annotated[
        str,
        typer.Option(
            "--runtime",
            metavar="NAME",
            help=f"{', '.join(RUNTIMES)}: the server's ports, health endpoints and model-loading budget.",
        ),
    ],
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="The model, as the runtime takes it (Triton, TorchServe, TF Serving: default, the model "
            "repository volume).",
        ),
    ] = None,
    model_pvc: Annotated[
        str | None,
        typer.Option("--model-pvc", metavar="NAME", help="A PVC holding the model repository (mounted read-only)."),
    ] = None,
    gpus: Gpus = 1,
    replicas: Annotated[
        int, typer.Option("--replicas", min=1, metavar="N", help="Replicas (a PodDisruptionBudget when > 1).")
    ] = 1,
    cpu: Cpu = None,
    memory: Memory = None,
    namespace: ManifestNamespace = None,
    output: Output = ManifestFormat.yaml,
    filename: File = None,
    force: Force = False,
    snapshot: Snapshot = None,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    request_timeout: PlacementTimeout = "5s",
) -> None:
    """A model server: Deployment + Service with the runtime's ports, probes and model-loading budget.

    \b
    Examples:
      kubectl ml new serving llm --runtime vllm --model Qwen/Qwen3-8B \\
        --image vllm/vllm-openai:v0.11.0
      kubectl ml new serving tgi --runtime tgi --replicas 2 \\
        --image ghcr.io/huggingface/text-generation-inference:3.3.4 \\
        --model mistralai/Mistral-7B-Instruct-v0.3 \\
        -f tgi.yaml --snapshot ./cluster
    """
    from kubectl_ml.flows.new import new_serving
    from kubectl_ml.scaffold.common import check_dns_label, check_pinned_image
    from kubectl_ml.scaffold.inputs import MAX_REPLICAS, check_common, check_count
    from kubectl_ml.scaffold.serving import ServingParams

    check_common("Deployment", name, namespace, gpus, cpu, memory, {"--model-pvc": model_pvc})
    check_dns_label(name, "Service")  # the Service takes the name: RFC 1035, a letter first
    check_count(replicas, "--replicas", 1, MAX_REPLICAS, "replicas")
    params = ServingParams(
        name, check_pinned_image(image), runtime.lower(), model, gpus, replicas, cpu, memory, namespace, model_pvc
    )
    nodes_source = _nodes_source(gpus, snapshot, kubeconfig, context, request_timeout)
    scaffold = new_serving(params, nodes_source, bool(snapshot))
    _say(scaffold.notes)
    _emit(scaffold.objects, output, filename, force)
