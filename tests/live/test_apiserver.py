"""The local API server itself answers like kube-apiserver: checked with raw HTTP and with the real kubectl.

The live and CLI tests are only as good as this server, so its answers are checked against what
kube-apiserver sends (and what kubectl, a client that knows the real server, makes of them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from kubectl_ml.sources.live import LiveSource
from tests.support.apiserver import DEFAULT_TOKEN, ApiServer, decode_continue, write_kubeconfig
from tests.support.fixtures import CLUSTER

KUBECTL = shutil.which("kubectl")


def call(
    server: ApiServer, path: str, method: str = "GET", token: str | None = DEFAULT_TOKEN
) -> tuple[int, Any, dict[str, str]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(
        server.url + path, method=method, headers=headers, data=b"{}" if method != "GET" else None
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
            status, answer_headers = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        body, status, answer_headers = error.read(), error.code, dict(error.headers)
    text = body.decode()
    return (
        status,
        (json.loads(text) if answer_headers.get("Content-Type") == "application/json" else text),
        answer_headers,
    )


@pytest.fixture
def server() -> Any:
    with ApiServer.from_snapshot(CLUSTER) as running:
        yield running


def test_writes_are_405_and_recorded(server: ApiServer) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        status, body, _headers = call(server, "/api/v1/namespaces/ml-training/pods/trainer-0", method)
        assert status == 405
        assert body["reason"] == "MethodNotAllowed"
    assert [request.method for request in server.requests] == ["POST", "PUT", "PATCH", "DELETE"]


def test_a_token_is_required(server: ApiServer) -> None:
    status, body, _headers = call(server, "/api/v1/pods", token=None)
    assert status == 401
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    assert call(server, "/api/v1/pods", token="wrong")[0] == 401


def test_status_bodies_match_the_api_server(server: ApiServer) -> None:
    status, body, _headers = call(server, "/api/v1/namespaces/ml-training/pods/x")
    assert status == 404
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "x" not found',
        "reason": "NotFound",
        "details": {"name": "x", "kind": "pods"},
        "code": 404,
    }
    status, body, _headers = call(server, "/apis/apps/v1/namespaces/ml-training/deployments/x")
    assert body["message"] == 'deployments.apps "x" not found'
    server.forbid("nodes")
    status, body, _headers = call(server, "/api/v1/nodes")
    assert status == 403
    assert (
        body["message"]
        == 'nodes is forbidden: User "dev" cannot list resource "nodes" in API group "" at the cluster scope'
    )
    server.fail("pods", 429, retry_after=3)
    status, body, headers = call(server, "/api/v1/pods")
    assert (status, body["reason"], headers["Retry-After"], body["details"]) == (
        429,
        "TooManyRequests",
        "3",
        {"retryAfterSeconds": 3},
    )


def test_lists_page_like_the_api_server(server: ApiServer) -> None:
    status, first, _headers = call(server, "/api/v1/pods?limit=2")
    assert status == 200
    assert first["kind"] == "PodList"
    assert [item["metadata"]["namespace"] + "/" + item["metadata"]["name"] for item in first["items"]] == [
        "ml-serving/llm-server-6d5f8b7c9d-x2k4p",
        "ml-training/finetune-70b-x7k2p",
    ]
    assert first["metadata"]["remainingItemCount"] == 3
    version, start = decode_continue(first["metadata"]["continue"])
    assert (str(version), start) == (first["metadata"]["resourceVersion"], "ml-training/finetune-70b-x7k2p\x00")
    _status, second, _headers = call(server, f"/api/v1/pods?limit=2&continue={first['metadata']['continue']}")
    _status, third, _headers = call(server, f"/api/v1/pods?limit=2&continue={second['metadata']['continue']}")
    assert "continue" not in third["metadata"]
    assert len(first["items"] + second["items"] + third["items"]) == 5
    status, body, _headers = call(server, "/api/v1/pods?limit=2&continue=not-a-token")
    assert status == 400
    assert body["message"].startswith("continue key is not valid")


def test_selectors_like_the_api_server(server: ApiServer) -> None:
    _status, body, _headers = call(
        server, "/api/v1/namespaces/ml-training/pods?labelSelector=app%20in%20(trainer,notebook)"
    )
    assert sorted(item["metadata"]["name"] for item in body["items"]) == ["notebook-0", "trainer-0"]
    _status, body, _headers = call(
        server, "/api/v1/pods?fieldSelector=status.phase%3DPending,metadata.namespace%3Dml-training"
    )
    assert [item["metadata"]["name"] for item in body["items"]] == ["finetune-70b-x7k2p"]
    status, body, _headers = call(server, "/api/v1/events?fieldSelector=involvedObject.colour%3Dred")
    assert status == 400
    assert body["message"] == "field label not supported: involvedObject.colour"


def test_log_errors_like_the_kubelet(server: ApiServer) -> None:
    status, text, headers = call(server, "/api/v1/namespaces/ml-training/pods/trainer-0/log?tailLines=1")
    assert (status, headers["Content-Type"]) == (200, "text/plain")
    assert text.startswith("FileNotFoundError")
    status, body, _headers = call(
        server, "/api/v1/namespaces/ml-training/pods/notebook-0/log?container=notebook&previous=true"
    )
    assert (status, body["reason"]) == (400, "BadRequest")
    assert body["message"] == 'previous terminated container "notebook" in pod "notebook-0" not found'
    status, body, _headers = call(server, "/api/v1/namespaces/ml-training/pods/notebook-0/log?container=sidecar")
    assert body["message"] == "container sidecar is not valid for pod notebook-0"


def test_namespaces_are_served(server: ApiServer) -> None:
    _status, body, _headers = call(server, "/api/v1/namespaces")
    assert [item["metadata"]["name"] for item in body["items"]] == [
        "default",
        "kube-system",
        "ml-serving",
        "ml-training",
    ]


def test_the_python_client_over_tls(tmp_path: Path) -> None:
    with ApiServer.from_snapshot(CLUSTER, tls=True) as server:
        assert server.url.startswith("https://")
        config = server.write_kubeconfig(tmp_path)
        source = LiveSource(kubeconfig=str(config), context=None, request_timeout=5.0, environ=os.environ)
        assert source.get("Pod", "ml-training", "trainer-0")["metadata"]["name"] == "trainer-0"
        untrusted = write_kubeconfig(tmp_path / "untrusted", server.url)
        with pytest.raises(Exception, match="TLS certificate not trusted"):
            LiveSource(kubeconfig=str(untrusted), context=None, request_timeout=5.0, environ=os.environ).get(
                "Pod", "ml-training", "trainer-0"
            )


@pytest.mark.kubectl
@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_kubectl_reads_the_server_as_a_real_one(tmp_path: Path) -> None:
    assert KUBECTL is not None
    with ApiServer.from_snapshot(CLUSTER, tls=True) as server:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "KUBECONFIG": str(server.write_kubeconfig(tmp_path))}

        def kubectl(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([KUBECTL, *args], env=env, capture_output=True, text=True, timeout=30, check=False)

        pods = kubectl("get", "pods", "-A", "-o", "json", "--chunk-size=2")
        assert pods.returncode == 0, pods.stderr
        assert len(json.loads(pods.stdout)["items"]) == 5
        previous = kubectl("logs", "trainer-0", "--previous", "--tail=1")
        assert previous.stdout.startswith("FileNotFoundError"), previous.stderr
        missing = kubectl("get", "pod", "nope")
        assert missing.stderr.strip() == 'Error from server (NotFound): pods "nope" not found'
        waiting = kubectl("logs", "llm-server-6d5f8b7c9d-x2k4p", "-n", "ml-serving")
        assert waiting.stderr.strip() == (
            'Error from server (BadRequest): container "vllm" in pod "llm-server-6d5f8b7c9d-x2k4p" '
            "is waiting to start: trying and failing to pull image"
        )
        described = kubectl("describe", "pod", "trainer-0")
        assert "Back-off restarting failed container trainer" in described.stdout, described.stderr
        deleted = kubectl("delete", "pod", "trainer-0", "--wait=false")
        assert "MethodNotAllowed" in deleted.stderr
        assert "DELETE" in {request.method for request in server.requests}
