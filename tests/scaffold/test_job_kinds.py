"""``new job --kind``: the same trainer pod as a Job, a Kubeflow PyTorchJob or a JobSet, as each operator wants it.

The "webhook" tests restate what the operators' admission webhooks check beyond their CRD schemas
(kubeflow/training-operator v1.9.0 pkg/webhooks/pytorch/pytorchjob_webhook.go, kubernetes-sigs/jobset
v0.12.0 pkg/webhooks/jobset_webhook.go): a manifest that passes the schema but not these is refused too.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from kubectl_ml.errors import ExitCode, UsageError
from kubectl_ml.scaffold.job import JOB_KINDS, build_job
from kubectl_ml.scaffold.placement import Placement
from kubectl_ml.scaffold.training import JobParams
from tests.scaffold.cases import DISTRIBUTED_JOB, GPU_JOB

DNS_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
# Set by the training operator in every container (pkg/controller.v1/pytorch/envvar.go, master.go).
OPERATOR_VARIABLES = {"MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK", "PYTHONUNBUFFERED"}


def _only(params: JobParams) -> dict[str, Any]:
    (obj,) = build_job(params)
    return obj


def _pytorchjob(params: JobParams) -> dict[str, Any]:
    return _only(replace(params, kind="pytorchjob"))


def _jobset(params: JobParams) -> dict[str, Any]:
    return _only(replace(params, kind="jobset"))


def _replicated_job(jobset: dict[str, Any]) -> dict[str, Any]:
    (replicated,) = jobset["spec"]["replicatedJobs"]
    job: dict[str, Any] = replicated["template"]["spec"]
    return job


def _pods(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod specs of any of the kinds."""
    if obj["kind"] == "PyTorchJob":
        return [replica["template"]["spec"] for replica in obj["spec"]["pytorchReplicaSpecs"].values()]
    if obj["kind"] == "JobSet":
        return [_replicated_job(obj)["template"]["spec"]]
    return [obj["spec"]["template"]["spec"]]


def _variables(pod: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in pod["containers"][0]["env"]}


def test_default_kind_is_the_indexed_job() -> None:
    assert build_job(DISTRIBUTED_JOB) == build_job(replace(DISTRIBUTED_JOB, kind="job"))
    assert [obj["kind"] for obj in build_job(DISTRIBUTED_JOB)] == ["Service", "Job"]


def test_unknown_kind_is_a_usage_error_naming_the_kinds() -> None:
    with pytest.raises(UsageError) as caught:
        build_job(replace(GPU_JOB, kind="tfjob"))
    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.hint == "Use one of: job, pytorchjob, jobset."
    assert list(JOB_KINDS) == ["job", "pytorchjob", "jobset"]


@pytest.mark.parametrize("kind", ["pytorchjob", "jobset"])
@pytest.mark.parametrize("params", [GPU_JOB, DISTRIBUTED_JOB], ids=["gpu", "distributed"])
def test_every_kind_has_the_same_pod_as_the_job(kind: str, params: JobParams) -> None:
    """Resources, GPU toleration, /dev/shm, PVCs, security, grace period and command: right for every kind."""
    job_pod = _pods(build_job(params)[-1])[0]
    for pod in _pods(_only(replace(params, kind=kind))):
        for key in ("terminationGracePeriodSeconds", "securityContext", "volumes", "tolerations"):
            assert pod[key] == job_pod[key], key
        container, job_container = pod["containers"][0], job_pod["containers"][0]
        for key in ("image", "command", "resources", "volumeMounts", "securityContext"):
            assert container[key] == job_container[key], key
        assert container["resources"]["limits"]["nvidia.com/gpu"] == params.gpus


@pytest.mark.parametrize("kind", list(JOB_KINDS))
def test_every_kind_takes_the_fitted_placement(kind: str) -> None:
    placement = Placement(
        [{"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}],
        {"cloud.google.com/gke-accelerator": "nvidia-h100-80gb"},
    )
    objects = build_job(replace(DISTRIBUTED_JOB, kind=kind), placement)
    for pod in _pods(objects[-1]):
        assert pod["tolerations"] == placement.tolerations
        assert pod["nodeSelector"] == placement.node_selector


def test_pytorchjob_with_one_worker_has_only_a_master() -> None:
    spec = _pytorchjob(GPU_JOB)["spec"]
    assert list(spec["pytorchReplicaSpecs"]) == ["Master"]
    assert spec["pytorchReplicaSpecs"]["Master"]["replicas"] == 1
    assert spec["runPolicy"]["activeDeadlineSeconds"] == 24 * 3600


def test_pytorchjob_leaves_the_rendezvous_to_the_operator() -> None:
    obj = _pytorchjob(DISTRIBUTED_JOB)
    replicas = obj["spec"]["pytorchReplicaSpecs"]
    assert (replicas["Master"]["replicas"], replicas["Worker"]["replicas"]) == (1, 3)
    assert obj["spec"]["nprocPerNode"] == "8"  # one process per GPU: the operator's WORLD_SIZE is 4 x 8
    for replica in replicas.values():
        assert replica["restartPolicy"] == "OnFailure"
        pod = replica["template"]["spec"]
        assert "restartPolicy" not in pod  # the operator sets it from the replica's, and warns otherwise
        (container,) = pod["containers"]
        assert container["name"] == "pytorch"
        assert container["ports"] == [{"name": "pytorchjob-port", "containerPort": 23456}]
        names = set(_variables(pod))
        assert not names & OPERATOR_VARIABLES
        assert not {name for name in names if name.startswith(("PET_", "NODE_RANK", "NNODES"))}


def test_pytorchjob_run_policy_bounds_restarts_and_frees_gpus() -> None:
    run_policy = _pytorchjob(DISTRIBUTED_JOB)["spec"]["runPolicy"]
    assert run_policy == {"backoffLimit": 12, "ttlSecondsAfterFinished": 86400, "cleanPodPolicy": "Running"}


def test_pytorchjob_passes_the_operators_webhook() -> None:
    for params in (GPU_JOB, DISTRIBUTED_JOB):
        obj = _pytorchjob(params)
        assert DNS_1035.fullmatch(obj["metadata"]["name"])
        for replica_type, replica in obj["spec"]["pytorchReplicaSpecs"].items():
            assert replica_type in ("Master", "Worker")
            containers = replica["template"]["spec"]["containers"]
            assert any(container["name"] == "pytorch" for container in containers)
            assert all(container["image"] for container in containers)
            assert replica["replicas"] == 1 if replica_type == "Master" else replica["replicas"] >= 1


def test_jobset_is_one_indexed_job_that_restarts_as_a_whole() -> None:
    obj = _jobset(DISTRIBUTED_JOB)
    (replicated,) = obj["spec"]["replicatedJobs"]
    assert (replicated["name"], replicated["replicas"]) == ("workers", 1)
    job = _replicated_job(obj)
    assert (job["completionMode"], job["completions"], job["parallelism"]) == ("Indexed", 4, 4)
    assert job["backoffLimit"] == 0
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert "ttlSecondsAfterFinished" not in job  # the JobSet owns it and has the TTL
    assert obj["spec"]["ttlSecondsAfterFinished"] == 86400
    assert obj["spec"]["failurePolicy"]["maxRestarts"] == 3
    assert obj["spec"]["successPolicy"] == {"operator": "All", "targetReplicatedJobs": ["workers"]}


def test_jobset_restarts_uncounted_on_disruption_and_stops_at_the_deadline() -> None:
    job = _replicated_job(_jobset(GPU_JOB))
    assert job["podFailurePolicy"]["rules"] == [
        {"action": "FailJob", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}
    ]
    assert job["activeDeadlineSeconds"] == 24 * 3600
    rules = {rule["name"]: rule for rule in _jobset(GPU_JOB)["spec"]["failurePolicy"]["rules"]}
    assert rules["disrupted"]["action"] == "RestartJobSetAndIgnoreMaxRestarts"
    assert rules["disrupted"]["onJobFailureReasons"] == ["PodFailurePolicy"]
    assert rules["deadline"]["action"] == "FailJobSet"
    assert rules["deadline"]["onJobFailureReasons"] == ["DeadlineExceeded"]
    without_deadline = _jobset(DISTRIBUTED_JOB)["spec"]["failurePolicy"]["rules"]
    assert [rule["name"] for rule in without_deadline] == ["disrupted"]


def test_jobset_rank_zero_is_the_pod_jobset_names() -> None:
    """JobSet's pod hostname is <jobset>-<replicatedJob>-<job index>-<pod index>, its subdomain the JobSet's name."""
    obj = _jobset(DISTRIBUTED_JOB)
    name, replicated = obj["metadata"]["name"], obj["spec"]["replicatedJobs"][0]["name"]
    assert obj["spec"]["network"] == {"enableDNSHostnames": True}  # JobSet then creates the headless Service
    variables = _variables(_replicated_job(obj)["template"]["spec"])
    assert variables["MASTER_ADDR"]["value"] == f"{name}-{replicated}-0-0.{name}"
    assert variables["NNODES"]["value"] == "4"
    assert variables["WORLD_SIZE"]["value"] == "32"
    assert "job-completion-index" in variables["NODE_RANK"]["valueFrom"]["fieldRef"]["fieldPath"]
    assert all(item["kind"] != "Service" for item in build_job(replace(DISTRIBUTED_JOB, kind="jobset")))


def test_jobset_passes_the_operators_webhook() -> None:
    for params in (GPU_JOB, DISTRIBUTED_JOB):
        obj = _jobset(params)
        names = {replicated["name"] for replicated in obj["spec"]["replicatedJobs"]}
        rules = obj["spec"]["failurePolicy"]["rules"]
        assert len({rule["name"] for rule in rules}) == len(rules)
        for rule in rules:
            assert re.fullmatch(r"[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?", rule["name"])
            valid = {"BackoffLimitExceeded", "DeadlineExceeded", "FailedIndexes", "MaxFailedIndexesExceeded"}
            assert set(rule["onJobFailureReasons"]) <= valid | {"PodFailurePolicy"}
            assert set(rule.get("targetReplicatedJobs", [])) <= names
        assert set(obj["spec"]["successPolicy"]["targetReplicatedJobs"]) <= names
        for replicated in obj["spec"]["replicatedJobs"]:
            last = _replicated_job(obj)["completions"] - 1
            pod_name = f"{obj['metadata']['name']}-{replicated['name']}-{replicated['replicas'] - 1}-{last}-abcde"
            assert DNS_1035.fullmatch(pod_name)
            assert len(pod_name) <= 63


@pytest.mark.parametrize("kind", ["pytorchjob", "jobset"])
@pytest.mark.parametrize("name", ["Train", "9lives", "my_job", "trailing-"])
def test_operator_kinds_refuse_names_that_are_not_dns_labels(kind: str, name: str) -> None:
    with pytest.raises(UsageError, match="invalid name") as caught:
        build_job(replace(GPU_JOB, name=name, kind=kind))
    assert caught.value.hint


@pytest.mark.parametrize(
    ("kind", "longest"), [("pytorchjob", 63 - len("-worker-98")), ("jobset", 63 - len("-workers-0-99-abcde"))]
)
def test_operator_kinds_refuse_names_their_pods_cannot_carry(kind: str, longest: int) -> None:
    """JobSet: <name>-workers-0-99-xxxxx must fit 63 characters; PyTorchJob: the Service <name>-worker-98."""
    params = replace(DISTRIBUTED_JOB, workers=100, kind=kind)
    assert build_job(replace(params, name="a" * longest))
    with pytest.raises(UsageError, match="too long") as caught:
        build_job(replace(params, name="a" * (longest + 1)))
    assert caught.value.hint == f"Use a name of at most {longest} characters."
