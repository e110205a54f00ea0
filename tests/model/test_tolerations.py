"""Taint/toleration matching, case by case as the Kubernetes documentation states the rules."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_ml.model.tolerations import (
    describe_taint,
    is_admission_default,
    tolerates,
    toleration_for,
    tolerations_with,
    untolerated_taints,
)

GKE_GPU = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}
AKS_GPU = {"key": "sku", "value": "gpu", "effect": "NoSchedule"}
KARPENTER_GPU = {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}
CONTROL_PLANE = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
UNREACHABLE = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": "2026-11-20T09:00:00Z"}
DEFAULT_NOT_READY = {
    "key": "node.kubernetes.io/not-ready",
    "operator": "Exists",
    "effect": "NoExecute",
    "tolerationSeconds": 300,
}
DEFAULT_UNREACHABLE = {
    "key": "node.kubernetes.io/unreachable",
    "operator": "Exists",
    "effect": "NoExecute",
    "tolerationSeconds": 300,
}


@pytest.mark.parametrize(
    ("toleration", "taint", "expected"),
    [
        # operator Equal (the default) needs key, value and effect to match
        ({"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}, AKS_GPU, True),
        ({"key": "sku", "value": "gpu", "effect": "NoSchedule"}, AKS_GPU, True),
        ({"key": "sku", "operator": "Equal", "value": "cpu", "effect": "NoSchedule"}, AKS_GPU, False),
        (
            {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"},
            KARPENTER_GPU,
            False,
        ),
        ({"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoExecute"}, AKS_GPU, False),
        # a taint without a value is tolerated by Equal with an empty value
        ({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}, CONTROL_PLANE, True),
        # operator Exists ignores the value
        ({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}, GKE_GPU, True),
        ({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}, KARPENTER_GPU, True),
        ({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}, AKS_GPU, False),
        # an empty key with Exists tolerates everything
        ({"operator": "Exists"}, GKE_GPU, True),
        ({"operator": "Exists"}, UNREACHABLE, True),
        ({"key": "", "operator": "Exists", "effect": "NoSchedule"}, AKS_GPU, True),
        ({"key": "", "operator": "Exists", "effect": "NoSchedule"}, UNREACHABLE, False),
        # an empty effect matches every effect of that key
        ({"key": "node.kubernetes.io/unreachable", "operator": "Exists"}, UNREACHABLE, True),
        ({"key": "nvidia.com/gpu", "operator": "Exists"}, GKE_GPU, True),
        # the ExtendedResourceToleration plugin's toleration
        (
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
            {**GKE_GPU, "effect": "NoExecute"},
            False,
        ),
        # an unknown operator tolerates nothing
        ({"key": "sku", "operator": "In", "value": "gpu"}, AKS_GPU, False),
    ],
)
def test_tolerates(toleration: dict[str, Any], taint: dict[str, Any], expected: bool) -> None:
    assert tolerates(toleration, taint) is expected


SLA_TAINT = {"key": "node.kubernetes.io/sla", "value": "950", "effect": "NoSchedule"}


@pytest.mark.parametrize(
    ("operator", "value", "taint_value", "expected"),
    [
        # Gt tolerates a taint whose value is greater than the toleration's; Lt one whose value is smaller
        ("Gt", "900", "950", True),
        ("Gt", "950", "950", False),
        ("Gt", "999", "950", False),
        ("Lt", "999", "950", True),
        ("Lt", "950", "950", False),
        ("Lt", "900", "950", False),
        ("Gt", "-5", "0", True),
        ("Lt", "0", "-3", True),
        # values that are not canonical decimal integers compare as nothing
        ("Gt", "0900", "950", False),
        ("Gt", "900", "0950", False),
        ("Gt", "+900", "950", False),
        ("Gt", "9e2", "950", False),
        ("Gt", "900", "high", False),
        ("Gt", "900", "", False),
        ("Gt", " 900", "950", False),
        ("Lt", "99999999999999999999", "950", False),
    ],
)
def test_numeric_comparison_operators(operator: str, value: str, taint_value: str, expected: bool) -> None:
    toleration = {"key": "node.kubernetes.io/sla", "operator": operator, "value": value, "effect": "NoSchedule"}
    assert tolerates(toleration, {**SLA_TAINT, "value": taint_value}) is expected


def test_only_blocking_effects_keep_a_pod_off() -> None:
    taints = [
        GKE_GPU,
        {"key": "dedicated", "value": "ml", "effect": "PreferNoSchedule"},
        UNREACHABLE,
    ]
    assert untolerated_taints(taints, []) == [GKE_GPU, UNREACHABLE]
    assert untolerated_taints(taints, [DEFAULT_UNREACHABLE]) == [GKE_GPU]
    assert untolerated_taints(taints, [{"operator": "Exists"}]) == []


def test_untolerated_taints_with_explicit_effects() -> None:
    prefer = {"key": "dedicated", "value": "ml", "effect": "PreferNoSchedule"}
    assert untolerated_taints([prefer], [], effects=("PreferNoSchedule",)) == [prefer]


@pytest.mark.parametrize(
    ("taint", "text"),
    [
        (GKE_GPU, "nvidia.com/gpu=present:NoSchedule"),
        (AKS_GPU, "sku=gpu:NoSchedule"),
        (CONTROL_PLANE, "node-role.kubernetes.io/control-plane:NoSchedule"),
        (UNREACHABLE, "node.kubernetes.io/unreachable:NoExecute"),
    ],
)
def test_describe_taint_like_kubectl(taint: dict[str, Any], text: str) -> None:
    assert describe_taint(taint) == text


@pytest.mark.parametrize("taint", [GKE_GPU, AKS_GPU, KARPENTER_GPU, CONTROL_PLANE, UNREACHABLE])
def test_toleration_for_tolerates_exactly_that_taint(taint: dict[str, Any]) -> None:
    toleration = toleration_for(taint)
    assert tolerates(toleration, taint)
    assert not tolerates(toleration, {**taint, "key": "other"})


def test_toleration_for_shapes() -> None:
    assert toleration_for(GKE_GPU) == {
        "key": "nvidia.com/gpu",
        "operator": "Equal",
        "value": "present",
        "effect": "NoSchedule",
    }
    assert toleration_for(CONTROL_PLANE) == {
        "key": "node-role.kubernetes.io/control-plane",
        "operator": "Exists",
        "effect": "NoSchedule",
    }


def test_admission_defaults_are_recognized() -> None:
    assert is_admission_default(DEFAULT_NOT_READY)
    assert is_admission_default(DEFAULT_UNREACHABLE)
    assert not is_admission_default({**DEFAULT_UNREACHABLE, "tolerationSeconds": 60})
    assert not is_admission_default({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"})


def test_tolerations_with_keeps_the_pods_own_and_drops_admission_defaults() -> None:
    own = {"key": "dedicated", "operator": "Equal", "value": "ml", "effect": "NoSchedule"}
    added = toleration_for(AKS_GPU)
    assert tolerations_with([own, DEFAULT_NOT_READY, DEFAULT_UNREACHABLE], [added]) == [own, added]
    assert tolerations_with([added], [added]) == [added]
    assert tolerations_with([], [added]) == [added]
