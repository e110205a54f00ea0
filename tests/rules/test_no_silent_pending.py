"""No false green for a Pending pod: every one with a FailedScheduling event gets a finding (issue 10).

Run over every rule fixture (fixtures/rules/*/{fires,passes}/*) and the demo: whatever the wording of the
scheduler's message, a pod it could not place is never reported as fine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_ml.flows import doctor as doctor_flow
from kubectl_ml.sources.snapshot import SnapshotSource
from tests.conftest import FIXTURES


def _folders() -> list[Path]:
    return [*sorted((FIXTURES / "rules").glob("*/*/*")), FIXTURES / "demo"]


def _pending_with_failed_scheduling(source: SnapshotSource) -> list[tuple[str, str]]:
    events = source.objects.get("Event", [])
    uids = {
        str((event.get("involvedObject") or event.get("regarding") or {}).get("uid"))
        for event in events
        if event.get("reason") == "FailedScheduling"
    }
    found = []
    for pod in source.objects.get("Pod", []):
        metadata, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
        if status.get("phase") != "Pending" or spec.get("nodeName") or spec.get("schedulingGates"):
            continue
        if metadata.get("deletionTimestamp") or str(metadata.get("uid")) not in uids:
            continue
        found.append((str(metadata.get("namespace")), str(metadata.get("name"))))
    return found


@pytest.mark.parametrize("folder", [path for path in _folders() if path.is_dir()], ids=lambda path: path.name)
def test_every_pending_pod_with_a_failed_scheduling_event_gets_a_finding(folder: Path) -> None:
    source = SnapshotSource(folder)
    for namespace, name in _pending_with_failed_scheduling(source):
        report = doctor_flow.doctor_pod(source, namespace, name)
        assert report.findings, f"{folder.relative_to(FIXTURES)}: Pending pod {namespace}/{name} got no finding"
