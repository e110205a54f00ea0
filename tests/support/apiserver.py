"""A real HTTP server on 127.0.0.1 that answers like kube-apiserver, from a snapshot folder.

No Kubernetes API server runs on our machines (DESIGN §6), so the live source and the CLI are tested
against this one: real sockets, real HTTP/1.1 keep-alive, the real ``kubernetes`` client or the real
``kubectl`` binary on the other end. It serves the objects of a snapshot folder (read with
:class:`kubectl_ml.sources.snapshot.SnapshotSource`, plus any Secret in the folder, which the snapshot
source deliberately skips) at the paths the API server uses, and answers the way kube-apiserver does:

- ``GET`` of one object (with ``kind``/``apiVersion``), ``LIST`` namespaced or cluster-wide (``<Kind>List``,
  items *without* ``kind``/``apiVersion``, sorted by etcd key ``namespace/name``), paged with ``limit`` and
  opaque ``continue`` tokens (``metadata.continue``, ``metadata.resourceVersion``, ``remainingItemCount``
  only without selectors), ``labelSelector`` and ``fieldSelector`` (only the field labels the API server
  supports for that resource; others are a 400 ``field label not supported``);
- ``/api/v1/namespaces/{ns}/pods/{name}/log`` with ``container``, ``previous`` and ``tailLines``, choosing
  the container instance as the kubelet does and failing with the kubelet's 400 messages (``previous
  terminated container "c" in pod "p" not found``, ``container "c" in pod "p" is waiting to start: ...``);
- ``/version`` and enough discovery (``/api``, ``/apis``, ``/api/v1``, ``/apis/{group}/{version}``) for
  ``kubectl get``/``describe``/``logs`` to work against it;
- two extensions for ``kubectl ml rightsize``: ``metrics.k8s.io/v1beta1`` PodMetrics that change from one
  request to the next, as metrics-server's do (:meth:`ApiServer.serve_pod_metrics`; without it the group is a
  404, as on a cluster without metrics-server), and the service proxy
  ``/api/v1/namespaces/{ns}/services/[scheme:]name[:port]/proxy/...``, forwarded to a local HTTP server such
  as a real Prometheus (:meth:`ApiServer.proxy_service`), with the API server's 404 and 503 answers;
- errors as ``Status`` JSON bodies with the API server's messages, reasons and details: 401
  ``Unauthorized`` (a bearer token is required), 403 ``<resource> is forbidden: User "dev" cannot list
  resource ...``, 404 ``pods "x" not found``, 405 for anything but GET, 429 with ``Retry-After``,
  500 ``InternalError``, 503 ``ServiceUnavailable``.

Every request is recorded as ``(method, path, query)`` in :attr:`ApiServer.requests`. Failures and delays
are injected per path prefix (``/api/v1/nodes``), path glob (``/api/v1/namespaces/*/pods/*/log``) or
resource (``events``, ``pods/log``, ``deployments.apps``), optionally for one verb and a number of times.

``tls=True`` serves HTTPS with a self-signed certificate (made once per process with ``openssl``) and
:meth:`ApiServer.write_kubeconfig` writes a kubeconfig that trusts it. Clients send bearer tokens only
over TLS (kubectl and, like it, the plugin), so token tests use ``tls=True``; plain HTTP with
``require_token=False`` stands for ``kubectl proxy``.

In tests (the ``apiserver`` and ``kubeconfig`` fixtures of tests/support/fixtures.py do this)::

    with ApiServer.from_snapshot(folder, tls=True) as server:
        kubeconfig = server.write_kubeconfig(tmp_path)
        server.forbid("events")                  # RBAC forbids listing events
        server.fail("pods", 429, times=1, retry_after=1)
        server.delay("/api/v1/namespaces/ml-training/pods", 2.0)
        ...
        assert all(request.method == "GET" for request in server.requests)

By hand or from a benchmark (HTTPS and a token by default; serves until interrupted and writes a
kubeconfig that both kubectl and the plugin use)::

    python -m tests.support.apiserver fixtures/apiserver --kubeconfig /tmp/fake.kubeconfig
    KUBECONFIG=/tmp/fake.kubeconfig kubectl describe pod trainer-0 -n ml-training
    KUBECONFIG=/tmp/fake.kubeconfig kubectl ml doctor trainer-0 -n ml-training

It loads 5,000 pods and 50,000 events in about a second, answers a GET by key and pages a namespace's
range by bisection (as etcd ranges), so it stays out of the way of timings.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import bisect
import copy
import fnmatch
import json
import re
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from kubectl_ml.sources.snapshot import SnapshotSource

DEFAULT_TOKEN = "kubectl-ml-test-token"  # a throw-away token for a local test server
DEFAULT_USER = "dev"
SERVER_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.4",
    "gitCommit": "59526cd4867447956156ae3a602fcbac10a2c335",
    "gitTreeState": "clean",
    "buildDate": "2025-04-22T16:02:27Z",
    "goVersion": "go1.23.6",
    "compiler": "gc",
    "platform": "linux/amd64",
}
_LOG_ALL_LINES = 1 << 30


# -- resources -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """An API resource the server knows: where it lives and which field selectors it accepts."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    fields: tuple[str, ...] = ()
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    crd: bool = False

    @property
    def api_version(self) -> str:
        """``v1`` or ``group/version``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """``pods`` or ``deployments.apps``, as the API server names a resource in its messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


# The field labels kube-apiserver accepts per resource (pkg/registry/*/strategy.go ...FieldsSet), on
# top of metadata.name and metadata.namespace. Anything else is a 400 "field label not supported".
_POD_FIELDS = (
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.podIPs",
    "status.nominatedNodeName",
)
_EVENT_FIELDS = (
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
)

RESOURCES: tuple[Resource, ...] = (
    Resource("", "v1", "pods", "Pod", fields=_POD_FIELDS, short_names=("po",), subresources=("log", "status")),
    Resource("", "v1", "events", "Event", fields=_EVENT_FIELDS, short_names=("ev",)),
    Resource("", "v1", "nodes", "Node", namespaced=False, fields=("spec.unschedulable",), short_names=("no",)),
    Resource("", "v1", "namespaces", "Namespace", namespaced=False, fields=("status.phase",), short_names=("ns",)),
    Resource("", "v1", "services", "Service", short_names=("svc",)),
    Resource("", "v1", "configmaps", "ConfigMap", short_names=("cm",)),
    Resource("", "v1", "secrets", "Secret", fields=("type",)),
    Resource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", short_names=("pvc",)),
    Resource("", "v1", "persistentvolumes", "PersistentVolume", namespaced=False, short_names=("pv",)),
    Resource("", "v1", "resourcequotas", "ResourceQuota", short_names=("quota",)),
    Resource("", "v1", "limitranges", "LimitRange", short_names=("limits",)),
    Resource("", "v1", "replicationcontrollers", "ReplicationController", short_names=("rc",)),
    Resource("", "v1", "serviceaccounts", "ServiceAccount", short_names=("sa",)),
    Resource("apps", "v1", "deployments", "Deployment", short_names=("deploy",)),
    Resource("apps", "v1", "replicasets", "ReplicaSet", fields=("status.replicas",), short_names=("rs",)),
    Resource("apps", "v1", "statefulsets", "StatefulSet", short_names=("sts",)),
    Resource("apps", "v1", "daemonsets", "DaemonSet", short_names=("ds",)),
    Resource("batch", "v1", "jobs", "Job", fields=("status.successful",)),
    Resource("batch", "v1", "cronjobs", "CronJob", short_names=("cj",)),
    # Custom resources of the ML operators, served only where their CRDs are "installed" (see ApiServer).
    Resource("kubeflow.org", "v1", "pytorchjobs", "PyTorchJob", crd=True),
    Resource("kubeflow.org", "v1", "tfjobs", "TFJob", crd=True),
    Resource("kubeflow.org", "v1", "paddlejobs", "PaddleJob", crd=True),
    Resource("kubeflow.org", "v1", "xgboostjobs", "XGBoostJob", crd=True),
    Resource("kubeflow.org", "v1", "jaxjobs", "JAXJob", crd=True),
    Resource("kubeflow.org", "v2beta1", "mpijobs", "MPIJob", crd=True),
    Resource("trainer.kubeflow.org", "v1alpha1", "trainjobs", "TrainJob", crd=True),
    Resource("jobset.x-k8s.io", "v1alpha2", "jobsets", "JobSet", crd=True),
    Resource("leaderworkerset.x-k8s.io", "v1", "leaderworkersets", "LeaderWorkerSet", crd=True),
    Resource("ray.io", "v1", "rayclusters", "RayCluster", crd=True),
    Resource("ray.io", "v1", "rayjobs", "RayJob", crd=True),
    Resource("ray.io", "v1", "rayservices", "RayService", crd=True),
    Resource("serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService", short_names=("isvc",), crd=True),
    Resource("batch.volcano.sh", "v1alpha1", "jobs", "Job", short_names=("vcjob",), crd=True),
    Resource("apps.openshift.io", "v1", "deploymentconfigs", "DeploymentConfig", short_names=("dc",), crd=True),
    Resource("kubeflow.org", "v1", "mxjobs", "MXJob", crd=True),
    # Kubeflow 1.7 and older serve Notebook at v1beta1 only, beside the training operator's v1.
    Resource("kubeflow.org", "v1beta1", "notebooks", "Notebook", crd=True),
    Resource("serving.knative.dev", "v1", "services", "Service", short_names=("ksvc",), crd=True),
    Resource("argoproj.io", "v1alpha1", "workflows", "Workflow", short_names=("wf",), crd=True),
    Resource("machinelearning.seldon.io", "v1", "seldondeployments", "SeldonDeployment", crd=True),
    Resource("kueue.x-k8s.io", "v1beta1", "workloads", "Workload", crd=True),
    Resource("kueue.x-k8s.io", "v1beta1", "localqueues", "LocalQueue", short_names=("lq",), crd=True),
    Resource("kueue.x-k8s.io", "v1beta1", "clusterqueues", "ClusterQueue", namespaced=False, crd=True),
)
_BY_PATH = {(resource.group, resource.version, resource.plural): resource for resource in RESOURCES}
_BY_KIND = {resource.kind: resource for resource in RESOURCES if not resource.crd}
_BY_GROUP_KIND = {(resource.group, resource.kind): resource for resource in RESOURCES}


def _resource_of(item: Mapping[str, Any]) -> Resource | None:
    """The resource an object belongs to: by its group and kind (Volcano's Job is not batch/v1's)."""
    api_version = str(item.get("apiVersion") or "")
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    kind = str(item.get("kind"))
    found = _BY_GROUP_KIND.get((group, kind))
    if found is None and group in {resource.group for resource in RESOURCES if resource.crd}:
        return None  # a custom resource in a version or kind we do not serve
    return found or _BY_KIND.get(kind)


_METRICS_VERSION = "metrics.k8s.io/v1beta1"
_POD_METRICS_PATH = re.compile(
    r"^/apis/metrics\.k8s\.io/v1beta1/(?:namespaces/(?P<namespace>[^/]+)/)?pods(?:/(?P<name>[^/]+))?/?$"
)
_SERVICE_PROXY_PATH = re.compile(
    r"^/api/v1/namespaces/(?P<namespace>[^/]+)/services/(?P<service>[^/]+)/proxy(?P<rest>/.*)?$"
)


@dataclass(frozen=True)
class Target:
    """What a request path names: a resource collection or object, a subresource, and the verb."""

    resource: Resource
    namespace: str | None
    name: str | None
    subresource: str | None

    @property
    def verb(self) -> str:
        """``get`` for one object (or its subresource), ``list`` for a collection."""
        return "get" if self.name else "list"


def parse_target(path: str) -> Target | None:
    """Map an API path to a Target, or None when it names no known resource."""
    parts = [part for part in path.split("/") if part]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if not rest:
        return None
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    resource = _BY_PATH.get((group, version, rest[0]))
    if resource is None or len(rest) > 3:
        return None
    if namespace is not None and not resource.namespaced:
        return None
    if namespace is None and resource.namespaced and len(rest) > 1:
        return None  # /api/v1/pods/x is not a path
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else None
    if subresource is not None and subresource not in resource.subresources:
        return None
    return Target(resource, namespace, name, subresource)


# -- Status bodies ---------------------------------------------------------------------------------


def status_body(code: int, reason: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A ``Status`` object exactly as kube-apiserver sends it for a failed request."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details is not None:
        body["details"] = dict(details)
    body["code"] = code
    return body


def _details(target: Target | None) -> dict[str, Any]:
    if target is None:
        return {}
    details: dict[str, Any] = {}
    if target.name:
        details["name"] = target.name
    if target.resource.group:
        details["group"] = target.resource.group
    details["kind"] = target.resource.plural
    return details


def forbidden_message(user: str, target: Target) -> str:
    """``pods "x" is forbidden: User "dev" cannot get resource "pods/log" in API group "" in the namespace "ns"``."""
    subject = f'{target.resource.qualified} "{target.name}"' if target.name else target.resource.qualified
    resource = target.resource.plural + (f"/{target.subresource}" if target.subresource else "")
    scope = f'in the namespace "{target.namespace}"' if target.namespace else "at the cluster scope"
    return (
        f'{subject} is forbidden: User "{user}" cannot {target.verb} resource "{resource}" '
        f'in API group "{target.resource.group}" {scope}'
    )


def not_found_body(target: Target | None) -> dict[str, Any]:
    """404 for an object (``pods "x" not found``) or for a path the server does not serve."""
    if target is None or not target.name:
        return status_body(404, "NotFound", "the server could not find the requested resource", {})
    return status_body(404, "NotFound", f'{target.resource.qualified} "{target.name}" not found', _details(target))


def _error_body(status: int, target: Target | None, user: str, message: str | None, retry_after: int | None) -> Any:
    if status == 401:
        return status_body(401, "Unauthorized", message or "Unauthorized")
    if status == 403:
        if target is None:
            text = message or f'forbidden: User "{user}" cannot get path "/"'
            return status_body(403, "Forbidden", text, {})
        return status_body(403, "Forbidden", message or forbidden_message(user, target), _details(target))
    if status == 404:
        body = not_found_body(target)
        if message:
            body["message"] = message
        return body
    if status == 429:
        return status_body(
            429,
            "TooManyRequests",
            message or "Too many requests, please try again later.",
            {"retryAfterSeconds": retry_after or 1},
        )
    if status == 503:
        return status_body(503, "ServiceUnavailable", message or "the server is currently unable to handle the request")
    if status >= 500:
        cause = message or "etcdserver: request timed out"
        return status_body(
            status, "InternalError", f"Internal error occurred: {cause}", {"causes": [{"message": cause}]}
        )
    return status_body(status, "BadRequest", message or "the server rejected our request for an unknown reason")


# -- selectors --------------------------------------------------------------------------------------


class BadRequestError(Exception):
    """A request the API server answers with 400 BadRequest."""


def _split_selector(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]


_SET_REQUIREMENT = re.compile(r"^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$")
_LABEL_KEY = re.compile(r"^([a-z0-9A-Z.-]+/)?[a-zA-Z0-9]([\w.-]*[a-zA-Z0-9])?$")


def label_predicate(selector: str) -> Callable[[Mapping[str, str]], bool]:
    """A predicate over a label map, for ``labelSelector``; BadRequest when it does not parse."""
    tests: list[Callable[[Mapping[str, str]], bool]] = []
    for part in _split_selector(selector):
        match = _SET_REQUIREMENT.match(part)
        if match:
            key, operator, raw = match.groups()
            values = frozenset(value.strip() for value in raw.split(",") if value.strip())
            inside = operator == "in"
            tests.append(lambda labels, k=key, v=values, i=inside: (labels.get(k) in v) == i)
            continue
        for operator in ("!=", "==", "="):
            if operator in part:
                key, value = (item.strip() for item in part.split(operator, 1))
                equal = operator != "!="
                tests.append(lambda labels, k=key, v=value, e=equal: (labels.get(k) == v) == e)
                break
        else:
            present = not part.startswith("!")
            key = part.lstrip("!").strip()
            tests.append(lambda labels, k=key, p=present: (k in labels) == p)
        if not _LABEL_KEY.match(key):
            raise BadRequestError(f"unable to parse requirement: invalid label key {key!r}")
    return lambda labels: all(test(labels) for test in tests)


def _field_value(item: Mapping[str, Any], label: str) -> str:
    if label == "source":  # events: the source component
        current: Any = (item.get("source") or {}).get("component")
    else:
        current = item
        for step in label.split("."):
            current = current.get(step) if isinstance(current, Mapping) else None
    if isinstance(current, bool):
        return "true" if current else "false"
    return "" if current is None else str(current)


def field_predicate(resource: Resource, selector: str) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate for ``fieldSelector`` with only the labels the API server supports for ``resource``."""
    allowed = {"metadata.name", "metadata.namespace", *resource.fields}
    tests: list[Callable[[Mapping[str, Any]], bool]] = []
    for part in _split_selector(selector):
        for operator in ("!=", "==", "="):
            if operator in part:
                label, value = (item.strip() for item in part.split(operator, 1))
                break
        else:
            raise BadRequestError(f"invalid selector: '{selector}'; can't understand '{part}'")
        if label not in allowed:
            raise BadRequestError(f"field label not supported: {label}")
        equal = operator != "!="
        tests.append(lambda item, lb=label, v=value, e=equal: (_field_value(item, lb) == v) == e)
    return lambda item: all(test(item) for test in tests)


# -- continue tokens --------------------------------------------------------------------------------


def encode_continue(resource_version: int, start: str) -> str:
    """An opaque token the way kube-apiserver makes one: base64 of ``{"v","rv","start"}``."""
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": resource_version, "start": start}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int, str]:
    """The resourceVersion and start key of a token; BadRequest when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        document = json.loads(raw)
        if document.get("v") != "meta.k8s.io/v1":
            raise ValueError("version")
        return int(document["rv"]), str(document["start"])
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as error:
        raise BadRequestError(f"continue key is not valid: {error}") from error


# -- events ----------------------------------------------------------------------------------------


def core_event(event: dict[str, Any]) -> dict[str, Any]:
    """An event in the core/v1 shape the ``/api/v1`` events endpoint serves.

    events.k8s.io/v1 events (scheduler events are recorded that way) are converted as the API server
    does: ``regarding`` becomes ``involvedObject``, ``note`` becomes ``message``, the deprecated fields
    come back, and ``firstTimestamp``/``lastTimestamp`` are null when they were never set.
    """
    if event.get("apiVersion") != "events.k8s.io/v1":
        return event
    converted: dict[str, Any] = {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": event.get("metadata") or {},
        "involvedObject": event.get("regarding") or {},
        "reason": event.get("reason"),
        "message": event.get("note"),
        "source": event.get("deprecatedSource") or {},
        "firstTimestamp": event.get("deprecatedFirstTimestamp"),
        "lastTimestamp": event.get("deprecatedLastTimestamp"),
        "type": event.get("type"),
        "eventTime": event.get("eventTime"),
        "action": event.get("action"),
        "reportingComponent": event.get("reportingController") or "",
        "reportingInstance": event.get("reportingInstance") or "",
    }
    if event.get("deprecatedCount"):
        converted["count"] = event["deprecatedCount"]
    if event.get("series"):
        converted["series"] = {
            "count": event["series"].get("count"),
            "lastObservedTime": event["series"].get("lastObservedTime"),
        }
    if event.get("related"):
        converted["related"] = event["related"]
    return {key: value for key, value in converted.items() if value is not None or key.endswith("Timestamp")}


# -- injected failures ------------------------------------------------------------------------------


@dataclass
class Failure:
    """An injected error answer: which requests, which status, how many times (None: always)."""

    match: str
    status: int
    verb: str | None = None
    times: int | None = None
    retry_after: int | None = None
    message: str | None = None
    used: int = 0

    def applies(self, path: str, target: Target | None) -> bool:
        """Whether this failure answers a request for ``path``."""
        if self.times is not None and self.used >= self.times:
            return False
        if self.verb and (target is None or target.verb != self.verb):
            return False
        return _matches(self.match, path, target)


@dataclass
class Delay:
    """An injected delay before answering requests that match."""

    match: str
    seconds: float


# A change to an answer on its way out: (status, body, content type) in, the same out.
Rewriter = Callable[[int, bytes, str], tuple[int, bytes, str]]


@dataclass
class Rewrite:
    """An injected change to the answers of matching requests (a broken proxy, a server bug)."""

    match: str
    change: Rewriter


def _matches(pattern: str, path: str, target: Target | None) -> bool:
    """A path prefix (``/api/v1/nodes``), a path glob (``/api/v1/namespaces/*/pods/*/log``) or a resource."""
    if pattern.startswith("/"):
        return fnmatch.fnmatchcase(path, pattern) if "*" in pattern else path.startswith(pattern)
    if target is None:
        return False
    names = {target.resource.plural, target.resource.qualified}
    if target.subresource:
        names = {f"{name}/{target.subresource}" for name in names}
    return pattern in names


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    authorized: bool
    credentials: bool  # whether an Authorization header came at all

    def __iter__(self) -> Iterator[Any]:
        """Unpack as ``(method, path, query)``."""
        return iter((self.method, self.path, self.query))


# -- the server -------------------------------------------------------------------------------------


@dataclass
class _Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def _json_answer(status: int, document: Any, headers: dict[str, str] | None = None) -> _Answer:
    return _Answer(status, json.dumps(document).encode(), headers=headers or {})


class ApiServer:
    """A local, threaded, read-only Kubernetes API server over a set of objects and container logs.

    Attributes:
        requests: every request received, in order (``method``, ``path``, ``query``).
        token: the bearer token it accepts; anything else is a 401.
        user: the user name in forbidden messages.
        tls: serve HTTPS with a self-signed certificate (:attr:`certificate_authority` trusts it).
        require_token: False accepts requests without a token (a wrong token is still a 401). kubectl
            never sends a bearer token over plain HTTP, so kubectl against ``tls=False`` needs it.
    """

    def __init__(
        self,
        objects: Iterable[dict[str, Any]],
        logs: Mapping[tuple[str, str, str, bool], str] | None = None,
        *,
        token: str = DEFAULT_TOKEN,
        user: str = DEFAULT_USER,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        require_token: bool = True,
        crds: Iterable[str] | None = None,
    ) -> None:
        """Serve ``objects``.

        Args:
            objects: the API objects (custom resources included).
            logs: container logs by (namespace, pod, container, previous).
            token: the bearer token the server accepts.
            user: the user named in 403 messages.
            host: the address to bind.
            port: the port (0: any free one).
            tls: serve HTTPS with a throw-away certificate.
            require_token: answer 401 to requests without the token.
            crds: the API groups whose CRDs are installed; None: the groups of the custom resources given.
        """
        self.token = token
        self.user = user
        self.tls = tls
        self.require_token = require_token
        self.requests: list[RecordedRequest] = []
        self._logs = dict(logs or {})
        self._failures: list[Failure] = []
        self._delays: list[Delay] = []
        self._rewrites: list[Rewrite] = []
        self._pod_metrics: list[list[dict[str, Any]]] | None = None
        self._metrics_requests: dict[str, int] = {}
        self._proxies: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._store: dict[Resource, list[dict[str, Any]]] = {resource: [] for resource in RESOURCES}
        self._index: dict[tuple[Resource, str, str], dict[str, Any]] = {}
        self._keys: dict[Resource, list[str]] = {resource: [] for resource in RESOURCES}
        self.resource_version = 1000
        objects = list(objects)
        for item in objects:
            self._insert(item)
        for resource in RESOURCES:
            self._sort(resource)
        crd_groups = {resource.group for resource in RESOURCES if resource.crd}
        self._auto_crds = crds is None
        if crds is None:
            crds = {resource.group for resource, items in self._store.items() if items and resource.crd}
        self.crds = set(crds) & crd_groups
        self._address = (host, port)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def from_snapshot(
        cls, folder: str | Path, *, extra_objects: Iterable[dict[str, Any]] = (), **options: Any
    ) -> ApiServer:
        """Serve a snapshot folder: what SnapshotSource reads, plus the Secrets it skips, plus extras."""
        source = SnapshotSource(folder)
        objects = [item for items in source.objects.values() for item in items]  # add() copies them
        objects.extend(_secrets_in(Path(folder)))
        objects.extend(copy.deepcopy(list(extra_objects)))
        logs: dict[tuple[str, str, str, bool], str] = {}
        for pod in source.objects.get("Pod", []):
            metadata = pod.get("metadata") or {}
            namespace, name = str(metadata.get("namespace") or ""), str(metadata.get("name") or "")
            spec = pod.get("spec") or {}
            for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
                for previous in (False, True):
                    text = source.logs(
                        namespace, name, container.get("name"), previous=previous, tail_lines=_LOG_ALL_LINES
                    )
                    if text is not None:
                        logs[(namespace, name, container.get("name"), previous)] = text
        return cls(objects, logs, **options)

    # -- content --------------------------------------------------------------------------------

    def add(self, item: dict[str, Any]) -> None:
        """Add (or replace) an object; its kind picks the resource. Unknown kinds are ignored."""
        resource = self._insert(item)
        if resource is not None:
            self._sort(resource)
            if resource.crd and self._auto_crds:
                self.crds.add(resource.group)

    def _sort(self, resource: Resource) -> None:
        # etcd returns a range in key order: /registry/<resource>/<namespace>/<name>.
        self._store[resource].sort(key=_key)
        self._keys[resource] = [_key(item) for item in self._store[resource]]

    def _insert(self, item: dict[str, Any]) -> Resource | None:
        item = core_event(item) if item.get("kind") == "Event" else item
        resource = _BY_KIND.get("Event") if item.get("kind") == "Event" else _resource_of(item)
        if resource is None:
            return None
        item = copy.deepcopy(item)
        item["kind"], item["apiVersion"] = resource.kind, resource.api_version
        metadata = item.setdefault("metadata", {})
        if not resource.namespaced:
            metadata.pop("namespace", None)
        version = str(metadata.get("resourceVersion") or "")
        if version.isdigit():
            self.resource_version = max(self.resource_version, int(version))
        key = (resource, str(metadata.get("namespace") or ""), str(metadata.get("name") or ""))
        if key in self._index:
            self._store[resource].remove(self._index[key])
        self._index[key] = item
        self._store[resource].append(item)
        return resource

    def set_log(self, namespace: str, pod: str, container: str, text: str, *, previous: bool = False) -> None:
        """Set the log of a container instance (current or previous)."""
        self._logs[(namespace, pod, container, previous)] = text

    def serve_pod_metrics(self, polls: Sequence[Sequence[Mapping[str, Any]]]) -> None:
        """Serve ``metrics.k8s.io/v1beta1`` PodMetrics that change between requests, as metrics-server does.

        The n-th request to a path answers from ``polls[n]`` (the last poll repeats): a ``PodMetricsList`` of
        that poll's PodMetrics in the path's namespace (every namespace for ``/apis/metrics.k8s.io/v1beta1/pods``),
        or one ``PodMetrics`` for ``.../pods/{name}`` (404 when absent). Counting per path, a client that polls
        several namespaces sees them all advance together.

        Args:
            polls: per poll, PodMetrics objects (``metadata.name``/``namespace``, ``timestamp``, ``window``,
                ``containers: [{name, usage: {cpu, memory}}]``).
        """
        with self._lock:
            self._pod_metrics = [[copy.deepcopy(dict(item)) for item in poll] for poll in polls]
            self._metrics_requests.clear()

    def proxy_service(self, namespace: str, name: str, target: str) -> None:
        """Forward the service proxy of Service ``namespace/name`` to ``target`` (``http://127.0.0.1:PORT``).

        ``GET /api/v1/namespaces/{namespace}/services/[scheme:]{name}[:port]/proxy/{rest}?{query}`` becomes
        ``GET {target}/{rest}?{query}``; the status and body come back as they are. As kube-apiserver: a
        Service that is not served is a 404, a port the Service does not have or a Service without a proxy
        target (no endpoints) a 503, and a target that refuses the connection a 503.
        """
        with self._lock:
            self._proxies[(namespace, name)] = target.rstrip("/")

    def objects(self, kind: str) -> list[dict[str, Any]]:
        """The objects served for a kind (copies, in key order)."""
        return copy.deepcopy(self._store[_BY_KIND.get(kind) or next(r for r in RESOURCES if r.kind == kind)])

    # -- failures, delays, requests -------------------------------------------------------------

    def fail(
        self,
        match: str,
        status: int,
        *,
        verb: str | None = None,
        times: int | None = None,
        retry_after: int | None = None,
        message: str | None = None,
    ) -> None:
        """Answer matching requests with ``status`` (and the API server's Status body for it).

        Args:
            match: a path prefix (``/api/v1/nodes``), a path glob (``/api/v1/namespaces/*/pods/*/log``),
                or a resource (``events``, ``pods/log``, ``deployments.apps``).
            status: 401, 403, 404, 429, 500, 503, ...
            verb: only ``get`` or only ``list`` requests.
            times: fail this many times, then answer normally (None: always).
            retry_after: the ``Retry-After`` header (seconds) for a 429 or 503.
            message: the Status message, instead of the API server's usual one.
        """
        with self._lock:
            self._failures.append(Failure(match, status, verb, times, retry_after, message))

    def forbid(self, match: str, *, verb: str | None = None) -> None:
        """RBAC denies matching requests (403 with the API server's forbidden message)."""
        self.fail(match, 403, verb=verb)

    def delay(self, match: str, seconds: float) -> None:
        """Wait ``seconds`` before answering matching requests."""
        with self._lock:
            self._delays.append(Delay(match, seconds))

    def rewrite(self, match: str, change: Rewriter) -> None:
        """Pass the answers of matching requests through ``change`` before they are sent.

        ``change`` gets and returns ``(status, body, content_type)``: a body cut short, HTML from a proxy,
        a field of the wrong type. ``match`` is as for :meth:`fail`.
        """
        with self._lock:
            self._rewrites.append(Rewrite(match, change))

    def reset(self) -> None:
        """Forget injected failures, delays, rewrites and recorded requests."""
        with self._lock:
            self._failures.clear()
            self._delays.clear()
            self._rewrites.clear()
            self.requests.clear()
            self._metrics_requests.clear()

    def paths(self) -> list[str]:
        """The recorded requests as ``METHOD path?query`` strings, for assertion messages."""
        return [
            f"{request.method} {request.path}"
            + (
                "?" + "&".join(f"{key}={value}" for key, value in sorted(request.query.items()))
                if request.query
                else ""
            )
            for request in self.requests
        ]

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (``https://`` with ``tls``)."""
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        host, port = self._httpd.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host!s}:{port}"

    @property
    def certificate_authority(self) -> bytes | None:
        """The PEM certificate a client must trust (None without ``tls``)."""
        return _certificate()[0].read_bytes() if self.tls else None

    def client_ssl_context(self) -> ssl.SSLContext | None:
        """An SSL context that trusts this server, for raw HTTP clients (None without ``tls``)."""
        return ssl.create_default_context(cafile=str(_certificate()[0])) if self.tls else None

    def write_kubeconfig(self, where: str | Path, **options: Any) -> Path:
        """A kubeconfig for this server (URL and, with ``tls``, its certificate); see :func:`write_kubeconfig`."""
        authority = self.certificate_authority
        if authority is not None:
            options.setdefault("certificate_authority_data", base64.b64encode(authority).decode())
        return write_kubeconfig(where, self.url, **options)

    def start(self) -> ApiServer:
        """Bind a free port and serve in a background thread."""
        httpd = _HttpServer(self._address, _Handler)
        httpd.api = self
        if self.tls:
            certificate, key = _certificate()
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificate, key)
            # The handshake runs in the handler's thread (_Handler.setup), not in the accept loop.
            httpd.socket = context.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
        self._httpd = httpd
        self._stopping.clear()
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, name="fake-apiserver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; delayed answers in flight are cut short."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- answering ------------------------------------------------------------------------------

    def answer(self, method: str, raw_path: str, headers: Mapping[str, str]) -> _Answer:
        """The answer to one request (called from the handler threads; header names in lower case)."""
        answer = self._answer(method, raw_path, headers)
        path = urlsplit(raw_path).path
        target = parse_target(path)
        with self._lock:
            rewrites = [item.change for item in self._rewrites if _matches(item.match, path, target)]
        for change in rewrites:
            status, body, content_type = change(answer.status, answer.body, answer.content_type)
            answer = _Answer(status, body, content_type, answer.headers)
        return answer

    def _answer(self, method: str, raw_path: str, headers: Mapping[str, str]) -> _Answer:
        parts = urlsplit(raw_path)
        path = parts.path
        query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        given = headers.get("authorization")
        authorized = given == f"Bearer {self.token}" or (given is None and not self.require_token)
        target = parse_target(path)
        if target is not None and target.resource.crd and target.resource.group not in self.crds:
            target = None  # the CRD is not installed: the path is not served
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, authorized, given is not None))
            delay = sum(item.seconds for item in self._delays if _matches(item.match, path, target))
            failure = next((item for item in self._failures if item.applies(path, target)), None)
            if failure is not None:
                failure.used += 1
        if delay:
            self._stopping.wait(delay)
        if not authorized:
            return _json_answer(401, _error_body(401, target, self.user, None, None))
        if failure is not None:
            retry_after = (
                failure.retry_after if failure.retry_after is not None else (1 if failure.status == 429 else None)
            )
            extra = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            body = _error_body(failure.status, target, self.user, failure.message, retry_after)
            return _json_answer(failure.status, body, extra)
        if method != "GET":
            body = status_body(
                405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {}
            )
            return _json_answer(405, body)
        extension = self._pod_metrics_answer(path) or self._proxy_answer(path, parts.query)
        if extension is not None:
            return extension
        try:
            return self._route(path, query, target)
        except BadRequestError as error:
            return _json_answer(400, status_body(400, "BadRequest", str(error)))

    def _route(self, path: str, query: Mapping[str, str], target: Target | None) -> _Answer:
        discovery = self._discovery(path)
        if discovery is not None:
            return _json_answer(200, discovery)
        if target is None:
            return _json_answer(404, not_found_body(None))
        if target.subresource == "log":
            return self._log(target, query)
        if target.subresource is not None:
            return self._get(Target(target.resource, target.namespace, target.name, None))
        if target.name:
            return self._get(target)
        return self._list(target, query)

    def _pod_metrics_answer(self, path: str) -> _Answer | None:
        """metrics.k8s.io PodMetrics (see :meth:`serve_pod_metrics`); None for other paths or when not served."""
        match = _POD_METRICS_PATH.match(path)
        if match is None or self._pod_metrics is None:
            return None
        namespace, name = match.group("namespace"), match.group("name")
        with self._lock:
            count = self._metrics_requests.get(path, 0)
            self._metrics_requests[path] = count + 1
            poll = self._pod_metrics[min(count, len(self._pod_metrics) - 1)] if self._pod_metrics else []
        items = [
            copy.deepcopy(item)
            for item in poll
            if namespace is None or (item.get("metadata") or {}).get("namespace") == namespace
        ]
        items.sort(key=_key)
        if name is not None:
            found = next((item for item in items if (item.get("metadata") or {}).get("name") == name), None)
            if found is None:
                message = f'podmetrics.metrics.k8s.io "{namespace}/{name}" not found'
                return _json_answer(404, status_body(404, "NotFound", message, {"name": name, "kind": "pods"}))
            return _json_answer(200, {"kind": "PodMetrics", "apiVersion": _METRICS_VERSION, **found})
        document = {"kind": "PodMetricsList", "apiVersion": _METRICS_VERSION, "metadata": {}, "items": items}
        return _json_answer(200, document)

    def _proxy_answer(self, path: str, raw_query: str) -> _Answer | None:
        """A service proxy request (see :meth:`proxy_service`); None for other paths."""
        match = _SERVICE_PROXY_PATH.match(path)
        if match is None:
            return None
        namespace, spec, rest = match.group("namespace"), match.group("service"), match.group("rest") or "/"
        parts = spec.split(":")
        name = parts[1] if len(parts) == 3 else parts[0]
        port = parts[-1] if len(parts) >= 2 else ""
        service = self._index.get((_BY_KIND["Service"], namespace, name))
        target = Target(_BY_KIND["Service"], namespace, name, "proxy")
        if service is None:
            return _json_answer(404, not_found_body(target))
        ports = (service.get("spec") or {}).get("ports") or []
        if port and not any(port in (str(item.get("name") or ""), str(item.get("port") or "")) for item in ports):
            message = f'no service port "{port}" found for service "{name}"'
            return _json_answer(503, status_body(503, "ServiceUnavailable", message, {}))
        with self._lock:
            upstream = self._proxies.get((namespace, name))
        if upstream is None:
            message = f'no endpoints available for service "{name}"'
            return _json_answer(503, status_body(503, "ServiceUnavailable", message, {}))
        url = upstream + rest + (f"?{raw_query}" if raw_query else "")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                content_type = response.headers.get("Content-Type", "application/octet-stream")
                return _Answer(response.status, response.read(), content_type)
        except urllib.error.HTTPError as error:
            content_type = error.headers.get("Content-Type", "application/octet-stream")
            return _Answer(error.code, error.read(), content_type)
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            message = f"error trying to reach service: {reason}"
            return _json_answer(503, status_body(503, "ServiceUnavailable", message, {}))

    def _namespaces(self) -> list[dict[str, Any]]:
        names = {"default", "kube-system"}
        for resource, items in self._store.items():
            if resource.namespaced:
                names.update(str((item.get("metadata") or {}).get("namespace") or "") for item in items)
        declared = {str(item["metadata"].get("name")): item for item in self._store[_BY_KIND["Namespace"]]}
        result = []
        for name in sorted(names - {""}):
            result.append(
                declared.get(name)
                or {
                    "kind": "Namespace",
                    "apiVersion": "v1",
                    "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
                    "spec": {"finalizers": ["kubernetes"]},
                    "status": {"phase": "Active"},
                }
            )
        return result

    def _items(self, resource: Resource) -> tuple[list[dict[str, Any]], list[str]]:
        """The objects of a resource in key order, and their keys."""
        if resource.kind == "Namespace":
            namespaces = self._namespaces()
            return namespaces, [_key(item) for item in namespaces]
        return self._store[resource], self._keys[resource]

    def _get(self, target: Target) -> _Answer:
        if target.resource.kind == "Namespace":
            item = next((ns for ns in self._namespaces() if ns["metadata"]["name"] == target.name), None)
        else:
            item = self._index.get((target.resource, target.namespace or "", str(target.name)))
        return _json_answer(200, item) if item is not None else _json_answer(404, not_found_body(target))

    def _list(self, target: Target, query: Mapping[str, str]) -> _Answer:
        resource = target.resource
        items, keys = self._items(resource)
        # A namespace's objects are one contiguous key range ("ns/..."; "0" follows "/"), as in etcd.
        low, high = 0, len(items)
        if target.namespace:
            low, high = (
                bisect.bisect_left(keys, f"{target.namespace}/"),
                bisect.bisect_left(keys, f"{target.namespace}0"),
            )
        label_text, field_text = query.get("labelSelector", ""), query.get("fieldSelector", "")
        labels = label_predicate(label_text) if label_text else None
        fields = field_predicate(resource, field_text) if field_text else None
        try:
            limit = int(query.get("limit") or 0)
        except ValueError as error:
            raise BadRequestError(f"invalid limit: {query.get('limit')}") from error
        version = self.resource_version
        index = low
        if query.get("continue"):
            version, start = decode_continue(query["continue"])
            index = max(low, bisect.bisect_left(keys, start, low, high))
        page: list[dict[str, Any]] = []
        while index < high and (not limit or len(page) < limit):
            item = items[index]
            index += 1
            if labels is not None and not labels((item.get("metadata") or {}).get("labels") or {}):
                continue
            if fields is not None and not fields(item):
                continue
            # Items of a list carry no kind/apiVersion: the list's kind says it (as the API server sends it).
            page.append({key: value for key, value in item.items() if key not in ("kind", "apiVersion")})
        metadata: dict[str, Any] = {"resourceVersion": str(version)}
        if limit and index < high:
            metadata["continue"] = encode_continue(version, keys[index - 1] + "\x00")
            if labels is None and fields is None:
                metadata["remainingItemCount"] = high - index
        document = {
            "kind": f"{resource.kind}List",
            "apiVersion": resource.api_version,
            "metadata": metadata,
            "items": page,
        }
        return _json_answer(200, document)

    def _log(self, target: Target, query: Mapping[str, str]) -> _Answer:
        """A container log: the container and instance chosen, and errors given, as the API server and kubelet do."""
        found = self._get(Target(target.resource, target.namespace, target.name, None))
        if found.status != 200:
            return found
        pod = json.loads(found.body)
        container = _log_container(pod, query.get("container") or "")
        previous = query.get("previous", "").lower() in ("true", "1")
        if not (pod.get("spec") or {}).get("nodeName"):
            # Not scheduled: the API server has no kubelet to ask, and answers with an empty log.
            return _Answer(200, b"", "text/plain")
        from_last_termination = _log_instance(pod, container, previous)
        key = (str(target.namespace), str(target.name), container)
        text = self._logs.get((*key, previous))
        if text is None and from_last_termination and not previous:
            # Waiting after a crash, the "current" log is the last terminated instance: the previous log.
            text = self._logs.get((*key, True))
        return _Answer(200, _tail(text or "", query.get("tailLines")).encode(), "text/plain")

    def _discovery(self, path: str) -> dict[str, Any] | None:
        trimmed = path.rstrip("/")
        if trimmed == "/version":
            return dict(SERVER_VERSION)
        if trimmed == "/api":
            host, port = self._httpd.server_address[:2] if self._httpd else self._address
            return {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": f"{host!s}:{port}"}],
            }
        served = [
            resource for resource in RESOURCES if resource.group and (not resource.crd or resource.group in self.crds)
        ]
        versions: dict[str, list[str]] = {}
        for resource in served:
            if resource.version not in versions.setdefault(resource.group, []):
                versions[resource.group].append(resource.version)
        if trimmed == "/apis":
            return {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [
                    {
                        "name": group,
                        "versions": [{"groupVersion": f"{group}/{version}", "version": version} for version in found],
                        "preferredVersion": {"groupVersion": f"{group}/{found[0]}", "version": found[0]},
                    }
                    for group, found in sorted(versions.items())
                ],
            }
        prefixes = [("v1", "/api/v1")] + [
            (f"{group}/{version}", f"/apis/{group}/{version}") for group, found in versions.items() for version in found
        ]
        for group_version, prefix in prefixes:
            if trimmed == prefix:
                return _resource_list(group_version)
        return None


def _log_container(pod: Mapping[str, Any], requested: str) -> str:
    """The container a log request is for (the API server's checks: named, or the only one)."""
    spec = pod.get("spec") or {}
    name = str((pod.get("metadata") or {}).get("name"))
    containers = [str(item.get("name")) for item in spec.get("containers") or []]
    init_containers = [str(item.get("name")) for item in spec.get("initContainers") or []]
    if not requested:
        if len(containers) == 1:
            return containers[0]
        message = f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]"
        if init_containers:
            message += f" or one of the init containers: [{' '.join(init_containers)}]"
        raise BadRequestError(message)
    if requested not in containers + init_containers:
        raise BadRequestError(f"container {requested} is not valid for pod {name}")
    return requested


def _log_instance(pod: Mapping[str, Any], container: str, previous: bool) -> bool:
    """Whether the log comes from ``lastState.terminated``; BadRequestError as the kubelet answers.

    The kubelet's ``validateContainerLogStatus``: ``previous`` needs a last terminated instance; else the
    running instance, the terminated one, the last terminated one (a container waiting after a crash),
    or an error for a container that never started.
    """
    status = pod.get("status") or {}
    statuses = (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
    container_status = next((item for item in statuses if item.get("name") == container), None)
    quoted = f"{json.dumps(container)} in pod {json.dumps(str((pod.get('metadata') or {}).get('name')))}"
    if container_status is None:
        raise BadRequestError(f"container {quoted} is not available")
    state = container_status.get("state") or {}
    last = (container_status.get("lastState") or {}).get("terminated") or {}
    if previous:
        if not last.get("containerID"):
            raise BadRequestError(f"previous terminated container {quoted} not found")
        return True
    if "running" in state:
        return False
    if "terminated" in state and (state["terminated"] or {}).get("containerID"):
        return False
    if "terminated" in state or last:
        if not last.get("containerID"):
            raise BadRequestError(f"container {quoted} is terminated")
        return True
    if "waiting" in state:
        reason = str((state["waiting"] or {}).get("reason") or "")
        detail = {"ErrImagePull": "image can't be pulled", "ImagePullBackOff": "trying and failing to pull image"}
        raise BadRequestError(f"container {quoted} is waiting to start: {detail.get(reason, reason)}")
    raise BadRequestError(f"container {quoted} is waiting to start - no logs yet")


def _tail(text: str, tail_lines: str | None) -> str:
    if not tail_lines:
        return text
    try:
        count = int(tail_lines)
    except ValueError as error:
        raise BadRequestError(f"invalid tailLines: {tail_lines}") from error
    lines = text.splitlines(keepends=True)
    return "".join(lines[-count:]) if count > 0 else ""


def _resource_list(group_version: str) -> dict[str, Any]:
    entries = []
    for resource in RESOURCES:
        if resource.api_version != group_version:
            continue
        entries.append(
            {
                "name": resource.plural,
                "singularName": resource.kind.lower(),
                "namespaced": resource.namespaced,
                "kind": resource.kind,
                "verbs": ["get", "list", "watch"],
                **({"shortNames": list(resource.short_names)} if resource.short_names else {}),
            }
        )
        for subresource in resource.subresources:
            entries.append(
                {
                    "name": f"{resource.plural}/{subresource}",
                    "singularName": "",
                    "namespaced": resource.namespaced,
                    "kind": resource.kind if subresource == "status" else "Pod",
                    "verbs": ["get"],
                }
            )
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}


def _key(item: Mapping[str, Any]) -> str:
    metadata = item.get("metadata") or {}
    namespace = metadata.get("namespace")
    return f"{namespace}/{metadata.get('name')}" if namespace else str(metadata.get("name"))


def _secrets_in(folder: Path) -> list[dict[str, Any]]:
    """Secrets in a snapshot folder (SnapshotSource never loads them; the server must serve them)."""
    found: list[dict[str, Any]] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".json", ".yaml", ".yml") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "Secret" not in text:
            continue
        documents = [json.loads(text)] if path.suffix == ".json" else list(yaml.safe_load_all(text))
        for document in documents:
            if not isinstance(document, dict):
                continue
            items = document.get("items") if "items" in document else [document]
            list_is_secrets = document.get("kind") == "SecretList"
            for item in items or []:
                if isinstance(item, dict) and (
                    item.get("kind") == "Secret" or (list_is_secrets and "kind" not in item)
                ):
                    found.append({**item, "kind": "Secret", "apiVersion": "v1"})
    return found


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    api: ApiServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout, closed connection) is not an error of the server."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real server (and urllib3's pool) use
    # TCP_NODELAY, as Go's net/http sets it: headers and body go out as two writes, and with Nagle's
    # algorithm the second waits for the client's delayed ACK (~40 ms per request).
    disable_nagle_algorithm = True
    server: _HttpServer
    timeout = 30  # idle keep-alive connections close after this

    def setup(self) -> None:
        """TLS handshake (when serving HTTPS), then the usual buffered streams."""
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(self.timeout)
            self.request.do_handshake()
        super().setup()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        headers = {key.lower(): value for key, value in self.headers.items()}
        answer = self.server.api.answer(self.command, self.path, headers)
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Audit-Id", f"{time.monotonic_ns():x}")
        for key, value in answer.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    # http.server dispatches on do_<METHOD>; every method gets an answer (405 for all but GET).
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read :attr:`ApiServer.requests` instead."""


# -- kubeconfig ------------------------------------------------------------------------------------


def kubeconfig_document(
    server: str,
    *,
    token: str = DEFAULT_TOKEN,
    context: str = "fake",
    cluster: str | None = None,
    user: str | None = None,
    namespace: str | None = "ml-training",
    current_context: str | None = "",
    certificate_authority_data: str | None = None,
) -> dict[str, Any]:
    """A kubeconfig with one cluster, one token user and one context.

    ``current_context`` "" (the default) means the context itself; None leaves it unset.
    ``certificate_authority_data`` is the base64 PEM an ``https://`` server needs.
    """
    cluster = cluster or f"{context}-cluster"
    user = user or f"{context}-user"
    context_body: dict[str, Any] = {"cluster": cluster, "user": user}
    if namespace:
        context_body["namespace"] = namespace
    document: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": {"server": server}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": context, "context": context_body}],
        "preferences": {},
    }
    if certificate_authority_data:
        document["clusters"][0]["cluster"]["certificate-authority-data"] = certificate_authority_data
    if current_context is not None:
        document["current-context"] = current_context or context
    return document


_CERTIFICATE: list[tuple[Path, Path]] = []


def _certificate() -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (made once per process with openssl)."""
    if not _CERTIFICATE:
        folder = Path(tempfile.mkdtemp(prefix="fake-apiserver-tls-"))
        certificate, key = folder / "server.crt", folder / "server.key"
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
                *("-keyout", str(key), "-out", str(certificate), "-days", "2", "-subj", "/CN=fake-apiserver"),
                *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            ],
            check=True,
            capture_output=True,
        )
        _CERTIFICATE.append((certificate, key))
    return _CERTIFICATE[0]


def write_kubeconfig(where: str | Path, server: str, *, file_name: str = "kubeconfig", **options: Any) -> Path:
    """Write a throw-away kubeconfig for ``server`` and return its path.

    Args:
        where: a folder (the file is ``where/file_name``) or a file path ending in ``.yaml``/``.config``.
        server: the server URL, e.g. :attr:`ApiServer.url`.
        file_name: the file name inside ``where``.
        **options: see :func:`kubeconfig_document` (token, context, namespace, current_context, ...).
    """
    target = Path(where)
    if target.is_dir() or not target.suffix:
        target.mkdir(parents=True, exist_ok=True)
        target = target / file_name
    target.write_text(yaml.safe_dump(kubeconfig_document(server, **options), sort_keys=False), encoding="utf-8")
    target.chmod(0o600)
    return target


def main(argv: list[str] | None = None) -> int:
    """Serve a snapshot folder until interrupted (for benchmarks and for trying kubectl against it)."""
    parser = argparse.ArgumentParser(prog="python -m tests.support.apiserver", description=main.__doc__)
    parser.add_argument("folder", help="a snapshot folder (kubectl ml snapshot / kubectl cluster-info dump layout)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--kubeconfig", help="write a kubeconfig for the server to this file")
    parser.add_argument("--namespace", default="ml-training", help="the kubeconfig context's namespace")
    parser.add_argument("--http", action="store_true", help="plain HTTP without tokens (default: HTTPS and a token)")
    arguments = parser.parse_args(argv)
    server = ApiServer.from_snapshot(
        arguments.folder, port=arguments.port, tls=not arguments.http, require_token=not arguments.http
    ).start()
    print(f"serving {arguments.folder} at {server.url}", flush=True)
    if arguments.kubeconfig:
        path = server.write_kubeconfig(Path(arguments.kubeconfig), namespace=arguments.namespace)
        print(f"kubeconfig: {path}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
