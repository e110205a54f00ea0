"""Fixture cases for rule tests.

A case is a folder under ``fixtures/rules/<code>/{fires,passes}/<variant>/`` in the snapshot layout
(DESIGN §3: ``pods.json``, ``events.json``, ``nodes.json``, ``<ns>/<pod>/<container>-previous.txt``, any
extra ``*.json``), plus ``expect.json``:

    {
      "target": "ml-training/trainer-0"            # a pod; or "ml-training/deploy/x"; or "ml-training" (scan)
      "codes": ["oom-killed"],                     # exactly the codes doctor reports for the target
      "evidence": [{"path": "...", "value": "..."}],  # optional: evidence that must be present (verbatim)
      "summary_contains": ["2Gi"],                 # optional: words the summary must contain
      "remedy_contains": ["startupProbe"],         # optional: words the remedy must contain
      "severity": "error",                         # optional: the grade of the finding with the case's code
      "patch": {...},                              # optional: the exact patch (null: none) of the case's code
      "source": "doctor-anchors.md §4.5, ..."      # where the message strings come from
    }

The case runs through the real snapshot source and the real doctor flow, as a user's command would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubectl_ml.flows import doctor as doctor_flow
from kubectl_ml.model.findings import Report
from kubectl_ml.sources.kinds import resolve_kind
from kubectl_ml.sources.snapshot import SnapshotSource

RULE_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"


@dataclass(frozen=True)
class Case:
    code: str
    kind: str  # "fires" or "passes"
    path: Path
    expect: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.code}/{self.kind}/{self.path.name}"


def cases(code: str) -> list[Case]:
    found = []
    for kind in ("fires", "passes"):
        for folder in sorted((RULE_FIXTURES / code / kind).glob("*")):
            if folder.is_dir():
                expect = json.loads((folder / "expect.json").read_text())
                found.append(Case(code, kind, folder, expect))
    return found


def run_case(case: Case) -> Report:
    source = SnapshotSource(case.path)
    parts = case.expect["target"].split("/")
    if len(parts) == 1:
        return doctor_flow.doctor_scan(source, parts[0])
    if len(parts) == 2:
        return doctor_flow.doctor_pod(source, parts[0], parts[1])
    kind = resolve_kind(parts[1])
    assert kind is not None, case.expect["target"]
    return doctor_flow.doctor_workload(source, parts[0], kind.name, parts[2])


def check_case(case: Case) -> None:
    report = run_case(case)
    codes = sorted({finding.code for finding in report.findings})
    expected = sorted(case.expect["codes"])
    assert codes == expected, f"{case.id}: got {codes}, expected {expected}"
    if case.kind == "fires":
        assert case.code in codes
    else:
        assert case.code not in codes
    mine = [finding for finding in report.findings if finding.code == case.code]
    for wanted in case.expect.get("evidence", []):
        present = [(item.path, item.value) for finding in mine for item in finding.evidence]
        assert any(path == wanted["path"] and value == wanted["value"] for path, value in present), (
            f"{case.id}: evidence {wanted} not in {present}"
        )
    for word in case.expect.get("summary_contains", []):
        assert any(word in finding.summary for finding in mine), (
            f"{case.id}: {word!r} not in {[f.summary for f in mine]}"
        )
    if "severity" in case.expect:
        assert [finding.severity.label for finding in mine] == [case.expect["severity"]] * len(mine), case.id
    for word in case.expect.get("remedy_contains", []):
        assert any(word in (finding.remedy or "") for finding in mine), (
            f"{case.id}: {word!r} not in {[f.remedy for f in mine]}"
        )
    if "patch" in case.expect:
        assert next(finding.patch for finding in mine) == case.expect["patch"]
