"""Time the metrics-file source on a big synthetic ``metrics.om`` (not a test: run it by hand).

    python -m tests.metrics_file.bench /tmp/bench --containers 2000 --days 7 --scrape 60

writes ``/tmp/bench/metrics.om`` (about 8 GB for those figures: CPU and memory of every container, and
``kube_pod_owner`` of every pod, one sample a scrape) unless it exists, then reads it with
:class:`MetricsFileSource` for all namespaces and prints the file size, the read time and the peak memory.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path

from kubectl_ml.model.usage import UsageQuery
from kubectl_ml.sources.metrics_file import MetricsFileSource

END = 1_795_000_020  # a multiple of 60 s


def generate(path: Path, containers: int, days: float, scrape: int, seed: int = 7) -> None:
    """Two containers a pod, four namespaces; CPU as a cumulative counter, memory as a noisy gauge."""
    rng = random.Random(seed)
    count = int(days * 86400 // scrape)
    stamps = [str(END - (count - 1 - index) * scrape) for index in range(count)]
    pods = [(f"team-{index % 4}", f"worker-{index // 2:05d}-abcde", f"c{index % 2}") for index in range(containers)]
    with path.open("w", encoding="utf-8") as stream:
        stream.write("# TYPE container_cpu_usage_seconds counter\n")
        for namespace, pod, container in pods:
            prefix = f'container_cpu_usage_seconds_total{{namespace="{namespace}",pod="{pod}",container="{container}",job="kubelet",metrics_path="/metrics/cadvisor"}} '  # noqa: E501
            total, level = 1000.0, rng.uniform(0.05, 2.0)
            lines = []
            for stamp in stamps:
                total += level * scrape * rng.uniform(0.5, 1.5)
                lines.append(f"{prefix}{total:.6f} {stamp}\n")
            stream.write("".join(lines))
        stream.write("# TYPE container_memory_working_set_bytes gauge\n")
        for namespace, pod, container in pods:
            prefix = f'container_memory_working_set_bytes{{namespace="{namespace}",pod="{pod}",container="{container}",job="kubelet",metrics_path="/metrics/cadvisor"}} '  # noqa: E501
            level = rng.uniform(1e8, 8e9)
            stream.write("".join(f"{prefix}{int(level * rng.uniform(0.8, 1.2))} {stamp}\n" for stamp in stamps))
        stream.write("# TYPE kube_pod_owner gauge\n")
        for namespace, pod, container in pods:
            if container != "c0":
                continue
            prefix = f'kube_pod_owner{{namespace="{namespace}",pod="{pod}",owner_kind="ReplicaSet",owner_name="{pod[:-6]}",owner_is_controller="true"}} 1 '  # noqa: E501
            stream.write("".join(f"{prefix}{stamp}\n" for stamp in stamps))
        stream.write("# EOF\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--containers", type=int, default=2000)
    parser.add_argument("--days", type=float, default=7)
    parser.add_argument("--scrape", type=int, default=60)
    arguments = parser.parse_args()
    arguments.folder.mkdir(parents=True, exist_ok=True)
    path = arguments.folder / "metrics.om"
    if not path.exists():
        started = time.perf_counter()
        generate(path, arguments.containers, arguments.days, arguments.scrape)
        print(f"generated in {time.perf_counter() - started:.1f} s")
    size = path.stat().st_size
    started = time.perf_counter()
    data = MetricsFileSource(path).usage(None, UsageQuery(window_seconds=arguments.days * 86400))
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{size / 1e6:.0f} MB, {len(data.containers)} containers, {len(data.pod_owners)} pod owners: "
        f"{elapsed:.1f} s, peak {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
