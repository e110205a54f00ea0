"""Did a failed pod's work go on? The answer sets how grave its findings are (DESIGN §2).

A pod that does not run is an error, unless something runs in its place: a ReplicaSet, StatefulSet or
DaemonSet replaces an evicted or failed pod with a new one, a Job retries until its backoffLimit. The
work stopped when nothing will replace it: a bare pod, a Job that has failed, a controller with no
running replacement. Operators (PyTorchJob, RayJob, ...) decide restarts by their own policies, which
their status rules read; their pods are left as the rules graded them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_ml.model.pods import controller_of, find_condition
from kubectl_ml.model.shapes import mapping

# Controllers that replace a failed pod with a new one.
REPLACING_KINDS = frozenset({"ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController", "Job"})


@dataclass(frozen=True)
class Outcome:
    """What became of a failed pod's work.

    Attributes:
        went_on: True when a replacement runs (or ran to completion), False when the work stopped.
        note: one sentence for the finding's summary.
    """

    went_on: bool
    note: str


def _name(obj: Mapping[str, Any]) -> str:
    return str(mapping(obj.get("metadata")).get("name", ""))


_INDEX = "batch.kubernetes.io/job-completion-index"


def _index(pod: Mapping[str, Any]) -> Any:
    """An indexed Job pod's completion index (label since 1.28, annotation before), else None."""
    metadata = mapping(pod.get("metadata"))
    return mapping(metadata.get("labels")).get(_INDEX, mapping(metadata.get("annotations")).get(_INDEX))


def _running_replacements(pod: Mapping[str, Any], owner_uid: str, pods: Iterable[Mapping[str, Any]]) -> list[str]:
    """Names of the pods that took the failed pod's place and run (or have succeeded).

    A replacement is a later pod of the same controller; of an indexed Job, a later pod of the same
    index (the other indexes are other ranks of the run, not its replacement).
    """
    metadata = mapping(pod.get("metadata"))
    own_uid, created, index = metadata.get("uid"), str(metadata.get("creationTimestamp") or ""), _index(pod)
    found = []
    for other in pods:
        theirs = mapping(other.get("metadata"))
        if theirs.get("uid") == own_uid or theirs.get("deletionTimestamp"):
            continue
        owner = controller_of(other)
        if owner is None or str(owner.get("uid", "")) != owner_uid:
            continue
        # RFC 3339 timestamps of one API server compare as text.
        if created and str(theirs.get("creationTimestamp") or "") < created:
            continue
        if index is not None and _index(other) != index:
            continue
        if mapping(other.get("status")).get("phase") in ("Running", "Succeeded"):
            found.append(_name(other))
    return sorted(found)


def failed_pod_outcome(
    pod: Mapping[str, Any],
    pods: Iterable[Mapping[str, Any]] | None,
    controller: Mapping[str, Any] | None,
) -> Outcome | None:
    """Whether the work of a pod in phase Failed went on, or None when that cannot be told.

    Args:
        pod: the failed pod.
        pods: the pods of its namespace that were read (None when its siblings were not read).
        controller: its owning controller object, when read (a Job's conditions tell whether it failed).
    """
    if mapping(pod.get("status")).get("phase") != "Failed":
        return None
    owner = controller_of(pod)
    if owner is None:
        return Outcome(False, "It is a bare pod: nothing recreates it.")
    kind, name = str(owner.get("kind", "")), str(owner.get("name", ""))
    if kind not in REPLACING_KINDS:
        return None
    if kind == "Job" and controller is not None:
        failed = find_condition(controller, "Failed")
        if failed is not None and failed[1].get("status") == "True":
            reason = failed[1].get("reason")
            return Outcome(False, f"Job {name} has failed{f' ({reason})' if reason else ''}: nothing will retry it.")
    if pods is None:
        return None
    running = _running_replacements(pod, str(owner.get("uid", "")), pods)
    if running:
        shown = ", ".join(running[:3]) + (f" and {len(running) - 3} more" if len(running) > 3 else "")
        return Outcome(True, f"{kind} {name} went on without it: {shown} {'runs' if len(running) == 1 else 'run'}.")
    if kind == "Job" and controller is None:
        return None
    return Outcome(False, f"{kind} {name} has no running pod in its place.")
