"""``kubectl ml snapshot DIR``: save the namespace (or -A) as a snapshot folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kubectl_ml.cli._options import AllNamespaces, Context, Kubeconfig, Namespace, NoRedact, RequestTimeout
from kubectl_ml.cli._source import ClusterOptions, namespace_of, open_source, progress


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
    from kubectl_ml.flows.snapshot import check_target, save_snapshot

    check_target(directory)
    options = ClusterOptions(kubeconfig, context, namespace, all_namespaces, request_timeout, None)
    source = open_source(options)
    scope = namespace_of(options, source)
    with progress("Saving the cluster…"):
        skipped = save_snapshot(source, directory, scope, with_logs=logs, redact=not no_redact)
    print(f"Snapshot written to {directory}", file=sys.stderr)
    for note in skipped:
        print(f"Skipped: {note}", file=sys.stderr)
