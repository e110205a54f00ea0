"""Reading API objects without trusting their shape.

Manifests are written by hand and snapshots are edited: a ``limits`` written as a list, ``containers`` as a
mapping or ``status`` as a string must give a finding or nothing, never a traceback. These helpers return
an empty value of the expected type when the value has another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_EMPTY: Mapping[str, Any] = {}


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else _EMPTY


def mappings(value: Any) -> list[Mapping[str, Any]]:
    """The mapping items of ``value`` when it is a list, else none."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [item for item in value if isinstance(item, Mapping)]
    return []


def text(value: Any) -> str:
    """``value`` when it is a string (or a number), else empty."""
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def path_value(obj: Any, path: str) -> Any:
    """The value at a dotted path of plain keys (``spec.runPolicy.suspend``), or None."""
    node: Any = obj
    for key in path.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
    return node
