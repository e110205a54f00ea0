"""PyTorchJob and JobSet manifests are valid for the operators' own CRDs, and their pods for Kubernetes.

The CRDs are vendored in tests/schemas/crds (SOURCE.md); the validator is tests/scaffold/crd_schema.py.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from tests.conftest import FIXTURES
from tests.scaffold.cases import CASES
from tests.scaffold.crd_schema import (
    CRDS,
    CrdValidator,
    crd_errors,
    is_vendored,
    pod_template_objects,
    structural_problems,
    translated,
    validator,
    vendored_crds,
)
from tests.scaffold.schema import VERSIONS, schema_errors

OPERATOR_CASES = sorted(case for case in CASES if is_vendored(CASES[case]()[0]))


def _golden(case: str) -> dict[str, Any]:
    (obj,) = yaml.safe_load_all((FIXTURES / "scaffold" / f"{case}.yaml").read_text(encoding="utf-8"))
    document: dict[str, Any] = obj
    return document


def _only(case: str) -> dict[str, Any]:
    (obj,) = CASES[case]()
    return obj


def test_every_operator_kind_has_golden_cases() -> None:
    assert {_only(case)["kind"] for case in OPERATOR_CASES} == {"PyTorchJob", "JobSet"}


@pytest.mark.parametrize("case", OPERATOR_CASES)
def test_golden_object_is_valid_for_its_crd(case: str) -> None:
    assert crd_errors(_golden(case)) == []


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("case", OPERATOR_CASES)
def test_pod_templates_inside_are_valid_for_kubernetes(case: str, version: str) -> None:
    """The Jobs of a JobSet and the pod templates of a PyTorchJob, against the built-in schemas (strict)."""
    inner = pod_template_objects(_golden(case))
    assert inner
    assert [schema_errors(obj, version) for obj in inner] == [[] for _ in inner]


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


def _worker(obj: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = obj["spec"]["pytorchReplicaSpecs"]["Worker"]["template"]["spec"]["containers"][0]
    return container


def _jobset_pod(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]["spec"]
    return spec


BROKEN: dict[str, tuple[str, Callable[[dict[str, Any]], object], str]] = {
    "unknown field": ("pytorchjob-distributed", lambda o: o["spec"]["runPolicy"].update(backofLimit=3), "backofLimit"),
    "unknown field in a pod": (
        "pytorchjob-distributed",
        lambda o: _worker(o).update(imagePullPolicyy="x"),
        "imagePullPolicyy",
    ),
    "missing required field": ("pytorchjob-gpu", lambda o: o["spec"].pop("pytorchReplicaSpecs"), "required"),
    "string for an integer": (
        "pytorchjob-distributed",
        lambda o: o["spec"]["pytorchReplicaSpecs"]["Worker"].update(replicas="3"),
        "'3'",
    ),
    "int32 overflow": (
        "pytorchjob-gpu",
        lambda o: o["spec"]["runPolicy"].update(ttlSecondsAfterFinished=2**31),
        "int32",
    ),
    "not in the enum": ("jobset-gpu", lambda o: o["spec"]["failurePolicy"]["rules"][0].update(action="Retry"), "Retry"),
    "int-or-string": (
        "jobset-gpu",
        lambda o: _jobset_pod(o)["containers"][0]["resources"]["limits"].update(cpu=[1]),
        "cpu",
    ),
    "duplicate list-map key": (
        "jobset-gpu",
        lambda o: o["spec"]["replicatedJobs"].append(o["spec"]["replicatedJobs"][0]),
        "duplicate",
    ),
    "defaulted list-map key": (
        "jobset-distributed",
        lambda o: _jobset_pod(o)["containers"][0]["ports"].append({"containerPort": 29500}),
        "duplicate",
    ),
    "CEL rule": (
        "jobset-gpu",
        lambda o: (
            o["spec"].update(startupPolicy={"startupPolicyOrder": "InOrder"}),
            o["spec"]["replicatedJobs"][0].update(dependsOn=[{"name": "x", "status": "Ready"}]),
        ),
        "mutually exclusive",
    ),
    "root metadata is an ObjectMeta": ("jobset-gpu", lambda o: o["metadata"].update(labelz={}), "labelz"),
}


@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_validator_catches(broken: str) -> None:
    case, damage, needle = BROKEN[broken]
    obj = copy.deepcopy(_golden(case))
    damage(obj)
    errors = crd_errors(obj)
    assert any(needle in error for error in errors), errors


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
