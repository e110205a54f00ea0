"""Label and field selector strings, for the snapshot source (the API server does this for live)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from kubectl_ml.errors import UsageError

_SET = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split(selector: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def _in_set(key: str, values: set[str], inside: bool, labels: Mapping[str, str]) -> bool:
    return (labels.get(key) in values) == inside


def _equals(key: str, value: str, equal: bool, labels: Mapping[str, str]) -> bool:
    return (labels.get(key) == value) == equal


def _has(key: str, present: bool, labels: Mapping[str, str]) -> bool:
    return (key in labels) == present


_KEY = r"[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?"
_VALUE = r"([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?"
_TERM = re.compile(
    rf"^(!?{_KEY}|{_KEY}\s*(==|=|!=)\s*{_VALUE}|{_KEY}\s+(in|notin)\s+\(\s*{_VALUE}(\s*,\s*{_VALUE})*\s*\))$"
)


def label_matcher(selector: str | None) -> Callable[[Mapping[str, str]], bool]:
    """A predicate over a label map for ``app=x,tier!=y,env in (a,b),!legacy,team``.

    Raises:
        UsageError: for a term kubectl would reject (an unclosed set, an empty key, a stray operator).
    """
    if not selector:
        return lambda labels: True
    tests: list[Callable[[Mapping[str, str]], bool]] = []
    for part in _split(selector):
        if not _TERM.match(part):
            raise UsageError(
                f"invalid label selector term {part!r}", "Use key=value, key!=value, key in (a,b), key or !key."
            )
        set_match = _SET.match(part)
        if set_match:
            key, operator, raw = set_match.groups()
            values = {value.strip() for value in raw.split(",")}
            tests.append(partial(_in_set, key, values, operator == "in"))
        elif "!=" in part:
            key, value = (item.strip() for item in part.split("!=", 1))
            tests.append(partial(_equals, key, value, False))
        elif "=" in part:
            key, value = (item.strip() for item in part.replace("==", "=").split("=", 1))
            tests.append(partial(_equals, key, value, True))
        elif part.startswith("!"):
            tests.append(partial(_has, part[1:].strip(), False))
        else:
            tests.append(partial(_has, part, True))
    return lambda labels: all(test(labels) for test in tests)


def field_matcher(selector: str | None) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate for ``a.b=c,d!=e`` field selectors over an object dict (dotted paths)."""
    if not selector:
        return lambda obj: True
    pairs = []
    for part in _split(selector):
        negate = "!=" in part
        path, value = part.split("!=" if negate else "=", 1)
        pairs.append((path.strip().split("."), value.strip(), negate))

    def read(obj: Mapping[str, Any], path: list[str]) -> str:
        current: Any = obj
        for step in path:
            current = current.get(step) if isinstance(current, Mapping) else None
        return "" if current is None else str(current)

    return lambda obj: all(
        (read(obj, path) != value) if negate else (read(obj, path) == value) for path, value, negate in pairs
    )
