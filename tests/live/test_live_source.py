"""The live source against a real HTTP server: the real kubernetes client, real sockets, real paging."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from kubectl_ml.errors import ForbiddenError, NotFoundError
from kubectl_ml.sources import live
from kubectl_ml.sources.live import LiveSource
from kubectl_ml.sources.snapshot import SnapshotSource
from tests.support.apiserver import DEFAULT_TOKEN, ApiServer
from tests.support.fixtures import CLUSTER

TRAINER_UID = "3f2a1b0c-2222-4d3e-9f40-000000000001"


def open_live(kubeconfig: Path, **options: object) -> LiveSource:
    settings: dict[str, object] = {"kubeconfig": str(kubeconfig), "context": None, "request_timeout": 5.0}
    settings.update(options)
    return LiveSource(environ=os.environ, **settings)  # type: ignore[arg-type]


def raw_get(server: ApiServer, path: str) -> dict[str, object]:
    request = urllib.request.Request(server.url + path, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
    with urllib.request.urlopen(request, timeout=5, context=server.client_ssl_context()) as response:
        document: dict[str, object] = json.loads(response.read())
    return document


def synthetic_pods(count: int) -> list[dict[str, object]]:
    return [
        {
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": {
                "name": f"worker-{index:05d}",
                "namespace": f"team-{index % 3}",
                "uid": f"00000000-0000-4000-8000-{index:012d}",
                "labels": {"app": "worker", "shard": str(index % 2)},
            },
            "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}], "nodeName": "node-1"},
            "status": {"phase": "Running" if index % 5 else "Pending"},
        }
        for index in range(count)
    ]


def test_lists_page_with_limit_and_continue_at_the_real_page_size(tmp_path: Path) -> None:
    pods = synthetic_pods(1234)
    with ApiServer(pods, tls=True) as server:
        source = open_live(server.write_kubeconfig(tmp_path))
        items = source.list("Pod", None)
    assert len(items) == 1234
    assert {item["metadata"]["name"] for item in items} == {pod["metadata"]["name"] for pod in pods}  # type: ignore[index]
    assert len(server.requests) == 3  # 500 + 500 + 234
    assert [request.query.get("limit") for request in server.requests] == [str(live.PAGE_SIZE)] * 3
    assert "continue" not in server.requests[0].query
    tokens = [request.query["continue"] for request in server.requests[1:]]
    assert len(set(tokens)) == 2
    assert all(tokens)


def test_paging_with_a_small_page_keeps_selectors_on_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "PAGE_SIZE", 7)
    with ApiServer(synthetic_pods(60), tls=True) as server:
        source = open_live(server.write_kubeconfig(tmp_path))
        shard = source.list("Pod", "team-1", label_selector="app=worker,shard=1")
        pending = source.list("Pod", None, field_selector="status.phase=Pending")
    expected_shard = [
        pod
        for pod in synthetic_pods(60)
        if pod["metadata"]["namespace"] == "team-1" and pod["metadata"]["labels"]["shard"] == "1"  # type: ignore[index]
    ]
    assert sorted(item["metadata"]["name"] for item in shard) == sorted(p["metadata"]["name"] for p in expected_shard)  # type: ignore[index]
    assert len(pending) == 12
    shard_requests = [request for request in server.requests if request.path == "/api/v1/namespaces/team-1/pods"]
    assert len(shard_requests) >= 2
    assert all(request.query["labelSelector"] == "app=worker,shard=1" for request in shard_requests)
    pending_requests = [request for request in server.requests if request.path == "/api/v1/pods"]
    assert len(pending_requests) == 2  # 7 + 5 matching items
    assert all(request.query["fieldSelector"] == "status.phase=Pending" for request in pending_requests)


def test_items_get_kind_and_api_version_stamped(apiserver: ApiServer, kubeconfig: Path) -> None:
    raw = raw_get(apiserver, "/apis/apps/v1/namespaces/ml-training/deployments")
    assert raw["kind"] == "DeploymentList"
    assert all("kind" not in item for item in raw["items"])  # type: ignore[attr-defined]
    source = open_live(kubeconfig)
    for kind, api_version in (
        ("Pod", "v1"),
        ("Event", "v1"),
        ("Deployment", "apps/v1"),
        ("ReplicaSet", "apps/v1"),
        ("StatefulSet", "apps/v1"),
        ("Job", "batch/v1"),
        ("PersistentVolumeClaim", "v1"),
    ):
        items = source.list(kind, "ml-training")
        assert items, kind
        assert {(item["kind"], item["apiVersion"]) for item in items} == {(kind, api_version)}
    nodes = source.list("Node", None)
    assert {item["kind"] for item in nodes} == {"Node"}
    assert len(nodes) == 3
    pod = source.get("Pod", "ml-training", "trainer-0")
    assert (pod["kind"], pod["apiVersion"], pod["metadata"]["uid"]) == ("Pod", "v1", TRAINER_UID)


def test_live_and_snapshot_sources_give_the_same_objects(apiserver: ApiServer, kubeconfig: Path) -> None:
    source = open_live(kubeconfig)
    snapshot = SnapshotSource(CLUSTER)
    for kind in ("Pod", "Deployment", "ReplicaSet", "StatefulSet", "Job", "Node"):
        namespace = None if kind == "Node" else "ml-training"
        from_live = sorted(source.list(kind, namespace), key=lambda item: item["metadata"]["name"])
        from_snapshot = sorted(snapshot.list(kind, namespace), key=lambda item: item["metadata"]["name"])
        assert from_live == from_snapshot, kind


def test_events_selected_by_uid_skip_the_predecessor_pod(apiserver: ApiServer, kubeconfig: Path) -> None:
    source = open_live(kubeconfig)
    events = source.list("Event", "ml-training", field_selector=f"involvedObject.uid={TRAINER_UID}")
    assert {event["reason"] for event in events} == {"Pulled", "Created", "Started", "BackOff"}
    by_name = source.list("Event", "ml-training", field_selector="involvedObject.name=trainer-0")
    assert len(by_name) == len(events) + 1  # the predecessor's "Killing" event has the same name
    assert apiserver.requests[-1].query["fieldSelector"] == "involvedObject.name=trainer-0"


def test_scheduler_events_come_back_in_the_core_shape(apiserver: ApiServer, kubeconfig: Path) -> None:
    source = open_live(kubeconfig)
    events = source.list("Event", "ml-training", field_selector="involvedObject.name=finetune-70b-x7k2p")
    (event,) = events
    assert event["reason"] == "FailedScheduling"
    assert event["involvedObject"]["uid"] == "3f2a1b0c-2222-4d3e-9f40-000000000003"
    assert event["lastTimestamp"] is None
    assert event["eventTime"]
    assert event["series"]["count"] == 11


def test_logs_previous_tail_and_missing_instances(apiserver: ApiServer, kubeconfig: Path) -> None:
    source = open_live(kubeconfig)
    previous = source.logs("ml-training", "trainer-0", "trainer", previous=True, tail_lines=2)
    assert previous is not None
    assert previous.splitlines()[-1].startswith("FileNotFoundError: [Errno 2]")
    assert len(previous.splitlines()) == 2
    # No previous instance (the notebook never restarted): the API server answers 400, the source None.
    assert source.logs("ml-training", "notebook-0", "notebook", previous=True, tail_lines=10) is None
    # Waiting for an image: 400 "is waiting to start: trying and failing to pull image".
    assert source.logs("ml-serving", "llm-server-6d5f8b7c9d-x2k4p", "vllm", previous=False, tail_lines=10) is None
    log_requests = [request for request in apiserver.requests if request.path.endswith("/log")]
    assert log_requests[0].query == {"container": "trainer", "tailLines": "2", "previous": "true"}


def test_get_of_a_missing_object_is_not_found(apiserver: ApiServer, kubeconfig: Path) -> None:
    source = open_live(kubeconfig)
    with pytest.raises(NotFoundError) as caught:
        source.get("Pod", "ml-training", "trainer-9")
    assert caught.value.status == 404
    assert caught.value.message == 'pods "trainer-9" not found'


def test_forbidden_list_raises_forbidden_with_the_servers_message(apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.forbid("events")
    with pytest.raises(ForbiddenError) as caught:
        open_live(kubeconfig).list("Event", "ml-training")
    assert caught.value.message == (
        'events is forbidden: User "dev" cannot list resource "events" in API group "" in the namespace "ml-training"'
    )


def test_the_bearer_token_is_sent(apiserver: ApiServer, kubeconfig: Path) -> None:
    open_live(kubeconfig).get("Pod", "ml-training", "notebook-0")
    assert [request.authorized for request in apiserver.requests] == [True]
