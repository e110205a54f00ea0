from __future__ import annotations

import pytest

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Finding
from kubectl_ml.rules import evicted
from tests.rules.cases import Case, cases, check_case


@pytest.mark.parametrize("case", cases("evicted"), ids=lambda case: case.id)
def test_evicted_cases(case: Case) -> None:
    check_case(case)


def _check(message: str) -> Finding:
    pod = {
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"nodeName": "node-1", "containers": [{"name": "app"}]},
        "status": {"phase": "Failed", "reason": "Evicted", "message": message},
    }
    [finding] = evicted.check(PodContext(pod=pod))
    return finding


@pytest.mark.parametrize(
    ("message", "summary", "remedy", "container"),
    [
        (
            "The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 9Gi. "
            "Container app was using 41Gi, request is 0, has larger consumption of ephemeral-storage. ",
            "node-1 ran low on ephemeral-storage (container app used 41Gi against a request of 0)",
            "Set requests.ephemeral-storage",
            "app",
        ),
        (
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: 11528Ki. ",
            "node-1 ran low on memory.",
            "Set requests.memory",
            None,
        ),
        (
            "The node was low on resource: pids. Threshold quantity: 1000, available: 812. ",
            "node-1 ran low on pids.",
            "Check node node-1: it ran out of pids.",
            None,
        ),
        (
            "Pod was rejected: The node had condition: [MemoryPressure]. ",
            "had condition MemoryPressure",
            "under pressure",
            None,
        ),
    ],
)
def test_eviction_messages(message: str, summary: str, remedy: str, container: str | None) -> None:
    finding = _check(message)
    assert summary in finding.summary
    assert remedy in finding.remedy
    assert finding.container == container
    assert finding.evidence[1].value == message


def test_only_evicted_pods() -> None:
    pod = {"metadata": {"name": "p"}, "spec": {}, "status": {"phase": "Failed", "reason": "DeadlineExceeded"}}
    assert list(evicted.check(PodContext(pod=pod))) == []
