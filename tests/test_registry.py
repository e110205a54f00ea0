"""Meta-tests: the rule registry, the code registry and the generated docs stay consistent."""

from __future__ import annotations

import ast
import importlib
import string
import subprocess
import sys
from pathlib import Path

import pytest

from kubectl_ml.flows import gpu as gpu_flow
from kubectl_ml.flows.lint import lint_paths
from kubectl_ml.gpu import CHECKS
from kubectl_ml.lint import RULES as LINT_RULES
from kubectl_ml.model.checks import Check
from kubectl_ml.model.codes import CODES
from kubectl_ml.rules import RULES
from kubectl_ml.sources.snapshot import SnapshotSource

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("package", "registry"), [("rules", RULES), ("gpu", CHECKS), ("lint", LINT_RULES)], ids=["rules", "gpu", "lint"]
)
def test_every_module_that_declares_codes_is_registered(package: str, registry: tuple[Check, ...]) -> None:
    """A rule written but not added to its registry never runs: its codes would be documented and dead."""
    registered = {entry.module.__name__ for entry in registry}
    declaring = set()
    for path in sorted((ROOT / "src" / "kubectl_ml" / package).glob("*.py")):
        name = f"kubectl_ml.{package}.{path.stem}"
        module = importlib.import_module(name)
        if "CODES" in vars(module) and callable(vars(module).get("check")):
            declaring.add(name)
    assert declaring == registered, f"not registered: {declaring - registered}; not rules: {registered - declaring}"
    assert len({entry.id for entry in registry}) == len(registry), "two entries share an id"


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_links_its_docs(code: str) -> None:
    assert CODES[code].docs.startswith("https://"), code


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_fix_and_variant_is_a_sentence_with_named_placeholders(code: str) -> None:
    info = CODES[code]
    for name, text in {"(usual)": info.fix, **info.variants}.items():
        if not text and name == "(usual)":
            continue  # an information may have no fix
        assert text.endswith("."), (code, name)
        fields = [field for _literal, field, _spec, _conversion in string.Formatter().parse(text) if field is not None]
        assert all(field.isidentifier() for field in fields), (code, name, fields)


def test_no_module_writes_a_fix_at_the_call() -> None:
    """issue 14: every fix a user reads is a registered text (a code's fix or one of its variants)."""
    package = ROOT / "src" / "kubectl_ml"
    writing = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name not in ("codes.py", "redaction.py") and "remedy=" in path.read_text(encoding="utf-8")
    )
    assert not writing, f"name a variant of the code instead: {writing}"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_rule_module_documents_what_why_and_remedy(rule) -> None:
    doc = rule.module.__doc__ or ""
    for section in ("What:", "Why it matters:", "Remedy:"):
        assert section in doc, f"{rule.id} lacks {section}"


def test_every_code_is_emitted_by_exactly_one_rule() -> None:
    """One doctor rule per code, one GPU check and one lint rule per code; codes are shared between the sides.

    (doctor reads scheduling problems from events, gpu computes them from specs: the same code.)
    """
    by_rules = [code for rule in RULES for code in rule.codes]
    by_checks = [code for check in CHECKS for code in check.codes]
    by_lint = [code for rule in LINT_RULES for code in rule.codes]
    assert sorted(by_rules) == sorted(set(by_rules)), "a code is claimed by two rules"
    assert sorted(by_checks) == sorted(set(by_checks)), "a code is claimed by two GPU checks"
    assert sorted(by_lint) == sorted(set(by_lint)), "a code is claimed by two lint rules"
    emitted = set(by_rules) | set(by_checks) | set(by_lint)
    assert emitted == set(CODES), f"unregistered: {emitted - set(CODES)}; unused: {set(CODES) - emitted}"


@pytest.mark.parametrize("code", sorted(CODES))
def test_code_texts_are_sentences(code: str) -> None:
    info = CODES[code]
    assert code == code.lower()
    assert " " not in code
    assert info.meaning.endswith("."), code
    # A fix is a sentence; only an information may have none (no "fix: Nothing to fix." line, issue 13).
    assert info.fix.endswith(".") or (not info.fix and info.severity.label == "info"), code


def test_generated_docs_are_up_to_date() -> None:
    command = [sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


DOCTOR_CODES = sorted({code for rule in RULES for code in rule.codes})


@pytest.mark.parametrize("code", DOCTOR_CODES)
def test_every_code_has_fires_and_passes_fixtures(code: str) -> None:
    folder = ROOT / "fixtures" / "rules" / code
    assert list((folder / "fires").glob("*/expect.json")), f"no fires case for {code}"
    assert list((folder / "passes").glob("*/expect.json")), f"no passes case for {code}"


GPU_CODES = sorted({code for check in CHECKS for code in check.codes})
GPU_CASES = ROOT / "fixtures" / "gpu-cases"


def _gpu_codes(folder: Path) -> set[str]:
    report = gpu_flow.gpu_report(SnapshotSource(folder), None)
    assert report.checked >= 1, f"{folder}: nothing was checked"
    assert report.extra["nodes"], f"{folder}: no GPU node"
    return {finding.code for finding in report.findings}


@pytest.mark.parametrize("code", GPU_CODES)
def test_every_gpu_code_fires_and_passes_on_its_cluster_cases(code: str) -> None:
    """fixtures/gpu-cases/<code>/fires/* report the code; passes/* (the same, corrected) do not."""
    fires = sorted(path for path in (GPU_CASES / code / "fires").glob("*") if path.is_dir())
    passes = sorted(path for path in (GPU_CASES / code / "passes").glob("*") if path.is_dir())
    assert fires, f"no fires case for {code}"
    assert passes, f"no passes case for {code}"
    for folder in fires:
        assert code in _gpu_codes(folder), folder
    for folder in passes:
        assert code not in _gpu_codes(folder), folder


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.id)
def test_gpu_check_documents_what_why_and_remedy_and_has_a_test_module(check) -> None:
    doc = check.module.__doc__ or ""
    for section in ("What:", "Why it matters:", "Remedy:"):
        assert section in doc, f"{check.id} lacks {section}"
    module = check.module.__name__.rsplit(".", 1)[-1]
    assert (ROOT / "tests" / "gpu" / f"test_{module}.py").exists(), module


def test_every_rule_has_a_test_module() -> None:
    for rule in RULES:
        module = rule.module.__name__.rsplit(".", 1)[-1]
        assert (ROOT / "tests" / "rules" / f"test_{module}.py").exists(), module


LINT_CODES = sorted({code for rule in LINT_RULES for code in rule.codes})


LINT_CASES = ROOT / "fixtures" / "lint-cases"


@pytest.mark.parametrize("code", LINT_CODES)
def test_every_lint_code_fires_and_passes_on_its_manifests(code: str) -> None:
    """fixtures/lint-cases/<code>/fires/*.yaml give the code; passes/*.yaml (the same, fixed) do not."""
    fires = sorted((LINT_CASES / code / "fires").glob("*.yaml"))
    passes = sorted((LINT_CASES / code / "passes").glob("*.yaml"))
    assert fires, f"no fires case for {code}"
    assert passes, f"no passes case for {code}"
    for path in [*fires, *passes]:
        outcome = lint_paths([str(path)], None, ROOT)
        assert outcome.report.checked >= 1, f"{path}: nothing was linted ({outcome.report.skipped})"
        assert not outcome.incomplete, f"{path}: {outcome.report.skipped}"
        codes = {finding.code for finding in outcome.report.findings}
        assert (code in codes) == (path.parent.name == "fires"), f"{path}: {sorted(codes)}"


@pytest.mark.parametrize("rule", LINT_RULES, ids=lambda rule: rule.id)
def test_lint_rule_documents_what_why_and_remedy(rule) -> None:
    assert rule.id == rule.module.__name__.rsplit(".", 1)[-1].replace("_", "-")
    doc = rule.module.__doc__ or ""
    for section in ("What:", "Why it matters:", "Remedy:"):
        assert section in doc, f"{rule.id} lacks {section}"


def test_no_module_over_500_lines_unless_it_says_why() -> None:
    """issue 14: a long module is split, or its docstring gives the reason it must be one."""
    for path in sorted((ROOT / "src" / "kubectl_ml").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 500:
            doc = ast.get_docstring(ast.parse(text)) or ""
            assert "Why one module of this size:" in doc, f"{path.relative_to(ROOT)} has {text.count(chr(10))} lines"
