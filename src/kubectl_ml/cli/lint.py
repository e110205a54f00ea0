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
    from kubectl_ml.errors import ExitCode
    from kubectl_ml.flows.lint import lint_paths

    outcome = lint_paths(paths, config)
    report = outcome.report
    if not emit_document(report.as_dict(), output.value):
        from rich.console import Console

        from kubectl_ml.render.lint import render_lint

        render_lint(report, Console(highlight=False), outcome.files)
    code = exit_code(report, fail_on)
    if code == ExitCode.OK and outcome.incomplete:
        code = ExitCode.SOURCE  # nothing to fail on, but not everything (or nothing at all) could be read
    if outcome.failed:
        code = ExitCode.INTERNAL  # the answer is printed, but a bug of ours left objects unlinted
    raise typer.Exit(code)
