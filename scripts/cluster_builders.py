"""Builders for API objects in the exact shapes ``kubectl get -o json`` returns.

Used to write the demo snapshot (``scripts/make_demo_snapshot.py``) and the benchmark's large
synthetic cluster (``scripts/bench.py``). Message strings passed in come from
``shared/reference/doctor-anchors.md`` §4; the builders only add the envelope the API server adds.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

NOW = datetime(2026, 11, 20, 10, 0, 0, tzinfo=timezone.utc)


def stamp(moment: datetime) -> str:
    """RFC 3339 with a Z, as the API writes it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(seconds: float) -> str:
    """A timestamp ``seconds`` before NOW."""
    return stamp(NOW - timedelta(seconds=seconds))


def uid_for(*parts: str) -> str:
    """A stable uid for an object name (stable fixtures diff well)."""
    return str(uuid.UUID(hashlib.md5("/".join(parts).encode()).hexdigest()))


def short_hash(*parts: str, length: int = 10) -> str:
    """A pod-template-hash-like suffix."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    digest = hashlib.sha1("/".join(parts).encode()).digest()
    return "".join(alphabet[byte % len(alphabet)] for byte in digest[:length])


def node(
    name: str,
    *,
    cpu: str = "16",
    memory: str = "64Gi",
    gpus: int = 0,
    gpu_resource: str = "nvidia.com/gpu",
    product: str = "",
    arch: str = "amd64",
    labels: dict[str, str] | None = None,
    taints: list[dict[str, str]] | None = None,
    allocatable_gpus: int | None = None,
) -> dict[str, Any]:
    """A Ready node with capacity/allocatable as the kubelet reports them."""
    all_labels = {
        "beta.kubernetes.io/arch": arch,
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": arch,
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "n2-standard-16" if not gpus else "a2-highgpu-4g",
    }
    if product:
        all_labels["nvidia.com/gpu.product"] = product
        all_labels["nvidia.com/gpu.count"] = str(gpus)
        all_labels["nvidia.com/gpu.present"] = "true"
    all_labels.update(labels or {})
    capacity = {
        "cpu": cpu,
        "ephemeral-storage": "101445540Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": memory,
        "pods": "110",
    }
    allocatable = {
        "cpu": f"{int(cpu) * 1000 - 100}m",
        "ephemeral-storage": "93492209510",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": memory,
        "pods": "110",
    }
    if gpus:
        capacity[gpu_resource] = str(gpus)
        allocatable[gpu_resource] = str(gpus if allocatable_gpus is None else allocatable_gpus)
    spec: dict[str, Any] = {"podCIDR": "10.44.1.0/24", "providerID": f"gce://ml-prod/us-central1-a/{name}"}
    if taints:
        spec["taints"] = taints
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": uid_for("node", name),
            "resourceVersion": "918273",
            "creationTimestamp": ago(86400 * 30),
            "labels": all_labels,
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": spec,
        "status": {
            "capacity": capacity,
            "allocatable": allocatable,
            "conditions": [
                {
                    "type": "MemoryPressure",
                    "status": "False",
                    "lastHeartbeatTime": ago(30),
                    "lastTransitionTime": ago(86400 * 30),
                    "reason": "KubeletHasSufficientMemory",
                    "message": "kubelet has sufficient memory available",
                },
                {
                    "type": "DiskPressure",
                    "status": "False",
                    "lastHeartbeatTime": ago(30),
                    "lastTransitionTime": ago(86400 * 30),
                    "reason": "KubeletHasNoDiskPressure",
                    "message": "kubelet has no disk pressure",
                },
                {
                    "type": "PIDPressure",
                    "status": "False",
                    "lastHeartbeatTime": ago(30),
                    "lastTransitionTime": ago(86400 * 30),
                    "reason": "KubeletHasSufficientPID",
                    "message": "kubelet has sufficient PID available",
                },
                {
                    "type": "Ready",
                    "status": "True",
                    "lastHeartbeatTime": ago(30),
                    "lastTransitionTime": ago(86400 * 30),
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                },
            ],
            "nodeInfo": {
                "architecture": arch,
                "containerRuntimeVersion": "containerd://1.7.24",
                "kernelVersion": "6.1.112+",
                "kubeProxyVersion": "v1.31.4-gke.1256000",
                "kubeletVersion": "v1.31.4-gke.1256000",
                "operatingSystem": "linux",
                "osImage": "Container-Optimized OS from Google",
                "bootID": uid_for("boot", name),
                "machineID": uid_for("machine", name).replace("-", ""),
                "systemUUID": uid_for("system", name),
            },
            "addresses": [{"type": "InternalIP", "address": "10.128.0.12"}, {"type": "Hostname", "address": name}],
        },
    }


def owner(kind: str, name: str, namespace: str, api_version: str = "apps/v1") -> dict[str, Any]:
    """An ownerReference to a controller."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": uid_for(kind, namespace, name),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def container(name: str, image: str, **extra: Any) -> dict[str, Any]:
    """A container spec with the defaults the API server fills in."""
    body = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    body.update(extra)
    return body


def pod(
    name: str,
    namespace: str,
    containers: list[dict[str, Any]],
    statuses: list[dict[str, Any]] | None,
    *,
    phase: str = "Running",
    node_name: str | None = "",
    owner_ref: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    created: float = 3600,
    extra_spec: dict[str, Any] | None = None,
    reason: str | None = None,
    message: str | None = None,
    qos: str = "Burstable",
) -> dict[str, Any]:
    """A pod with the status fields the kubelet and scheduler write."""
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "uid": uid_for("pod", namespace, name),
        "resourceVersion": "48213",
        "creationTimestamp": ago(created),
        "labels": labels or {},
    }
    if owner_ref:
        metadata["ownerReferences"] = [owner_ref]
        if owner_ref["kind"] == "ReplicaSet":
            metadata["generateName"] = owner_ref["name"] + "-"
    spec: dict[str, Any] = {
        "containers": containers,
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "serviceAccount": "default",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {
                "effect": "NoExecute",
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "tolerationSeconds": 300,
            },
            {
                "effect": "NoExecute",
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "tolerationSeconds": 300,
            },
        ],
        "volumes": [
            {
                "name": f"kube-api-access-{short_hash(name, length=5)}",
                "projected": {
                    "defaultMode": 420,
                    "sources": [
                        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                        {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
                        {
                            "downwardAPI": {
                                "items": [
                                    {
                                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                        "path": "namespace",
                                    }
                                ]
                            }
                        },
                    ],
                },
            }
        ],
    }
    if node_name:
        spec["nodeName"] = node_name
    for key, value in (extra_spec or {}).items():
        if key == "tolerations":
            spec["tolerations"] = value + spec["tolerations"]
        elif key == "volumes":
            spec["volumes"] = value + spec["volumes"]
        else:
            spec[key] = value
    status: dict[str, Any] = {"phase": phase, "qosClass": qos}
    if conditions is not None:
        status["conditions"] = conditions
    if node_name:
        status["hostIP"] = "10.128.0.12"
        status["podIP"] = "10.44.1.17"
        status["startTime"] = ago(created - 1)
    if statuses is not None:
        status["containerStatuses"] = statuses
    if reason:
        status["reason"] = reason
    if message:
        status["message"] = message
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status}


def running_conditions(ready: bool, since: float = 3500, unready: list[str] | None = None) -> list[dict[str, Any]]:
    """The conditions of a scheduled pod."""
    not_ready = {
        "reason": "ContainersNotReady",
        "message": f"containers with unready status: [{' '.join(unready or [])}]",
    }
    return [
        {
            "type": "PodReadyToStartContainers",
            "status": "True",
            "lastProbeTime": None,
            "lastTransitionTime": ago(since),
        },
        {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": ago(since)},
        {
            "type": "Ready",
            "status": "True" if ready else "False",
            "lastProbeTime": None,
            "lastTransitionTime": ago(since),
            **({} if ready else not_ready),
        },
        {
            "type": "ContainersReady",
            "status": "True" if ready else "False",
            "lastProbeTime": None,
            "lastTransitionTime": ago(since),
            **({} if ready else not_ready),
        },
        {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": ago(since + 1)},
    ]


def unscheduled_conditions(message: str, since: float = 600) -> list[dict[str, Any]]:
    """The PodScheduled=False condition the scheduler writes."""
    return [
        {
            "type": "PodScheduled",
            "status": "False",
            "lastProbeTime": None,
            "lastTransitionTime": ago(since),
            "reason": "Unschedulable",
            "message": message,
        }
    ]


def container_status(
    name: str,
    image: str,
    *,
    ready: bool = True,
    restarts: int = 0,
    state: dict[str, Any] | None = None,
    last: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A containerStatuses entry."""
    started = bool(state and "running" in state)
    return {
        "name": name,
        "image": image,
        "imageID": ""
        if state and "waiting" in state and not last
        else f"{image.split(':')[0]}@sha256:{hashlib.sha256(image.encode()).hexdigest()}",
        "containerID": f"containerd://{hashlib.sha256((name + image).encode()).hexdigest()}"
        if started or last
        else None,
        "ready": ready,
        "restartCount": restarts,
        "started": started,
        "state": state or {"running": {"startedAt": ago(3500)}},
        "lastState": last or {},
    }


def event(
    obj: dict[str, Any],
    reason: str,
    message: str,
    *,
    type_: str = "Warning",
    count: int = 1,
    first: float = 600,
    last: float = 30,
    component: str = "kubelet",
    field_path: str | None = None,
    shape: str = "core",
) -> dict[str, Any]:
    """An event about ``obj`` as the core/v1 API returns it.

    ``shape="events.k8s.io"`` gives what the scheduler writes through events.k8s.io/v1, seen through
    core/v1: no first/lastTimestamp, no count, empty source, eventTime and series instead.
    """
    metadata = obj["metadata"]
    involved = {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": metadata["name"],
        "namespace": metadata.get("namespace", ""),
        "uid": metadata["uid"],
        "resourceVersion": metadata.get("resourceVersion", "1"),
    }
    if field_path:
        involved["fieldPath"] = field_path
    name = f"{metadata['name']}.{hashlib.sha1((reason + message).encode()).hexdigest()[:16]}"
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": name,
            "namespace": metadata.get("namespace", "default"),
            "uid": uid_for("event", name),
            "resourceVersion": "48300",
            "creationTimestamp": ago(first),
        },
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "type": type_,
        "reportingComponent": component,
        "reportingInstance": "",
    }
    if shape == "core":
        body.update(
            source={
                "component": component,
                **(
                    {"host": obj["spec"].get("nodeName")}
                    if component == "kubelet" and obj.get("spec", {}).get("nodeName")
                    else {}
                ),
            },
            firstTimestamp=ago(first),
            lastTimestamp=ago(last),
            count=count,
            eventTime=None,
        )
    else:
        body.update(
            source={},
            firstTimestamp=None,
            lastTimestamp=None,
            eventTime=stamp(NOW - timedelta(seconds=first)).replace("Z", ".000000Z"),
            action="Scheduling",
            reportingComponent=component,
            reportingInstance=f"{component}-gke-control-plane",
        )
        if count > 1:
            body["series"] = {
                "count": count,
                "lastObservedTime": stamp(NOW - timedelta(seconds=last)).replace("Z", ".000000Z"),
            }
    return body


def as_list(kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A typed List as `kubectl cluster-info dump` writes it."""
    return {
        "kind": f"{kind}List",
        "apiVersion": "v1" if kind in ("Pod", "Event", "Node", "Service", "ReplicationController") else "apps/v1",
        "metadata": {"resourceVersion": "48400"},
        "items": items,
    }
