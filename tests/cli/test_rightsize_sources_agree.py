"""The same numbers from every source for the same data: the demo's metrics.om read locally, and the same
file backfilled into a real Prometheus and queried through ``--prometheus``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.live.inprocess import run
from tests.support.prometheus import serve

DEMO = FIXTURES / "demo"


def test_snapshot_metrics_and_prometheus_give_the_same_recommendations(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    local = run(capsys, "rightsize", "-A", "--snapshot", str(DEMO), "-o", "json")
    assert local.code == 0, local.err
    with serve([DEMO / "metrics.om"], tmp_path) as server:
        remote = run(capsys, "rightsize", "-A", "--snapshot", str(DEMO), "--prometheus", server.url, "-o", "json")
    assert remote.code == 0, remote.err
    assert remote.report()["source"]["type"] == "prometheus"

    def figures(document: dict) -> dict:
        return {
            (row["namespace"], row["workload"]["name"], row["container"]): (
                row["recommended"],
                row["samples"],
                row.get("gpu"),
            )
            for row in document["recommendations"]
        }

    ours, theirs = figures(local.report()), figures(remote.report())
    assert ours == theirs
    assert any(samples for _recommended, samples, _gpu in ours.values())
