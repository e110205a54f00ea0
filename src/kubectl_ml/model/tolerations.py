"""Taints and tolerations, matched exactly as the scheduler and the taint manager do.

Rules (core/v1 Toleration docs and the scheduler's TaintToleration plugin):

* an empty toleration ``effect`` matches every effect; otherwise effects must be equal;
* an empty ``key`` (only valid with ``Exists``) matches every key;
* ``operator`` defaults to ``Equal`` (values must be equal); ``Exists`` ignores the value;
* ``Lt`` and ``Gt`` (1.35+, gate TaintTolerationComparisonOperators) compare the taint's value with the
  toleration's value as integers: ``Gt`` tolerates a taint whose value is greater;
* only ``NoSchedule`` and ``NoExecute`` taints keep a pod off a node; ``PreferNoSchedule`` is a hint;
* ``tolerationSeconds`` only bounds how long a running pod stays on a ``NoExecute`` node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")


def _as_int(text: str) -> int | None:
    try:
        return int(text.strip())
    except (ValueError, AttributeError):
        return None


def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """True when ``toleration`` tolerates ``taint``."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    operator = toleration.get("operator") or "Equal"
    if key and key != taint.get("key"):
        return False
    if not key and operator != "Exists":
        # The API rejects this combination; a stored object cannot have it, so it tolerates nothing.
        return False
    taint_value = str(taint.get("value") or "")
    toleration_value = str(toleration.get("value") or "")
    if operator == "Exists":
        return True
    if operator == "Equal":
        return taint_value == toleration_value
    if operator in ("Lt", "Gt"):
        left, right = _as_int(taint_value), _as_int(toleration_value)
        if left is None or right is None:
            return False
        return left < right if operator == "Lt" else left > right
    return False


def untolerated_taints(
    taints: Iterable[Mapping[str, Any]],
    tolerations: Iterable[Mapping[str, Any]],
    effects: tuple[str, ...] = BLOCKING_EFFECTS,
) -> list[dict[str, Any]]:
    """The taints (with one of ``effects``) that none of ``tolerations`` tolerates."""
    toleration_list = list(tolerations)
    return [
        dict(taint)
        for taint in taints
        if taint.get("effect") in effects and not any(tolerates(item, taint) for item in toleration_list)
    ]


def describe_taint(taint: Mapping[str, Any]) -> str:
    """``key=value:Effect`` as ``kubectl taint`` writes it (``key:Effect`` without a value)."""
    value = taint.get("value")
    body = f"{taint.get('key', '')}={value}" if value else str(taint.get("key", ""))
    return f"{body}:{taint.get('effect', '')}"


def toleration_for(taint: Mapping[str, Any]) -> dict[str, Any]:
    """The narrowest toleration that tolerates ``taint``: ``Equal`` on its value, or ``Exists``."""
    toleration: dict[str, Any] = {"key": taint.get("key", "")}
    if taint.get("value"):
        toleration.update(operator="Equal", value=taint["value"])
    else:
        toleration["operator"] = "Exists"
    toleration["effect"] = taint.get("effect", "NoSchedule")
    return toleration
