"""pytest fixtures around the local API server, shared by tests/live and tests/cli (imported by their conftest)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.apiserver import ApiServer

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "fixtures" / "apiserver"


@pytest.fixture
def apiserver() -> Iterator[ApiServer]:
    """The fixtures/apiserver cluster served over HTTPS on a free port; asserts afterwards that only GETs were sent."""
    with ApiServer.from_snapshot(CLUSTER, tls=True) as server:
        yield server
    methods = {request.method for request in server.requests}
    assert methods <= {"GET"}, f"the plugin sent {methods - {'GET'}}: {server.paths()}"


@pytest.fixture
def kubeconfig(apiserver: ApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away kubeconfig for the server, also set as KUBECONFIG."""
    path = apiserver.write_kubeconfig(tmp_path / "kube")
    monkeypatch.setenv("KUBECONFIG", str(path))
    return path


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
