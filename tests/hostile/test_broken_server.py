"""An API server (or a proxy before it) that answers wrongly: a clear error or a partial answer, never a hang.

A real HTTP server on a real socket answers with canned bodies; the real live source reads them.
"""

from __future__ import annotations

import json
import os
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from kubectl_ml.errors import ApiError, UnreachableError
from kubectl_ml.flows import rightsize as rightsize_flow
from kubectl_ml.rightsize.settings import RightsizeSettings
from kubectl_ml.sources.live import LiveSource
from kubectl_ml.sources.metrics_file import MetricsFileSource
from tests.conftest import FIXTURES
from tests.live.inprocess import assert_short_error, run
from tests.support.apiserver import ApiServer, write_kubeconfig
from tests.support.fixtures import CLUSTER
from tests.support.objects import pod

POD = {
    "metadata": {"name": "trainer-0", "namespace": "ml", "uid": "u-1"},
    "spec": {"containers": [{"name": "trainer", "image": "busybox:1.36"}]},
    "status": {"phase": "Running"},
}


class _Canned(BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, Any]] = {}
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.hits.append(self.path)
        body = self.pages.get(path)
        if body is None:
            self.send_response(404)
            payload = json.dumps({"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404})
        else:
            self.send_response(200)
            payload = json.dumps(body)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *_args: Any) -> None:
        pass


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """An HTTP server on a free local port answering with ``handler``, for the test's duration; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture
def canned(tmp_path: Path) -> Iterator[tuple[type[_Canned], Path]]:
    handler = type("Handler", (_Canned,), {"pages": {}, "hits": []})
    with _serving(handler) as url:
        yield handler, write_kubeconfig(tmp_path, url)


def _source(kubeconfig: Path) -> LiveSource:
    return LiveSource(kubeconfig=str(kubeconfig), context=None, request_timeout=5.0, environ=os.environ)


def test_a_continue_token_seen_twice_stops_the_list(canned: tuple[type[_Canned], Path]) -> None:
    handler, kubeconfig = canned
    handler.pages["/api/v1/namespaces/ml/pods"] = {"kind": "PodList", "metadata": {"continue": "same"}, "items": [POD]}
    with pytest.raises(ApiError, match="same continue token twice"):
        _source(kubeconfig).list("Pod", "ml")
    assert len(handler.hits) == 2  # not 117,487


def test_a_malformed_pod_in_a_list_is_skipped_and_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = {**POD, "metadata": {"name": "broken", "namespace": "ml", "uid": "u-2"}, "spec": {"containers": "x"}}
    pods = [{"kind": "Pod", "apiVersion": "v1", **POD}, {"kind": "Pod", "apiVersion": "v1", **broken}]
    with ApiServer(pods, tls=True) as server:
        kubeconfig = server.write_kubeconfig(tmp_path)
        result = run(capsys, "doctor", "-n", "ml", "--kubeconfig", str(kubeconfig), "-o", "json")
    assert result.code in (0, 1), result.err
    skipped = result.report()["skipped"]
    assert any("Pod ml/broken is malformed (spec.containers is not a list); skipped" in line for line in skipped)


@pytest.mark.parametrize(
    ("resource", "status", "note"),
    [
        ("events", 503, "events: the API server failed (503"),
        ("events", 500, "events: the API server failed (500"),
        ("replicasets.apps", 404, "replicasets: not found (404)"),
        ("deployments.apps", 429, "deployments: the API server failed (429"),
        ("pods/log", 503, "logs:"),
    ],
)
def test_optional_reads_that_fail_give_a_partial_answer(
    resource: str, status: int, note: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 11: a 5xx on events aborted the run where a 403 gave a partial answer."""
    crashed = {
        **POD,
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "trainer",
                    "restartCount": 4,
                    "ready": False,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 1m20s"}},
                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}},
                }
            ],
        },
    }
    with ApiServer([{"kind": "Pod", "apiVersion": "v1", **crashed}], tls=True) as server:
        server.fail(resource, status, retry_after=0 if status == 429 else None)
        result = run(capsys, "doctor", "-n", "ml", "--kubeconfig", str(server.write_kubeconfig(tmp_path)), "-o", "json")
    assert result.code == 1, result.err
    document = result.report()
    assert [finding["code"] for finding in document["findings"]] == ["crash-loop"]
    assert any(line.startswith(note) for line in document["skipped"]), document["skipped"]


class _Drip(BaseHTTPRequestHandler):
    """Answers 200 and then sends a valid list 200 bytes at a time, one piece every half second."""

    def do_GET(self) -> None:
        body = json.dumps({"kind": "PodList", "metadata": {}, "items": [POD] * 20}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for start in range(0, len(body), 200):
            try:
                self.wfile.write(body[start : start + 200])
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.5)

    def log_message(self, *_args: Any) -> None:
        pass


def test_request_timeout_bounds_the_whole_request_not_each_read(tmp_path: Path) -> None:
    """issue 11: a body that drips 200 B every 0.5 s ran 62 s at --request-timeout 1s."""
    with _serving(_Drip) as url:
        kubeconfig = write_kubeconfig(tmp_path, url)
        source = LiveSource(kubeconfig=str(kubeconfig), context=None, request_timeout=1.0, environ=os.environ)
        started = time.monotonic()
        with pytest.raises(UnreachableError, match="did not finish answering"):
            source.list("Pod", "ml")
        assert time.monotonic() - started < 3.0


class _Silent(BaseHTTPRequestHandler):
    """Accepts the request and never answers (a Prometheus stuck on a heavy query)."""

    def do_GET(self) -> None:
        time.sleep(30)

    def log_message(self, *_args: Any) -> None:
        pass


def test_rightsize_obeys_request_timeout_against_a_prometheus_that_hangs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """issue 11: `rightsize --prometheus` waited 120 s whatever --request-timeout said."""
    with _serving(_Silent) as url:
        started = time.monotonic()
        result = run(
            capsys,
            "rightsize",
            "-n",
            "ml-serving",
            "--snapshot",
            str(FIXTURES / "demo"),
            "--prometheus",
            url,
            "--request-timeout",
            "1s",
        )
        elapsed = time.monotonic() - started
    assert result.code == 3, result
    assert "did not answer within 1 s" in result.err
    assert elapsed < 4.0


class _Slow(BaseHTTPRequestHandler):
    """Answers an empty list after 1.5 s: slower than a 1 s timeout, well within kubectl's patience."""

    def do_GET(self) -> None:
        time.sleep(1.5)
        body = json.dumps({"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")  # no kept-alive socket left for the garbage collector
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


def test_request_timeout_names_itself_and_zero_waits_as_kubectl_does(tmp_path: Path) -> None:
    """issue 13: a default timeout that names the flag; `--request-timeout 0` still means none."""
    with _serving(_Slow) as url:
        kubeconfig = write_kubeconfig(tmp_path, url)
        bounded = LiveSource(kubeconfig=str(kubeconfig), context=None, request_timeout=1.0, environ=os.environ)
        with pytest.raises(UnreachableError, match=r"no answer within 1 s \(--request-timeout\)"):
            bounded.list("Pod", "ml")
        patient = LiveSource(kubeconfig=str(kubeconfig), context=None, request_timeout=None, environ=os.environ)
        assert patient.list("Pod", "ml") == []


def test_request_timeout_defaults_to_30_seconds_and_zero_is_none() -> None:
    from kubectl_ml.cli._options import parse_timeout

    assert parse_timeout(None) == 30.0
    assert parse_timeout("0") is None
    assert parse_timeout("1m") == 60.0


class _Expiring(BaseHTTPRequestHandler):
    """Pages a list; the first request with a continue token gets 410 Gone (an expired token)."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        second = {**POD, "metadata": {"name": "trainer-1", "namespace": "ml", "uid": "u-2"}}
        if "continue=" in self.path and sum("continue=" in hit for hit in self.hits) == 1:
            self.send_response(410)
            body: dict[str, Any] = {
                "kind": "Status",
                "status": "Failure",
                "reason": "Expired",
                "code": 410,
                "message": "The provided continue parameter is too old to display a consistent list result.",
            }
        elif "continue=" in self.path:
            self.send_response(200)
            body = {"kind": "PodList", "metadata": {}, "items": [second]}
        else:
            self.send_response(200)
            body = {"kind": "PodList", "metadata": {"continue": "t1"}, "items": [POD]}
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *_args: Any) -> None:
        pass


def test_an_expired_continue_token_relists_once(tmp_path: Path) -> None:
    with _serving(_Expiring) as url:
        kubeconfig = write_kubeconfig(tmp_path, url)
        items = _source(kubeconfig).list("Pod", "ml")
    assert [item["metadata"]["name"] for item in items] == ["trainer-0", "trainer-1"]
    assert len(_Expiring.hits) == 4  # page 1, 410, page 1 again, page 2


def test_ctrl_c_while_logs_are_fetched_ends_the_run_at_once(tmp_path: Path) -> None:
    """issue 11: Ctrl-C was ignored while logs were fetched (the reads in flight were waited for)."""
    import shutil
    import signal
    import subprocess
    import sys

    crashed = []
    for index in range(3):
        pod = json.loads(json.dumps(POD))
        pod["metadata"] = {"name": f"trainer-{index}", "namespace": "ml", "uid": f"u-{index}"}
        pod["spec"]["nodeName"] = "node-1"
        pod["status"] = {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "trainer",
                    "restartCount": 2,
                    "ready": False,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {
                        "terminated": {"exitCode": 1, "reason": "Error", "containerID": f"containerd://{index}"}
                    },
                }
            ],
        }
        crashed.append({"kind": "Pod", "apiVersion": "v1", **pod})
    plugin = shutil.which("kubectl-ml", path=str(Path(sys.executable).parent))
    assert plugin is not None
    with ApiServer(crashed, tls=True) as server:
        server.delay("pods/log", 30)
        kubeconfig = server.write_kubeconfig(tmp_path)
        process = subprocess.Popen(
            [plugin, "doctor", "-n", "ml", "--kubeconfig", str(kubeconfig)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 20
        while not any(request.path.endswith("/log") for request in server.requests) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=10)
        elapsed = time.monotonic() - sent
    assert process.returncode == 130, err
    assert elapsed < 1.5, elapsed
    assert "Traceback" not in err


def test_insecure_skip_tls_verify_is_said_once_not_per_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 11: `insecure-skip-tls-verify` printed urllib3's warning 16 times in one scan."""
    import warnings

    import yaml

    with ApiServer([{"kind": "Pod", "apiVersion": "v1", **POD}], tls=True) as server:
        path = server.write_kubeconfig(tmp_path)
        config = yaml.safe_load(path.read_text())
        cluster = config["clusters"][0]["cluster"]
        cluster.pop("certificate-authority-data", None)
        cluster["insecure-skip-tls-verify"] = True
        path.write_text(yaml.safe_dump(config))
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            result = run(capsys, "doctor", "-n", "ml", "--kubeconfig", str(path), "-o", "json")
    assert result.code in (0, 1), result.err
    assert result.err.count("TLS verification off") == 1, result.err
    assert "InsecureRequestWarning" not in result.err


# -- found by the fuzzer (tests/hostile/test_fuzz_live.py) -------------------------------------------


def test_an_answer_nested_past_the_decoder_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A RecursionError escaped every `except ValueError` around the decode: exit 4 instead of exit 3.
    with ApiServer([{"kind": "Pod", "apiVersion": "v1", **POD}], tls=True) as server:
        server.rewrite("pods", lambda _status, _body, _type: (200, b"[" * 100_000, "application/json"))
        result = run(capsys, "doctor", "-n", "ml", "--kubeconfig", str(server.write_kubeconfig(tmp_path)))
    assert_short_error(result, "not JSON")


def test_a_discovery_answer_of_the_wrong_shape_serves_no_operator_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def wrong_versions(status: int, body: bytes, content_type: str) -> tuple[int, bytes, str]:
        document = json.loads(body)
        for group in document.get("groups", []):
            group["versions"] = -1
        return status, json.dumps(document).encode(), content_type

    with ApiServer.from_snapshot(CLUSTER, tls=True) as server:
        server.rewrite("/apis", wrong_versions)
        result = run(capsys, "doctor", "-A", "--kubeconfig", str(server.write_kubeconfig(tmp_path)), "-o", "json")
    assert result.code in (0, 1), result.err
    assert result.report()["findings"]  # the built-in kinds are still read and judged


def test_a_token_an_http_header_cannot_carry_is_named_not_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "abc\u202edef"
    with ApiServer([], tls=True) as server:
        kubeconfig = server.write_kubeconfig(tmp_path, token=secret)
        result = run(capsys, "doctor", "-n", "ml", "--kubeconfig", str(kubeconfig))
    assert_short_error(result, "token of context 'fake' holds characters an HTTP header cannot carry")
    assert secret not in result.err
    assert not server.requests


def test_a_server_without_a_scheme_is_https_when_tls_is_configured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # client-go's DefaultServerURL; urllib3 warned (FutureWarning) and would refuse such URLs in v3.
    with ApiServer([{"kind": "Pod", "apiVersion": "v1", **POD}], tls=True) as server:
        kubeconfig = server.write_kubeconfig(tmp_path)
        kubeconfig.write_text(kubeconfig.read_text().replace(server.url, server.url.removeprefix("https://")))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a warning is then an internal error, exit 4
            result = run(capsys, "doctor", "-n", "ml", "--kubeconfig", str(kubeconfig), "-o", "json")
    assert result.code == 0, result.err
    assert server.requests
    assert all(request.authorized for request in server.requests)


PENDING = pod(
    containers=[
        {
            "name": "trainer",
            "image": "busybox:1.36",
            "resources": {"requests": {"nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "1"}},
        }
    ],
    volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
    status={
        "phase": "Pending",
        "conditions": [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                # kube-scheduler 1.27+ wording (doctor-anchors §4).
                "message": "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are "
                "available: 3 No preemption victims found for incoming pod.",
            }
        ],
    },
)


@pytest.mark.parametrize(
    ("resource", "fault", "note"),
    [
        ("nodes", 503, "nodes: the API server failed (503"),
        (
            "nodes",
            "slow",
            "nodes: timed out: no answer within 1 s (--request-timeout); whether a request could ever fit",
        ),
        ("persistentvolumeclaims", 500, "persistentvolumeclaims: the API server failed (500"),
        ("persistentvolumeclaims", "slow", "persistentvolumeclaims: timed out: no answer within 1 s"),
    ],
)
def test_nodes_and_claims_that_fail_or_time_out_give_a_partial_answer(
    resource: str, fault: int | str, note: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ApiServer([PENDING], tls=True) as server:
        if fault == "slow":
            server.delay(f"/api/v1/{resource}" if resource == "nodes" else resource, 3.0)
        else:
            server.fail(resource, int(fault))
        kubeconfig = str(server.write_kubeconfig(tmp_path))
        started = time.monotonic()
        result = run(capsys, "doctor", "-n", "ml", "--kubeconfig", kubeconfig, "--request-timeout", "1s", "-o", "json")
        elapsed = time.monotonic() - started
    assert result.code == 1, result.err
    document = result.report()
    assert [finding["code"] for finding in document["findings"]] == ["insufficient-resources"]
    assert any(line.startswith(note) for line in document["skipped"]), document["skipped"]
    assert elapsed < 2.9  # the slow read was given up at the timeout, not waited out


@pytest.mark.parametrize(
    ("status", "note"),
    [
        (403, "deployments: forbidden (needs list on deployments in ml-serving); their templates were not checked"),
        (503, "deployments: the API server failed (503"),
    ],
)
def test_gpu_reads_workloads_through_the_view_and_says_what_failed(
    status: int, note: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 14: gpu named a forbidden kind its own way and aborted on a 5xx; now it answers as doctor does."""
    with ApiServer.from_snapshot(FIXTURES / "demo", tls=True) as server:
        server.fail("deployments.apps", status)
        kubeconfig = str(server.write_kubeconfig(tmp_path))
        result = run(capsys, "gpu", "-n", "ml-serving", "--kubeconfig", kubeconfig, "-o", "json")
    assert result.code in (0, 1), result.err
    document = result.report()
    assert any(line.startswith(note) for line in document["skipped"]), document["skipped"]
    assert document["nodes"], "the nodes were still read and checked"


def test_rightsize_reads_workloads_through_the_view_and_says_what_failed(tmp_path: Path) -> None:
    """issue 14: the same for rightsize: the pods are still sized, grouped without their Deployments."""
    with ApiServer.from_snapshot(FIXTURES / "demo", tls=True) as server:
        server.fail("deployments.apps", 503)
        source = _source(server.write_kubeconfig(tmp_path))
        report = rightsize_flow.rightsize(
            source, MetricsFileSource(FIXTURES / "demo"), "ml-serving", RightsizeSettings()
        )
    assert any(note.startswith("deployments: the API server failed (503") for note in report.notes), report.notes
    assert report.recommendations, "the pods were still sized"


def test_no_green_when_a_read_failed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A namespace without findings, but whose Deployments could not be read, is not "No problems found"."""
    with ApiServer.from_snapshot(FIXTURES / "demo", tls=True) as server:
        server.fail("deployments.apps", 503)
        kubeconfig = str(server.write_kubeconfig(tmp_path))
        gpu = run(capsys, "gpu", "-n", "kube-system", "--kubeconfig", kubeconfig)
        doctor = run(capsys, "doctor", "-n", "kube-system", "--kubeconfig", kubeconfig)
    for result in (gpu, doctor):
        assert "✔ No problems found" not in result.out, result.out
        assert "not everything could be checked: see Skipped below" in result.out
        assert "deployments: the API server failed (503" in result.out
