"""The workload table: kinds, names kubectl accepts, pod templates and roles, read from real manifests.

The manifests are the operators' own examples (fixtures/operators/manifests/SOURCE.md), byte for byte.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from kubectl_ml.model.subjects import template_subjects
from kubectl_ml.model.workloads import (
    WORKLOAD_KINDS,
    carries_containers,
    kind_key,
    pod_role,
    pod_templates,
    pods_selector,
    resolve_workload_kind,
    template_for_role,
    workload_kind,
)
from tests.conftest import FIXTURES

MANIFESTS = FIXTURES / "operators" / "manifests"


def documents(relative: str) -> list[dict[str, Any]]:
    text = (MANIFESTS / relative).read_text(encoding="utf-8")
    return [item for item in yaml.safe_load_all(text) if isinstance(item, dict)]


def first(relative: str, kind: str) -> dict[str, Any]:
    return next(item for item in documents(relative) if item.get("kind") == kind)


def roles_and_paths(obj: dict[str, Any]) -> list[tuple[str, str]]:
    return [(template.role, template.spec_path) for template in pod_templates(obj)]


@pytest.mark.parametrize(
    ("relative", "kind", "expected"),
    [
        (
            "kubeflow-training/pytorchjob-simple.yaml",
            "PyTorchJob",
            [("Master", "spec.pytorchReplicaSpecs.Master.template.spec"),
             ("Worker", "spec.pytorchReplicaSpecs.Worker.template.spec")],
        ),
        (
            "kubeflow-mpi/mpijob-v2beta1-pi.yaml",
            "MPIJob",
            [("Launcher", "spec.mpiReplicaSpecs.Launcher.template.spec"),
             ("Worker", "spec.mpiReplicaSpecs.Worker.template.spec")],
        ),
        (
            "jobset/jobset-depends-on.yaml",
            "JobSet",
            [("initializer", "spec.replicatedJobs[0].template.spec.template.spec"),
             ("launcher", "spec.replicatedJobs[1].template.spec.template.spec"),
             ("worker", "spec.replicatedJobs[2].template.spec.template.spec")],
        ),
        (
            "kuberay/raycluster-complete.yaml",
            "RayCluster",
            [("head", "spec.headGroupSpec.template.spec"),
             ("worker group small-group", "spec.workerGroupSpecs[0].template.spec")],
        ),
        (
            "kserve/isvc-model-huggingface-gpu.yaml",
            "InferenceService",
            [("predictor", "spec.predictor")],
        ),
        (
            "kserve/isvc-v1alpha2-mnist-pvc.yaml",
            "InferenceService",
            [("predictor", "spec.default.predictor")],
        ),
        (
            "argo/workflowtemplate-dag-inline.yaml",
            "WorkflowTemplate",
            [("a", "spec.templates[0].dag.tasks[0].inline")],
        ),
        (
            "argo/workflow-containerset-workspace.yaml",
            "Workflow",
            [("main", "spec.templates[0]")],
        ),
        (
            "seldon/sdep-two-componentspecs.yaml",
            "SeldonDeployment",
            [("predictor default", "spec.predictors[0].componentSpecs[0].spec"),
             ("predictor default", "spec.predictors[0].componentSpecs[1].spec")],
        ),
        (
            "kubeflow-training/mxjob-dist-gpu.yaml",
            "MXJob",
            [("Scheduler", "spec.mxReplicaSpecs.Scheduler.template.spec"),
             ("Server", "spec.mxReplicaSpecs.Server.template.spec"),
             ("Worker", "spec.mxReplicaSpecs.Worker.template.spec")],
        ),
        ("knative/ksvc-multi-container.yaml", "Service", [("", "spec.template.spec")]),
        ("kubeflow-notebooks/notebook-v1-sample.yaml", "Notebook", [("", "spec.template.spec")]),
        (
            "kubeflow-trainer/clustertrainingruntime-torch-distributed.yaml",
            "ClusterTrainingRuntime",
            [("node", "spec.template.spec.replicatedJobs[0].template.spec.template.spec")],
        ),
    ],
)  # fmt: skip
def test_templates_and_roles_of_real_manifests(relative: str, kind: str, expected: list[tuple[str, str]]) -> None:
    assert roles_and_paths(first(relative, kind)) == expected


def test_leaderworkerset_has_leader_and_worker_templates() -> None:
    obj = first("lws/lws-vllm-gpu.yaml", "LeaderWorkerSet")
    roles = [template.role for template in pod_templates(obj)]
    assert roles == ["leader", "worker"]


def test_argo_names_its_single_container_main_and_points_at_it() -> None:
    (template,) = pod_templates(first("argo/workflowtemplate-dag-inline.yaml", "WorkflowTemplate"))
    assert template.spec["containers"][0]["name"] == "main"
    assert template.path("spec.containers[0].image") == "spec.templates[0].dag.tasks[0].inline.container.image"
    assert template.path("spec.nodeSelector") == "spec.templates[0].dag.tasks[0].inline.nodeSelector"


def test_knative_service_is_filed_apart_from_core_services() -> None:
    service = first("knative/ksvc-multi-container.yaml", "Service")
    assert kind_key(service) == "Service.serving.knative.dev"
    assert kind_key({"kind": "Service", "apiVersion": "v1"}) == "Service"


def test_volcano_job_is_filed_apart_from_batch_jobs() -> None:
    volcano = next(
        item
        for path in sorted((MANIFESTS / "volcano").glob("*.yaml"))
        for item in documents(str(path.relative_to(MANIFESTS)))
        if item.get("kind") == "Job"
    )
    assert kind_key(volcano) == "Job.batch.volcano.sh"
    assert kind_key({"kind": "Job", "apiVersion": "batch/v1"}) == "Job"
    # An old group of a built-in kind is still that kind.
    assert kind_key({"kind": "Deployment", "apiVersion": "extensions/v1beta1"}) == "Deployment"
    assert pod_templates(volcano)[0].spec_path == "spec.tasks[0].template.spec"


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("pytorchjob", "PyTorchJob"),
        ("pytorchjobs", "PyTorchJob"),
        ("PyTorchJob", "PyTorchJob"),
        ("pytorchjobs.kubeflow.org", "PyTorchJob"),
        ("isvc", "InferenceService"),
        ("lws", "LeaderWorkerSet"),
        ("rayjob", "RayJob"),
        ("jobset", "JobSet"),
        ("deploy", "Deployment"),
        ("deployments.apps", "Deployment"),
        ("job", "Job"),
        ("jobs.batch.volcano.sh", "Job.batch.volcano.sh"),
        ("vcjob", "Job.batch.volcano.sh"),
        ("dc", "DeploymentConfig"),
        ("trainjob", "TrainJob"),
    ],
)
def test_names_kubectl_accepts(word: str, kind: str) -> None:
    entry = resolve_workload_kind(word)
    assert entry is not None
    assert entry.name == kind


def test_unknown_names_resolve_to_nothing() -> None:
    assert resolve_workload_kind("pytorchjobz") is None
    assert resolve_workload_kind("jobs.example.com") is None


def test_every_kind_has_a_served_version_and_a_plural() -> None:
    for entry in WORKLOAD_KINDS.values():
        assert entry.versions, entry
        assert entry.plural == entry.plural.lower(), entry


def test_kserve_model_becomes_the_runtime_container_with_its_own_path() -> None:
    obj = first("kserve/isvc-model-huggingface-gpu.yaml", "InferenceService")
    (subject,) = template_subjects(obj)
    (container,) = subject.spec["containers"]
    assert container["name"] == "kserve-container"
    assert (
        container["resources"]["limits"]["nvidia.com/gpu"]
        == obj["spec"]["predictor"]["model"]["resources"]["limits"]["nvidia.com/gpu"]
    )
    # Evidence points at the model in the manifest, not at a container the manifest does not have.
    assert subject.path("spec.containers[0].resources.limits") == "spec.predictor.model.resources.limits"
    assert subject.path("spec.tolerations") == "spec.predictor.tolerations"


def test_trainer_resources_are_read_from_resources_per_node() -> None:
    obj = first("kubeflow-trainer/trainjob-flux-lammps-gpus.yaml", "TrainJob")
    (subject,) = template_subjects(obj)
    assert subject.partial
    assert subject.path("spec.containers[0].resources.limits") == "spec.trainer.resourcesPerNode.limits"
    assert subject.path("spec.containers[0].image") == "spec.trainer.image"


def test_patches_for_custom_resources_only_where_a_merge_patch_is_safe() -> None:
    pytorch = template_subjects(first("kubeflow-training/pytorchjob-simple.yaml", "PyTorchJob"))[1]
    tolerations = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert pytorch.patch({"tolerations": tolerations}) == {
        "spec": {"pytorchReplicaSpecs": {"Worker": {"template": {"spec": {"tolerations": tolerations}}}}}
    }
    # A merge patch replaces lists whole: a partial container list would drop the image.
    assert pytorch.patch({"containers": [{"name": "pytorch", "resources": {}}]}) is None
    # A JobSet's templates sit in a list: no merge patch can reach one without restating the list.
    jobset = template_subjects(first("jobset/jobset-depends-on.yaml", "JobSet"))[0]
    assert jobset.patch({"tolerations": tolerations}) is None
    assert pytorch.noun == "Worker template of PyTorchJob pytorch-simple"


def test_built_in_kinds_keep_strategic_merge_patches() -> None:
    deployment = {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": {"name": "llm"},
        "spec": {"template": {"spec": {"containers": [{"name": "server", "image": "x:1"}]}}},
    }
    (subject,) = template_subjects(deployment)
    assert subject.patch({"containers": [{"name": "server"}]}) == {
        "spec": {"template": {"spec": {"containers": [{"name": "server"}]}}}
    }
    assert subject.noun == "Deployment llm (pod template)"


def test_unknown_kind_with_containers_is_recognised() -> None:
    foo = {"kind": "Foo", "apiVersion": "example.com/v1", "metadata": {"name": "x"},
           "spec": {"runner": {"template": {"spec": {"containers": [{"name": "a", "image": "b:1"}]}}}}}  # fmt: skip
    assert workload_kind(foo) is None
    assert carries_containers(foo)
    assert not carries_containers({"kind": "ConfigMap", "data": {"containers": "x"}})


def test_pods_find_their_role_and_template() -> None:
    obj = first("kubeflow-training/pytorchjob-simple.yaml", "PyTorchJob")
    entry = workload_kind(obj)
    assert entry is not None
    pod = {"metadata": {"labels": {"training.kubeflow.org/replica-type": "worker",
                                   "training.kubeflow.org/job-name": "pytorch-simple"}}}  # fmt: skip
    assert pod_role(entry, pod) == "worker"
    template = template_for_role(obj, "worker")
    assert template is not None
    assert template.role == "Worker"
    assert pods_selector(entry, obj) == "training.kubeflow.org/job-name=pytorch-simple"


def test_rayjob_pods_are_found_through_its_cluster_name() -> None:
    obj = first("kuberay/rayjob-sample.yaml", "RayJob")
    entry = workload_kind(obj)
    assert entry is not None
    assert pods_selector(entry, obj) is None  # no cluster yet
    obj = {**obj, "status": {"rayClusterName": "rayjob-sample-raycluster-x7k2p"}}
    assert pods_selector(entry, obj) == "ray.io/cluster=rayjob-sample-raycluster-x7k2p"


def test_every_manifest_of_the_corpus_is_understood() -> None:
    """No object that carries containers is of a kind the table does not know, or yields no template."""
    for path in sorted(MANIFESTS.rglob("*.yaml")):
        for obj in documents(str(path.relative_to(MANIFESTS))):
            if not carries_containers(obj):
                continue
            assert workload_kind(obj) is not None, (path.name, obj.get("kind"))
            assert pod_templates(obj), (path.name, obj.get("kind"))


def test_argo_steps_inline_templates_are_read_in_their_groups() -> None:
    workflow = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "steps-inline-"},
        "spec": {
            "templates": [{"name": "main", "steps": [[{"name": "train", "inline": {"container": {"image": "t:1"}}}]]}]
        },
    }
    (template,) = pod_templates(workflow)
    assert (template.role, template.spec_path) == ("train", "spec.templates[0].steps[0][0].inline")
    assert template.path("spec.containers[0].image") == "spec.templates[0].steps[0][0].inline.container.image"
