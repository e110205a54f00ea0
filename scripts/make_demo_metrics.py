"""Write ``fixtures/demo/metrics.om``: three days of usage history for the demo's workloads.

The series are the ones a Prometheus holds (cAdvisor, kube-state-metrics, dcgm-exporter), in OpenMetrics
text as ``promtool tsdb create-blocks-from openmetrics`` reads it (timestamps in seconds, families
contiguous, ``# EOF``), so ``kubectl ml rightsize --snapshot fixtures/demo`` works with no server and the
same file can be backfilled into a real Prometheus. A 5-minute scrape keeps the file small.

    python scripts/make_demo_metrics.py
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster_builders import NOW

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo"
SCRAPE = 300
DAYS = 3
# Real scrapes do not land on whole minutes; off the minute, no sample sits on a range or subquery-step
# edge, where Prometheus 2.x (closed ranges) and 3.x (left-open) would count differently.
END = int(NOW.timestamp()) - 283
START = END - DAYS * 86400

# (cpu cores at rest, cpu at the daily peak, memory bytes at rest, memory at the peak) per pod name prefix.
PROFILES = {
    "triton": (0.6, 2.4, 6.0e9, 9.5e9),
    "nvidia-device-plugin": (0.002, 0.01, 2.4e7, 3.1e7),
    "llm-server": (1.5, 5.5, 2.2e10, 3.1e10),
    # The fine-tuning job that keeps hitting its 16Gi limit (it is OOMKilled in the window).
    "bert-finetune": (3.0, 3.8, 1.2e10, 1.69e10),
}
OOM_KILLED = ("bert-finetune",)


def pods() -> list[dict]:
    found = []
    for path in sorted(DEMO.glob("*/pods.json")):
        found.extend(json.loads(path.read_text())["items"])
    return found


def _profile(pod: str) -> tuple[float, float, float, float] | None:
    return next((profile for prefix, profile in PROFILES.items() if pod.startswith(prefix)), None)


def usage(rng: random.Random, profile: tuple[float, float, float, float], t: int) -> tuple[float, float]:
    """CPU cores and memory bytes at time t: a daily cycle plus noise."""
    rest_cpu, peak_cpu, rest_memory, peak_memory = profile
    day = (math.sin((t % 86400) / 86400 * 2 * math.pi - math.pi / 2) + 1) / 2
    cpu = rest_cpu + (peak_cpu - rest_cpu) * day * rng.uniform(0.7, 1.0)
    memory = rest_memory + (peak_memory - rest_memory) * day * rng.uniform(0.9, 1.0)
    return cpu, memory


def main() -> None:
    rng = random.Random(20261120)
    oom_lines: list[str] = []
    cpu_lines, memory_lines, owner_lines, rs_lines, dcgm_util, dcgm_used, dcgm_free = [], [], [], [], [], [], []
    running = [pod for pod in pods() if _profile(pod["metadata"]["name"]) is not None]
    # The serving Deployment also ran an earlier ReplicaSet for the first two days (replaced by a rollout):
    # its pods are gone from the API but their usage counts for llm-server.
    gone = {
        "metadata": {
            "name": "llm-server-7b9f6d5c4d-q8w2e",
            "namespace": "ml-serving",
            "ownerReferences": [{"kind": "ReplicaSet", "name": "llm-server-7b9f6d5c4d"}],
        },
        "spec": {"containers": [{"name": "vllm"}]},
        "_until": START + 2 * 86400,
    }
    for pod in [*running, gone]:
        metadata = pod["metadata"]
        namespace, name = metadata["namespace"], metadata["name"]
        owner = (metadata.get("ownerReferences") or [{}])[0]
        if owner:
            owner_lines.append(
                (
                    f'kube_pod_owner{{namespace="{namespace}",pod="{name}",owner_kind="{owner["kind"]}",'
                    f'owner_name="{owner["name"]}",owner_is_controller="true"}}',
                    pod.get("_until", END),
                )
            )
        for container in pod["spec"]["containers"]:
            profile = _profile(name)
            if profile is None:
                continue
            if name.startswith(OOM_KILLED):
                oom_lines.append(
                    f'kube_pod_container_status_last_terminated_reason{{namespace="{namespace}",pod="{name}",container="{container["name"]}",reason="OOMKilled"}}'
                )
            labels = f'namespace="{namespace}",pod="{name}",container="{container["name"]}",job="kubelet",metrics_path="/metrics/cadvisor"'
            total = 0.0
            for t in range(START, pod.get("_until", END) + 1, SCRAPE):
                cpu, memory = usage(rng, profile, t)
                total += cpu * SCRAPE
                cpu_lines.append(f"container_cpu_usage_seconds_total{{{labels}}} {total:.3f} {t}")
                memory_lines.append(f"container_memory_working_set_bytes{{{labels}}} {memory:.0f} {t}")
                if container["name"] == "triton":
                    gpu = f'gpu="0",UUID="GPU-5b1d2c7e-8f4a",modelName="NVIDIA A100-SXM4-40GB",Hostname="{pod["spec"].get("nodeName")}",namespace="{namespace}",pod="{name}",container="triton"'
                    dcgm_util.append(f"DCGM_FI_DEV_GPU_UTIL{{{gpu}}} {rng.choice([0, 0, 0, 1, 2])} {t}")
                    dcgm_used.append(f"DCGM_FI_DEV_FB_USED{{{gpu}}} {rng.randint(3900, 4100)} {t}")
                    dcgm_free.append(f"DCGM_FI_DEV_FB_FREE{{{gpu}}} {40960 - 4000} {t}")
    for replica_set, deployment in (("llm-server-7b9f6d5c4d", "llm-server"),):
        rs_lines.append(
            (
                f'kube_replicaset_owner{{namespace="ml-serving",replicaset="{replica_set}",owner_kind="Deployment",owner_name="{deployment}",owner_is_controller="true"}}',
                START + 2 * 86400,
            )
        )
    out = [
        "# TYPE container_cpu_usage_seconds counter",
        *cpu_lines,
        "# TYPE container_memory_working_set_bytes gauge",
        *memory_lines,
        "# TYPE kube_pod_owner gauge",
    ]
    for series, until in owner_lines:
        out.extend(f"{series} 1 {t}" for t in range(START, until + 1, SCRAPE))
    out.append("# TYPE kube_replicaset_owner gauge")
    for series, until in rs_lines:
        out.extend(f"{series} 1 {t}" for t in range(START, until + 1, SCRAPE))
    out.append("# TYPE kube_pod_container_status_last_terminated_reason gauge")
    for series in oom_lines:
        out.extend(f"{series} 1 {t}" for t in range(END - 3600, END + 1, SCRAPE))
    out += [
        "# TYPE DCGM_FI_DEV_GPU_UTIL gauge",
        *dcgm_util,
        "# TYPE DCGM_FI_DEV_FB_USED gauge",
        *dcgm_used,
        "# TYPE DCGM_FI_DEV_FB_FREE gauge",
        *dcgm_free,
        "# EOF",
    ]
    (DEMO / "metrics.om").write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
