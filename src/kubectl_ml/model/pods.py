"""Small, pure helpers over pod dicts: containers and their statuses, owners, exit codes.

API objects omit empty fields, so everything here reads with ``.get`` and defaults.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_ml.model.findings import ObjectRef
from kubectl_ml.model.shapes import mapping, mappings


@dataclass(frozen=True)
class ContainerView:
    """A container's spec and status side by side, with the JSON paths to both.

    Attributes:
        name: the container name.
        spec: the container's spec dict (empty if the status names a container the spec lacks).
        status: its status dict (empty before the kubelet reported it).
        init: True for init containers (and sidecars).
        spec_path: e.g. ``spec.containers[1]``.
        status_path: e.g. ``status.containerStatuses[0]``.
    """

    name: str
    spec: Mapping[str, Any]
    status: Mapping[str, Any]
    init: bool
    spec_path: str
    status_path: str

    @property
    def waiting(self) -> Mapping[str, Any]:
        """``state.waiting`` or an empty dict."""
        return (self.status.get("state") or {}).get("waiting") or {}

    @property
    def terminated(self) -> Mapping[str, Any]:
        """``state.terminated`` or an empty dict."""
        return (self.status.get("state") or {}).get("terminated") or {}

    @property
    def last_terminated(self) -> Mapping[str, Any]:
        """``lastState.terminated`` or an empty dict."""
        return (self.status.get("lastState") or {}).get("terminated") or {}

    @property
    def restart_count(self) -> int:
        """``restartCount`` (0 when absent)."""
        return int(self.status.get("restartCount") or 0)

    @property
    def is_sidecar(self) -> bool:
        """A restartable init container (native sidecar, 1.28+)."""
        return self.init and self.spec.get("restartPolicy") == "Always"

    def latest_termination(self) -> tuple[Mapping[str, Any], str]:
        """The most recent termination and its path: the current state if terminated, else lastState."""
        if self.terminated:
            return self.terminated, f"{self.status_path}.state.terminated"
        return self.last_terminated, f"{self.status_path}.lastState.terminated"


# Init containers (and native sidecars) first, as the kubelet starts them.
CONTAINER_LISTS = ("initContainers", "containers")


def spec_containers(
    spec: Mapping[str, Any] | None, *, init: bool = True
) -> Iterator[tuple[str, int, Mapping[str, Any]]]:
    """(list key, index, container) of every container of a pod spec: the one loop over them.

    Init containers come first, unless ``init`` is False; entries that are not objects are skipped.
    """
    for key in CONTAINER_LISTS if init else ("containers",):
        items = (spec or {}).get(key)
        for index, body in enumerate(items if isinstance(items, list) else []):
            if isinstance(body, Mapping):
                yield key, index, body


def containers(pod: Mapping[str, Any]) -> Iterator[ContainerView]:
    """Every init and app container of the pod, in spec order, with its status."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    for init, spec_key, status_key in (
        (True, "initContainers", "initContainerStatuses"),
        (False, "containers", "containerStatuses"),
    ):
        statuses = {item.get("name"): (index, item) for index, item in enumerate(status.get(status_key) or [])}
        for index, container in enumerate(spec.get(spec_key) or []):
            name = container.get("name", "")
            status_index, container_status = statuses.get(name, (None, {}))
            status_path = f"status.{status_key}[{status_index}]" if status_index is not None else ""
            yield ContainerView(
                name=name,
                spec=container,
                status=container_status,
                init=init,
                spec_path=f"spec.{spec_key}[{index}]",
                status_path=status_path,
            )


def find_container(pod: Mapping[str, Any], name: str) -> ContainerView | None:
    """The container named ``name`` (init or app), or None."""
    return next((item for item in containers(pod) if item.name == name), None)


def pod_ref(pod: Mapping[str, Any]) -> ObjectRef:
    """The ObjectRef of a pod."""
    metadata = pod.get("metadata") or {}
    return ObjectRef("Pod", metadata.get("namespace", ""), metadata.get("name", ""))


def controller_of(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The ownerReference with ``controller: true`` (or the first one), or None."""
    owners = mappings(mapping(obj.get("metadata")).get("ownerReferences"))
    return next((owner for owner in owners if owner.get("controller")), owners[0] if owners else None)


def indexed_conditions(obj: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    """(index in ``status.conditions``, condition) of every condition that is an object."""
    conditions = mapping(obj.get("status")).get("conditions")
    items = conditions if isinstance(conditions, list) else []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, Mapping)]


def find_condition(obj: Mapping[str, Any], condition_type: str) -> tuple[int, Mapping[str, Any]] | None:
    """(index, condition) of the first status condition of the given type, or None."""
    return next(((index, item) for index, item in indexed_conditions(obj) if item.get("type") == condition_type), None)


def condition(obj: Mapping[str, Any], condition_type: str) -> Mapping[str, Any] | None:
    """The status condition of the given type, or None."""
    found = find_condition(obj, condition_type)
    return found[1] if found is not None else None


def condition_index(obj: Mapping[str, Any], condition_type: str) -> int | None:
    """Index of the condition in ``status.conditions`` (for evidence paths)."""
    found = find_condition(obj, condition_type)
    return found[0] if found is not None else None


def requests_gpu(pod: Mapping[str, Any]) -> bool:
    """True when any container of the pod requests or limits an accelerator."""
    from kubectl_ml.model.resources import accelerator_requests

    return bool(accelerator_requests(pod))


def exit_code_meaning(code: int) -> str:
    """What an exit code usually means in a pod (doctor-anchors §4.4)."""
    meanings = {
        0: "exited successfully",
        1: "application error",
        2: "misuse of a shell builtin or bad arguments",
        126: "command found but not executable (permissions)",
        127: "command not found",
        128: "the process never started (runtime StartError)",
        255: "exit(-1), or a sidecar killed when the job finished",
    }
    if code in meanings:
        return meanings[code]
    if 128 < code < 128 + 65:
        number = code - 128
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        extra = {
            "SIGKILL": "killed: out of memory, a failed liveness probe, or an eviction",
            "SIGTERM": "asked to stop (normal shutdown)",
            "SIGSEGV": "segmentation fault (native code crashed)",
            "SIGABRT": "aborted (e.g. an uncaught C++ exception or an NCCL abort)",
            "SIGBUS": "bus error (often /dev/shm exhausted)",
            "SIGINT": "interrupted",
        }.get(name)
        return f"{name}{': ' + extra if extra else ''}"
    return "application-defined exit code"


def needs_diagnosis(pod: Mapping[str, Any]) -> bool:
    """A quick filter: False for pods that are plainly fine or plainly not worth a look.

    Healthy running pods, Succeeded pods and pods being deleted are skipped (noise every anchor's users
    complain about); everything else goes through the rules.
    """
    metadata = pod.get("metadata") or {}
    status = pod.get("status") or {}
    if metadata.get("deletionTimestamp"):
        return False
    phase = status.get("phase")
    if phase == "Succeeded":
        return False
    if phase in ("Pending", "Failed", "Unknown") or status.get("reason"):
        return True
    for view in containers(pod):
        if view.waiting or view.restart_count:
            return True
        if view.terminated and view.terminated.get("exitCode") not in (0, None) and not view.init:
            return True
        if not view.init and view.status and not view.status.get("ready"):
            return True
        if view.is_sidecar and view.status and not view.status.get("ready"):
            return True
    return False


# Terminations the kubelet records when it lost track of the container: there is no log to fetch.
_LOST = ("Unknown", "ContainerStatusUnknown")


def log_requests(pod: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """Which logs the rules need: (container, previous) for containers that crashed.

    A container that restarted has its crash in the *previous* instance; a terminated container of a
    pod that will not restart it (restartPolicy Never, a Failed pod) has it in the current one. OOM
    kills need no log: the status says it all.
    """
    wanted: list[tuple[str, bool]] = []
    for view in containers(pod):
        last = view.last_terminated
        if last.get("reason") in _LOST:
            continue  # the runtime lost that instance (node reboot): no previous log exists to read
        if (
            view.terminated
            and view.terminated.get("exitCode") not in (0, None)
            and view.terminated.get("reason") != "OOMKilled"
        ):
            wanted.append((view.name, False))
        elif (last and last.get("exitCode") not in (0, 143, None) and last.get("reason") != "OOMKilled") or (
            view.waiting.get("reason") == "CrashLoopBackOff" and last.get("reason") != "OOMKilled"
        ):
            wanted.append((view.name, True))
    return wanted
