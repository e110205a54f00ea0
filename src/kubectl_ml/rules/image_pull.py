"""Image pull failures: ErrImagePull, ImagePullBackOff, InvalidImageName and friends.

What: classifies why the kubelet could not pull a container image: the image does not exist, the
registry refused the credentials, the registry rate-limited the node, the registry cannot be reached
(DNS, timeout, TLS, refused), or the reference is malformed. Failures of the node itself (disk full,
a blob lost from containerd's content store) and errors whose text has expired are ``image-pull-failed``.

Why it matters: ``ImagePullBackOff`` alone says nothing. Before Kubernetes 1.32 the back-off message
kept no cause at all (``Back-off pulling image "x"``); since ~1.28 the kubelet no longer wraps errors
in ``rpc error: code = Unknown desc =``; and containerd, CRI-O and docker word every cause differently.

Remedy: specific to the cause: fix the tag, add imagePullSecrets (or the node's cloud identity),
authenticate or mirror, fix DNS/CA, fix the reference, or free the node's disk.

Why one module of this size: one rule, and its six codes are one classification of one message in
every wording of three runtimes and a dozen Kubernetes releases; split, the order in which wordings
are tried (the most specific first) would live in two places.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kubectl_ml.model.checks import Need
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.context import PodContext
from kubectl_ml.model.events import Event
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.pods import ContainerView, containers
from kubectl_ml.rules._common import container_patch, event_evidence, finding, status_evidence

NEEDS = (Need("events"),)

CODES = declare(
    CodeInfo(
        "image-not-found",
        "image pull",
        Severity.ERROR,
        "image or tag does not exist",
        "The registry answered that the repository, tag or digest does not exist.",
        "Correct the image name or tag; list the tags the registry has.",
        docs="https://kubernetes.io/docs/concepts/containers/images/#imagepullbackoff",
        variants={
            "never-pull": (
                "Image {image} is not on {node} and imagePullPolicy is Never: load it onto the nodes first, or "
                "let the kubelet pull it with imagePullPolicy: IfNotPresent."
            ),
            "check-tag": (
                "Check the repository and tag of {image}: list the tags the registry has and set an existing one."
            ),
        },
    ),
    CodeInfo(
        "image-pull-unauthorized",
        "image pull",
        Severity.ERROR,
        "registry refused the credentials",
        "The registry refused the pull: no credentials, wrong credentials, or no access to the "
        "repository (a private repository also answers this way when the name is wrong).",
        "Create a docker-registry Secret and list it in imagePullSecrets (or on the "
        "ServiceAccount); check the repository name.",
        docs="https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/",
        variants={
            "check-secrets": (
                "The pod uses imagePullSecrets {secrets}: check that they hold credentials for {registry} with "
                "read access to this repository, and that the repository name is right."
            ),
            "check-secrets-cloud": (
                "The pod uses imagePullSecrets {secrets}: check that they hold credentials for {registry} with "
                "read access to this repository, and that the repository name is right. On {cloud}."
            ),
            "add-secret": (
                "The pod has no imagePullSecrets. Create a docker-registry Secret for {registry} and add it to "
                "the pod template (or to its ServiceAccount); if the image is public, check the repository "
                "name."
            ),
            "add-secret-cloud": (
                "The pod has no imagePullSecrets. Create a docker-registry Secret for {registry} and add it to "
                "the pod template (or to its ServiceAccount); if the image is public, check the repository "
                "name. On {cloud}."
            ),
        },
    ),
    CodeInfo(
        "image-pull-rate-limited",
        "image pull",
        Severity.ERROR,
        "registry rate limit (429)",
        "The registry throttled the node's pulls (HTTP 429, e.g. Docker Hub's pull limit).",
        "Authenticate pulls with imagePullSecrets, or mirror the image to your own registry.",
        docs="https://docs.docker.com/docker-hub/usage/",
        variants={
            "account-limit": (
                "The pod already pulls with imagePullSecrets {secrets}, so the account's own limit was reached:"
                " mirror the image to a registry you control, or use an account with a higher limit on "
                "{registry}."
            ),
            "authenticate": (
                "Authenticate pulls from {registry} (imagePullSecrets raise the limit) or mirror the image to a"
                " registry you control."
            ),
        },
    ),
    CodeInfo(
        "registry-unreachable",
        "image pull",
        Severity.ERROR,
        "registry cannot be reached",
        "The node could not reach the registry: DNS failure, timeout, refused connection or a "
        "TLS certificate it does not trust.",
        "Check the registry host name, the node's DNS and egress, proxies, and the CA the node trusts.",
        docs="https://kubernetes.io/docs/concepts/containers/images/",
        variants={
            "plain-http": (
                "{registry} answers plain HTTP where the runtime speaks HTTPS: serve it over TLS, or declare it"
                ' an HTTP registry on the nodes (containerd: a hosts.toml for it with server = "http://..."; '
                "CRI-O: insecure = true in registries.conf)."
            ),
            "dns": (
                "The nodes cannot resolve {registry}: check the host name in the image, and the nodes' DNS (a "
                "private registry needs a record the nodes' resolver knows)."
            ),
            "tls": (
                "The nodes do not trust {registry}'s TLS certificate (self-signed or a private CA): add its CA "
                "to the container runtime's trust on every node (containerd: hosts.toml ca; CRI-O: "
                "/etc/containers/certs.d), or fix the certificate's name."
            ),
            "refused": (
                "{registry} refuses connections on that port: check the registry runs and listens there (HTTPS "
                "on 443 unless the image names another port), and any proxy in between."
            ),
            "timeout": (
                "The nodes cannot reach {registry} in time (timeout, no route): check the firewall, egress "
                "rules, NAT and proxy settings of the node pool."
            ),
        },
    ),
    CodeInfo(
        "invalid-image-name",
        "image pull",
        Severity.ERROR,
        "image reference is malformed",
        "The image reference cannot be parsed (upper-case letters, bad characters, a stray space or colon).",
        "Fix the image reference in the pod template.",
        docs="https://kubernetes.io/docs/concepts/containers/images/#image-names",
        variants={
            "lowercase": "Write the repository in lower case: {fixed}.",
            "reference": (
                "Fix the image reference {image}: lower-case repository, no spaces, "
                "[registry/]repository[:tag][@sha256:digest]."
            ),
        },
    ),
    CodeInfo(
        "image-pull-failed",
        "image pull",
        Severity.ERROR,
        "image pull failed, cause unknown",
        "The image could not be pulled and the detailed error is no longer available (events "
        "expire after about an hour).",
        "Watch the next pull attempt's events, or pull the image by hand from a machine with the same access.",
        generic=True,
        docs="https://kubernetes.io/docs/concepts/containers/images/#imagepullbackoff",
        variants={
            "registry-server-error": (
                "Nothing in the pod to change: the kubelet retries on its own. Check the registry's status (Docker "
                "Hub: www.dockerstatus.com) or, for a registry or pull-through cache you run (Harbor, Nexus, "
                "Dragonfly), its logs; mirror the images you depend on to a second registry."
            ),
            "disk-full": (
                "Free disk space on the node: remove unused images (crictl rmi --prune) and check what fills "
                "the runtime's storage; large ML images need tens of GiB free to unpack."
            ),
            "content-store": (
                "Remove the half-unpacked image on the node (crictl rmi <image>) so the next attempt pulls it "
                "again, or delete the pod so it lands on another node."
            ),
            "next-attempt": (
                "Read the Failed event of the next pull attempt (the kubelet retries within 5 minutes), or pull"
                " the image by hand from a node with the same credentials."
            ),
            "runtime-quoted": (
                "The runtime's own error is quoted above: fix what it names, or pull the image by hand on the "
                "pod's node (crictl pull) to see it in full."
            ),
        },
    ),
)


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
    """A classified pull error.

    Attributes:
        code: the finding code.
        phrase: a short phrase for the summary.
        fix: the name of its fix among the code's variants, for causes whose fix is not the code's usual
            one (node-side failures).
    """

    code: str
    phrase: str
    fix: str = ""


# Failures on the node itself, checked before the registry's answers: the text of an unpack error
# quotes file paths and digests that can contain any needle below ("certificate", ": not found").
_NODE_FAILURES: tuple[tuple[str, PullCause], ...] = (
    (
        "no space left on device",
        PullCause(
            "image-pull-failed",
            "the node's disk is full (no space left on device)",
            "disk-full",
        ),
    ),
    (
        "content digest",
        PullCause(
            "image-pull-failed",
            "the node's container runtime lost part of the image in its content store while unpacking it "
            "(the registry has the image)",
            "content-store",
        ),
    ),
)

# Cloud registries that nodes usually pull from with their own identity, not with imagePullSecrets.
_NODE_IDENTITY_REGISTRIES = (
    (".pkg.dev", "Artifact Registry: grant the nodes' service account roles/artifactregistry.reader"),
    ("gcr.io", "Container Registry: grant the nodes' service account read access to the bucket"),
    (".dkr.ecr.", "ECR: attach AmazonEC2ContainerRegistryReadOnly to the nodes' IAM role"),
    (".azurecr.io", "ACR: attach the registry to the cluster (az aks update --attach-acr)"),
)

# Docker before 18.x answered a missing tag with `manifest for <ref> not found`, without the
# registry's "manifest unknown" code.
_DOCKER_MANIFEST_NOT_FOUND = re.compile(r"manifest for \S+ not found")
# The registry answered, with a server error: containerd `unexpected status code <url>: 500 Internal Server
# Error`, `failed with status code [manifests x]: 500 ...`, docker `received unexpected HTTP status: 500 ...`
# (docker/hub-feedback#2482, #2439; dragonflyoss/dragonfly#3582; kubernetes-retired/external-storage#1323).
_REGISTRY_SERVER_ERROR = re.compile(
    r"\b(50[0-4]) (Internal Server Error|Not Implemented|Bad Gateway|Service Unavailable|Gateway Time-?out)\b",
    re.IGNORECASE,
)

# Order matters: a 429 body also says "failed to copy", and "pull access denied" also says
# "does not exist", so the more specific patterns come first.
_PATTERNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "image-pull-rate-limited",
        "the registry's pull rate limit was reached (429)",
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
            # docker: `Error response from daemon: Head "https://ghcr.io/v2/.../manifests/latest": denied`
            '": denied',
            "denied on resource",
            "403 Forbidden",
            "no basic auth credentials",
            "insufficient scope",
            "no pull access",
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
            # kubeblocks#9169: `dial tcp 199.96.61.1:443: connect: connection timed out`
            "connection timed out",
            # cri-o#3612: `dial tcp: lookup k8s.gcr.io: device or resource busy` (the node's resolver failed)
            "dial tcp: lookup ",
            # kube-image-keeper#60: a registry (or cache) on plain HTTP, reached over HTTPS
            "server gave HTTP response to HTTPS client",
        ),
    ),
)


def classify_pull_error(text: str) -> PullCause | None:
    """Map a pull error (any runtime, with or without the gRPC wrapper) to a code; None if unknown.

    Args:
        text: the runtime's error as the kubelet reports it (waiting message, or the ``Failed to pull
            image`` event).

    Returns:
        The code and a phrase for the summary, or None when the text names no known cause.
    """
    body = _WRAPPER.sub("", text)
    # Registries and runtimes vary the case (`401 Unauthorized`, `unauthorized: authentication required`):
    # the words are matched case-insensitively.
    lowered = body.lower()
    for needle, node_cause in _NODE_FAILURES:
        if needle.lower() in lowered:
            return node_cause
    for code, phrase, needles in _PATTERNS:
        if any(needle.lower() in lowered for needle in needles):
            return PullCause(code, phrase)
        if code == "image-not-found" and _DOCKER_MANIFEST_NOT_FOUND.search(body):
            return PullCause(code, phrase)
    server_error = _REGISTRY_SERVER_ERROR.search(body)
    if server_error:
        return PullCause(
            "image-pull-failed",
            f"the registry answered with a server error (HTTP {server_error.group(1)} {server_error.group(2)}): "
            "a fault on the registry's side, not the pod's",
            "registry-server-error",
        )
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


def _lowercase_repository(image: str) -> str:
    """The reference with its repository lower-cased and its tag and digest kept (tags may be upper case)."""
    name, at, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = name[colon:] if colon > slash else ""
    return name[: len(name) - len(tag)].lower() + tag + at + digest


def _secret_remedy(registry: str, namespace: str) -> tuple[dict[str, object], str]:
    """The patch that adds a pull secret, and the command that creates it."""
    command = (
        f"kubectl create secret docker-registry regcred -n {namespace} --docker-server={registry} "
        "--docker-username=<user> --docker-password=<token>"
    )
    return {"spec": {"imagePullSecrets": [{"name": "regcred"}]}}, command


# A fix: the name of a variant of the finding's code, its values, a patch, the commands to run.
_Fix = tuple[str, dict[str, object], "dict[str, object] | None", list[str]]


def _unauthorized_remedy(registry: str, namespace: str, secrets: list[str]) -> _Fix:
    cloud = next((hint for suffix, hint in _NODE_IDENTITY_REGISTRIES if suffix in registry), "")
    values: dict[str, object] = {"registry": registry, "secrets": ", ".join(secrets), "cloud": cloud}
    if secrets:
        command = f"kubectl get secret {secrets[0]} -n {namespace} -o jsonpath='{{.type}}'"
        return "check-secrets-cloud" if cloud else "check-secrets", values, None, [command]
    patch, command = _secret_remedy(registry, namespace)
    return "add-secret-cloud" if cloud else "add-secret", values, patch, [command]


def _unreachable_remedy(registry: str, text: str) -> _Fix:
    """The fix for the way the registry could not be reached: its name, its port, its certificate, the path."""
    node = "kubectl debug node/<node> -it --image=busybox --"
    values: dict[str, object] = {"registry": registry}
    # `dial tcp: lookup <host> on <dns>:53: ... i/o timeout` is the DNS server not answering, not the registry.
    if "server gave http response to https client" in text:
        return "plain-http", values, None, []
    if (
        "no such host" in text
        or "server misbehaving" in text
        or re.search(r"lookup \S+ on \S+:53", text)
        or re.search(r"dial tcp: lookup \S+: ", text)
    ):
        return "dns", values, None, [f"{node} nslookup {registry}"]
    if "x509" in text or "certificate" in text:
        return "tls", values, None, [f"{node} wget -O- https://{registry}/v2/"]
    if "connection refused" in text:
        return "refused", values, None, [f"{node} wget -O- https://{registry}/v2/"]
    return "timeout", values, None, [f"{node} wget -T 10 -O- https://{registry}/v2/"]


def _remedy(
    cause: PullCause,
    context: PodContext,
    container: ContainerView,
    image: str,
    reason: str,
    evidence: Sequence[Evidence] = (),
) -> _Fix:
    """The fix (a variant of the cause's code and its values), patch and commands for a classified cause."""
    registry = registry_of(image)
    namespace = context.namespace
    secrets = [str(item.get("name")) for item in (context.pod.get("spec") or {}).get("imagePullSecrets") or []]
    if reason == "ErrImageNeverPull":
        node = (context.pod.get("spec") or {}).get("nodeName") or "the node"
        patch = container_patch(container, {"imagePullPolicy": "IfNotPresent"})
        return "never-pull", {"image": image, "node": node}, patch, []
    if cause.code == "image-pull-unauthorized":
        return _unauthorized_remedy(registry, namespace, secrets)
    if cause.code == "image-pull-rate-limited":
        values: dict[str, object] = {"registry": registry, "secrets": ", ".join(secrets)}
        if secrets:
            # A pod that already authenticates is limited per account: more credentials will not help.
            return "account-limit", values, None, []
        patch, command = _secret_remedy(registry, namespace)
        return "authenticate", values, patch, [command]
    if cause.code == "image-not-found":
        return "check-tag", {"image": repr(image)}, None, [f"docker manifest inspect {image}"]
    if cause.code == "invalid-image-name":
        message = str(container.waiting.get("message") or "")
        fixed = _lowercase_repository(image) if "must be lowercase" in message else ""
        if fixed and fixed != image:
            return "lowercase", {"fixed": repr(fixed)}, container_patch(container, {"image": fixed}), []
        return "reference", {"image": repr(image)}, None, []
    if cause.code == "registry-unreachable":
        return _unreachable_remedy(registry, " ".join(str(item.value) for item in evidence).lower())
    if cause.fix:
        return cause.fix, {}, None, []
    # Unknown or transient: the next attempt's Failed event names the cause.
    return "next-attempt", {}, None, []


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
    # Before 1.32 the back-off message keeps no cause: the runtime's error is then only in the events.
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
            # Quoted, not hidden: the user should not be sent to read an event that is right here.
            evidence.append(event_evidence(events[0], context.now))
            detail = f"the runtime says: {events[0].message.strip().rstrip('.')}"
        cause = PullCause("image-pull-failed", f"the cause is unknown: {detail}")
    fix, values, patch, commands = _remedy(cause, context, container, image, reason, evidence)
    if cause.code == "image-pull-failed" and "the runtime says" in cause.phrase:
        fix = "runtime-quoted"
        commands = [f"crictl pull {image}"]
    elif cause.code == "image-pull-failed" and "unknown" in cause.phrase:
        commands = [f"kubectl get events -n {context.namespace} --field-selector involvedObject.name={context.name}"]
    return finding(
        cause.code,
        context,
        f"Image {image} of container {container.name} cannot be pulled: {cause.phrase}.",
        container=container.name,
        evidence=evidence,
        fix=fix,
        values=values,
        patch=patch,
        commands=commands,
    )


def check(context: PodContext) -> Iterator[Finding]:
    """Yield one finding per container that is waiting on an image pull failure."""
    for container in containers(context.pod):
        result = _diagnose(context, container)
        if result is not None:
            yield result
