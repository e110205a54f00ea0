"""Options shared by every command, as ``Annotated`` aliases (one definition, used everywhere).

kubectl passes every flag after the plugin name through to us, so we parse kubectl's usual flags
ourselves: ``--kubeconfig``, ``--context``, ``-n``, ``-A``, ``--request-timeout``.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated

import typer

from kubectl_ml.errors import UsageError


class OutputFormat(str, Enum):
    """``-o`` values of the read commands."""

    text = "text"
    json = "json"
    yaml = "yaml"


class FailOn(str, Enum):
    """``--fail-on`` values."""

    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


Kubeconfig = Annotated[
    str | None,
    typer.Option(
        "--kubeconfig",
        help="The kubeconfig file to use, instead of KUBECONFIG or ~/.kube/config.",
        rich_help_panel="Cluster",
    ),
]
Context = Annotated[
    str | None, typer.Option("--context", help="The kubeconfig context to use.", rich_help_panel="Cluster")
]


def _namespace(value: str | None) -> str | None:
    """A namespace never starts with ``-``: ``doctor -n --snapshot D`` forgot the namespace."""
    if value is not None and value.startswith("-"):
        raise typer.BadParameter(f"{value!r} is an option, not a namespace: give the namespace after -n.")
    return value


Namespace = Annotated[
    str | None,
    typer.Option(
        "--namespace",
        "-n",
        help="Namespace (default: the context's).",
        rich_help_panel="Cluster",
        callback=_namespace,
    ),
]
AllNamespaces = Annotated[
    bool, typer.Option("--all-namespaces", "-A", help="Every namespace.", rich_help_panel="Cluster")
]
# The API server's answer to each request is waited for this long unless --request-timeout says otherwise
# (issue 13): kubectl waits forever by default, and a server that accepts and never answers then hangs a
# run that people expect to end; 30 s is far beyond any healthy API server's answer to one list page.
DEFAULT_REQUEST_TIMEOUT = 30.0
RequestTimeout = Annotated[
    str | None,
    typer.Option(
        "--request-timeout",
        help="Give up on a request after this long, e.g. 10s, 1m; 0 waits forever, as kubectl does. [default: 30s]",
        metavar="DURATION",
        rich_help_panel="Cluster",
    ),
]
Snapshot = Annotated[
    str | None,
    typer.Option(
        "--snapshot",
        help="Read a saved cluster folder instead of the live cluster.",
        rich_help_panel="Cluster",
    ),
]
Output = Annotated[OutputFormat, typer.Option("--output", "-o", help="Output format.", case_sensitive=False)]
FailOnOption = Annotated[
    FailOn,
    typer.Option("--fail-on", help="Exit 1 when a finding is at least this severe.", case_sensitive=False),
]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks and the API requests sent.")]
# For commands that read no cluster (lint): there are no requests to show.
FilesDebug = Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")]
NoRedact = Annotated[
    bool,
    typer.Option(
        "--no-redact",
        help="Show secret-looking values (tokens, keys, passwords) in logs, events and specs as they are.",
    ),
]

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, None: 1}


# The longest each duration flag may be: beyond them a value is a typo, and a huge one would overflow a
# socket timeout or ask Prometheus for billions of samples (issue 11: `--window 99999999999w`).
_LONGEST = {
    "--request-timeout": 24 * 3600.0,
    "--window": 400 * 86400.0,
    "--min-history": 400 * 86400.0,
    "--sample-for": 24 * 3600.0,
    "--active-deadline": 366 * 86400.0,
}
_SHOWN_LONGEST = {3600.0 * 24: "24h", 400 * 86400.0: "400d", 366 * 86400.0: "366d"}


def parse_duration(text: str, flag: str) -> float:
    """Parse a duration such as ``30s``, ``10m``, ``24h``, ``7d``, ``2w`` into seconds (a bare number: seconds).

    Raises:
        UsageError: an unreadable duration, or one longer than the flag allows.
    """
    match = _DURATION.match(text.strip())
    if not match:
        raise UsageError(f"invalid {flag} {text!r}", "Use a duration such as 30s, 10m, 24h or 7d.")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    longest = _LONGEST.get(flag, 10 * 366 * 86400.0)
    if not seconds < float("inf") or seconds > longest:
        shown = _SHOWN_LONGEST.get(longest, f"{longest:g}s")
        raise UsageError(f"{flag} {text} is too long", f"Give at most {shown}.")
    return seconds


def parse_timeout(text: str | None) -> float | None:
    """Parse kubectl's ``--request-timeout``: None (not given) is 30 s, ``0`` is no timeout (None).

    A bare number is seconds, as for kubectl.
    """
    if text is None:
        return DEFAULT_REQUEST_TIMEOUT
    return parse_duration(text, "--request-timeout") or None
