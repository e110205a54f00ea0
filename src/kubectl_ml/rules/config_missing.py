"""Missing ConfigMaps, Secrets and keys: CreateContainerConfigError and FailedMount.

What: the container references a ConfigMap or Secret (through env, envFrom or a volume) that does not
exist, or a key that is not in it.

Why it matters: the pod sits in ``CreateContainerConfigError`` (or ``ContainerCreating`` for volumes)
forever; ``kubectl describe`` shows only the reason, not the message that names the object.

Remedy: create the object or key in the pod's namespace, fix the reference, or mark it optional.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.findings import Evidence, Finding
from kubectl_ml.model.pods import containers
from kubectl_ml.rules._common import event_evidence, finding, status_evidence

_MISSING_KEY = re.compile(r"[Cc]ouldn't find key (\S+) in (ConfigMap|Secret) ([^/\s]+)/(\S+)")
_MISSING_OBJECT = re.compile(r'(configmap|secret)s? "([^"]+)" not found')


def _describe(message: str) -> tuple[str, str, str, str | None] | None:
    """(kind, name, remedy, key) named by a kubelet message, or None."""
    key_match = _MISSING_KEY.search(message)
    if key_match:
        key, kind, _namespace, name = key_match.groups()
        return kind, name, f"Add key {key} to {kind} {name}, or fix the key name in the pod spec.", key
    object_match = _MISSING_OBJECT.search(message)
    if object_match:
        kind = "ConfigMap" if object_match.group(1) == "configmap" else "Secret"
        name = object_match.group(2)
        return kind, name, f"Create {kind} {name} in the namespace, or fix the name in the pod spec.", None
    return None


def _create_command(kind: str, name: str, namespace: str, key: str | None) -> str:
    literal = f" --from-literal={key}=<value>" if key else " --from-literal=<key>=<value>"
    if kind == "Secret":
        return f"kubectl create secret generic {name} -n {namespace}{literal}"
    return f"kubectl create configmap {name} -n {namespace}{literal}"


def check(context: PodContext) -> Iterator[Finding]:
    """Yield a finding per container blocked by a missing ConfigMap/Secret, and per missing volume."""
    reported: set[str] = set()
    for container in containers(context.pod):
        waiting = container.waiting
        if waiting.get("reason") != "CreateContainerConfigError":
            continue
        message = str(waiting.get("message") or "")
        evidence: list[Evidence] = [
            status_evidence(f"{container.status_path}.state.waiting.reason", "CreateContainerConfigError"),
            status_evidence(f"{container.status_path}.state.waiting.message", message),
        ]
        described = _describe(message)
        if described is None:
            # Another config error (e.g. runAsNonRoot with a root image) is not a missing object.
            continue
        kind, name, remedy, key = described
        reported.add(name)
        yield finding(
            "config-missing",
            context,
            f"Container {container.name} cannot start: {message}.",
            container=container.name,
            evidence=evidence,
            remedy=remedy,
            commands=[_create_command(kind, name, context.namespace, key)],
        )
    for event in context.events:
        if event.reason != "FailedMount":
            continue
        described = _describe(event.message)
        if described is None or described[1] in reported:
            continue
        kind, name, remedy, key = described
        reported.add(name)
        yield finding(
            "config-missing",
            context,
            f"A volume cannot be mounted because {kind} {name} does not exist.",
            evidence=[event_evidence(event, context.now)],
            remedy=remedy,
            commands=[_create_command(kind, name, context.namespace, key)],
        )
