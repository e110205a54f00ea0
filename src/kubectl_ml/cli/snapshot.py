"""``kubectl ml snapshot DIR``: save the namespace (or -A) as a snapshot folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kubectl_ml.cli._options import AllNamespaces, Context, Kubeconfig, Namespace, NoRedact, RequestTimeout
from kubectl_ml.cli._source import ClusterOptions, namespace_of, open_source, progress
from kubectl_ml.errors import UsageError


def snapshot(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Folder to write (created; must be empty if it exists).")
    ],
    namespace: Namespace = None,
    all_namespaces: AllNamespaces = False,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    request_timeout: RequestTimeout = None,
    logs: Annotated[bool, typer.Option("--logs/--no-logs", help="Save container logs (current and previous).")] = True,
    no_redact: NoRedact = False,
) -> None:
    """Save pods, events, controllers, nodes and logs in the `kubectl cluster-info dump` layout.

    Secrets are never read, and secret-looking values elsewhere are redacted (--no-redact keeps them); files
    are readable by you only. Read it back with --snapshot DIR on any command.
    """
    from kubectl_ml.model.redaction import Redactor
    from kubectl_ml.sources.snapshot_writer import write_snapshot

    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} exists and is not a folder.", "Choose a new folder.")
    if directory.exists() and any(directory.iterdir()):
        raise UsageError(f"{directory} exists and is not empty.", "Choose a new folder.")
    options = ClusterOptions(kubeconfig, context, namespace, all_namespaces, request_timeout, None)
    source = open_source(options)
    scope = namespace_of(options, source)
    with progress("Saving the cluster…"):
        skipped = write_snapshot(
            source, directory, None if scope is None else [scope], with_logs=logs, redactor=Redactor(not no_redact)
        )
    print(f"Snapshot written to {directory}", file=sys.stderr)
    for note in skipped:
        print(f"Skipped: {note}", file=sys.stderr)
