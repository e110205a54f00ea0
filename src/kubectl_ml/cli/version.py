"""``kubectl ml version``: the plugin's version and, when reachable, the server's."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from kubectl_ml import __version__
from kubectl_ml.cli._options import Context, Kubeconfig


def version(
    client: Annotated[
        bool, typer.Option("--client", help="Only the plugin's version; do not contact the server.")
    ] = False,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
) -> None:
    """Print the plugin version and, when the cluster answers within 2 s, the server version."""
    print(f"kubectl-ml: {__version__}")
    if client:
        return
    from kubectl_ml.sources.server_version import fetch_server_version

    print(f"server: {fetch_server_version(kubeconfig, context, os.environ) or 'not reachable'}")
