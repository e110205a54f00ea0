"""Image pull failures: ErrImagePull, ImagePullBackOff, InvalidImageName and friends.

What: classifies why the kubelet could not pull a container image: the image does not exist, the
registry refused the credentials, the registry rate-limited the node, the registry cannot be reached
(DNS, timeout, TLS, refused), or the reference is malformed.

Why it matters: ``ImagePullBackOff`` alone says nothing. Before Kubernetes 1.32 the back-off message
kept no cause at all (``Back-off pulling image "x"``); since ~1.28 the kubelet no longer wraps errors
in ``rpc error: code = Unknown desc =``; and containerd, CRI-O and docker word every cause differently.

Remedy: specific to the cause: fix the tag, add imagePullSecrets, authenticate or mirror, fix DNS/CA,
or fix the reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kubectl_ml.model.context import PodContext
from kubectl_ml.model.events import Event
from kubectl_ml.model.findings import Evidence, Finding
from kubectl_ml.model.pods import ContainerView, containers
from kubectl_ml.rules._common import event_evidence, finding, status_evidence

PULL_REASONS = (
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "ImageInspectError",
    "RegistryUnavailable",
    "SignatureValidationFailed",
)
_WRAPPER = re.compile(r"rpc error: code = \w+ desc = ")
_BACKOFF_CAUSE = re.compile(r'^[Bb]ack-off pulling image "[^"]*"(?::\s*(?:ErrImagePull:\s*)?(.*))?$', re.DOTALL)


@dataclass(frozen=True)
class PullCause:
    """A classified pull error: the code and a short phrase for the summary."""

    code: str
    phrase: str


# Order matters: a 429 body also says "failed to copy", and "pull access denied" also says
# "does not exist", so the more specific patterns come first.
_PATTERNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "image-pull-rate-limited",
        "the registry rate-limited the pull (429)",
        ("429 Too Many Requests", "toomanyrequests", "pull rate limit"),
    ),
    (
        "image-pull-unauthorized",
        "the registry refused access (missing or wrong credentials, or no such private repository)",
        (
            "pull access denied",
            "insufficient_scope",
            "authorization failed",
            "failed to authorize",
            "failed to fetch anonymous token",
            "unauthorized",
            "authentication required",
            "requested access to the resource is denied",
            "denied: ",
            "denied on resource",
            "403 Forbidden",
            "no basic auth credentials",
            "insufficient scope",
        ),
    ),
    (
        "invalid-image-name",
        "the image reference is not valid",
        ("invalid reference format", "couldn't parse image reference", "InvalidImageName"),
    ),
    (
        "image-not-found",
        "the image or tag does not exist in the registry",
        (
            "manifest unknown",
            ": not found",
            "not found: manifest",
            "name unknown",
            "NotFound desc",
            "repository name not known",
            "is not present with pull policy of Never",
        ),
    ),
    (
        "registry-unreachable",
        "the node could not reach the registry",
        (
            "no such host",
            "i/o timeout",
            "connection refused",
            "server misbehaving",
            "x509:",
            "tls:",
            "certificate",
            "context deadline exceeded",
            "network is unreachable",
            "TLS handshake timeout",
            "Client.Timeout exceeded",
            "registry is unavailable",
            "no route to host",
            "connection reset",
        ),
    ),
)


def classify_pull_error(text: str) -> PullCause | None:
    """Map a pull error (any runtime, with or without the gRPC wrapper) to a code; None if unknown."""
    body = _WRAPPER.sub("", text)
    for code, phrase, needles in _PATTERNS:
        if any(needle in body for needle in needles):
            return PullCause(code, phrase)
    if "no space left on device" in body:
        return PullCause("image-pull-failed", "the node's disk is full (no space left on device)")
    if "context canceled" in body:
        return PullCause("image-pull-failed", "the pull was cancelled (often transient, or a slow registry)")
    if "signature validation failed" in body:
        return PullCause("image-pull-failed", "the image signature could not be validated")
    return None


def registry_of(image: str) -> str:
    """The registry host of an image reference (``docker.io`` when none is named)."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def _cause_from_backoff(message: str) -> str | None:
    match = _BACKOFF_CAUSE.match(message.strip())
    if not match:
        return None
    cause = (match.group(1) or "").strip()
    return cause or None


def _pull_events(context: PodContext, container: ContainerView) -> list[Event]:
    """Warning events carrying the runtime's pull error for this container (newest first)."""
    image = container.spec.get("image", "")
    return [
        event
        for event in context.events
        if event.reason in ("Failed", "InspectFailed", "ErrImageNeverPull")
        and event.container in (None, container.name)
        and (
            event.message.startswith(("Failed to pull image", "Failed to apply default image tag"))
            or "is not present with pull policy of Never" in event.message
            or (image and f'"{image}"' in event.message and not event.message.startswith("Error:"))
        )
    ]


def _remedy(cause: PullCause, context: PodContext, image: str) -> tuple[str, dict[str, object] | None, list[str]]:
    registry = registry_of(image)
    namespace = context.namespace
    secrets = [item.get("name") for item in (context.pod.get("spec") or {}).get("imagePullSecrets") or []]
    create_secret = (
        f"kubectl create secret docker-registry regcred -n {namespace} --docker-server={registry} "
        "--docker-username=<user> --docker-password=<token>"
    )
    secret_patch: dict[str, object] = {"spec": {"imagePullSecrets": [{"name": "regcred"}]}}
    if cause.code == "image-pull-unauthorized":
        if secrets:
            return (
                f"The pod uses imagePullSecrets {', '.join(map(str, secrets))}: check that they hold "
                f"credentials for {registry} with read access to this repository, and that the "
                "repository name is right.",
                None,
                [f"kubectl get secret {secrets[0]} -n {namespace} -o jsonpath='{{.type}}'"],
            )
        return (
            f"The pod has no imagePullSecrets. Create a docker-registry Secret for {registry} and add "
            "it to the pod template (or to its ServiceAccount); if the image is public, check the "
            "repository name.",
            secret_patch,
            [create_secret],
        )
    if cause.code == "image-pull-rate-limited":
        return (
            f"Authenticate pulls from {registry} (imagePullSecrets raise the limit) or mirror the image "
            "to a registry you control.",
            None if secrets else secret_patch,
            [] if secrets else [create_secret],
        )
    if cause.code == "image-not-found":
        return (
            f"Check the repository and tag of {image!r}: list the tags the registry has and set an existing one.",
            None,
            [f"docker manifest inspect {image}"],
        )
    if cause.code == "invalid-image-name":
        return (
            f"Fix the image reference {image!r}: lower-case repository, no spaces, "
            "[registry/]repository[:tag][@sha256:digest].",
            None,
            [],
        )
    if cause.code == "registry-unreachable":
        return (
            f"Check that {registry} resolves and is reachable from the nodes (DNS, firewall, proxy) and "
            "that the nodes trust its TLS certificate.",
            None,
            [f"kubectl debug node/<node> -it --image=busybox -- nslookup {registry}"],
        )
    return (cause.phrase[0].upper() + cause.phrase[1:] + ": see the events of the next attempt.", None, [])


def _diagnose(context: PodContext, container: ContainerView) -> Finding | None:
    waiting = container.waiting
    reason = str(waiting.get("reason") or "")
    if reason not in PULL_REASONS:
        return None
    message = str(waiting.get("message") or "")
    image = str(container.spec.get("image") or container.status.get("image") or "")
    evidence: list[Evidence] = [status_evidence(f"{container.status_path}.state.waiting.reason", reason)]
    if message:
        evidence.append(status_evidence(f"{container.status_path}.state.waiting.message", message))
    cause_text: str | None = message if reason != "ImagePullBackOff" else _cause_from_backoff(message)
    if reason in ("InvalidImageName",):
        cause_text = cause_text or "InvalidImageName"
    if reason == "RegistryUnavailable":
        cause_text = f"registry is unavailable: {message}"
    events = _pull_events(context, container)
    cause = classify_pull_error(cause_text) if cause_text else None
    if cause is None:
        for event in events:
            cause = classify_pull_error(event.message)
            if cause:
                evidence.append(event_evidence(event, context.now))
                break
    elif events:
        evidence.append(event_evidence(events[0], context.now))
    if reason == "ErrImageNeverPull":
        cause = PullCause("image-not-found", "the image is not on the node and imagePullPolicy is Never")
    if cause is None:
        if not events and context.available.events:
            detail = "no pull error is left in the events (they expire after about an hour)"
        elif not context.available.events:
            detail = "events could not be read"
        else:
            detail = "the runtime's error is not one we recognize"
        cause = PullCause("image-pull-failed", f"the cause is unknown: {detail}")
    remedy, patch, commands = _remedy(cause, context, image)
    if cause.code == "image-pull-failed" and "unknown" in cause.phrase:
        commands = [f"kubectl get events -n {context.namespace} --field-selector involvedObject.name={context.name}"]
    return finding(
        cause.code,
        context,
        f"Image {image} of container {container.name} cannot be pulled: {cause.phrase}.",
        container=container.name,
        evidence=evidence,
        remedy=remedy,
        patch=patch,
        commands=commands,
    )


def check(context: PodContext) -> Iterator[Finding]:
    """Yield one finding per container that is waiting on an image pull failure."""
    for container in containers(context.pod):
        result = _diagnose(context, container)
        if result is not None:
            yield result
