"""Pods to workloads, including pods that no longer exist."""

from __future__ import annotations

from kubectl_ml.rightsize.workloads import WorkloadIndex, pod_spec


def obj(kind: str, name: str, owner: tuple[str, str] | None = None, spec: dict | None = None) -> dict:
    metadata: dict = {"name": name, "namespace": "ml-serving", "uid": f"uid-{name}"}
    if owner:
        metadata["ownerReferences"] = [
            {"kind": owner[0], "name": owner[1], "controller": True, "uid": f"uid-{owner[1]}"}
        ]
    return {"kind": kind, "metadata": metadata, "spec": spec or {}}


DEPLOY = obj("Deployment", "llm-server", spec={"template": {"spec": {"containers": [{"name": "vllm"}]}}})
CURRENT_RS = obj("ReplicaSet", "llm-server-7d9c8b6f5", ("Deployment", "llm-server"))
POD = obj("Pod", "llm-server-7d9c8b6f5-x2x9p", ("ReplicaSet", "llm-server-7d9c8b6f5"))


def test_an_existing_pod_belongs_to_its_deployment_through_its_replicaset() -> None:
    index = WorkloadIndex.build([POD], [DEPLOY, CURRENT_RS], {}, {})
    workload = index.workload_of("ml-serving", POD["metadata"]["name"])
    assert (workload.kind, workload.name) == ("Deployment", "llm-server")
    assert workload.obj is DEPLOY


def test_a_gone_pod_of_an_earlier_replicaset_counts_for_the_deployment_through_kube_state_metrics() -> None:
    owners = {("ml-serving", "llm-server-5f6d7c8b9-abcde"): ("ReplicaSet", "llm-server-5f6d7c8b9")}
    rs_owners = {("ml-serving", "ReplicaSet", "llm-server-5f6d7c8b9"): ("Deployment", "llm-server")}
    index = WorkloadIndex.build([POD], [DEPLOY, CURRENT_RS], owners, rs_owners)
    workload = index.workload_of("ml-serving", "llm-server-5f6d7c8b9-abcde")
    assert (workload.kind, workload.name) == ("Deployment", "llm-server")


def test_a_gone_pod_without_metrics_history_is_matched_by_the_replicaset_naming_rule() -> None:
    index = WorkloadIndex.build([POD], [DEPLOY, CURRENT_RS], {}, {})
    workload = index.workload_of("ml-serving", "llm-server-5f6d7c8b9-abcde")
    assert (workload.kind, workload.name) == ("Deployment", "llm-server")


def test_a_job_of_a_cronjob_belongs_to_the_cronjob() -> None:
    cronjob = obj(
        "CronJob",
        "nightly-eval",
        spec={"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "eval"}]}}}}},
    )
    job = obj("Job", "nightly-eval-29123040", ("CronJob", "nightly-eval"))
    pod = obj("Pod", "nightly-eval-29123040-k2l4m", ("Job", "nightly-eval-29123040"))
    index = WorkloadIndex.build([pod], [cronjob, job], {}, {})
    workload = index.workload_of("ml-serving", pod["metadata"]["name"])
    assert (workload.kind, workload.name) == ("CronJob", "nightly-eval")
    assert pod_spec(workload, [pod]) == {"containers": [{"name": "eval"}]}


def test_a_bare_pod_is_its_own_workload() -> None:
    pod = obj("Pod", "notebook", spec={"containers": [{"name": "jupyter"}]})
    index = WorkloadIndex.build([pod], [], {}, {})
    workload = index.workload_of("ml-serving", "notebook")
    assert (workload.kind, workload.name) == ("Pod", "notebook")
    assert pod_spec(workload, []) == {"containers": [{"name": "jupyter"}]}


def test_the_template_defines_current_resources() -> None:
    index = WorkloadIndex.build([POD], [DEPLOY, CURRENT_RS], {}, {})
    assert pod_spec(index.workload_of("ml-serving", POD["metadata"]["name"]), [POD]) == {
        "containers": [{"name": "vllm"}]
    }
