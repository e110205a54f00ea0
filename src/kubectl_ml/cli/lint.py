"""``kubectl ml lint``: the ML and GPU mistakes in manifests, with file and line."""

from __future__ import annotations

from typing import Annotated

import typer

from kubectl_ml.cli._options import Debug, FailOn, FailOnOption, Output, OutputFormat
from kubectl_ml.cli._output import emit_document, exit_code


def lint(
    paths: Annotated[
        list[str],
        typer.Argument(help="Manifest files or folders (searched recursively for .yaml, .yml, .json); - for stdin."),
    ],
    output: Output = OutputFormat.text,
    fail_on: FailOnOption = FailOn.error,
    debug: Debug = False,
) -> None:
    """Lint YAML/JSON manifests for the ML and GPU mistakes other linters miss.

    Pods and every pod template of every workload kind: Deployment, StatefulSet, DaemonSet, Job, CronJob,
    ...; Kubeflow PyTorchJob/TFJob/MPIJob/..., TrainJob and TrainingRuntimes, JobSet, LeaderWorkerSet,
    RayJob/RayCluster/RayService, KServe InferenceService and ServingRuntimes, Volcano Job, DeploymentConfig.
    Objects of other kinds that hold containers are listed as not checked. Multi-document YAML, JSON, Lists.

    \b
    Examples:
      kubectl ml lint deploy/
      helm template ./chart | kubectl ml lint -
      kubectl ml lint serving.yaml -o json --fail-on warning
    """
    from kubectl_ml.lint import LintInput, lint_manifests
    from kubectl_ml.model.findings import Report
    from kubectl_ml.sources.manifests import load_manifest_objects, manifest_files

    files = manifest_files(paths)
    objects = load_manifest_objects(paths)
    inputs = [LintInput(item.object, item.file, item.line, item.lines) for item in objects]
    result = lint_manifests(inputs)
    report = Report(
        kind="LintReport",
        source={"type": "files", "paths": list(paths)},
        findings=result.findings,
        skipped=result.skipped(),
        checked=result.checked,
    )
    if not emit_document(report.as_dict(), output.value):
        from rich.console import Console

        from kubectl_ml.render.lint import render_lint

        render_lint(report, Console(highlight=False), len(files))
    raise typer.Exit(exit_code(report, fail_on))
