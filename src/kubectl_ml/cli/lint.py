"""``kubectl ml lint``: the ML and GPU mistakes in manifests, with file and line."""

from __future__ import annotations

from typing import Annotated

import typer

from kubectl_ml.cli._options import FailOn, FailOnOption, FilesDebug, Output, OutputFormat
from kubectl_ml.cli._output import emit_document, exit_code


def lint(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH...",
            help="Manifest files or folders (searched recursively for .yaml, .yml, .json); - for stdin.",
        ),
    ],
    output: Output = OutputFormat.text,
    fail_on: FailOnOption = FailOn.error,
    config: Annotated[
        str | None,
        typer.Option(
            "--config",
            help="Lint settings (codes off, severities, excluded paths); default: .kubectl-ml.yaml in this folder.",
        ),
    ] = None,
    debug: FilesDebug = False,
) -> None:
    """Lint YAML/JSON manifests for the ML and GPU mistakes other linters miss.

    Pods and every pod template of every workload kind: Deployment, StatefulSet, DaemonSet, Job, CronJob,
    ...; Kubeflow PyTorchJob/TFJob/MPIJob/..., TrainJob and TrainingRuntimes, JobSet, LeaderWorkerSet,
    RayJob/RayCluster/RayService, KServe InferenceService and ServingRuntimes, Volcano Job, DeploymentConfig.
    Objects of other kinds that hold containers are listed as not checked. Multi-document YAML, JSON, Lists.
    A file that cannot be read (a YAML error, a Helm template) is listed and the rest is linted; exit 1 on
    findings at --fail-on, else 3 when something was not read, else 0.

    Turn a code off for one object with an annotation on it or on its pod template, the reason as its
    value: ignore.kubectl-ml.io/shm-missing: "single process". For a whole repository, .kubectl-ml.yaml
    in the current folder (or --config FILE): lint: {disable: [codes], severity: {code: level}, exclude:
    [globs]}. Suppressed findings are counted and listed (-o json).

    \b
    Examples:
      kubectl ml lint deploy/
      helm template ./chart | kubectl ml lint -
      kubectl ml lint serving.yaml -o json --fail-on warning
    """
    import os
    from pathlib import Path

    from kubectl_ml.errors import ExitCode
    from kubectl_ml.lint import RULES, LintConfig, LintInput, lint_manifests
    from kubectl_ml.model.findings import Report
    from kubectl_ml.sources.lint_config import find_lint_config, load_lint_config
    from kubectl_ml.sources.manifests import read_manifest_set

    config_file = find_lint_config(config, Path())
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
    if not emit_document(report.as_dict(), output.value):
        from rich.console import Console

        from kubectl_ml.render.lint import render_lint

        render_lint(report, Console(highlight=False), manifests.files)
    code = exit_code(report, fail_on)
    if code == ExitCode.OK and (manifests.unreadable or nothing):
        code = ExitCode.SOURCE  # nothing to fail on, but not everything (or nothing at all) could be read
    if result.failed:
        code = ExitCode.INTERNAL  # the answer is printed, but a bug of ours left objects unlinted
    raise typer.Exit(code)
