"""Lint on 200 real manifests from 21 projects (tests/lint/corpus), against the findings judged by hand.

Fails when a finding judged right disappears, a finding judged wrong comes back, or a finding nobody has
judged appears (judge it: ``python scripts/lint_corpus.py --stubs F`` writes the entries to fill in),
and when precision on the corpus falls below 9 in 10 (issue 12).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lint.judged import CORPUS, VERDICTS, Comparison, compare, load_baseline, run_corpus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    seen, _skipped = run_corpus()
    return compare(seen, load_baseline())


def test_every_corpus_file_has_its_source_in_the_readme() -> None:
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `?([\w./-]+\.(?:ya?ml|json))`? \|", readme, flags=re.MULTILINE))
    files = {
        path.relative_to(CORPUS).as_posix() for path in CORPUS.rglob("*") if path.suffix in (".yaml", ".yml", ".json")
    }
    assert len(files) >= 100
    assert files == listed
    assert len(re.findall(r"\b[0-9a-f]{40}\b", readme)) >= len(files)  # a commit per file


def test_every_baseline_entry_is_judged_with_a_reason() -> None:
    for key, entry in load_baseline().items():
        assert entry.get("verdict") in VERDICTS, key
        assert str(entry.get("reason") or "").strip(), key


def test_no_finding_judged_right_is_lost(comparison: Comparison) -> None:
    assert comparison.lost == [], "judged right, no longer found: " + "; ".join(
        f"{entry['file']} {entry['code']} {entry['object']}" for entry in comparison.lost
    )


def test_no_finding_judged_wrong_and_fixed_comes_back(comparison: Comparison) -> None:
    assert comparison.back == [], "judged wrong and gone, found again: " + "; ".join(
        f"{entry['file']} {entry['code']} {entry['object']} ({entry['reason']})" for entry in comparison.back
    )


def test_findings_no_longer_given_are_marked_gone(comparison: Comparison) -> None:
    assert comparison.stale == [], (
        "no longer found, mark them gone: true in tests/lint/corpus-baseline.yaml: "
        + "; ".join(f"{entry['file']} {entry['code']} {entry['object']}" for entry in comparison.stale)
    )


def test_every_finding_is_judged(comparison: Comparison) -> None:
    assert comparison.unjudged == [], (
        f"{len(comparison.unjudged)} findings nobody judged, e.g. {comparison.unjudged[0].key}: "
        "run python scripts/lint_corpus.py --stubs F, judge them into tests/lint/corpus-baseline.yaml"
    )


def test_precision_is_at_least_nine_in_ten(comparison: Comparison) -> None:
    assert comparison.precision() >= 0.9, comparison.counts


def test_the_precision_table_in_the_docs_is_current() -> None:
    command = [sys.executable, str(ROOT / "scripts" / "lint_corpus.py"), "--check-docs"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
