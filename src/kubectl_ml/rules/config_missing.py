"""Missing ConfigMaps, Secrets and keys: CreateContainerConfigError and FailedMount.

What: the container references a ConfigMap or Secret (through env, envFrom or a volume) that does not
exist, or a key that is not in it.

Why it matters: the pod sits in ``CreateContainerConfigError`` (or ``ContainerCreating`` for volumes)
forever; ``kubectl describe`` shows only the reason, not the message that names the object. A
``FailedMount`` event counts only while the pod has not started: once it runs, the object exists.

Remedy: create the object (with the keys the pod reads) or add the key to the existing one, fix the
reference, or mark it optional.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import containers
from kubectl_ml.rules._common import event_evidence, finding, status_evidence

NEEDS = (Need("events"),)

CODES = declare(
    CodeInfo(
        "config-missing",
        "start",
        Severity.ERROR,
        "ConfigMap, Secret or key missing",
        "The container references a ConfigMap or Secret (or a key in one) that does not exist in the namespace.",
        "Create the object or key, fix the name, or mark the reference optional.",
        docs="https://kubernetes.io/docs/concepts/configuration/configmap/",
        variants={
            "missing-key": "Add key {key} to {kind} {name}, or fix the key name in the pod spec.",
            "missing-object": "Create {kind} {name} in the namespace, or fix the name in the pod spec.",
        },
    ),
)


_MISSING_KEY = re.compile(r"[Cc]ouldn't find key (\S+) in (ConfigMap|Secret) ([^/\s]+)/(\S+)")
_MISSING_OBJECT = re.compile(r'(configmap|secret)s? "([^"]+)" not found')


def _describe(message: str) -> tuple[str, str, str, str | None] | None:
    """(kind, name, fix, key) named by a kubelet message, or None."""
    key_match = _MISSING_KEY.search(message)
    if key_match:
        key, kind, _namespace, name = key_match.groups()
        return kind, name, "missing-key", key
    object_match = _MISSING_OBJECT.search(message)
    if object_match:
        kind = "ConfigMap" if object_match.group(1) == "configmap" else "Secret"
        name = object_match.group(2)
        return kind, name, "missing-object", None
    return None


def _referenced_keys(pod: Mapping[str, Any], kind: str, name: str) -> list[str]:
    """The keys of ConfigMap/Secret ``name`` that the pod reads (env valueFrom, volume items), in spec order."""
    key_ref = "configMapKeyRef" if kind == "ConfigMap" else "secretKeyRef"
    keys: list[str] = []
    for view in containers(pod):
        for variable in view.spec.get("env") or []:
            reference = (variable.get("valueFrom") or {}).get(key_ref) or {}
            if reference.get("name") == name and reference.get("key"):
                keys.append(str(reference["key"]))
    source_field, name_field = ("configMap", "name") if kind == "ConfigMap" else ("secret", "secretName")
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        source = volume.get(source_field) or {}
        if source.get(name_field) == name:
            keys.extend(str(item["key"]) for item in source.get("items") or [] if item.get("key"))
    return list(dict.fromkeys(keys))


def _fix_command(kind: str, name: str, context: PodContext, key: str | None) -> str:
    """The command that adds the missing key to the existing object, or creates the missing object."""
    namespace = context.namespace
    if key:
        # The object exists (only the key is missing): `kubectl create` would fail with AlreadyExists.
        field = "stringData" if kind == "Secret" else "data"
        body = json.dumps({field: {key: "<value>"}}, separators=(",", ":"))
        return f"kubectl patch {kind.lower()} {name} -n {namespace} --type merge -p '{body}'"
    # Name the keys the pod reads, so the object created is one the pod can start with.
    keys = _referenced_keys(context.pod, kind, name) or ["<key>"]
    literals = " ".join(f"--from-literal={item}=<value>" for item in keys)
    if kind == "Secret":
        return f"kubectl create secret generic {name} -n {namespace} {literals}"
    return f"kubectl create configmap {name} -n {namespace} {literals}"


def _not_started(pod: Mapping[str, Any]) -> bool:
    """True while the pod is Pending and none of its containers has run.

    FailedMount events stay for about an hour; once a container runs, the volume was mounted and an old
    ``not found`` (the usual race of a release creating the ConfigMap after the pod) explains nothing.
    """
    if (pod.get("status") or {}).get("phase") != "Pending":
        return False
    return not any((view.status.get("state") or {}).get("running") or view.terminated for view in containers(pod))


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container blocked by a missing ConfigMap/Secret, and per missing volume."""
    reported: set[tuple[str, str]] = set()
    for container in containers(context.pod):
        waiting = container.waiting
        if waiting.get("reason") != "CreateContainerConfigError":
            continue
        message = str(waiting.get("message") or "")
        evidence: list[Evidence] = [
            status_evidence(f"{container.status_path}.state.waiting.reason", "CreateContainerConfigError")
        ]
        if message:
            evidence.append(status_evidence(f"{container.status_path}.state.waiting.message", message))
        described = _describe(message)
        if described is None:
            # The kubelet's `Failed` event says the same (`Error: secret "x" not found`); a status read from
            # `kubectl describe`, or written by an older kubelet, may have the reason without the message.
            event = next(
                (
                    item
                    for item in context.events
                    if item.reason == "Failed" and item.container in (None, container.name) and _describe(item.message)
                ),
                None,
            )
            if event is None:
                # Another config error (e.g. runAsNonRoot with a root image) is not a missing object.
                continue
            message = event.message.removeprefix("Error: ")
            described = _describe(message)
            evidence.append(event_evidence(event, context.now))
        if described is None:
            continue
        kind, name, fix, key = described
        reported.add((kind, name))
        yield finding(
            "config-missing",
            context,
            f"Container {container.name} cannot start: {message}.",
            container=container.name,
            evidence=evidence,
            fix=fix,
            values={"kind": kind, "name": name, "key": key},
            commands=[_fix_command(kind, name, context, key)],
        )
    if not _not_started(context.pod):
        return
    for event in context.events:
        if event.reason != "FailedMount":
            continue
        described = _describe(event.message)
        if described is None or described[:2] in reported:
            continue
        kind, name, fix, key = described
        reported.add((kind, name))
        yield finding(
            "config-missing",
            context,
            f"A volume cannot be mounted because {kind} {name} does not exist.",
            evidence=[event_evidence(event, context.now)],
            fix=fix,
            values={"kind": kind, "name": name, "key": key},
            commands=[_fix_command(kind, name, context, key)],
        )
