"""``lint``'s flow: paths and a settings file in, one LintReport out.

Reads the manifests (``sources.manifests``) and the settings (``sources.lint_config``), runs the lint
registry and says what it could not read; like the other flows it returns data and never prints.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kubectl_ml.lint import RULES, LintConfig, LintInput, lint_manifests
from kubectl_ml.model.findings import Report
from kubectl_ml.sources.lint_config import find_lint_config, load_lint_config
from kubectl_ml.sources.manifests import read_manifest_set


@dataclass(frozen=True)
class LintOutcome:
    """A lint run: the report, how many files were read, and what the exit code must weigh beyond findings.

    Attributes:
        report: The LintReport (findings, skipped, counts).
        files: Files read, for the text summary.
        incomplete: Something was not read (a YAML error, a Helm template, an unreadable file) or no
            object was found at all: never a green.
        failed: A bug of ours left objects unlinted (the answer is still whole for the others).
    """

    report: Report
    files: int
    incomplete: bool
    failed: bool


def lint_paths(paths: Sequence[str], config: str | None, folder: Path | None = None) -> LintOutcome:
    """Lint the manifests under ``paths`` (``-`` for stdin) with the settings of ``config``.

    Without ``config``, ``.kubectl-ml.yaml`` in ``folder`` (the current one) is used when present.
    """
    config_file = find_lint_config(config, folder or Path())
    settings = (
        load_lint_config(config_file, {code for rule in RULES for code in rule.codes}) if config_file else LintConfig()
    )

    def excluded(path: Path) -> bool:
        return settings.excludes(str(path), os.path.relpath(path, settings.base or "."))

    manifests = read_manifest_set(paths, excluded if settings.exclude else None)
    inputs = [LintInput(item.object, item.file, item.line, item.lines) for item in manifests.objects]
    result = lint_manifests(inputs, settings)
    nothing: list[str] = []
    if not manifests.objects and not manifests.unreadable:
        # Empty standard input (a `helm template` that failed upstream), an empty folder: never a green.
        read = f"{manifests.files} file{'' if manifests.files == 1 else 's'} read" if manifests.files else "no file"
        where = ", ".join("standard input" if path == "-" else path for path in paths)
        nothing.append(f"no Kubernetes object found ({read} in {where}); nothing was linted")
    source: dict[str, object] = {"type": "files", "paths": list(paths)}
    if settings.path:
        source["config"] = settings.path
    report = Report(
        kind="LintReport",
        source=source,
        findings=result.findings,
        skipped=[problem.note() for problem in manifests.unreadable] + nothing + result.skipped(),
        checked=result.checked,
        extra={
            "counts": {
                "files": manifests.files,
                "excluded": manifests.excluded,
                "unreadable": len(manifests.unreadable),
                "objects": len(manifests.objects),
                "checked": result.checked,
                "notChecked": len(result.unknown),
                "suppressed": len(result.suppressed),
            },
            "suppressed": [item.as_dict() for item in result.suppressed],
            # Every object of a kind lint does not know, in full (the skipped line names a few).
            "notChecked": [
                {"kind": kind, "name": name, "file": file, "line": line} for kind, name, file, line in result.unknown
            ],
        },
    )
    return LintOutcome(
        report=report,
        files=manifests.files,
        incomplete=bool(manifests.unreadable or nothing),
        failed=bool(result.failed),
    )
