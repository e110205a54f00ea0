"""``doctor`` and ``snapshot`` on a live cluster (the local API server), run in-process through ``cli.main``.

Proves: live and snapshot sources give the same report; ``doctor POD`` stays within 4 requests; RBAC
gaps are skipped and named; API errors are one or two lines and exit 3; nothing but GET is sent.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kubectl_ml.flows import doctor as doctor_flow
from kubectl_ml.model.findings import Report
from kubectl_ml.sources.base import Source
from kubectl_ml.sources.kinds import resolve_kind
from kubectl_ml.sources.live import LiveSource
from kubectl_ml.sources.snapshot import SnapshotSource
from tests.live.inprocess import assert_short_error, run
from tests.support.apiserver import ApiServer
from tests.support.fixtures import CLUSTER, ROOT

# -- the same report from both sources ---------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    folder: Path
    target: str

    @property
    def id(self) -> str:
        return f"{self.folder.relative_to(ROOT / 'fixtures')}:{self.target}"


def targets() -> list[Target]:
    found = [
        Target(folder, json.loads((folder / "expect.json").read_text())["target"])
        for folder in sorted((ROOT / "fixtures" / "rules").glob("*/fires/*"))
        if (folder / "expect.json").is_file()
    ]
    found += [
        Target(CLUSTER, target)
        for target in (
            "ml-training/trainer-0",
            "ml-training/tokenizer-6c9f7d8b5-q9w2x",
            "ml-training/finetune-70b-x7k2p",
            "ml-training/notebook-0",
            "ml-serving/llm-server-6d5f8b7c9d-x2k4p",
            "ml-training/deploy/tokenizer",
            "ml-training/sts/trainer",
            "ml-training/job/finetune-70b",
            "ml-serving/deploy/llm-server",
            "ml-training",
            "ml-serving",
        )
    ]
    return found


def doctor(source: Source, target: str) -> Report:
    parts = target.split("/")
    if len(parts) == 1:
        return doctor_flow.doctor_scan(source, parts[0])
    if len(parts) == 2:
        return doctor_flow.doctor_pod(source, parts[0], parts[1])
    kind = resolve_kind(parts[1])
    assert kind is not None
    return doctor_flow.doctor_workload(source, parts[0], kind.name, parts[2])


def without_source(report: Report) -> dict[str, Any]:
    document = report.as_dict()
    document.pop("source")
    return document


@pytest.mark.parametrize("case", targets(), ids=lambda case: case.id)
def test_live_and_snapshot_give_the_same_report(case: Target, tmp_path: Path) -> None:
    snapshot = SnapshotSource(case.folder)
    with ApiServer.from_snapshot(case.folder, tls=True) as server:
        source = LiveSource(
            kubeconfig=str(server.write_kubeconfig(tmp_path)),
            context=None,
            request_timeout=5.0,
            environ=os.environ,
        )
        # A live cluster is read "now"; a snapshot at its newest timestamp. Read both at the same time.
        source.now = snapshot.now  # type: ignore[method-assign]
        live_report = doctor(source, case.target)
    assert live_report.source == {"type": "live", "context": "fake"}
    assert without_source(live_report) == without_source(doctor(snapshot, case.target))
    assert {request.method for request in server.requests} == {"GET"}


def test_doctor_all_namespaces_live_equals_snapshot(apiserver: ApiServer, kubeconfig: Path) -> None:
    snapshot = SnapshotSource(CLUSTER)
    source = LiveSource(kubeconfig=None, context=None, request_timeout=5.0, environ=os.environ)
    source.now = snapshot.now  # type: ignore[method-assign]
    live_report = doctor_flow.doctor_scan(source, None)
    assert without_source(live_report) == without_source(doctor_flow.doctor_scan(snapshot, None))
    assert {finding.code for finding in live_report.findings} == {
        "crash-loop",
        "exec-format-error",
        "request-exceeds-node-capacity",
        "image-not-found",
    }


# -- request budget ---------------------------------------------------------------------------------

TRAINER = "/api/v1/namespaces/ml-training/pods/trainer-0"
FINETUNE = "/api/v1/namespaces/ml-training/pods/finetune-70b-x7k2p"
TOKENIZER = "/api/v1/namespaces/ml-training/pods/tokenizer-6c9f7d8b5-q9w2x"
LLM = "/api/v1/namespaces/ml-serving/pods/llm-server-6d5f8b7c9d-x2k4p"
TRAINING_EVENTS = "/api/v1/namespaces/ml-training/events"


@pytest.mark.parametrize(
    ("namespace", "pod", "code", "expected"),
    [
        pytest.param(
            "ml-training",
            "trainer-0",
            "crash-loop",
            [TRAINER, TRAINING_EVENTS, TRAINER + "/log"],
            id="crash-loop",
        ),
        pytest.param(
            "ml-training",
            "finetune-70b-x7k2p",
            "request-exceeds-node-capacity",
            [FINETUNE, TRAINING_EVENTS, "/api/v1/nodes"],
            id="pending",
        ),
        pytest.param(
            "ml-serving",
            "llm-server-6d5f8b7c9d-x2k4p",
            "image-not-found",
            [LLM, "/api/v1/namespaces/ml-serving/events"],
            id="image-pull",
        ),
        pytest.param(
            "ml-training",
            "tokenizer-6c9f7d8b5-q9w2x",
            "exec-format-error",
            [TOKENIZER, TRAINING_EVENTS, TOKENIZER + "/log", "/api/v1/nodes/cpu-node-1"],
            id="exec-format",
        ),
        pytest.param(
            "ml-training",
            "notebook-0",
            None,
            ["/api/v1/namespaces/ml-training/pods/notebook-0", TRAINING_EVENTS],
            id="healthy",
        ),
    ],
)
def test_doctor_pod_sends_at_most_four_requests(
    capsys: pytest.CaptureFixture[str],
    apiserver: ApiServer,
    kubeconfig: Path,
    namespace: str,
    pod: str,
    code: str | None,
    expected: list[str],
) -> None:
    result = run(capsys, "doctor", pod, "-n", namespace, "-o", "json")
    assert result.code == (1 if code else 0), result
    assert [finding["code"] for finding in result.report()["findings"]] == ([code] if code else [])
    assert [request.path for request in apiserver.requests] == expected, apiserver.paths()
    assert len(apiserver.requests) <= 4
    events = next(request for request in apiserver.requests if request.path.endswith("/events"))
    assert events.query["fieldSelector"].startswith("involvedObject.uid=")


def test_doctor_pod_uses_the_context_namespace(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path
) -> None:
    result = run(capsys, "doctor", "trainer-0", "-o", "json")  # the kubeconfig's context namespace: ml-training
    assert result.code == 1
    assert result.report()["findings"][0]["object"] == {"kind": "Pod", "namespace": "ml-training", "name": "trainer-0"}


# -- RBAC: optional data is skipped and named ---------------------------------------------------------


@pytest.mark.parametrize(
    ("forbidden", "pod", "skipped"),
    [
        ("events", "trainer-0", "events: forbidden (needs list on events in ml-training)"),
        ("nodes", "finetune-70b-x7k2p", "nodes: forbidden"),
        ("pods/log", "trainer-0", "logs: forbidden"),
    ],
)
def test_rbac_gaps_are_skipped_and_named(
    capsys: pytest.CaptureFixture[str],
    apiserver: ApiServer,
    kubeconfig: Path,
    forbidden: str,
    pod: str,
    skipped: str,
) -> None:
    apiserver.forbid(forbidden)
    result = run(capsys, "doctor", pod, "-n", "ml-training", "-o", "json", "--fail-on", "never")
    assert result.code == 0, result
    report = result.report()
    assert any(item.startswith(skipped) for item in report["skipped"]), report["skipped"]
    assert report["findings"], "the rest of the diagnosis still runs"
    assert any(request.path.startswith("/api/v1/") for request in apiserver.requests)


def test_logs_the_node_cannot_serve_are_skipped(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path
) -> None:
    # The API server proxies logs from the kubelet; a node that is down answers 500 with the dial error.
    apiserver.fail(
        "pods/log",
        500,
        message='Get "https://10.0.3.17:10250/containerLogs/ml-training/trainer-0/trainer?previous=true": '
        "dial tcp 10.0.3.17:10250: connect: no route to host",
    )
    result = run(capsys, "doctor", "trainer-0", "-n", "ml-training", "-o", "json")
    assert result.code == 1, result
    report = result.report()
    assert [finding["code"] for finding in report["findings"]] == ["crash-loop"]
    assert any(item.startswith("logs: ") and "ml-training/trainer-0" in item for item in report["skipped"])


def test_scan_with_events_forbidden_cluster_wide(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path
) -> None:
    apiserver.forbid("events")
    result = run(capsys, "doctor", "-A", "-o", "json", "--fail-on", "never")
    assert result.code == 0, result
    assert "events: forbidden (needs list on events cluster-wide)" in result.report()["skipped"]
    assert {finding["code"] for finding in result.report()["findings"]} >= {"crash-loop", "image-not-found"}


# -- errors -----------------------------------------------------------------------------------------


def test_unauthorized_is_exit_3_and_never_shows_the_token(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, tmp_path: Path
) -> None:
    config = apiserver.write_kubeconfig(tmp_path, token="expired-token-value-123")
    result = run(capsys, "doctor", "trainer-0", "--kubeconfig", str(config))
    assert_short_error(result, "401")
    assert "expired-token-value-123" not in result.err + result.out
    assert [request.authorized for request in apiserver.requests] == [False]


def test_forbidden_pod_is_exit_3(capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.forbid("pods", verb="get")
    result = run(capsys, "doctor", "trainer-0", "-n", "ml-training")
    assert_short_error(
        result,
        'pods "trainer-0" is forbidden: User "dev" cannot get resource "pods" in API group "" '
        'in the namespace "ml-training"',
    )


def test_unknown_pod_is_exit_3_with_suggestions(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path
) -> None:
    result = run(capsys, "doctor", "trainer-1", "-n", "ml-training")
    assert_short_error(result, 'Pod "trainer-1" not found in namespace ml-training', "Did you mean: trainer-0")


def test_throttling_is_retried_after_retry_after(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path
) -> None:
    apiserver.fail(TRAINER, 429, times=1, retry_after=1)
    started = time.monotonic()
    result = run(capsys, "doctor", "trainer-0", "-o", "json")
    assert result.code == 1, result
    assert time.monotonic() - started >= 1.0
    assert [request.path for request in apiserver.requests][:2] == [TRAINER, TRAINER]


def test_throttling_that_persists_is_exit_3(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path
) -> None:
    apiserver.fail(TRAINER, 429, retry_after=0)
    result = run(capsys, "doctor", "trainer-0")
    assert_short_error(result, "429")
    assert len(apiserver.requests) == 3  # the first try and two retries


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_exit_3(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path, status: int
) -> None:
    apiserver.fail("/api/v1/namespaces/ml-training/pods", status)
    result = run(capsys, "doctor", "trainer-0")
    assert_short_error(result, str(status))


def test_request_timeout_with_a_slow_server_is_exit_3(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path
) -> None:
    apiserver.delay(TRAINER, 3.0)
    started = time.monotonic()
    result = run(capsys, "doctor", "trainer-0", "--request-timeout", "300ms")
    assert_short_error(result, "timed out")
    assert time.monotonic() - started < 2.0


# -- snapshot from the live cluster ---------------------------------------------------------------


def test_snapshot_writes_what_the_snapshot_source_reads_back(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "saved"
    result = run(capsys, "snapshot", str(folder), "-A")
    assert result.code == 0, result
    assert "Traceback" not in result.err
    saved = SnapshotSource(folder)
    for kind in (
        "Pod",
        "Event",
        "Node",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "Job",
        "Service",
        "PersistentVolumeClaim",
    ):
        key = lambda item: (item["metadata"].get("namespace", ""), item["metadata"]["name"])  # noqa: E731
        assert sorted(saved.objects.get(kind, []), key=key) == sorted(apiserver.objects(kind), key=key), kind
    assert (folder / "nodes.json").is_file()
    assert (folder / "ml-training" / "pods.json").is_file()
    assert saved.logs("ml-training", "trainer-0", "trainer", previous=True, tail_lines=3) == SnapshotSource(
        CLUSTER
    ).logs("ml-training", "trainer-0", "trainer", previous=True, tail_lines=3)
    assert saved.logs("ml-training", "notebook-0", "notebook", previous=False, tail_lines=100)
    # The report from the written snapshot is the live report.
    source = LiveSource(kubeconfig=None, context=None, request_timeout=5.0, environ=os.environ)
    source.now = saved.now  # type: ignore[method-assign]
    assert without_source(doctor_flow.doctor_scan(saved, None)) == without_source(doctor_flow.doctor_scan(source, None))


def test_snapshot_never_reads_or_writes_secrets(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path, tmp_path: Path
) -> None:
    assert apiserver.objects("Secret"), "the fixture serves a Secret"
    folder = tmp_path / "saved"
    assert run(capsys, "snapshot", str(folder), "-n", "ml-training").code == 0
    assert not any("secrets" in request.path for request in apiserver.requests)
    written = "".join(path.read_text() for path in folder.rglob("*") if path.is_file())
    secret = apiserver.objects("Secret")[0]
    assert secret["data"]["token"] not in written
    assert "hf_DoNotLeak" not in written
    assert '"Secret"' not in written
    assert "hf-token" not in written


def test_snapshot_of_all_namespaces_lists_each_kind_once_and_keeps_namespaces_without_pods(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Deployment that quota keeps from creating pods: its namespace has no pod at all.
    stuck = {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": {"name": "batch-api", "namespace": "ml-batch", "uid": "d0000000-0000-4000-8000-000000000001"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "batch-api"}}},
        "status": {"conditions": [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate"}]},
    }
    with ApiServer.from_snapshot(CLUSTER, extra_objects=[stuck], tls=True) as server:
        monkeypatch.setenv("KUBECONFIG", str(server.write_kubeconfig(tmp_path)))
        assert run(capsys, "snapshot", str(tmp_path / "saved"), "-A").code == 0
    saved = SnapshotSource(tmp_path / "saved")
    assert saved.get("Deployment", "ml-batch", "batch-api")["spec"]["replicas"] == 2
    lists = [request.path for request in server.requests if not request.path.endswith("/log")]
    assert len(lists) == len(set(lists)), "each kind is listed once"
    assert not [path for path in lists if "/namespaces/" in path], lists


def test_snapshot_skips_logs_the_node_cannot_serve(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path, tmp_path: Path
) -> None:
    apiserver.fail("/api/v1/namespaces/ml-training/pods/trainer-0/log", 502)
    result = run(capsys, "snapshot", str(tmp_path / "saved"), "-n", "ml-training")
    assert result.code == 0, result
    assert "Skipped: logs of ml-training/trainer-0: the API server could not fetch them (502)" in result.err
    saved = SnapshotSource(tmp_path / "saved")
    assert saved.logs("ml-training", "notebook-0", "notebook", previous=False, tail_lines=10)
    assert saved.logs("ml-training", "trainer-0", "trainer", previous=True, tail_lines=10) is None


def test_snapshot_folder_problems_are_short_errors(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert_short_error(
        run(capsys, "snapshot", str(blocker / "saved"), "-n", "ml-training"), "Cannot write the snapshot"
    )
    exists = run(capsys, "snapshot", str(blocker), "-n", "ml-training")
    assert exists.code == 2
    assert "is not a folder" in exists.err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    not_empty = run(capsys, "snapshot", str(tmp_path / "full"), "-n", "ml-training")
    assert not_empty.code == 2
    assert "not empty" in not_empty.err


def test_exec_format_error_on_a_node_that_is_gone(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path
) -> None:
    apiserver.fail("/api/v1/nodes/cpu-node-1", 404)
    result = run(capsys, "doctor", "tokenizer-6c9f7d8b5-q9w2x", "-o", "json")
    assert result.code == 1, result
    assert [finding["code"] for finding in result.report()["findings"]] == ["exec-format-error"]
