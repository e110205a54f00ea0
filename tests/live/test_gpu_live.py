"""`kubectl ml gpu` against the local API server: the same report as from the snapshot, GETs only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live.inprocess import run
from tests.support.apiserver import ApiServer
from tests.support.fixtures import CLUSTER


def test_gpu_live_equals_snapshot(capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path) -> None:
    live = run(capsys, "gpu", "-A", "-o", "json", "--fail-on", "never")
    snapshot = run(capsys, "gpu", "-A", "-o", "json", "--fail-on", "never", "--snapshot", str(CLUSTER))
    assert live.code == 0, live.err
    live_document, snapshot_document = live.report(), snapshot.report()
    assert live_document["nodes"]
    assert live_document["nodes"] == snapshot_document["nodes"]
    assert live_document["findings"] == snapshot_document["findings"]
    assert {request.method for request in apiserver.requests} == {"GET"}


def test_gpu_needs_nodes(capsys: pytest.CaptureFixture[str], apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.fail("nodes", 403)
    result = run(capsys, "gpu", "-A")
    assert result.code == 3
    assert "list on nodes" in result.err
