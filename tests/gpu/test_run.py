from __future__ import annotations

import ast
from pathlib import Path

import kubectl_ml.gpu
from kubectl_ml.gpu import CHECKS
from kubectl_ml.model.codes import CODES
from tests.gpu.scenarios import load

GPU_PACKAGE = Path(kubectl_ml.gpu.__file__).parent
FORBIDDEN = {"kubernetes", "typer", "rich", "requests", "yaml", "urllib3", "click", "os", "subprocess", "socket"}


def test_run_gpu_checks_on_every_scenario() -> None:
    expected = {
        "gke": {
            "gpu-node-squatter": 2,
            "request-exceeds-node-capacity": 1,
            "node-selector-mismatch": 1,
            "insufficient-resources": 1,
            "gpu-placement": 3,
        },
        "aks-untainted": {
            "gpu-node-untainted": 1,
            "gpu-node-squatter": 1,
            "gpu-limit-missing": 1,
            "gpu-request-limit-mismatch": 2,
        },
        "aks-tainted": {"untolerated-taint": 1, "gpu-placement": 1},
        "eks-karpenter": {
            "gpu-node-untainted": 1,
            "node-selector-mismatch": 1,
            "untolerated-taint": 1,
            "gpu-placement": 1,
        },
        "mig-shared": {"gpu-resource-unknown": 1, "gpu-placement": 2},
    }
    for scenario, counts in expected.items():
        table, findings = load(scenario).run()
        assert table, scenario
        got: dict[str, int] = {}
        for finding in findings:
            got[finding.code] = got.get(finding.code, 0) + 1
            assert finding.code in CODES
            assert finding.as_dict()["severity"] in ("error", "warning", "info")
        assert got == counts, scenario


def test_templates_the_api_rejects_get_no_placement() -> None:
    _table, findings = load("aks-untainted").run()
    by_workload = {(item.object.name, item.code) for item in findings if item.object.kind != "Node"}
    assert ("embedder", "gpu-limit-missing") in by_workload
    assert ("embedder", "gpu-placement") not in by_workload


def test_checks_document_what_why_and_remedy_and_register_their_codes() -> None:
    for check in CHECKS:
        doc = check.module.__doc__ or ""
        for section in ("What:", "Why it matters:", "Remedy:"):
            assert section in doc, f"{check.id} lacks {section}"
        assert all(code in CODES for code in check.codes)


def test_the_gpu_package_is_pure() -> None:
    for path in GPU_PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not {name.split(".")[0] for name in names} & FORBIDDEN, f"{path.name} imports {names}"
            assert all(
                not name.startswith(("kubectl_ml.cli", "kubectl_ml.sources", "kubectl_ml.render")) for name in names
            )
        assert "open(" not in path.read_text(), path.name
