"""Every registered rule, check and lint rule, run alone over every fixture: it emits only the codes its
module declares, and every fix it writes is a sentence.

The registry meta-tests (tests/test_registry.py) check what is declared; this checks what is emitted, so
a module that starts emitting a code it does not declare (or another module's code) fails here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from kubectl_ml.gpu import CHECKS
from kubectl_ml.gpu.context import GpuContext
from kubectl_ml.gpu.nodes import gpu_nodes
from kubectl_ml.lint import RULES as LINT_RULES
from kubectl_ml.lint._common import subjects_of
from kubectl_ml.model.checks import Check, needs_of
from kubectl_ml.model.findings import Finding, Severity
from kubectl_ml.model.pods import needs_diagnosis
from kubectl_ml.rules import RULES
from kubectl_ml.sources.gather import gather_scan
from kubectl_ml.sources.kinds import CONTROLLER_KINDS, OPERATOR_KINDS
from kubectl_ml.sources.manifests import read_manifest_set
from kubectl_ml.sources.snapshot import SnapshotSource
from tests.conftest import FIXTURES

ROOT = FIXTURES.parent


def _snapshot_folders() -> list[Path]:
    """Every snapshot folder among the fixtures: the demo, each rule case, the operators' states."""
    folders = [FIXTURES / "demo"]
    folders += sorted(path.parent for path in (FIXTURES / "rules").glob("*/*/*/expect.json"))
    folders += sorted(path for path in (FIXTURES / "operators" / "status").glob("*") if path.is_dir())
    return folders


def _gpu_folders() -> list[Path]:
    folders = sorted(path for path in (FIXTURES / "gpu").glob("*") if path.is_dir())
    return folders + sorted(path for path in (FIXTURES / "gpu-cases").glob("*/*/*") if path.is_dir())


def _manifest_paths() -> list[str]:
    paths = [FIXTURES / "lint", ROOT / "tests" / "lint" / "corpus", FIXTURES / "lint-cases", FIXTURES / "scaffold"]
    return [str(path) for path in paths if path.exists()]


def _strays(entry: Check, findings: Iterable[Finding]) -> Iterator[str]:
    """What is wrong with findings of ``entry``: a code it does not declare, a fix that is not a sentence."""
    for finding in findings:
        if finding.code not in entry.codes:
            yield f"{entry.id} emitted {finding.code}, which its module does not declare"
        if finding.remedy and not finding.remedy.rstrip().endswith((".", ".)")):
            yield f"{entry.id}/{finding.code}: the fix is not a sentence: {finding.remedy!r}"
        if not finding.remedy and finding.severity > Severity.INFO:
            yield f"{entry.id}/{finding.code}: a {finding.severity.label} with no fix"


def test_doctor_rules_emit_only_their_codes() -> None:
    problems: list[str] = []
    kinds = (*CONTROLLER_KINDS, *OPERATOR_KINDS)
    ran = 0
    for folder in _snapshot_folders():
        view = gather_scan(SnapshotSource(folder), None, needs_of(RULES))
        for pod in view.pods:
            if not needs_diagnosis(pod):
                continue
            context = view.pod_context(pod)
            for rule in RULES:
                if rule.scope == "pod":
                    ran += 1
                    problems += _strays(rule, rule.check(context))
        for workload in view.workload_contexts(kinds):
            for rule in RULES:
                if rule.scope == "workload":
                    ran += 1
                    problems += _strays(rule, rule.check(workload))
    assert ran > 1000, ran  # the fixtures really were read
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.parametrize("folder", _gpu_folders(), ids=lambda path: str(path.relative_to(FIXTURES)))
def test_gpu_checks_emit_only_their_codes(folder: Path) -> None:
    source = SnapshotSource(folder)
    nodes, pods = source.list("Node", None), source.list("Pod", None)
    workloads = [item for kind in (*CONTROLLER_KINDS, *OPERATOR_KINDS) for item in source.list(kind, None)]
    context = GpuContext(nodes, gpu_nodes(nodes, pods), pods, workloads)
    problems = [problem for check in CHECKS for problem in _strays(check, check.check(context))]
    assert not problems, "\n".join(problems)


def test_lint_rules_emit_only_their_codes() -> None:
    manifests = read_manifest_set(_manifest_paths())
    problems: list[str] = []
    subjects = 0
    for item in manifests.objects:
        for subject in subjects_of(item.object):
            subjects += 1
            for rule in LINT_RULES:
                problems += _strays(rule, rule.check(subject))
    assert subjects > 200, subjects
    assert not problems, "\n".join(sorted(set(problems)))
