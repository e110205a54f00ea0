"""Exec credential plugins that hang, fail or are interrupted: a clear end, never an unauthenticated run (issue 11)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.live.inprocess import assert_short_error, run
from tests.support.apiserver import DEFAULT_TOKEN, ApiServer
from tests.support.objects import pod

POD = pod()


def _with_plugin(server: ApiServer, folder: Path, body: str) -> Path:
    """The server's kubeconfig with its token user replaced by an exec plugin running ``body`` (Python)."""
    path = server.write_kubeconfig(folder)
    plugin = folder / "plugin.py"
    plugin.write_text(f"#!{sys.executable}\nimport sys, time, json\n{body}\n")
    plugin.chmod(0o755)
    config = yaml.safe_load(path.read_text())
    config["users"][0]["user"] = {
        "exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin), "interactiveMode": "Never"}
    }
    path.write_text(yaml.safe_dump(config))
    return path


CREDENTIAL = (
    'print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", '
    f'"status": {{"token": "{DEFAULT_TOKEN}"}}}}))'
)


def test_a_plugin_that_prints_a_token_authenticates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ApiServer([POD], tls=True) as server:
        config = _with_plugin(server, tmp_path, CREDENTIAL)
        result = run(capsys, "doctor", "-n", "ml", "--kubeconfig", str(config), "-o", "json")
    assert result.code == 0, result.err


def test_a_plugin_that_fails_is_exit_3_with_its_first_stderr_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = 'sys.stderr.write("\\nerror: SSO session expired; run aws sso login\\nmore\\n"); sys.exit(254)'
    with ApiServer([POD], tls=True) as server:
        config = _with_plugin(server, tmp_path, body)
        result = run(capsys, "doctor", "-n", "ml", "--kubeconfig", str(config))
        requests = list(server.requests)
    assert_short_error(result, "failed (exit 254): error: SSO session expired; run aws sso login")
    assert "ERROR:root" not in result.err
    assert requests == []  # never an unauthenticated run


def test_a_plugin_that_hangs_is_stopped_at_the_deadline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "still-running"
    body = f"time.sleep(30); open({str(marker)!r}, 'w').write('x')"
    with ApiServer([POD], tls=True) as server:
        config = _with_plugin(server, tmp_path, body)
        started = time.monotonic()
        result = run(capsys, "doctor", "-n", "ml", "--kubeconfig", str(config), "--request-timeout", "1s")
        elapsed = time.monotonic() - started
    assert_short_error(result, "did not answer within 1s")
    assert elapsed < 3
    time.sleep(0.3)
    assert not marker.exists()  # killed, not orphaned


def test_ctrl_c_during_a_plugin_ends_the_run(tmp_path: Path) -> None:
    started_file = tmp_path / "started"
    body = f"open({str(started_file)!r}, 'w').write('x'); time.sleep(30)"
    plugin_cli = Path(sys.executable).parent / "kubectl-ml"
    with ApiServer([POD], tls=True) as server:
        config = _with_plugin(server, tmp_path, body)
        process = subprocess.Popen(
            [str(plugin_cli), "doctor", "-n", "ml", "--kubeconfig", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ},
        )
        deadline = time.monotonic() + 20
        while not started_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=10)
        elapsed = time.monotonic() - sent
        requests = list(server.requests)
    assert process.returncode == 130, err
    assert elapsed < 1.5
    assert requests == []
