"""The shape every API object must have before any rule reads it.

The rules read fields as the API server writes them: ``metadata`` a mapping, ``containers`` a list of
mappings, ``restartCount`` an integer. An edited snapshot, a proxy that mangles answers, or a hand-written
manifest can put anything there. Checking each object once, where it enters (``sources``), keeps the
rules simple and the failure clear: a malformed object is skipped with a note naming it and the field,
never a traceback deep inside a rule (issue 11).

Only the fields the plugin reads are checked, and ``null`` is accepted everywhere (the API omits empty
fields, and a rule treats null as absent). Checking is a walk over those fields only: cheap enough for
every pod of a 10,000-pod cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

# A schema is a Python type (str, int, bool, dict, list), a tuple of them, a dict of field -> schema
# (a mapping with those fields), a one-item list [schema] (a list of such items), or a _MapOf.


class _MapOf:
    """A mapping whose keys are strings and whose values all have one schema (labels, quantities)."""

    def __init__(self, values: Schema) -> None:
        self.values = values


Schema: TypeAlias = type | tuple[type, ...] | dict[str, "Schema"] | list["Schema"] | _MapOf

_SCALAR = (str, int, float)  # a quantity or label value as YAML may type it ("1", 1, 0.5)
_TIME = str
_STRINGS: Schema = [str]
_LABELS = _MapOf((*_SCALAR, bool))
_QUANTITIES = _MapOf(_SCALAR)

_OWNER: Schema = {"kind": str, "name": str, "uid": str, "apiVersion": str, "controller": bool}
METADATA: Schema = {
    "name": str,
    "generateName": str,
    "namespace": str,
    "uid": str,
    "creationTimestamp": _TIME,
    "deletionTimestamp": _TIME,
    "labels": _LABELS,
    "annotations": _LABELS,
    "ownerReferences": [_OWNER],
}
_CONDITION: Schema = {
    "type": str,
    "status": str,
    "reason": str,
    "message": str,
    "lastTransitionTime": _TIME,
    "lastProbeTime": _TIME,
    "lastHeartbeatTime": _TIME,
    "lastUpdateTime": _TIME,
}
_PROBE: Schema = {
    "httpGet": {"path": str, "port": (int, str), "scheme": str},
    "tcpSocket": {"port": (int, str)},
    "grpc": {"port": int, "service": str},
    "exec": {"command": _STRINGS},
    "initialDelaySeconds": int,
    "periodSeconds": int,
    "timeoutSeconds": int,
    "failureThreshold": int,
    "successThreshold": int,
}
_CONTAINER: Schema = {
    "name": str,
    "image": str,
    "imagePullPolicy": str,
    "command": _STRINGS,
    "args": _STRINGS,
    "workingDir": str,
    "ports": [{"name": str, "containerPort": int, "protocol": str, "hostPort": int}],
    "env": [{"name": str, "value": str, "valueFrom": dict}],
    "envFrom": [dict],
    "resources": {"requests": _QUANTITIES, "limits": _QUANTITIES},
    "volumeMounts": [{"name": str, "mountPath": str, "subPath": str, "readOnly": bool}],
    "livenessProbe": _PROBE,
    "readinessProbe": _PROBE,
    "startupProbe": _PROBE,
    "securityContext": dict,
    "restartPolicy": str,
    "lifecycle": dict,
}
POD_SPEC: Schema = {
    "containers": [_CONTAINER],
    "initContainers": [_CONTAINER],
    "ephemeralContainers": [_CONTAINER],
    "volumes": [
        {
            "name": str,
            "emptyDir": {"medium": str, "sizeLimit": _SCALAR},
            "persistentVolumeClaim": {"claimName": str},
            "configMap": {"name": str},
            "secret": {"secretName": str},
        }
    ],
    "tolerations": [{"key": str, "operator": str, "value": str, "effect": str, "tolerationSeconds": int}],
    "nodeSelector": _LABELS,
    "affinity": dict,
    "nodeName": str,
    "schedulingGates": [{"name": str}],
    "restartPolicy": str,
    "imagePullSecrets": [{"name": str}],
    "securityContext": dict,
    "priorityClassName": str,
    "schedulerName": str,
    "runtimeClassName": str,
    "hostNetwork": bool,
    "hostIPC": bool,
    "topologySpreadConstraints": [dict],
}
_STATE: Schema = {
    "waiting": {"reason": str, "message": str},
    "running": {"startedAt": _TIME},
    "terminated": {
        "exitCode": int,
        "signal": int,
        "reason": str,
        "message": str,
        "startedAt": _TIME,
        "finishedAt": _TIME,
    },
}
_CONTAINER_STATUS: Schema = {
    "name": str,
    "state": _STATE,
    "lastState": _STATE,
    "restartCount": int,
    "ready": bool,
    "started": bool,
    "image": str,
    "imageID": str,
    "containerID": str,
}
POD_STATUS: Schema = {
    "phase": str,
    "reason": str,
    "message": str,
    "nominatedNodeName": str,
    "startTime": _TIME,
    "conditions": [_CONDITION],
    "containerStatuses": [_CONTAINER_STATUS],
    "initContainerStatuses": [_CONTAINER_STATUS],
    "ephemeralContainerStatuses": [_CONTAINER_STATUS],
}
_TEMPLATE: Schema = {"metadata": METADATA, "spec": POD_SPEC}
_NODE: Schema = {
    "spec": {"taints": [{"key": str, "value": str, "effect": str}], "unschedulable": bool},
    "status": {
        "capacity": _QUANTITIES,
        "allocatable": _QUANTITIES,
        "conditions": [_CONDITION],
        "nodeInfo": dict,
    },
}
_REFERENCE: Schema = {"kind": str, "name": str, "namespace": str, "uid": str, "fieldPath": str, "apiVersion": str}
_EVENT: Schema = {
    "reason": str,
    "message": str,
    "note": str,
    "type": str,
    "count": int,
    "deprecatedCount": int,
    "involvedObject": _REFERENCE,
    "regarding": _REFERENCE,
    "source": {"component": str, "host": str},
    "deprecatedSource": {"component": str, "host": str},
    "firstTimestamp": _TIME,
    "lastTimestamp": _TIME,
    "eventTime": _TIME,
    "deprecatedFirstTimestamp": _TIME,
    "deprecatedLastTimestamp": _TIME,
    "series": {"count": int, "lastObservedTime": _TIME},
    "reportingController": str,
    "reportingComponent": str,
}
# Kinds that never hold a pod template: no need to look for one.
_NO_TEMPLATES = frozenset({"Pod", "Event", "Node", "PersistentVolumeClaim", "Service", "ResourceQuota", "Namespace"})
_BY_KIND: dict[str, Schema] = {
    "Pod": {"spec": POD_SPEC, "status": POD_STATUS},
    "Node": _NODE,
    "Event": _EVENT,
    "PersistentVolumeClaim": {"spec": {"storageClassName": str}, "status": {"phase": str}},
}


def _kind(schema: Schema) -> str:
    if isinstance(schema, dict) or schema is dict:
        return "a mapping"
    if isinstance(schema, list) or schema is list:
        return "a list"
    if isinstance(schema, _MapOf):
        return "a mapping"
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    if isinstance(schema, tuple):
        return " or ".join(dict.fromkeys(names.get(item, item.__name__) for item in schema))
    return names.get(schema, schema.__name__) if isinstance(schema, type) else "valid"


def _is(value: Any, types: Schema) -> bool:
    kind = type(value)
    if kind is bool:
        return types is bool or (isinstance(types, tuple) and bool in types)
    if types is kind or (isinstance(types, tuple) and kind in types):
        return True
    if kind is int and (types is float or (isinstance(types, tuple) and float in types)):
        return True
    allowed = types if isinstance(types, tuple) else (types,) if isinstance(types, type) else ()
    return isinstance(value, allowed)


def _problem(value: Any, schema: Schema, path: str) -> str | None:
    """The first field of ``value`` that does not fit ``schema``, as ``path is not a list``, or None.

    Decoded JSON and YAML give plain dicts and lists; the checks use them (``isinstance`` on the
    abstract Mapping is several times slower, and this runs on every field of every object).
    """
    if value is None:
        return None
    if type(schema) is dict:
        return _mapping_problem(value, schema, path)
    if type(schema) is list:
        return _list_problem(value, schema[0], path)
    if type(schema) is _MapOf:
        return _map_of_problem(value, schema.values, path)
    if schema is dict:
        return None if isinstance(value, dict) else f"{path} is not a mapping"
    if schema is list:
        return None if isinstance(value, list) else f"{path} is not a list"
    return None if _is(value, schema) else f"{path} is not {_kind(schema)}"


def _mapping_problem(value: Any, fields: dict[str, Schema], path: str) -> str | None:
    if not isinstance(value, dict):
        return f"{path or 'the object'} is not a mapping"
    # Walk the object's own fields (fewer than the schema's), skipping those the schema does not name.
    for key, item in value.items():
        if item is None:
            continue
        inner = fields.get(key)
        if inner is None or inner is type(item):
            continue  # not checked, or a scalar of the right type (most fields: the fast path)
        found = _problem(item, inner, f"{path}.{key}" if path else key)
        if found:
            return found
    return None


def _list_problem(value: Any, item_schema: Schema, path: str) -> str | None:
    if not isinstance(value, list):
        return f"{path} is not a list"
    for index, item in enumerate(value):
        if item is None:
            return f"{path}[{index}] is null"
        found = _problem(item, item_schema, f"{path}[{index}]")
        if found:
            return found
    return None


def _map_of_problem(value: Any, item_schema: Schema, path: str) -> str | None:
    if not isinstance(value, dict):
        return f"{path} is not a mapping"
    for key, item in value.items():
        if not isinstance(key, str):
            return f"{path} has a key that is not a string"
        if item is not None and not _is(item, item_schema):
            return f"{path}['{key}'] is not {_kind(item_schema)}"
    return None


def _templates(value: Any, path: str, depth: int = 0) -> list[tuple[Any, str]]:
    """Every ``template`` mapping below ``value`` (a Deployment's, a PyTorchJob's replica specs', ...)."""
    found: list[tuple[Any, str]] = []
    if depth > 12:
        return found
    if isinstance(value, Mapping):
        for key, item in value.items():
            inner = f"{path}.{key}"
            if key == "template" and isinstance(item, Mapping) and ("spec" in item or "metadata" in item):
                found.append((item, inner))
            elif isinstance(item, Mapping | list):
                found.extend(_templates(item, inner, depth + 1))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, Mapping | list):
                found.extend(_templates(item, f"{path}[{index}]", depth + 1))
    return found


_EVENT_TEXT = tuple(key for key, schema in _EVENT.items() if schema is str)  # type: ignore[union-attr]
_EVENT_COUNTS = ("count", "deprecatedCount")
_EVENT_PARTS = {key: schema for key, schema in _EVENT.items() if type(schema) is dict}  # type: ignore[union-attr]


def _event_problem(event: dict[str, Any]) -> str | None:
    """``_problem(event, _EVENT)``, unrolled: a cluster has ten events for each pod, and this runs on each."""
    for key in _EVENT_TEXT:
        value = event.get(key)
        if value is not None and type(value) is not str:
            return f"{key} is not a string"
    for key in _EVENT_COUNTS:
        value = event.get(key)
        if value is not None and (type(value) is not int):
            return f"{key} is not an integer"
    for key, schema in _EVENT_PARTS.items():
        value = event.get(key)
        if value is not None:
            found = _mapping_problem(value, schema, key)
            if found:
                return found
    return None


def pod_spec_problem(spec: Any, path: str) -> str | None:
    """Why a pod spec (of a pod, or of any kind's pod template at ``path``) has a field of the wrong type, or None."""
    return _problem(spec, POD_SPEC, path)


def object_problem(obj: Any, kind: str | None = None) -> str | None:
    """Why ``obj`` cannot be read as an API object of its kind (``spec.containers[0] is not a mapping``), or None.

    Args:
        obj: the object as decoded.
        kind: its kind, when the caller knows it better than ``obj["kind"]`` (a List's items).
    """
    if not isinstance(obj, Mapping):
        return "the object is not a mapping"
    for key in ("kind", "apiVersion"):
        if obj.get(key) is not None and not isinstance(obj.get(key), str):
            return f"{key} is not a string"
    found = _problem(obj.get("metadata"), METADATA, "metadata")
    if found:
        return found
    for key in ("spec", "status"):
        if obj.get(key) is not None and not isinstance(obj.get(key), Mapping):
            return f"{key} is not a mapping"
    found = _problem((obj.get("status") or {}).get("conditions"), [_CONDITION], "status.conditions")
    if found:
        return found
    own_kind = str(kind or obj.get("kind") or "")
    if own_kind == "Event":
        return _event_problem(obj)  # type: ignore[arg-type]
    schema = _BY_KIND.get(own_kind)
    if schema is not None:
        found = _problem(obj, schema, "")
        if found:
            return found
    # The built-in controllers' template slots (elsewhere, ``template`` may be a name: Argo's steps).
    found = _problem(obj.get("spec"), {"template": dict, "jobTemplate": {"spec": {"template": dict}}}, "spec")
    if found:
        return found
    if str(kind or obj.get("kind") or "") in _NO_TEMPLATES:
        return None
    for template, path in _templates(obj.get("spec"), "spec"):
        found = _problem(template, _TEMPLATE, path)
        if found:
            return found
    return None
