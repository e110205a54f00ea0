"""A large synthetic cluster for the benchmark: N pods and M events in the snapshot layout.

Shapes come from ``cluster_builders`` (the same builders as the demo); the mix of states follows what
a busy ML cluster looks like: most pods healthy, a few percent crash-looping, pending or failing to
pull, and many routine Normal events (Scheduled, Pulling, Pulled, Created, Started) around them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster_builders import (
    ago,
    as_list,
    container,
    container_status,
    event,
    node,
    owner,
    pod,
    running_conditions,
    unscheduled_conditions,
)

GPU_TAINT = [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]


def _pod(
    index: int, namespace: str, state: str
) -> tuple[dict[str, Any], list[tuple[str, str, dict[str, Any]]], str | None]:
    """One pod in the given state, its events (reason, message, options) and its previous log."""
    rs = f"worker-{index // 20:04d}-6d8f9c7b5"
    name = f"{rs}-{index:05d}"
    image = f"ghcr.io/acme/model-{index % 7}:1.{index % 5}.0"
    spec = container(
        "main", image, resources={"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}
    )
    labels = {"app": f"worker-{index // 20:04d}", "pod-template-hash": "6d8f9c7b5"}
    ref = owner("ReplicaSet", rs, namespace)
    node_name = f"node-{index % 200:03d}"
    routine = [
        (
            "Scheduled",
            f"Successfully assigned {namespace}/{name} to {node_name}",
            {"type_": "Normal", "component": "default-scheduler"},
        ),
        ("Pulling", f'Pulling image "{image}"', {"type_": "Normal", "field_path": "spec.containers{main}"}),
        (
            "Pulled",
            f'Successfully pulled image "{image}" in 2.104s (2.104s including waiting). Image size: 412000000 bytes.',
            {"type_": "Normal", "field_path": "spec.containers{main}"},
        ),
        ("Created", "Created container: main", {"type_": "Normal", "field_path": "spec.containers{main}"}),
        ("Started", "Started container main", {"type_": "Normal", "field_path": "spec.containers{main}"}),
    ]
    if state == "crash":
        item = pod(
            name,
            namespace,
            [spec],
            [
                container_status(
                    "main",
                    image,
                    ready=False,
                    restarts=6,
                    state={
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": f"back-off 5m0s restarting failed container=main pod={name}_{namespace}(x)",
                        }
                    },
                    last={
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "startedAt": ago(400),
                            "finishedAt": ago(390),
                            "containerID": "containerd://ab",
                        }
                    },
                )
            ],
            node_name=node_name,
            owner_ref=ref,
            labels=labels,
            conditions=running_conditions(False, unready=["main"]),
        )
        routine.append(
            (
                "BackOff",
                f"Back-off restarting failed container main in pod {name}_{namespace}(x)",
                {"count": 27, "field_path": "spec.containers{main}"},
            )
        )
        log = "loading config\nTraceback (most recent call last):\n  File \"/app/serve.py\", line 12, in <module>\nKeyError: 'MODEL_PATH'\n"
        return item, routine, log
    if state == "pending":
        message = "0/200 nodes are available: 200 Insufficient nvidia.com/gpu. preemption: 0/200 nodes are available: 200 No preemption victims found for incoming pod."
        spec["resources"] = {"limits": {"nvidia.com/gpu": "8"}, "requests": {"cpu": "8", "memory": "64Gi"}}
        item = pod(
            name,
            namespace,
            [spec],
            None,
            phase="Pending",
            node_name=None,
            owner_ref=ref,
            labels=labels,
            conditions=unscheduled_conditions(message),
        )
        return (
            item,
            [("FailedScheduling", message, {"component": "default-scheduler", "count": 40, "shape": "events.k8s.io"})],
            None,
        )
    if state == "pull":
        cause = f'failed to pull and unpack image "{image}": failed to resolve reference "{image}": {image}: not found'
        item = pod(
            name,
            namespace,
            [spec],
            [
                container_status(
                    "main",
                    image,
                    ready=False,
                    state={
                        "waiting": {
                            "reason": "ImagePullBackOff",
                            "message": f'Back-off pulling image "{image}": ErrImagePull: {cause}',
                        }
                    },
                )
            ],
            phase="Pending",
            node_name=node_name,
            owner_ref=ref,
            labels=labels,
            conditions=running_conditions(False, unready=["main"]),
        )
        return (
            item,
            [
                *routine[:2],
                (
                    "Failed",
                    f'Failed to pull image "{image}": {cause}',
                    {"count": 9, "field_path": "spec.containers{main}"},
                ),
            ],
            None,
        )
    item = pod(
        name,
        namespace,
        [spec],
        [container_status("main", image)],
        node_name=node_name,
        owner_ref=ref,
        labels=labels,
        conditions=running_conditions(True),
    )
    return item, routine, None


def generate(directory: Path, pods: int = 5000, events: int = 50000, namespaces: int = 50) -> dict[str, int]:
    """Write the cluster; returns the counts actually written."""
    directory.mkdir(parents=True, exist_ok=True)
    nodes = [
        node(
            f"node-{index:03d}",
            gpus=4 if index < 40 else 0,
            product="NVIDIA-A100-SXM4-40GB" if index < 40 else "",
            taints=GPU_TAINT if index < 40 else None,
        )
        for index in range(200)
    ]
    (directory / "nodes.json").write_text(json.dumps(as_list("Node", nodes)))
    per_namespace = pods // namespaces
    written_events = 0
    written_pods = 0
    for space in range(namespaces):
        namespace = f"team-{space:02d}"
        pod_items: list[dict[str, Any]] = []
        event_items: list[dict[str, Any]] = []
        folder = directory / namespace
        folder.mkdir(exist_ok=True)
        for offset in range(per_namespace):
            index = space * per_namespace + offset
            state = (
                "crash"
                if index % 50 == 1
                else "pending"
                if index % 50 == 2
                else "pull"
                if index % 100 == 3
                else "healthy"
            )
            item, item_events, log = _pod(index, namespace, state)
            pod_items.append(item)
            for reason, message, options in item_events:
                event_items.append(event(item, reason, message, **options))
            if log:
                (folder / item["metadata"]["name"]).mkdir(exist_ok=True)
                (folder / item["metadata"]["name"] / "main-previous.txt").write_text(log)
        # Top up with routine events of other (already deleted) pods until the event budget is met.
        target = events // namespaces
        filler = 0
        while len(event_items) < target:
            ghost = pod_items[filler % len(pod_items)]
            event_items.append(
                event(
                    ghost,
                    "Pulled",
                    f'Container image "{ghost["spec"]["containers"][0]["image"]}" already present on machine',
                    type_="Normal",
                    field_path="spec.containers{main}",
                    last=600 + filler,
                )
            )
            filler += 1
        written_events += len(event_items)
        written_pods += len(pod_items)
        (folder / "pods.json").write_text(json.dumps(as_list("Pod", pod_items)))
        (folder / "events.json").write_text(json.dumps(as_list("Event", event_items)))
    return {"pods": written_pods, "events": written_events, "nodes": len(nodes)}


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "bench-data/cluster")
    print(generate(target))
