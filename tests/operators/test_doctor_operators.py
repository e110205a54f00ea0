"""doctor on operator workloads: the object's own status, its pods, the first failure of a distributed run.

Run on a snapshot and, for the same data, on the local API server (real client, real sockets), where the
request budget and the missing-CRD answer are checked too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from kubectl_ml.flows import doctor as doctor_flow
from kubectl_ml.sources.live import LiveSource
from kubectl_ml.sources.snapshot import SnapshotSource
from tests.conftest import FIXTURES
from tests.live.inprocess import assert_short_error, run
from tests.operators.scenarios import JOB, NAMESPACE, oom_then_nccl
from tests.support.apiserver import ApiServer


@pytest.fixture
def cluster(tmp_path: Path) -> Path:
    return oom_then_nccl(tmp_path / "cluster")


def test_doctor_pytorchjob_reports_status_and_the_first_failure(
    capsys: pytest.CaptureFixture[str], cluster: Path
) -> None:
    result = run(capsys, "doctor", f"pytorchjob/{JOB}", "-n", NAMESPACE, "--snapshot", str(cluster), "-o", "json")
    assert result.code == 1, result
    findings = result.report()["findings"]
    by_pod = {(item["object"]["kind"], item["object"]["name"], item["code"]): item for item in findings}
    failed = by_pod[("PyTorchJob", JOB, "workload-failed")]
    assert "llama-pretrain is failed because 1 Worker replica(s) failed." in failed["summary"]
    cause = by_pod[("Pod", f"{JOB}-worker-1", "oom-killed")]
    assert cause["severity"] == "error"
    assert "first failure of PyTorchJob llama-pretrain" in cause["summary"]
    assert "worker 1 (llama-pretrain-worker-1) stopped at 10:12:11" in cause["summary"]
    for name in (f"{JOB}-master-0", f"{JOB}-worker-0"):
        collateral = by_pod[("Pod", name, "nccl-timeout")]
        assert collateral["severity"] == "warning", collateral
        assert collateral["summary"].startswith(
            "Collateral: worker 1 (llama-pretrain-worker-1) failed first (oom-killed at 10:12:11)"
        )


def test_the_namespace_scan_groups_the_pods_under_their_pytorchjob(
    capsys: pytest.CaptureFixture[str], cluster: Path
) -> None:
    result = run(capsys, "doctor", "-n", NAMESPACE, "--snapshot", str(cluster))
    assert result.code == 1, result
    assert f"PyTorchJob {NAMESPACE}/{JOB}" in result.out
    assert "Job ml-training" not in result.out.replace("PyTorchJob", "")


def live_source(server: ApiServer, tmp_path: Path, snapshot: SnapshotSource) -> LiveSource:
    source = LiveSource(
        kubeconfig=str(server.write_kubeconfig(tmp_path)), context=None, request_timeout=5.0, environ=os.environ
    )
    source.now = snapshot.now  # type: ignore[method-assign]
    return source


def test_live_equals_snapshot_within_the_request_budget(cluster: Path, tmp_path: Path) -> None:
    snapshot = SnapshotSource(cluster)
    with ApiServer.from_snapshot(cluster, tls=True) as server:
        source = live_source(server, tmp_path, snapshot)
        live = doctor_flow.doctor_workload(source, NAMESPACE, "PyTorchJob", JOB)
    expected = doctor_flow.doctor_workload(snapshot, NAMESPACE, "PyTorchJob", JOB)
    assert [item.as_dict() for item in live.findings] == [item.as_dict() for item in expected.findings]
    paths = [request.path for request in server.requests]
    reads = [path for path in paths if not path.endswith("/log")]
    assert reads == [
        "/apis",
        f"/apis/kubeflow.org/v1/namespaces/{NAMESPACE}/pytorchjobs/{JOB}",
        f"/api/v1/namespaces/{NAMESPACE}/pods",
        f"/api/v1/namespaces/{NAMESPACE}/events",
    ]
    assert len(reads) <= 5
    pods_query = next(request.query for request in server.requests if request.path.endswith("/pods"))
    assert pods_query["labelSelector"] == f"training.kubeflow.org/job-name={JOB}"
    # At most two log reads per pod (previous and current), only of failed containers.
    logs = [path for path in paths if path.endswith("/log")]
    assert all(logs.count(path) <= 2 for path in logs)
    assert {request.method for request in server.requests} == {"GET"}


def test_a_kind_whose_crd_is_absent_answers_like_kubectl(
    capsys: pytest.CaptureFixture[str], cluster: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ApiServer.from_snapshot(cluster, tls=True, crds=()) as server:
        monkeypatch.setenv("KUBECONFIG", str(server.write_kubeconfig(tmp_path)))
        result = run(capsys, "doctor", f"pytorchjob/{JOB}", "-n", NAMESPACE)
        assert_short_error(result, 'the server doesn\'t have a resource type "pytorchjobs"')
        # A scan reads only the groups that exist: one discovery request, no request for kubeflow.org.
        server.requests.clear()
        scan = run(capsys, "doctor", "-n", NAMESPACE, "-o", "json")
        assert scan.code == 1, scan
        paths = [request.path for request in server.requests]
        assert paths.count("/apis") == 1
        assert not [path for path in paths if "kubeflow.org" in path]
        assert not [line for line in json.loads(scan.out)["skipped"] if "kubeflow" in line or "pytorchjob" in line]


def test_a_scan_lists_each_served_operator_kind_once(cluster: Path, tmp_path: Path) -> None:
    snapshot = SnapshotSource(cluster)
    with ApiServer.from_snapshot(cluster, tls=True) as server:
        source = live_source(server, tmp_path, snapshot)
        report = doctor_flow.doctor_scan(source, NAMESPACE)
    paths = [request.path for request in server.requests]
    assert paths.count(f"/apis/kubeflow.org/v1/namespaces/{NAMESPACE}/pytorchjobs") == 1
    assert not [path for path in paths if "ray.io" in path or "jobset" in path]
    assert {finding.code for finding in report.findings} >= {"workload-failed", "oom-killed", "nccl-timeout"}


def test_snapshot_saves_operator_objects_and_loads_them_back(
    capsys: pytest.CaptureFixture[str], cluster: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ApiServer.from_snapshot(cluster, tls=True) as server:
        monkeypatch.setenv("KUBECONFIG", str(server.write_kubeconfig(tmp_path)))
        saved = tmp_path / "saved"
        result = run(capsys, "snapshot", str(saved), "-n", NAMESPACE)
        assert result.code == 0, result
    assert (saved / NAMESPACE / "operators.json").is_file()
    again = run(capsys, "doctor", f"pytorchjob/{JOB}", "-n", NAMESPACE, "--snapshot", str(saved), "-o", "json")
    first = run(capsys, "doctor", f"pytorchjob/{JOB}", "-n", NAMESPACE, "--snapshot", str(cluster), "-o", "json")
    assert again.report()["findings"] == first.report()["findings"]


@pytest.mark.parametrize(
    ("case", "kind", "reads"),
    [
        # A queued (suspended) PyTorchJob: no pods are listed; Kueue's Workloads are.
        ("queue-quota-insufficient/fires/pytorchjob-master-pod-set-exceeds-quota", "PyTorchJob",
         ["/apis", "pytorchjobs/llama-sft", "/events", "/workloads"]),
        # A JobSet without pods: its Jobs, found by the JobSet's label, say why.
        ("admission-denied/fires/jobset-job-serviceaccount-missing", "JobSet",
         ["/apis", "jobsets/pytorch", "/pods", "/events", "/jobs"]),
    ],
)  # fmt: skip
def test_request_budget_of_operator_objects_without_pods(
    case: str, kind: str, reads: list[str], tmp_path: Path
) -> None:
    folder = FIXTURES / "rules" / case
    expect = json.loads((folder / "expect.json").read_text(encoding="utf-8"))
    namespace, _kind, name = expect["target"].split("/")
    snapshot = SnapshotSource(folder)
    with ApiServer.from_snapshot(folder, tls=True) as server:
        source = live_source(server, tmp_path, snapshot)
        report = doctor_flow.doctor_workload(source, namespace, kind, name)
    paths = [request.path for request in server.requests if not request.path.endswith("/log")]
    assert len(paths) <= 5, paths
    assert [any(path.endswith(wanted) for path in paths) for wanted in reads] == [True] * len(reads), paths
    assert sorted({finding.code for finding in report.findings}) == sorted(expect["codes"])


def test_a_kind_served_at_another_version_of_its_group_is_found(tmp_path: Path) -> None:
    """kubeflow.org serves PyTorchJob at v1 and, on older Kubeflow, Notebook at v1beta1 only."""
    path = FIXTURES / "operators" / "manifests" / "kubeflow-notebooks" / "notebook-v1beta1-test-pvc.yaml"
    notebook = next(item for item in yaml.safe_load_all(path.read_text(encoding="utf-8")) if item["kind"] == "Notebook")
    folder = oom_then_nccl(tmp_path / "cluster")
    notebook["metadata"].update(namespace=NAMESPACE, uid="0f1e2d3c-4b5a-4697-8877-665544332211")
    (folder / "notebook.json").write_text(json.dumps(notebook))
    snapshot = SnapshotSource(folder)
    with ApiServer.from_snapshot(folder, tls=True) as server:
        source = live_source(server, tmp_path, snapshot)
        name = notebook["metadata"]["name"]
        report = doctor_flow.doctor_workload(source, NAMESPACE, "Notebook", name)
    paths = [request.path for request in server.requests]
    assert f"/apis/kubeflow.org/v1/namespaces/{NAMESPACE}/notebooks/{name}" in paths  # tried first, 404
    assert f"/apis/kubeflow.org/v1beta1/namespaces/{NAMESPACE}/notebooks/{name}" in paths
    assert report.kind == "DoctorReport"


def test_an_operator_kind_rbac_forbids_is_skipped_and_named(cluster: Path, tmp_path: Path) -> None:
    snapshot = SnapshotSource(cluster)
    with ApiServer.from_snapshot(cluster, tls=True) as server:
        server.forbid("pytorchjobs")
        source = live_source(server, tmp_path, snapshot)
        report = doctor_flow.doctor_scan(source, NAMESPACE)
    assert any("pytorchjobs.kubeflow.org" in line and "forbidden" in line for line in report.skipped), report.skipped
    # The pods are still diagnosed, grouped by their owner reference.
    assert {finding.code for finding in report.findings} >= {"oom-killed", "nccl-timeout"}


def test_a_namespace_that_does_not_exist_is_an_error_not_a_green(
    capsys: pytest.CaptureFixture[str], cluster: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 10: `doctor -n typo` said "No problems found in 0 pods" and exited 0."""
    offline = run(capsys, "doctor", "-n", "ml-trainng", "--snapshot", str(FIXTURES / "demo"))
    assert_short_error(offline, 'namespace "ml-trainng" not found', "Did you mean: ml-training")
    with ApiServer.from_snapshot(cluster, tls=True) as server:
        monkeypatch.setenv("KUBECONFIG", str(server.write_kubeconfig(tmp_path)))
        live = run(capsys, "doctor", "-n", "ml-trainng")
        assert_short_error(live, 'namespace "ml-trainng" not found', "Did you mean: ml-training")
        # An existing namespace with nothing in it stays a clean answer that says so.
        empty = run(capsys, "doctor", "-n", NAMESPACE, "-o", "json")
        assert empty.code == 1  # the PyTorchJob's failures


@pytest.mark.parametrize("command", ["gpu", "rightsize"])
def test_gpu_and_rightsize_refuse_a_namespace_that_does_not_exist(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    result = run(capsys, command, "-n", "ml-servng", "--snapshot", str(FIXTURES / "demo"))
    assert_short_error(result, 'namespace "ml-servng" not found', "Did you mean: ml-serving")
