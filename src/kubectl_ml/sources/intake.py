"""Where API objects enter: each is checked for the shape the rules read, and a malformed one is skipped.

Both sources (live answers and snapshot files) pass what they read through :class:`Intake`, so a rule
never meets a ``containers`` that is a string. Each skipped object is named, with the field that is
wrong, in the report's ``skipped`` (issue 11).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubectl_ml.model.object_shapes import object_problem

# Beyond this many, the rest are counted, not listed: a broken file of 10,000 pods is one problem.
_SHOWN = 5


class Intake:
    """The malformed objects a source skipped, as notes for the report."""

    def __init__(self) -> None:
        self._skipped: list[str] = []

    def admit(self, items: Iterable[Any], kind: str, where: str) -> list[dict[str, Any]]:
        """The well-formed items; each other one is noted (``where``: the file or API path it came from)."""
        kept: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            problem = object_problem(item, kind)
            if problem is None:
                kept.append(item)
                continue
            self._skipped.append(f"{where}: {_describe(item, kind, index)} is malformed ({problem}); skipped")
        return kept

    def note(self, text: str) -> None:
        """Record a problem with a whole file or answer (``items is not a list``)."""
        self._skipped.append(text)

    def notes(self) -> list[str]:
        """One line per skipped object, the first few of them, and a count of the rest."""
        shown = self._skipped[:_SHOWN]
        rest = len(self._skipped) - len(shown)
        return shown + ([f"{rest} more malformed objects skipped"] if rest > 0 else [])


def _describe(item: Any, kind: str, index: int) -> str:
    own_kind = item.get("kind") if isinstance(item, dict) else None
    kind = kind or (own_kind if isinstance(own_kind, str) and own_kind else "object")
    metadata = item.get("metadata") if isinstance(item, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    if isinstance(name, str) and name:
        return f"{kind} {namespace}/{name}" if isinstance(namespace, str) and namespace else f"{kind} {name}"
    return f"{kind} item {index}"
