"""nodeSelector and required node affinity, evaluated as the NodeAffinity plugin does."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_ml.model.selectors import expression_matches, required_terms, selector_mismatches, term_matches

NODE = {
    "metadata": {
        "name": "gke-ml-prod-gpu-l4-pool-5f2a9c1e-7xkq",
        "labels": {
            "cloud.google.com/gke-accelerator": "nvidia-l4",
            "cloud.google.com/gke-nodepool": "gpu-l4-pool",
            "kubernetes.io/arch": "amd64",
            "nvidia.com/gpu.count": "4",
            "nvidia.com/gpu.memory": "23034",
        },
    }
}
LABELS = NODE["metadata"]["labels"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (
            {"key": "cloud.google.com/gke-accelerator", "operator": "In", "values": ["nvidia-l4", "nvidia-tesla-t4"]},
            True,
        ),
        ({"key": "cloud.google.com/gke-accelerator", "operator": "In", "values": ["nvidia-tesla-a100"]}, False),
        ({"key": "missing", "operator": "In", "values": ["x"]}, False),
        ({"key": "cloud.google.com/gke-accelerator", "operator": "NotIn", "values": ["nvidia-tesla-a100"]}, True),
        ({"key": "cloud.google.com/gke-accelerator", "operator": "NotIn", "values": ["nvidia-l4"]}, False),
        ({"key": "missing", "operator": "NotIn", "values": ["x"]}, True),
        ({"key": "nvidia.com/gpu.count", "operator": "Exists"}, True),
        ({"key": "missing", "operator": "Exists"}, False),
        ({"key": "missing", "operator": "DoesNotExist"}, True),
        ({"key": "nvidia.com/gpu.count", "operator": "DoesNotExist"}, False),
        ({"key": "nvidia.com/gpu.count", "operator": "Gt", "values": ["2"]}, True),
        ({"key": "nvidia.com/gpu.count", "operator": "Gt", "values": ["4"]}, False),
        ({"key": "nvidia.com/gpu.count", "operator": "Lt", "values": ["8"]}, True),
        ({"key": "nvidia.com/gpu.memory", "operator": "Gt", "values": ["40000"]}, False),
        # Gt/Lt need exactly one integer value and an integer label
        ({"key": "nvidia.com/gpu.count", "operator": "Gt", "values": ["2", "3"]}, False),
        ({"key": "nvidia.com/gpu.count", "operator": "Gt", "values": ["two"]}, False),
        ({"key": "nvidia.com/gpu.count", "operator": "Gt", "values": ["1_0"]}, False),
        ({"key": "cloud.google.com/gke-accelerator", "operator": "Gt", "values": ["1"]}, False),
        ({"key": "missing", "operator": "Lt", "values": ["1"]}, False),
        ({"key": "nvidia.com/gpu.count", "operator": "Gt", "values": ["+3"]}, True),
        ({"key": "nvidia.com/gpu.count", "operator": "Bogus", "values": ["4"]}, False),
    ],
)
def test_expression_operators(expression: dict[str, Any], expected: bool) -> None:
    assert expression_matches(expression, LABELS) is expected


def test_term_ands_its_requirements() -> None:
    both = {
        "matchExpressions": [
            {"key": "cloud.google.com/gke-accelerator", "operator": "In", "values": ["nvidia-l4"]},
            {"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]},
        ]
    }
    assert not term_matches(both, NODE)
    both["matchExpressions"][1]["values"] = ["amd64"]
    assert term_matches(both, NODE)


def test_empty_term_matches_nothing() -> None:
    assert not term_matches({}, NODE)
    assert not term_matches({"matchExpressions": [], "matchFields": []}, NODE)


def test_match_fields_metadata_name() -> None:
    by_name = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [NODE["metadata"]["name"]]}]}
    assert term_matches(by_name, NODE)
    other = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["gke-ml-prod-default-pool-1"]}]}
    assert not term_matches(other, NODE)
    not_in = {"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["gke-ml-prod-default-pool-1"]}]}
    assert term_matches(not_in, NODE)


def _affinity(*terms: dict[str, Any]) -> dict[str, Any]:
    return {
        "affinity": {
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}
        }
    }


def test_terms_are_ored() -> None:
    a100 = {
        "matchExpressions": [
            {"key": "cloud.google.com/gke-accelerator", "operator": "In", "values": ["nvidia-tesla-a100"]}
        ]
    }
    l4 = {"matchExpressions": [{"key": "cloud.google.com/gke-accelerator", "operator": "In", "values": ["nvidia-l4"]}]}
    assert selector_mismatches(_affinity(a100), NODE) == ["required node affinity"]
    assert selector_mismatches(_affinity(a100, l4), NODE) == []
    assert selector_mismatches(_affinity({}, l4), NODE) == []
    assert selector_mismatches(_affinity({}), NODE) == ["required node affinity"]


def test_required_terms() -> None:
    assert required_terms({}) == []
    assert required_terms({"affinity": {"podAntiAffinity": {}}}) == []
    term = {"matchExpressions": [{"key": "a", "operator": "Exists"}]}
    assert required_terms(_affinity(term)) == [term]


def test_node_selector_names_the_label() -> None:
    spec = {"nodeSelector": {"cloud.google.com/gke-accelerator": "nvidia-tesla-a100", "team": "research"}}
    assert selector_mismatches(spec, NODE) == [
        "nodeSelector cloud.google.com/gke-accelerator=nvidia-tesla-a100 (node has "
        "cloud.google.com/gke-accelerator=nvidia-l4)",
        "nodeSelector team=research (label absent)",
    ]
    assert selector_mismatches({"nodeSelector": {"cloud.google.com/gke-accelerator": "nvidia-l4"}}, NODE) == []


def test_node_selector_and_affinity_are_anded() -> None:
    l4 = {"matchExpressions": [{"key": "cloud.google.com/gke-accelerator", "operator": "In", "values": ["nvidia-l4"]}]}
    spec = {"nodeSelector": {"kubernetes.io/arch": "arm64"}, **_affinity(l4)}
    assert selector_mismatches(spec, NODE) == [
        "nodeSelector kubernetes.io/arch=arm64 (node has kubernetes.io/arch=amd64)"
    ]


def test_node_name() -> None:
    assert selector_mismatches({"nodeName": "other-node"}, NODE) == ["nodeName other-node"]
    assert selector_mismatches({"nodeName": NODE["metadata"]["name"]}, NODE) == []
