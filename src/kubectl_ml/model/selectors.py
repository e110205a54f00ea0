"""Node selection: ``nodeSelector`` and required node affinity, as the NodeAffinity plugin reads them.

``nodeSelector`` and the required affinity are ANDed. Within the affinity, ``nodeSelectorTerms`` are
ORed and each term's ``matchExpressions``/``matchFields`` are ANDed; an empty term matches nothing.
Operators: In, NotIn, Exists, DoesNotExist, Gt, Lt (integers). ``matchFields`` supports only
``metadata.name``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kubectl_ml.model.shapes import mapping, mappings

# strconv.ParseInt(s, 10, 64): an optional sign and decimal digits, nothing else. Python's int() would
# also take " 5" or "1_000", which the scheduler refuses to compare.
_PARSE_INT = re.compile(r"[+-]?[0-9]+")
_INT64 = 2**63


def _integer(text: object) -> int | None:
    if not isinstance(text, str) or not _PARSE_INT.fullmatch(text):
        return None
    number = int(text)
    return number if -_INT64 <= number < _INT64 else None


def expression_matches(expression: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Evaluate one node selector requirement against a label map."""
    key = expression.get("key", "")
    operator = expression.get("operator", "")
    values = [str(value) for value in expression.get("values") or []]
    present = key in labels
    value = labels.get(key)
    if operator == "In":
        return present and value in values
    if operator == "NotIn":
        return not present or value not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and len(values) == 1:
        left, right = _integer(value), _integer(values[0])
        if left is None or right is None:
            return False
        return left > right if operator == "Gt" else left < right
    return False


def term_matches(term: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    """Evaluate one nodeSelectorTerm (all its requirements must hold; an empty term never matches)."""
    metadata = node.get("metadata") or {}
    labels = metadata.get("labels") or {}
    expressions = mappings(term.get("matchExpressions"))
    fields = mappings(term.get("matchFields"))
    if not expressions and not fields:
        return False
    field_values = {"metadata.name": metadata.get("name", "")}
    return all(expression_matches(item, labels) for item in expressions) and all(
        expression_matches(item, field_values) for item in fields
    )


def required_terms(pod_spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The pod's required node affinity terms (empty when it has none)."""
    affinity = mapping(
        mapping(mapping(pod_spec.get("affinity")).get("nodeAffinity")).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
    )
    return [dict(term) for term in mappings(affinity.get("nodeSelectorTerms"))]


def selector_mismatches(pod_spec: Mapping[str, Any], node: Mapping[str, Any]) -> list[str]:
    """Why the node fails the pod's nodeSelector/affinity: a list of readable reasons, empty if it fits.

    Reasons name the label: ``nodeSelector gpu-type=a100 (node has gpu-type=t4)``.
    """
    labels = (node.get("metadata") or {}).get("labels") or {}
    reasons: list[str] = []
    for key, wanted in mapping(pod_spec.get("nodeSelector")).items():
        actual = labels.get(key)
        if actual != wanted:
            have = f"node has {key}={actual}" if actual is not None else "label absent"
            reasons.append(f"nodeSelector {key}={wanted} ({have})")
    terms = required_terms(pod_spec)
    if terms and not any(term_matches(term, node) for term in terms):
        reasons.append("required node affinity")
    if pod_spec.get("nodeName") and pod_spec["nodeName"] != (node.get("metadata") or {}).get("name"):
        reasons.append(f"nodeName {pod_spec['nodeName']}")
    return reasons


def selector_keys(pod_spec: Mapping[str, Any]) -> list[str]:
    """Label keys the pod selects nodes on: its nodeSelector's, then its required node affinity's."""
    keys = [str(key) for key in mapping(pod_spec.get("nodeSelector"))]
    for term in required_terms(pod_spec):
        for expression in mappings(term.get("matchExpressions")):
            key = expression.get("key")
            if key and str(key) not in keys:
                keys.append(str(key))
    return keys
