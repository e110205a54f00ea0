"""Taints and tolerations, matched exactly as the scheduler and the taint manager do.

Rules (core/v1 Toleration docs and the scheduler's TaintToleration plugin):

* an empty toleration ``effect`` matches every effect; otherwise effects must be equal;
* an empty ``key`` (the API allows it only with ``Exists``) matches every key;
* ``operator`` defaults to ``Equal`` (values must be equal); ``Exists`` ignores the value;
* ``Lt`` and ``Gt`` (1.35+, gate TaintTolerationComparisonOperators) compare the taint's value with the
  toleration's value as integers: ``Gt`` tolerates a taint whose value is greater, ``Lt`` one whose value
  is smaller; both values must be canonical decimal integers (``"950"``, ``"-3"``; not ``"0950"`` or
  ``"+5"``), otherwise nothing is tolerated;
* only ``NoSchedule`` and ``NoExecute`` taints keep a pod off a node; ``PreferNoSchedule`` is a hint;
* ``tolerationSeconds`` only bounds how long a running pod stays on a ``NoExecute`` node.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")
# content.IsDecimalInteger: "0", or an optional minus and a digit 1-9 first. Stricter than int(), which
# would read "0950" or "+5" where the scheduler refuses to compare.
_CANONICAL_INTEGER = re.compile(r"0|-?[1-9][0-9]*")
_INT64 = 2**63


def _as_int(text: str) -> int | None:
    """The value as the scheduler reads it for Lt/Gt, or None when it refuses to compare it."""
    if not _CANONICAL_INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if -_INT64 <= number < _INT64 else None


def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """True when ``toleration`` tolerates ``taint``."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    operator = toleration.get("operator") or "Equal"
    if key and key != taint.get("key"):
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
    toleration_list = [item for item in tolerations if isinstance(item, Mapping)]
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


def is_admission_default(toleration: Mapping[str, Any]) -> bool:
    """True for the tolerations the DefaultTolerationSeconds admission plugin adds to every pod.

    They are not in the pod template, and the plugin adds them again to every new pod.
    """
    return (
        toleration.get("key") in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
        and toleration.get("operator") == "Exists"
        and toleration.get("effect") == "NoExecute"
        and toleration.get("tolerationSeconds") == 300
    )


def tolerations_with(existing: Iterable[Mapping[str, Any]], added: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The full toleration list for a patch: the pod's own tolerations plus ``added``.

    ``tolerations`` has no patch merge key, so a strategic-merge patch replaces the whole list: a patch
    holding only the new toleration would silently drop the ones the pod already has. The admission
    defaults are left out (the template never had them), and so is an added toleration the pod already has.
    """
    result = [dict(item) for item in existing if not is_admission_default(item)]
    for toleration in added:
        if dict(toleration) not in result:
            result.append(dict(toleration))
    return result


def toleration_for(taint: Mapping[str, Any]) -> dict[str, Any]:
    """The narrowest toleration that tolerates ``taint``: ``Equal`` on its value, or ``Exists``."""
    toleration: dict[str, Any] = {"key": taint.get("key", "")}
    if taint.get("value"):
        toleration.update(operator="Equal", value=taint["value"])
    else:
        toleration["operator"] = "Exists"
    toleration["effect"] = taint.get("effect", "NoSchedule")
    return toleration
