"""One registry shape for doctor rules, GPU checks and lint rules.

Every entry is a module with three things at its top level: ``CODES`` (the codes it may emit, declared
with ``model.codes.declare``), ``check`` (one function: a context in, findings out) and, when it reads
more than the object itself, ``NEEDS`` (the data it reads, so the gather step fetches exactly that).
``register`` turns such a module into a :class:`Check`; the registries (``rules.RULES``, ``gpu.CHECKS``,
``lint.RULES``) are tuples of them, and the flows run them and read the needs from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from kubectl_ml.model.findings import Finding

# What a check may read beyond its object. The gather step (sources/gather.py) knows how to fetch each.
DATA = (
    "events",  # the object's events
    "logs",  # the previous (or current) log tail of a container that crashed
    "nodes",  # every node, for a pod that waits for scheduling
    "claims",  # the namespace's PersistentVolumeClaims, for a pod that waits for scheduling
    "node",  # the node the pod runs on
    "queues",  # Kueue's Workloads, LocalQueues and ClusterQueues, for a queued workload
)


@dataclass(frozen=True)
class Need:
    """Data a check reads, and when it is worth a request.

    Attributes:
        data: one of :data:`DATA`.
        when_log_contains: fetch only when a log already read holds this text (``exec format error``
            is worth the node's architecture; other crashes are not).
    """

    data: str
    when_log_contains: str | None = None

    def __post_init__(self) -> None:
        if self.data not in DATA:
            raise ValueError(f"unknown data {self.data!r}: one of {', '.join(DATA)}")


@dataclass(frozen=True)
class Check:
    """A registered rule or check.

    Attributes:
        id: kebab-case name: the module name with ``_`` replaced by ``-`` (GPU checks: ``gpu-`` first).
        scope: what ``check`` takes: ``pod`` or ``workload`` (doctor), ``gpu`` or ``lint``.
        codes: the finding codes it may emit, from the module's ``CODES``.
        needs: the data it reads, from the module's ``NEEDS``.
        check: the module's ``check``.
        module: the module, whose docstring documents it (What / Why it matters / Remedy).
    """

    id: str
    scope: str
    codes: tuple[str, ...]
    needs: tuple[Need, ...]
    check: Callable[[Any], Iterable[Finding]]
    module: ModuleType


def register(module: ModuleType, scope: str, prefix: str = "") -> Check:
    """The registry entry of a rule or check module, from what the module itself declares."""
    return Check(
        id=prefix + module.__name__.rsplit(".", 1)[-1].replace("_", "-"),
        scope=scope,
        codes=tuple(info.code for info in module.CODES),
        needs=tuple(getattr(module, "NEEDS", ())),
        check=module.check,
        module=module,
    )


def needs_of(checks: Iterable[Check]) -> tuple[Need, ...]:
    """Every need of ``checks``, once each, in registry order."""
    return tuple(dict.fromkeys(need for check in checks for need in check.needs))
