"""Lint's findings on the real-manifest corpus (tests/lint/corpus), against the judged baseline.

``corpus-baseline.yaml`` beside the corpus folder holds every finding lint has given on it, each judged by hand:
``right`` (a user would thank us), ``wrong`` (a user would switch the code off) or ``debatable``, with
the reason. A finding judged wrong that lint no longer gives stays in the baseline with ``gone: true``.
The test (tests/lint/test_corpus.py) fails when a judged-right finding disappears, a gone one comes back,
or a finding nobody judged appears; ``scripts/lint_corpus.py`` prints the
unjudged ones as stubs to judge, and the precision table of docs/lint-precision.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kubectl_ml.lint import RULES, LintInput, lint_manifests
from kubectl_ml.sources.manifests import read_manifest_set

CORPUS = Path(__file__).resolve().parent / "corpus"
BASELINE = CORPUS.parent / "corpus-baseline.yaml"
VERDICTS = ("right", "wrong", "debatable")

Key = tuple[str, str, str, str, int]  # file (in the corpus), code, Kind/name, container, line


@dataclass(frozen=True)
class Seen:
    """A finding of today's run, by the key the baseline judges it under."""

    key: Key
    severity: str
    summary: str

    def stub(self) -> dict[str, Any]:
        """A baseline entry to fill in: the key, what was said, and ``verdict: ?``."""
        file, code, workload, container, line = self.key
        return {
            "file": file,
            "code": code,
            "object": workload,
            "container": container,
            "line": line,
            "severity": self.severity,
            "summary": self.summary,
            "verdict": "?",
            "reason": "",
        }


def run_corpus() -> tuple[list[Seen], list[str]]:
    """Lint the corpus as ``kubectl ml lint tests/lint/corpus`` would: the findings and the skipped lines."""
    manifests = read_manifest_set([str(CORPUS)])
    inputs = [LintInput(item.object, item.file, item.line, item.lines) for item in manifests.objects]
    result = lint_manifests(inputs)
    seen = []
    for finding in result.findings:
        file = Path(finding.object.file or "").resolve().relative_to(CORPUS).as_posix()
        key = (
            file,
            finding.code,
            f"{finding.object.kind}/{finding.object.name}",
            finding.container or "",
            finding.line or 0,
        )
        seen.append(Seen(key, finding.severity.label, finding.summary))
    skipped = [note.replace(str(CORPUS) + "/", "") for note in [p.note() for p in manifests.unreadable]]
    return seen, skipped + result.skipped()


def _key(entry: Mapping[str, Any]) -> Key:
    return (
        str(entry["file"]),
        str(entry["code"]),
        str(entry["object"]),
        str(entry.get("container") or ""),
        int(entry.get("line") or 0),
    )


def load_baseline(path: Path = BASELINE) -> dict[Key, dict[str, Any]]:
    """The judged findings by key (empty when there is no baseline yet)."""
    if not path.is_file():
        return {}
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return {_key(entry): entry for entry in entries}


@dataclass(frozen=True)
class Comparison:
    """Today's run against the baseline."""

    lost: list[dict[str, Any]]  # judged right, no longer found
    back: list[dict[str, Any]]  # judged wrong and gone, found again
    stale: list[dict[str, Any]]  # judged wrong or debatable, no longer found, not yet marked gone
    unjudged: list[Seen]  # found, not in the baseline (or judged "?")
    counts: Counter[str]  # verdicts of today's findings
    by_code: dict[str, Counter[str]]

    def precision(self, *, debatable_as_wrong: bool = False) -> float:
        """Right over right plus wrong (and, if asked, debatable) among today's judged findings."""
        right = self.counts["right"]
        wrong = self.counts["wrong"] + (self.counts["debatable"] if debatable_as_wrong else 0)
        return right / (right + wrong) if right + wrong else 1.0


def compare(seen: Iterable[Seen], baseline: Mapping[Key, Mapping[str, Any]]) -> Comparison:
    """Which judged findings were lost or came back, which are unjudged, and today's verdict counts."""
    today = {item.key: item for item in seen}

    def judged(key: Key) -> str | None:
        # A verdict is on what was said: a finding whose summary changed is judged again.
        entry = baseline.get(key)
        if entry is None or entry.get("verdict") not in VERDICTS:
            return None
        if key in today and entry.get("summary") not in (None, today[key].summary):
            return None
        return str(entry["verdict"])

    # A right finding given up on purpose carries ``dropped: <why>`` (a precision trade-off, said in the docs).
    lost = [
        dict(entry)
        for key, entry in baseline.items()
        if entry.get("verdict") == "right" and key not in today and not entry.get("dropped")
    ]
    # A wrong finding lint stopped giving is kept, marked gone, so that it cannot come back unseen.
    back = [dict(entry) for key, entry in baseline.items() if entry.get("gone") and key in today and judged(key)]
    stale = [dict(entry) for key, entry in baseline.items() if not entry.get("gone") and key not in today]
    stale = [entry for entry in stale if entry.get("verdict") != "right"]
    unjudged = [item for key, item in today.items() if judged(key) is None]
    counts: Counter[str] = Counter()
    by_code: dict[str, Counter[str]] = {}
    for key in today:
        verdict = judged(key) or "unjudged"
        counts[verdict] += 1
        by_code.setdefault(key[1], Counter())[verdict] += 1
    return Comparison(lost, back, stale, unjudged, counts, by_code)


def precision_table(comparison: Comparison) -> str:
    """The Markdown table of docs/lint-precision.md: per code, today's findings by verdict."""
    known = {code for rule in RULES for code in rule.codes}
    lines = ["| code | findings | right | wrong | debatable | precision |", "|---|---|---|---|---|---|"]
    for code in sorted(known):
        counts = comparison.by_code.get(code, Counter())
        total = sum(counts.values())
        right, wrong = counts["right"], counts["wrong"]
        share = f"{right / (right + wrong):.0%}" if right + wrong else "–"
        lines.append(f"| `{code}` | {total} | {right} | {wrong} | {counts['debatable']} | {share} |")
    total = sum(comparison.counts.values())
    lines.append(
        f"| **all** | {total} | {comparison.counts['right']} | {comparison.counts['wrong']} | "
        f"{comparison.counts['debatable']} | {comparison.precision():.0%} |"
    )
    if total:
        right, wrong, debatable = (comparison.counts[verdict] for verdict in VERDICTS)
        lines += [
            "",
            f"Of all {total} findings, {right} ({right / total:.0%}) are right, {wrong} ({wrong / total:.1%}) wrong "
            f"and {debatable} ({debatable / total:.0%}) debatable; counting debatable as wrong, precision is "
            f"{comparison.precision(debatable_as_wrong=True):.0%}.",
        ]
    return "\n".join(lines)
