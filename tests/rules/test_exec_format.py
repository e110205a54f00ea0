from __future__ import annotations

import json
from typing import Any

import pytest

from kubectl_ml.flows import doctor as doctor_flow
from kubectl_ml.model.context import PodContext
from kubectl_ml.rules import exec_format
from kubectl_ml.sources.snapshot import SnapshotSource
from tests.rules.cases import RULE_FIXTURES, Case, cases, check_case

ARM64_CASE = RULE_FIXTURES / "exec-format-error" / "fires" / "log-only-arm64-node"


@pytest.mark.parametrize("case", cases("exec-format-error"), ids=lambda case: case.id)
def test_exec_format_cases(case: Case) -> None:
    check_case(case)


def _load(name: str) -> dict[str, Any]:
    return json.loads((ARM64_CASE / name).read_text())["items"][0]  # type: ignore[no-any-return]


def test_exec_format_fires_when_snapshot_has_no_nodes_for_one_pod() -> None:
    folder = RULE_FIXTURES / "exec-format-error" / "fires" / "log-only-without-nodes"
    report = doctor_flow.doctor_pod(SnapshotSource(folder), "ml-training", "trainer-arm-1")
    assert [finding.code for finding in report.findings] == ["exec-format-error"]


def test_exec_format_fires_when_node_has_no_arch_label_using_node_info() -> None:
    node = _load("nodes.json")
    del node["metadata"]["labels"]["kubernetes.io/arch"]
    context = PodContext(
        pod=_load("pods.json"),
        node=node,
        previous_logs={"trainer": (ARM64_CASE / "ml-training/trainer-arm-0/trainer-previous.txt").read_text()},
    )
    finding = next(iter(exec_format.check(context)))
    name = node["metadata"]["name"]
    assert [(item.path, item.value) for item in finding.evidence][1] == (
        f"nodes/{name}.status.nodeInfo.architecture",
        "arm64",
    )
    assert finding.patch == {"spec": {"nodeSelector": {"kubernetes.io/arch": "amd64"}}}


def test_exec_format_fires_when_exec_path_is_a_script_and_mentions_shebang() -> None:
    # The kernel answers ENOEXEC for a script without a `#!` line too (doctor-anchors.md §4.3 `exec <path>: ...`).
    context = PodContext(pod=_load("pods.json"), previous_logs={"trainer": "exec /app/run.sh: exec format error\n"})
    finding = next(iter(exec_format.check(context)))
    assert "If /app/run.sh is a script, check that its first line is a #! interpreter line." in (finding.remedy or "")
    assert finding.patch is None


def test_exec_format_passes_when_the_log_has_no_exec_format_error() -> None:
    context = PodContext(pod=_load("pods.json"), previous_logs={"trainer": "Epoch 1/10\n"})
    assert list(exec_format.check(context)) == []
