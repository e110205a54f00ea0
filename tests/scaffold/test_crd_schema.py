"""The validator of the operators' own CRDs (tests/scaffold/crd_schema.py; vendored in tests/schemas/crds)."""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

import pytest

from tests.scaffold.crd_schema import (
    CRDS,
    CrdValidator,
    crd_errors,
    structural_problems,
    translated,
    validator,
    vendored_crds,
)


@pytest.mark.parametrize(("name", "crd"), vendored_crds(), ids=[name for name, _ in vendored_crds()])
def test_vendored_crd_is_structural_and_recorded(name: str, crd: dict[str, Any]) -> None:
    """Strictness assumes pruning, which holds for structural v1 CRDs; SOURCE.md records each file's hash."""
    assert crd["apiVersion"] == "apiextensions.k8s.io/v1"
    assert not crd["spec"].get("preserveUnknownFields")
    for version in crd["spec"]["versions"]:
        assert structural_problems(version["schema"]["openAPIV3Schema"]) == [], version["name"]
    digest = hashlib.sha256((CRDS / name).read_bytes()).hexdigest()
    assert f"`{name}`" in (source := (CRDS / "SOURCE.md").read_text(encoding="utf-8"))
    assert digest in source, f"{name} changed: update its row in SOURCE.md"


@pytest.mark.parametrize("kind", [("kubeflow.org/v1", "PyTorchJob"), ("jobset.x-k8s.io/v1alpha2", "JobSet")])
def test_translated_schema_is_draft4(kind: tuple[str, str]) -> None:
    CrdValidator.check_schema(validator(*kind).schema)


MINIMAL = {
    "PyTorchJob": {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": "mnist"},
        "spec": {
            "pytorchReplicaSpecs": {
                "Master": {
                    "replicas": 1,
                    "template": {"spec": {"containers": [{"name": "pytorch", "image": "mnist:1.0"}]}},
                }
            }
        },
    },
    "JobSet": {
        "apiVersion": "jobset.x-k8s.io/v1alpha2",
        "kind": "JobSet",
        "metadata": {"name": "mnist"},
        "spec": {
            "replicatedJobs": [
                {
                    "name": "workers",
                    "template": {
                        "spec": {"template": {"spec": {"containers": [{"name": "pytorch", "image": "mnist:1.0"}]}}}
                    },
                }
            ]
        },
    },
}


@pytest.mark.parametrize("kind", sorted(MINIMAL))
def test_a_minimal_object_passes_and_a_misspelt_field_does_not(kind: str) -> None:
    obj = copy.deepcopy(MINIMAL[kind])
    assert crd_errors(obj) == []
    obj["spec"]["replicatedJob" if kind == "JobSet" else "pytorchReplicaSpec"] = {}
    assert any("was unexpected" in error for error in crd_errors(obj)), crd_errors(obj)


def _check(schema: dict[str, Any], instance: object) -> list[str]:
    return [error.message for error in CrdValidator(schema).iter_errors(instance)]


def test_preserve_unknown_fields_and_nullable_are_honoured() -> None:
    schema = translated(
        {
            "type": "object",
            "properties": {
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "strict": {"type": "object", "properties": {"a": {"type": "string", "nullable": True}}},
                "port": {"x-kubernetes-int-or-string": True},
            },
        }
    )
    assert _check(schema, {"free": {"anything": 1}, "strict": {"a": None}, "port": 8080}) == []
    assert _check(schema, {"port": "http"}) == []
    assert _check(schema, {"strict": {"b": 1}})
    assert _check(schema, {"port": 1.5})


def test_cel_rules_unreviewed_fail_and_transition_rules_are_skipped() -> None:
    schema = translated(
        {
            "type": "object",
            "x-kubernetes-validations": [{"rule": "self == oldSelf"}, {"rule": "size(self) > 1"}],
        }
    )
    (error,) = _check(schema, {})
    assert re.search("unreviewed CEL rule 'size", error)


def test_structural_problems_are_found() -> None:
    """A schema the API server would not prune by: strictness must not be assumed for it."""
    schema = {
        "type": "object",
        "properties": {
            "untyped": {"properties": {}},
            "both": {"type": "object", "properties": {}, "additionalProperties": {"type": "string"}},
            "junctor": {"type": "string", "anyOf": [{"type": "string"}]},
            "metadata": {"type": "object", "properties": {"labels": {"type": "object"}}},
        },
    }
    assert structural_problems(schema) == [
        ".untyped: no type",
        ".both: both properties and additionalProperties",
        ".junctor: anyOf sets type",
        ".metadata: restricts more than name and generateName",
    ]
