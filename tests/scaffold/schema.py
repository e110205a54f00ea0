"""Offline OpenAPI validation with kubernetes-validate, one compiled validator per (kind, apiVersion, version).

``kubernetes_validate.validate`` re-reads the 1.8 MB definitions file on every call (~9 ms); building the
validator once and reusing it costs ~0.4 ms per object (scaffold-gpu-lint-anchors §3.6). The schemas are
the library's own; strict mode (no unknown fields) catches a misspelt field name, which non-strict passes.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jsonschema
import kubernetes_validate
from kubernetes_validate.utils import schema_contents
from referencing import Registry, Resource

# The oldest minor we promise (podFailurePolicy GA in 1.31, backoffLimitPerIndex GA in 1.33) and the newest shipped.
VERSIONS = ("1.33", kubernetes_validate.utils.major_minor(kubernetes_validate.utils.latest_version()))


@cache
def _validator(kind: str, api_version: str, version: str) -> jsonschema.protocols.Validator:
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    directory = f"kubernetes-json-schema/v{version}.0-local-strict"
    schema = schema_contents(f"{directory}/{kind.lower()}-{group}.json", version)
    definitions = schema_contents(f"{directory}/_definitions.json", version)
    registry: Registry[Any] = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def schema_errors(obj: dict[str, Any], version: str) -> list[str]:
    """Every schema violation of ``obj`` for Kubernetes ``version`` (major.minor), as ``path: message``."""
    validator = _validator(obj["kind"], obj["apiVersion"], version)
    return [
        f"{'.'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(obj)
    ]


@cache
def _object_meta_validator(version: str) -> jsonschema.protocols.Validator:
    directory = f"kubernetes-json-schema/v{version}.0-local-strict"
    definitions = schema_contents(f"{directory}/_definitions.json", version)
    registry: Registry[Any] = Resource.from_contents(definitions) @ Registry()
    reference = f"{definitions['$id']}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    return jsonschema.Draft202012Validator({"$ref": reference}, registry=registry)


def object_meta_errors(metadata: dict[str, Any], version: str) -> list[str]:
    """Every schema violation of an object's ``metadata`` (an ObjectMeta, strict), as ``path: message``.

    For the operators' kinds: the API server validates their root metadata as an ObjectMeta, not by the CRD.
    """
    return [
        f"{'.'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in _object_meta_validator(version).iter_errors(metadata)
    ]
