"""Which cluster the plugin talks to: kubeconfig files, contexts, KUBECONFIG merging, unreachable servers."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from kubectl_ml.cli import main
from tests.live.inprocess import Run, assert_short_error, run
from tests.support.apiserver import ApiServer, write_kubeconfig
from tests.support.fixtures import CLUSTER, closed_port


def test_unreachable_server_fails_fast(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = write_kubeconfig(tmp_path, f"http://127.0.0.1:{closed_port()}")
    started = time.monotonic()
    result = run(capsys, "doctor", "trainer-0", "--kubeconfig", str(config))
    assert time.monotonic() - started < 5
    assert_short_error(result, "Cannot reach the API server", "connection refused")


def test_tls_to_a_plain_http_server_is_exit_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with ApiServer.from_snapshot(CLUSTER) as plain:
        config = write_kubeconfig(tmp_path, plain.url.replace("http://", "https://"))
        result = run(capsys, "doctor", "trainer-0", "--kubeconfig", str(config))
    assert_short_error(result, "Cannot reach the API server", "TLS handshake failed")


def test_an_untrusted_certificate_is_exit_3(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, tmp_path: Path
) -> None:
    config = write_kubeconfig(tmp_path, apiserver.url)  # no certificate-authority-data
    result = run(capsys, "doctor", "trainer-0", "--kubeconfig", str(config))
    assert_short_error(result, "TLS certificate not trusted", "certificate-authority")


def test_a_token_is_never_sent_over_plain_http(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # As kubectl (kubernetes/kubectl#744): credentials only over TLS. The server then answers 401.
    with ApiServer.from_snapshot(CLUSTER) as plain:
        config = write_kubeconfig(tmp_path, plain.url)
        result = run(capsys, "doctor", "trainer-0", "--kubeconfig", str(config))
        version = run(capsys, "version", "--kubeconfig", str(config))
    assert_short_error(result, "401")
    assert version.out.splitlines()[-1] == "server: not reachable"
    assert plain.requests
    assert not any(request.credentials for request in plain.requests)


def test_plain_http_without_credentials_works(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # `kubectl proxy` serves the API on http://127.0.0.1:8001 and adds the credentials itself.
    with ApiServer.from_snapshot(CLUSTER, require_token=False) as proxy:
        config = write_kubeconfig(tmp_path, proxy.url)
        result = run(capsys, "doctor", "notebook-0", "--kubeconfig", str(config), "-o", "json")
    assert result.code == 0, result


def test_missing_kubeconfig_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run(capsys, "doctor", "x", "--kubeconfig", str(tmp_path / "nope"))
    assert_short_error(result, str(tmp_path / "nope"), "does not exist")


def test_no_kubeconfig_anywhere(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "doctor", "x")  # HOME is an empty folder and KUBECONFIG is unset (tests/conftest.py)
    assert_short_error(result, "No kubeconfig found", "--snapshot")


def test_malformed_kubeconfig_names_the_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("apiVersion: v1\nclusters:\n- name: a\n  cluster: {server: http://x\ncontexts: []\n")
    result = run(capsys, "doctor", "x", "--kubeconfig", str(config))
    assert_short_error(result, str(config), "line ")


def test_unknown_context(capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path) -> None:
    result = run(capsys, "doctor", "trainer-0", "--context", "prod")
    assert_short_error(result, "'prod'", "fake")
    assert apiserver.requests == []


def _two_configs(tmp_path: Path, good: ApiServer, bad: str) -> tuple[Path, Path]:
    first = good.write_kubeconfig(tmp_path / "a", context="good")
    second = write_kubeconfig(tmp_path / "b", bad, context="bad")
    return first, second


def test_first_file_that_sets_current_context_wins(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _two_configs(tmp_path, apiserver, f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), "", str(tmp_path / "missing"), str(second)]))
    result = run(capsys, "doctor", "notebook-0", "-o", "json")
    assert result.code == 0, result
    assert result.report()["source"] == {"type": "live", "context": "good"}
    assert apiserver.requests, "the first file's context was used"
    # The second file's context is still there by name (merged), and it is the unreachable one.
    assert_short_error(run(capsys, "doctor", "notebook-0", "--context", "bad"), "Cannot reach")


def test_current_context_from_a_later_file_when_the_first_sets_none(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_kubeconfig(tmp_path / "a", f"http://127.0.0.1:{closed_port()}", context="other", current_context=None)
    second = apiserver.write_kubeconfig(tmp_path / "b", context="good")
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(second)]))
    result = run(capsys, "doctor", "notebook-0", "-o", "json")
    assert result.code == 0, result
    assert result.report()["source"]["context"] == "good"


def test_same_name_entries_come_whole_from_the_first_file(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both files define the context "fake" (and its cluster and user): the first file's entries win whole.
    first = apiserver.write_kubeconfig(tmp_path / "a", current_context=None)
    second = write_kubeconfig(tmp_path / "b", f"http://127.0.0.1:{closed_port()}", token="second-token")
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(second)]))
    result = run(capsys, "doctor", "notebook-0", "-o", "json")
    assert result.code == 0, result
    assert [request.authorized for request in apiserver.requests] == [True, True]


def test_kubeconfig_flag_disables_merging(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _two_configs(tmp_path, apiserver, f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(second)]))
    result: Run = run(capsys, "doctor", "notebook-0", "--kubeconfig", str(second), "--context", "good")
    assert_short_error(result, "'good'", "known: bad")
    assert apiserver.requests == []
    assert main(["doctor", "notebook-0", "--kubeconfig", str(first), "-o", "json"]) == 0


def test_a_server_that_never_accepts_fails_after_the_connect_timeout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A listening socket whose accept queue is full drops new SYNs: a blackholed API server.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        time.sleep(0.05)
        config = write_kubeconfig(tmp_path, f"http://127.0.0.1:{port}")
        started = time.monotonic()
        result = run(capsys, "doctor", "trainer-0", "--kubeconfig", str(config), "--request-timeout", "0.5")
        elapsed = time.monotonic() - started
        for filler in fillers:
            filler.close()
    assert_short_error(result, "timed out: no connection within 0.5 s (--request-timeout)")
    assert elapsed < 3
