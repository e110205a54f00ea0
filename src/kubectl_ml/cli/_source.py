"""Build the source a command reads from (live or snapshot), and a stderr spinner for slow work."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kubectl_ml.cli._options import parse_timeout
from kubectl_ml.errors import UsageError
from kubectl_ml.sources.base import Source


@dataclass(frozen=True)
class ClusterOptions:
    """The cluster flags every read command takes."""

    kubeconfig: str | None
    context: str | None
    namespace: str | None
    all_namespaces: bool
    request_timeout: str | None
    snapshot: str | None


def open_source(options: ClusterOptions) -> Source:
    """The snapshot when ``--snapshot`` is given, else the live cluster."""
    if options.snapshot:
        if options.kubeconfig or options.context:
            raise UsageError("--snapshot cannot be combined with --kubeconfig or --context.", None)
        from kubectl_ml.sources.snapshot import SnapshotSource

        return SnapshotSource(options.snapshot)
    from kubectl_ml.sources.live import LiveSource

    return LiveSource(
        kubeconfig=options.kubeconfig,
        context=options.context,
        request_timeout=parse_timeout(options.request_timeout),
        environ=os.environ,
    )


def namespace_of(options: ClusterOptions, source: Source) -> str | None:
    """The namespace to read: None for ``-A``, ``-n``, else the context's default."""
    if options.all_namespaces:
        if options.namespace:
            raise UsageError("-A and -n cannot be used together.", None)
        return None
    return options.namespace or source.default_namespace()


@contextmanager
def progress(message: str) -> Iterator[None]:
    """A spinner on stderr while slow work runs, only when stderr is a terminal."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message, spinner="dots"):
        yield
