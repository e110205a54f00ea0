"""What every source offers: get, list, logs. Live and snapshot sources implement it alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from kubectl_ml.model.usage import UsageData, UsageQuery


class Source(Protocol):
    """A place to read API objects from.

    Lists return items with ``kind``/``apiVersion`` stamped, as ``kubectl get -o json`` has them.
    Errors are :mod:`kubectl_ml.errors` types; ``ForbiddenError`` lets the caller skip optional data.
    """

    def describe(self) -> dict[str, Any]:
        """The ``source`` member of a report (``{"type": "live", "context": ...}``)."""

    def notes(self) -> list[str]:
        """What was read but not used (malformed objects skipped), one sentence each, for ``skipped``."""

    def default_namespace(self) -> str:
        """The namespace to use when ``-n`` is not given."""

    def now(self) -> datetime:
        """The reference time for ages (the clock, or the snapshot's newest timestamp)."""

    def get(self, kind: str, namespace: str | None, name: str) -> dict[str, Any]:
        """One object; raises NotFoundError when absent."""

    def list(
        self,
        kind: str,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every object of a kind in a namespace (None: all namespaces)."""

    def logs(self, namespace: str, pod: str, container: str, *, previous: bool, tail_lines: int) -> str | None:
        """The tail of a container's log, or None when there is none to read."""

    def serves(self, kind: str) -> bool:
        """True when the kind (a registry key) can be read here: its CRD is installed (live), always (snapshot)."""


class UsageSource(Protocol):
    """Where usage statistics come from: Prometheus, a snapshot's metrics.om, or metrics-server sampling."""

    def usage(self, namespaces: list[str] | None, query: UsageQuery) -> UsageData:
        """Usage statistics of every container of the namespaces (None: all), computed as docs/rightsize.md says."""
