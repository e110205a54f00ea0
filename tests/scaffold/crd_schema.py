"""Offline validation against the operators' own CRDs (tests/schemas/crds), the way their API server checks.

A CRD's ``openAPIV3Schema`` is an OpenAPI v3.0 *structural* schema (apiextensions.k8s.io/v1 requires it),
not plain JSON Schema. jsonschema's Draft 4 validator (OpenAPI 3.0 schema objects are Draft 4's, with
boolean ``exclusiveMinimum``) checks it once the Kubernetes extensions are translated:

* Strict, like ``kubectl apply --validate=strict``: the API server drops (prunes) every field a
  structural schema does not specify, unless ``x-kubernetes-preserve-unknown-fields``; so an object
  node without ``additionalProperties`` gets ``additionalProperties: false`` and a misspelt field is an
  error, not a silently lost setting. Only done for CRDs that ``structural_problems`` finds structural.
* ``x-kubernetes-int-or-string``: an integer or a string. ``nullable``: null too.
  ``x-kubernetes-embedded-resource``: ``apiVersion``, ``kind`` and ``metadata`` are implied.
* The root ``metadata`` is validated by the API server as an ObjectMeta, whatever the CRD says: here
  against kubernetes-validate's ObjectMeta (``schema.object_meta_errors``).
* ``format: int32``/``int64``: the ranges. ``x-kubernetes-list-type: map``/``set``: unique keys/items.
* ``x-kubernetes-validations`` (CEL): transition rules (``oldSelf``) only run on updates and are skipped;
  every other rule needs its hand translation in ``CEL_RULES``, else it is an error (a CRD update that
  adds a rule on a field we write fails the tests until someone reads the rule).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError

from tests.conftest import ROOT
from tests.scaffold.schema import VERSIONS, object_meta_errors

CRDS = ROOT / "tests" / "schemas" / "crds"

# The non-transition CEL rules of the vendored CRDs, translated by hand: the node's value -> holds.
CEL_RULES: dict[str, Callable[[Any], bool]] = {
    # JobSet spec: startupPolicy InOrder and dependsOn exclude each other.
    "!(has(self.startupPolicy) && self.startupPolicy.startupPolicyOrder == 'InOrder' && "
    "self.replicatedJobs.exists(x, has(x.dependsOn)))": lambda spec: (
        not (
            (spec.get("startupPolicy") or {}).get("startupPolicyOrder") == "InOrder"
            and any("dependsOn" in job for job in spec.get("replicatedJobs") or [])
        )
    ),
    # JobSet volumeClaimPolicies[]: templates take the JobSet's namespace.
    "self.templates.all(t, !has(t.metadata.namespace) || size(t.metadata.namespace) == 0)": lambda policy: all(
        not (template.get("metadata") or {}).get("namespace") for template in policy.get("templates") or []
    ),
}

_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("int32")
def _int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


@_FORMATS.checks("int64")
def _int64(value: object) -> bool:
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def _cel(
    validator: jsonschema.protocols.Validator, rules: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    for rule in rules:
        expression = rule["rule"]
        if "oldSelf" in expression:
            continue  # a transition rule: it compares with the stored object, on updates only
        check = CEL_RULES.get(expression)
        if check is None:
            yield ValidationError(f"unreviewed CEL rule {expression!r}: translate it into CEL_RULES")
        elif not check(instance):
            yield ValidationError(rule.get("message") or f"fails the CEL rule {expression!r}")


def _list_type(
    validator: jsonschema.protocols.Validator, list_type: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "array") or list_type not in ("map", "set"):
        return
    keys: list[str] = schema.get("x-kubernetes-list-map-keys") or []
    properties = (schema.get("items") or {}).get("properties") or {}
    seen: set[str] = set()
    for item in instance:
        if list_type == "map" and isinstance(item, dict):
            # A key the item leaves out takes its default (a port's protocol: TCP), as the server applies it.
            identity = {key: item.get(key, (properties.get(key) or {}).get("default")) for key in keys}
        else:
            identity = item
        text = json.dumps(identity, sort_keys=True)
        if text in seen:
            yield ValidationError(f"duplicate entry {text} in a list of type {list_type}")
        seen.add(text)


CrdValidator = jsonschema.validators.extend(
    jsonschema.Draft4Validator, {"x-kubernetes-validations": _cel, "x-kubernetes-list-type": _list_type}
)


def translated(node: Mapping[str, Any]) -> dict[str, Any]:
    """``node`` as Draft 4 JSON Schema with the API server's semantics (module docstring), recursively."""
    result = dict(node)
    if "properties" in result:
        result["properties"] = {name: translated(child) for name, child in result["properties"].items()}
    if isinstance(result.get("additionalProperties"), dict):
        result["additionalProperties"] = translated(result["additionalProperties"])
    if isinstance(result.get("items"), dict):
        result["items"] = translated(result["items"])
    for junctor in ("allOf", "anyOf", "oneOf"):
        if junctor in result:
            result[junctor] = [translated(child) for child in result[junctor]]
    if "not" in result:
        result["not"] = translated(result["not"])
    if result.get("x-kubernetes-int-or-string") and "anyOf" not in result:
        result["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if result.get("x-kubernetes-embedded-resource"):
        implied = {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"}}
        result["properties"] = {**implied, **result.get("properties", {})}
    preserved = result.get("x-kubernetes-preserve-unknown-fields")
    if result.get("type") == "object" and "additionalProperties" not in result and not preserved:
        result["additionalProperties"] = False
    if result.get("nullable") and isinstance(result.get("type"), str):
        result["type"] = [result["type"], "null"]
    return result


def structural_problems(schema: Mapping[str, Any], path: str = "") -> list[str]:
    """Where ``schema`` breaks the structural-schema rules of apiextensions.k8s.io/v1 (empty: structural).

    Checked: every node has a type (except int-or-string and preserve-unknown-fields nodes), no node has
    both ``properties`` and ``additionalProperties``, no ``$ref``, the logical junctors set no type,
    default, nullable or additionalProperties, and ``metadata`` under the root restricts only name and
    generateName.
    """
    problems: list[str] = []
    exempt = schema.get("x-kubernetes-int-or-string") or schema.get("x-kubernetes-preserve-unknown-fields")
    if not schema.get("type") and not exempt:
        problems.append(f"{path or '.'}: no type")
    if "properties" in schema and "additionalProperties" in schema:
        problems.append(f"{path}: both properties and additionalProperties")
    if "$ref" in schema:
        problems.append(f"{path}: $ref")
    for junctor in ("allOf", "anyOf", "oneOf", "not"):
        children = schema.get(junctor)
        for child in children if isinstance(children, list) else [children] if children else []:
            forbidden = {"type", "default", "nullable", "additionalProperties"} & set(child)
            if forbidden and not exempt:
                problems.append(f"{path}: {junctor} sets {', '.join(sorted(forbidden))}")
    for name, child in (schema.get("properties") or {}).items():
        if path == "" and name == "metadata" and set(child.get("properties") or {}) - {"name", "generateName"}:
            problems.append(".metadata: restricts more than name and generateName")
        problems += structural_problems(child, f"{path}.{name}")
    if isinstance(schema.get("additionalProperties"), dict):
        problems += structural_problems(schema["additionalProperties"], f"{path}.*")
    if isinstance(schema.get("items"), dict):
        problems += structural_problems(schema["items"], f"{path}[]")
    return problems


@cache
def vendored_crds() -> tuple[tuple[str, dict[str, Any]], ...]:
    """Every vendored CRD, with its file name (1.4 MB of YAML: libyaml's loader when there is one)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    paths = sorted(CRDS.glob("*.yaml"))
    return tuple((path.name, yaml.load(path.read_text(encoding="utf-8"), Loader=loader)) for path in paths)


@cache
def _schema(api_version: str, kind: str) -> dict[str, Any]:
    group, _, version = api_version.rpartition("/")
    for _name, crd in vendored_crds():
        if crd["spec"]["group"] == group and crd["spec"]["names"]["kind"] == kind:
            for served in crd["spec"]["versions"]:
                if served["name"] == version and served.get("served", True):
                    schema: dict[str, Any] = served["schema"]["openAPIV3Schema"]
                    return schema
            raise LookupError(f"{kind} {api_version}: the vendored CRD does not serve {version}")
    raise LookupError(f"{kind} {api_version}: no vendored CRD")


@cache
def validator(api_version: str, kind: str) -> jsonschema.protocols.Validator:
    """The strict validator of the vendored CRD for ``kind`` at ``api_version``.

    Raises:
        ValueError: the CRD's schema is not structural, so the API server does not prune by it and
            strictness would be wrong.
    """
    problems = structural_problems(_schema(api_version, kind))
    if problems:
        raise ValueError(f"{kind} {api_version}: not a structural schema: {'; '.join(problems[:5])}")
    schema = translated(_schema(api_version, kind))
    # The API server checks the root metadata as an ObjectMeta (object_meta_errors), not by the CRD.
    schema["properties"]["metadata"] = {"type": "object"}
    return CrdValidator(schema, format_checker=_FORMATS)


def crd_errors(obj: Mapping[str, Any]) -> list[str]:
    """Every violation of ``obj`` against its kind's vendored CRD, as ``path: message``."""
    errors = [
        f"{'.'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in validator(obj["apiVersion"], obj["kind"]).iter_errors(obj)
    ]
    metadata = object_meta_errors(obj.get("metadata") or {}, VERSIONS[-1])
    return errors + [f"metadata{'.' if not error.startswith(':') else ''}{error}" for error in metadata]


def is_vendored(obj: Mapping[str, Any]) -> bool:
    """True when ``obj``'s kind has a vendored CRD (kubernetes-validate knows only the built-in kinds)."""
    try:
        _schema(obj["apiVersion"], obj["kind"])
    except LookupError:
        return False
    return True


def pod_template_objects(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The built-in objects inside an operator's object, for kubernetes-validate.

    A JobSet's replicated Jobs become Jobs (their spec is a Job's spec, podFailurePolicy and all); a
    PyTorchJob's replica templates become PodTemplates.
    """
    name = {"name": obj["metadata"]["name"]}
    if obj["kind"] == "JobSet":
        return [
            {"apiVersion": "batch/v1", "kind": "Job", "metadata": name, "spec": replicated["template"]["spec"]}
            for replicated in obj["spec"]["replicatedJobs"]
        ]
    if obj["kind"] == "PyTorchJob":
        return [
            {"apiVersion": "v1", "kind": "PodTemplate", "metadata": name, "template": replica["template"]}
            for replica in obj["spec"]["pytorchReplicaSpecs"].values()
        ]
    raise LookupError(f"no pod templates known in a {obj['kind']}")
