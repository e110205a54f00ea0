"""Fetch plans: exactly the requests a command needs, then one ClusterView.

``doctor POD`` sends at most four requests in the usual cases: the pod, its events (field selector on
its uid), the nodes only when it waits for scheduling, the previous log only of a crashed container
(and the node only when that log shows an ``exec format error``). A workload or namespace scan lists
each kind once per namespace (or once for ``-A``) and joins in memory.
Optional data that RBAC forbids is skipped and named in ``view.skipped``; the pod list itself is not
optional.

Why one module of this size: every fetch plan shares the optional-read policy (``_optional``), the
needs plan and the log fetcher; a plan per module would spread one policy over five files.
"""

from __future__ import annotations

import difflib
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, TypeVar

from kubectl_ml.errors import ApiError, ForbiddenError, NotFoundError, SourceError, UnreachableError
from kubectl_ml.model.checks import Need
from kubectl_ml.model.pods import controller_of, log_requests, needs_diagnosis
from kubectl_ml.model.replacement import REPLACING_KINDS
from kubectl_ml.model.scheduler_messages import parse_scheduling_message
from kubectl_ml.model.shapes import mapping, text
from kubectl_ml.model.workloads import WORKLOAD_KINDS, WorkloadKind, is_suspended, pods_selector, queue_name
from kubectl_ml.sources.base import Source
from kubectl_ml.sources.kinds import CONTROLLER_KINDS, KINDS, NO_RESOURCE_TYPE, OPERATOR_KINDS
from kubectl_ml.sources.view import ClusterView

LOG_TAIL_LINES = 200


@dataclass(frozen=True)
class _Plan:
    """Which optional reads the rules asked for (their ``NEEDS``): no rule, no request."""

    events: bool
    logs: bool
    nodes: bool
    claims: bool
    queues: bool
    node_when_log: tuple[str, ...]

    @classmethod
    def of(cls, needs: Iterable[Need]) -> _Plan:
        wanted = list(needs)
        data = {need.data for need in wanted if need.when_log_contains is None}
        return cls(
            events="events" in data,
            logs="logs" in data,
            nodes="nodes" in data,
            claims="claims" in data,
            queues="queues" in data,
            node_when_log=tuple(
                need.when_log_contains for need in wanted if need.data == "node" and need.when_log_contains
            ),
        )


Items = list[dict[str, Any]]


def _optional(
    view: ClusterView,
    what: str,
    scope: str,
    call: Callable[[], Items],
    *,
    not_found_raises: bool = False,
    consequence: str = "",
) -> tuple[Items, bool]:
    """Run an optional read; when it fails, record what was skipped and why, and return an empty list.

    Optional data (events, nodes, controllers, claims) makes the answer better, never possible: a 403,
    a 404, a 429 or 5xx, or a read that times out gives a partial answer that says so (issue 11). A 401
    is not optional: the credentials are wrong for every read. ``not_found_raises``: the caller tells a
    kind that is not served (an older operator release) by its 404. ``consequence``: what the answer
    lacks without it, said after the reason (else "skipped").
    """
    after = f"; {consequence}" if consequence else "; skipped"
    try:
        return call(), True
    except ForbiddenError:
        view.skipped.append(f"{what}: forbidden (needs list on {what} {scope})" + (after if consequence else ""))
    except NotFoundError:
        if not_found_raises:
            raise
        view.skipped.append(f"{what}: not found (404) at the API server {scope}{after}")
    except UnreachableError as error:
        cause = error.reason or f"no answer ({error.message.rstrip('.')})"
        view.skipped.append(f"{what}: {cause}{after}")
    except ApiError as error:
        if error.status == 401:
            raise
        status = f"{error.status} {error.reason}".strip() if error.status else error.reason or "an error"
        view.skipped.append(f"{what}: the API server failed ({status}){after}")
    return [], False


def _load_events(source: Source, view: ClusterView, plan: _Plan, namespace: str | None, **selector: str) -> None:
    """The events of the namespace (or of one object, by ``field_selector``), when a rule reads events."""
    if not plan.events:
        view.available = replace(view.available, events=False)
        return
    view.events, ok = _optional(view, "events", _scope(namespace), lambda: source.list("Event", namespace, **selector))
    if not ok:
        view.available = replace(view.available, events=False)


def _scope(namespace: str | None) -> str:
    return f"in {namespace}" if namespace else "cluster-wide"


_T = TypeVar("_T")
_R = TypeVar("_R")


def parallel_map(function: Callable[[_T], _R], items: list[_T], workers: int) -> list[_R]:
    """``[function(item) for item in items]`` on ``workers`` daemon threads, results in order.

    Not a ThreadPoolExecutor: its threads are joined when the interpreter exits, so a Ctrl-C during a
    fetch would wait for every read in flight to time out. Daemon threads end with the process, and the
    main thread waits in short steps, so the interrupt is seen at once (issue 11).
    """
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    results: list[Any] = [None] * len(items)
    errors: list[BaseException] = []
    pending = queue.SimpleQueue[int]()
    for index in range(len(items)):
        pending.put(index)

    def work() -> None:
        while not errors:
            try:
                index = pending.get_nowait()
            except queue.Empty:
                return
            try:
                results[index] = function(items[index])
            except BaseException as error:  # re-raised in the caller's thread
                errors.append(error)
                return

    threads = [threading.Thread(target=work, daemon=True) for _ in range(min(workers, len(items)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.1)
    if errors:
        raise errors[0]
    return results


def _fetch_logs(source: Source, view: ClusterView, pods: Iterable[dict[str, Any]]) -> None:
    """Fetch the log tails the rules need, a few at a time; forbidden logs are skipped once."""
    wanted = []
    for pod in pods:
        metadata = pod.get("metadata") or {}
        for container, previous in log_requests(pod):
            wanted.append((str(metadata.get("namespace")), str(metadata.get("name")), container, previous))
    if not wanted:
        return

    def read(item: tuple[str, str, str, bool]) -> tuple[tuple[str, str, str, bool], str | ApiError | None]:
        namespace, name, container, previous = item
        try:
            return item, source.logs(namespace, name, container, previous=previous, tail_lines=LOG_TAIL_LINES)
        except ForbiddenError as error:
            return item, error
        except UnreachableError as error:
            # A log that does not come within the request timeout (a kubelet that hangs): skip it.
            return item, ApiError(error.message, status=0, reason="timeout")
        except ApiError as error:
            # Logs come from the node's kubelet through the API server; a node that is down (often the
            # very reason pods fail) answers 5xx; a proxy may answer 429. The rest of the diagnosis does
            # not need them; a 401 means every read fails.
            if error.status == 401:
                raise
            return item, error

    results = parallel_map(read, wanted, workers=1 if len(wanted) == 1 else 8)
    forbidden = False
    failed: list[str] = []
    for (namespace, name, container, previous), log in results:
        if isinstance(log, ForbiddenError):
            forbidden = True
        elif isinstance(log, ApiError):
            failed.append(f"{namespace}/{name} ({log.status or log.reason})")
        elif log is not None:
            target = view.previous_logs if previous else view.current_logs
            target[(namespace, name, container)] = log
    if forbidden:
        view.skipped.append("logs: forbidden (needs get on pods/log); crash causes in logs were not checked")
        view.available = replace(view.available, logs=False)
    if failed:
        shown = ", ".join(sorted(set(failed))[:3]) + (
            f" and {len(set(failed)) - 3} more" if len(set(failed)) > 3 else ""
        )
        view.skipped.append(
            f"logs: the API server could not fetch them from the node for {shown}; "
            "crash causes in logs were not checked"
        )


def _waits_for_scheduling(pod: dict[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") == "Pending" and not (pod.get("spec") or {}).get("nodeName")


def _load_nodes(source: Source, view: ClusterView) -> None:
    nodes, ok = _optional(
        view,
        "nodes",
        "cluster-wide",
        lambda: source.list("Node", None),
        consequence="whether a request could ever fit was not computed",
    )
    view.nodes = nodes
    if not ok:
        view.available = replace(view.available, nodes=False)


def suggest_pods(source: Source, namespace: str, name: str) -> list[str]:
    """Pod names in the namespace close to ``name`` (for a helpful not-found message)."""
    try:
        names = [str((pod.get("metadata") or {}).get("name")) for pod in source.list("Pod", namespace)]
    except Exception:  # suggestions are a courtesy; never fail the error path itself
        return []
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    return close or [candidate for candidate in names if name in candidate][:3]


def gather_pod(source: Source, namespace: str, name: str, needs: Iterable[Need]) -> tuple[ClusterView, dict[str, Any]]:
    """Everything the rules' ``needs`` ask for to diagnose one pod: at most four requests in the usual cases."""
    plan = _Plan.of(needs)
    try:
        pod = source.get("Pod", namespace, name)
    except NotFoundError as error:
        close = suggest_pods(source, namespace, name)
        hint = f"Did you mean: {', '.join(close)}?" if close else f"List the pods with: kubectl get pods -n {namespace}"
        raise NotFoundError(f'Pod "{name}" not found in namespace {namespace}.', hint, status=404) from error
    view = ClusterView(pods=[pod], now=source.now())
    uid = str((pod.get("metadata") or {}).get("uid", ""))
    selector = f"involvedObject.uid={uid}" if uid else f"involvedObject.name={name}"
    _load_events(source, view, plan, namespace, field_selector=selector)
    if _waits_for_scheduling(pod):
        volume_only = plan.claims and _load_claims_if_named(source, view, pod, view.events)
        if plan.nodes and not volume_only:
            _load_nodes(source, view)
    if plan.logs:
        _fetch_logs(source, view, [pod])
    _load_replacements(source, view, pod)
    node_name = (pod.get("spec") or {}).get("nodeName")
    logs = list(view.previous_logs.values()) + list(view.current_logs.values())
    if node_name and any(trigger in text for trigger in plan.node_when_log for text in logs):
        try:
            node, _ok = _optional(
                view, "nodes", "cluster-wide", lambda: [source.get("Node", None, node_name)], not_found_raises=True
            )
        except NotFoundError:
            # The node is gone (or a snapshot has no nodes.json): the rule still fires, without the node's arch.
            node = []
        view.nodes = node
    return view, pod


# The label each controller puts on all its pods, to list a failed pod's siblings in one small request.
_SIBLING_LABELS = (
    "batch.kubernetes.io/controller-uid",
    "controller-uid",
    "pod-template-hash",
    "controller-revision-hash",
)


def _load_replacements(source: Source, view: ClusterView, pod: dict[str, Any]) -> None:
    """For a failed pod of a controller: its Job and the pods that may have replaced it (DESIGN §2 severity).

    Two requests, only for a pod in phase Failed; without them the rule's own grade stands.
    """
    owner = controller_of(pod)
    if (pod.get("status") or {}).get("phase") != "Failed" or owner is None or owner.get("kind") not in REPLACING_KINDS:
        return
    metadata = pod.get("metadata") or {}
    namespace = str(metadata.get("namespace", ""))
    if owner.get("kind") == "Job":
        try:
            job = source.get("Job", namespace, str(owner.get("name", "")))
        except (NotFoundError, ForbiddenError):
            job = None
        if job is not None:
            view.add_controller("Job", job)
    labels = metadata.get("labels") or {}
    label = next((key for key in _SIBLING_LABELS if labels.get(key)), None)
    if label is None:
        return
    try:
        siblings = source.list("Pod", namespace, label_selector=f"{label}={labels[label]}")
    except ForbiddenError:
        return
    uid = metadata.get("uid")
    view.pods.extend(item for item in siblings if (item.get("metadata") or {}).get("uid") != uid)
    view.siblings_read = True


def _load_claims_if_named(source: Source, view: ClusterView, pod: dict[str, Any], events: list[dict[str, Any]]) -> bool:
    """Read the namespace's PersistentVolumeClaims when the scheduler blames one; True if only claims are blamed.

    The claims say whether a claim is missing or Pending and on which StorageClass; when claims are the
    scheduler's only reason, the nodes are not needed, which keeps ``doctor POD`` within four requests.
    """
    messages = [
        str(item.get("message") or item.get("note") or "")
        for item in events
        if item.get("reason") == "FailedScheduling"
    ]
    conditions = (pod.get("status") or {}).get("conditions") or []
    messages += [str(item.get("message") or "") for item in conditions if item.get("type") == "PodScheduled"]
    parsed = [message for message in map(parse_scheduling_message, messages) if message is not None]
    categories: set[str] = set().union(*(message.categories() for message in parsed))
    volume = {"pvc-unbound", "pvc-not-found"}
    if not categories & volume:
        return False
    namespace = str((pod.get("metadata") or {}).get("namespace", ""))
    view.claims, _ok = _optional(
        view, "persistentvolumeclaims", _scope(namespace), partial(source.list, "PersistentVolumeClaim", namespace)
    )
    return categories <= volume


def _selector_string(selector: dict[str, Any]) -> str:
    parts = [f"{key}={value}" for key, value in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = (
            expression.get("key"),
            expression.get("operator"),
            expression.get("values") or [],
        )
        if operator == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif operator == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif operator == "Exists":
            parts.append(str(key))
        elif operator == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def _get_workload(source: Source, namespace: str, kind: str, name: str) -> dict[str, Any]:
    """The named object; a NotFoundError with close names, or kubectl's words when its CRD is absent."""
    try:
        return source.get(kind, namespace, name)
    except NotFoundError as error:
        if error.reason == NO_RESOURCE_TYPE:
            raise
        try:
            names = [str((item.get("metadata") or {}).get("name")) for item in source.list(kind, namespace)]
        except Exception:
            names = []
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = (
            f"Did you mean: {', '.join(close)}?"
            if close
            else f"List them with: kubectl get {KINDS[kind].resource} -n {namespace}"
        )
        label = KINDS[kind].kind
        raise NotFoundError(f'{label} "{name}" not found in namespace {namespace}.', hint, status=404) from error


def _load_queue_state(source: Source, view: ClusterView, namespace: str, obj: dict[str, Any]) -> None:
    """Kueue's Workload of a queued object (one list), and its LocalQueue when there is no Workload.

    Read only when the object names a queue and Kueue is installed: the Workload's conditions say why it
    is not admitted (quota, a stopped ClusterQueue), in Kueue's own words.
    """
    queue = queue_name(obj)
    if not queue or not source.serves("Workload"):
        return
    items, ok = _optional(
        view, "workloads.kueue.x-k8s.io", _scope(namespace), partial(source.list, "Workload", namespace)
    )
    if not ok:
        return
    uid = str((obj.get("metadata") or {}).get("uid"))
    view.controllers["Workload"] = [
        item
        for item in items
        if any(str(o.get("uid")) == uid for o in (item.get("metadata") or {}).get("ownerReferences") or [])
    ]
    view.queues_read = True
    if not view.controllers["Workload"]:
        try:
            view.controllers["LocalQueue"] = [source.get("LocalQueue", namespace, queue)]
        except NotFoundError:
            view.controllers["LocalQueue"] = []
        except ForbiddenError:
            view.skipped.append(f"localqueues.kueue.x-k8s.io: forbidden (needs get on localqueues {_scope(namespace)})")


def _submission_failed(obj: dict[str, Any]) -> bool:
    status = mapping(obj.get("status"))
    return status.get("reason") == "SubmissionFailed" or status.get("jobDeploymentStatus") in ("Failed", "Retrying")


def _gather_operator(
    source: Source, view: ClusterView, entry: WorkloadKind, obj: dict[str, Any], namespace: str, plan: _Plan
) -> None:
    """An operator object's pods (by the label its operator sets), events, queue state, nodes, logs."""
    selector = pods_selector(entry, obj)
    if selector and not is_suspended(entry, obj):
        view.pods = source.list("Pod", namespace, label_selector=selector)
    _load_events(source, view, plan, namespace)
    # One more read at most (five in all, besides logs): the nodes for pods that wait for scheduling,
    # Kueue's state for a suspended object (Kueue keeps what it has not admitted suspended), or the
    # controller that should have made the pods, when there are none.
    if any(_waits_for_scheduling(pod) for pod in view.pods):
        if plan.nodes:
            _load_nodes(source, view)
    elif entry.kind == "RayJob" and _submission_failed(obj):
        # The submitter, a batch Job named after the RayJob, runs `ray job submit`: when submission
        # failed, its pods' crash is the cause, and they carry the Job's label, not the cluster's.
        submitter = f"batch.kubernetes.io/job-name={text(mapping(obj.get('metadata')).get('name'))}"
        view.pods = view.pods + source.list("Pod", namespace, label_selector=submitter)
    elif is_suspended(entry, obj):
        if plan.queues:
            _load_queue_state(source, view, namespace, obj)
    elif not view.pods and entry.children and selector:
        children, _ok = _optional(
            view,
            KINDS[entry.children].plural,
            _scope(namespace),
            partial(source.list, entry.children, namespace, label_selector=selector),
        )
        view.controllers[entry.children] = children
    if plan.logs:
        _fetch_logs(source, view, [pod for pod in view.pods if needs_diagnosis(pod)])


def gather_workload(
    source: Source, namespace: str, kind: str, name: str, needs: Iterable[Need]
) -> tuple[ClusterView, dict[str, Any]]:
    """A controller, its ReplicaSets or Jobs (or an operator object), its pods, and what the ``needs`` ask for."""
    plan = _Plan.of(needs)
    controller = _get_workload(source, namespace, kind, name)
    view = ClusterView(now=source.now())
    view.controllers[kind] = [controller]
    entry = WORKLOAD_KINDS.get(kind)
    if entry is not None and not entry.builtin:
        _gather_operator(source, view, entry, controller, namespace, plan)
        return view, controller
    spec = controller.get("spec") or {}
    selector = _selector_string(spec.get("selector") or {}) if kind != "CronJob" else ""
    if kind == "Deployment":
        view.controllers["ReplicaSet"], _ok = _optional(
            view,
            "replicasets",
            _scope(namespace),
            partial(source.list, "ReplicaSet", namespace, label_selector=selector or None),
        )
    if kind == "CronJob":
        uid = (controller.get("metadata") or {}).get("uid")
        jobs = [
            job
            for job in source.list("Job", namespace)
            if any(o.get("uid") == uid for o in (job.get("metadata") or {}).get("ownerReferences") or [])
        ]
        view.controllers["Job"] = jobs
    owner_uids = {str((item.get("metadata") or {}).get("uid")) for items in view.controllers.values() for item in items}
    pods = (
        source.list("Pod", namespace, label_selector=selector or None)
        if selector or kind != "CronJob"
        else source.list("Pod", namespace)
    )
    view.pods = [
        pod
        for pod in pods
        if any(str(o.get("uid")) in owner_uids for o in (pod.get("metadata") or {}).get("ownerReferences") or [])
    ]
    _load_events(source, view, plan, namespace)
    if any(_waits_for_scheduling(pod) for pod in view.pods):
        if plan.nodes:
            _load_nodes(source, view)
    elif kind == "Job" and not view.pods and spec.get("suspend") is True and plan.queues:
        _load_queue_state(source, view, namespace, controller)
    if plan.logs:
        _fetch_logs(source, view, [pod for pod in view.pods if needs_diagnosis(pod)])
    return view, controller


def _load_workloads(
    source: Source,
    view: ClusterView,
    namespace: str | None,
    consequence: str = "",
    kinds: Iterable[str] = (*CONTROLLER_KINDS, *OPERATOR_KINDS),
) -> None:
    """Every object of ``kinds`` (by default, every kind with pod templates) into ``view.controllers``.

    Built-in controllers, and the operator kinds the server serves: a live source asks discovery once
    which operator groups exist, so a cluster without Kubeflow or KubeRay costs no request (and no
    noise) for them. A kind that cannot be read is named in ``view.skipped`` with what its absence
    costs (``consequence``); a kind of a served group that this release of its operator does not have
    (a 404) is no loss.
    """
    for kind in kinds:
        if kind in OPERATOR_KINDS and not source.serves(kind):
            continue
        read = partial(source.list, kind, namespace)
        try:
            items, _ok = _optional(
                view, KINDS[kind].resource, _scope(namespace), read, not_found_raises=True, consequence=consequence
            )
        except NotFoundError:
            continue
        view.controllers[kind] = items


def gather_gpu(source: Source, namespace: str | None, templates: bool = True) -> ClusterView:
    """What ``gpu`` checks: every node, every pod, and (``templates``) the workloads of the namespace.

    Every pod, whatever the namespace (None: all) in scope, because what a GPU node has free depends
    on all of them. Nodes are required: the checks are about them. Pods of other namespaces that RBAC hides are named in
    ``view.skipped``: the GPUs they hold are then not counted as allocated.
    """
    view = ClusterView(now=source.now())
    try:
        view.nodes = source.list("Node", None)
    except ForbiddenError as error:
        raise SourceError(
            "Nodes cannot be listed (forbidden): GPU checks need them.", "Ask for list on nodes (cluster scope)."
        ) from error
    try:
        view.pods = source.list("Pod", None)
        view.node_pods_known = True
    except ForbiddenError:
        view.pods = source.list("Pod", namespace) if namespace else []
        view.skipped.append("pods of other namespaces: forbidden; GPUs they hold are not counted as allocated")
    if templates:
        _load_workloads(source, view, namespace, "their templates were not checked")
    return view


def gather_rightsize(source: Source, namespace: str | None) -> ClusterView:
    """What ``rightsize`` sizes: the pods of the namespace (None: all) and the workloads that own them."""
    view = ClusterView(now=source.now())
    view.pods = source.list("Pod", namespace)
    _load_workloads(source, view, namespace, "their pods are grouped by ownerReferences and names only")
    return view


def _list_operator_objects(source: Source, view: ClusterView, namespace: str | None, queues: bool) -> None:
    """The operator kinds the server serves (one discovery request says which), and (``queues``) Kueue's."""
    _load_workloads(source, view, namespace, kinds=OPERATOR_KINDS)
    if not queues or not source.serves("Workload"):
        return
    scopes = (("Workload", namespace), ("LocalQueue", namespace), ("ClusterQueue", None))
    for kind, scope in scopes:
        try:
            items, ok = _optional(
                view, KINDS[kind].resource, _scope(scope), partial(source.list, kind, scope), not_found_raises=True
            )
        except NotFoundError:
            return
        view.controllers[kind] = items
        view.queues_read = view.queues_read or (kind == "Workload" and ok)


def check_namespace(source: Source, namespace: str) -> None:
    """Raise NotFoundError (exit 3) when ``namespace`` does not exist, naming the ones that do.

    Asked only when a scan of the namespace found nothing: an empty namespace and a mistyped one read the
    same until then, and "No problems found" about a namespace that is not there is a false green.
    """
    try:
        source.get("Namespace", None, namespace)
        return
    except ForbiddenError:
        return  # cannot tell; the scan's own note says nothing was found
    except NotFoundError as error:
        try:
            names = [str((item.get("metadata") or {}).get("name")) for item in source.list("Namespace", None)]
        except ApiError:
            names = []
        close = difflib.get_close_matches(namespace, names, n=3, cutoff=0.5)
        shown = ", ".join(close or names[:10]) + ("" if close or len(names) <= 10 else ", ...")
        hint = (f"Did you mean: {shown}?" if close else f"Namespaces here: {shown}.") if names else None
        raise NotFoundError(f'namespace "{namespace}" not found.', hint, status=404) from error


def gather_scan(source: Source, namespace: str | None, needs: Iterable[Need]) -> ClusterView:
    """A namespace (or, with None, every namespace): pods, controllers, and what the ``needs`` ask for."""
    plan = _Plan.of(needs)
    view = ClusterView(now=source.now())
    view.pods = source.list("Pod", namespace)
    _load_events(source, view, plan, namespace)
    for kind in CONTROLLER_KINDS:
        plural = KINDS[kind].plural
        items, _ok = _optional(view, plural, _scope(namespace), partial(source.list, kind, namespace))
        view.controllers[kind] = items
    _list_operator_objects(source, view, namespace, queues=plan.queues)
    unhealthy = [pod for pod in view.pods if needs_diagnosis(pod)]
    if any(_waits_for_scheduling(pod) for pod in unhealthy):
        if plan.nodes:
            _load_nodes(source, view)
            # With every pod of the cluster loaded we also know what each node already holds.
            view.node_pods_known = namespace is None
        if plan.claims:
            claims, _ok = _optional(
                view,
                "persistentvolumeclaims",
                _scope(namespace),
                lambda: source.list("PersistentVolumeClaim", namespace),
            )
            view.claims = claims
    if plan.logs:
        _fetch_logs(source, view, unhealthy)
    return view
